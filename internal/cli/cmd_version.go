package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// userAgent is what voxbatch calls itself in HTTP requests.
func (b Build) userAgent() string { return "voxbatch/" + b.version() }

// version is the -X main.version of the build, else the module version
// of `go install`, else "dev".
func (b Build) version() string {
	if b.Version != "" && b.Version != "dev" {
		return b.Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func versionCommand() *command {
	c := &command{
		name:    "version",
		summary: "print the version of voxbatch",
		exits:   plainExitCodes,
		example: "  voxbatch version",
	}
	c.setup = func(_ *flagSet, e *env) func(context.Context, []string) error {
		return func(_ context.Context, pos []string) error {
			if len(pos) > 0 {
				return usageErrorf("version takes no arguments")
			}
			fmt.Fprintf(e.stdout, "voxbatch %s (%s, %s/%s)\n", e.build.version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		}
	}
	return c
}

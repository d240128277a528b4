package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

// userAgent is what voxbatch calls itself in HTTP requests.
func userAgent() string { return "voxbatch/" + buildVersion() }

func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

func versionCommand() *command {
	c := &command{
		name:    "version",
		summary: "print the version of voxbatch",
		example: "  voxbatch version",
	}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := newFlagSet(c, e)
		pos, err := parseFlags(fs, e, args)
		if err != nil {
			return err
		}
		if len(pos) > 0 {
			return usageErrorf("version takes no arguments")
		}
		fmt.Fprintf(e.stdout, "voxbatch %s (%s, %s/%s)\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	}
	return c
}

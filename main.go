// Command voxbatch applies a reviewed plan of per-account changes to
// Voximplant child accounts through the Management API method
// SetChildAccountInfo. README.md gives the workflow and ARCHITECTURE.md how
// the parts fit; the commands live in internal/cli.
package main

import (
	"context"
	_ "embed"
	"os"
	"os/signal"
	"syscall"

	"github.com/voxbatch/voxbatch/internal/cli"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

// demoPlan is the plan `voxbatch demo` runs, so that it runs from anywhere.
//
//go:embed samples/disable.csv
var demoPlan []byte

func main() {
	// The first SIGINT/SIGTERM cancels ctx: the run stops sending and writes
	// its report. cli.Main handles a second one.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Build{Version: version, DemoPlan: demoPlan})
	stop()
	os.Exit(code)
}

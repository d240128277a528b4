// Command voxbatch applies a reviewed plan of per-account changes to
// Voximplant child accounts through the Management API method
// SetChildAccountInfo. See README.md for the workflow and ../DESIGN.md for
// how the parts fit.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// A second signal exits at once: once the context is done, restore the
		// default behaviour so that the next SIGINT/SIGTERM kills the process.
		<-ctx.Done()
		stop()
	}()
	code := dispatch(ctx, newEnv(), os.Args[1:])
	stop()
	os.Exit(code)
}

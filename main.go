// Command voxbatch applies a reviewed plan of per-account changes to
// Voximplant child accounts through the Management API method
// SetChildAccountInfo. See README.md for the workflow and DESIGN.md for how
// the parts fit.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// The first SIGINT/SIGTERM cancels the context: the run stops sending,
	// lets requests in flight finish and writes its report. A second one
	// exits at once; the journal is written per outcome, so a rerun still
	// resumes.
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel()
		<-sigs
		const msg = "second signal: exiting at once; rerun the same command to resume"
		if e := newEnv(); wantsJSONLog(e, os.Args[1:]) {
			newLogger(os.Stderr, "json", "info").Warn(msg, "exit_code", exitInterrupted)
		} else {
			fmt.Fprintln(os.Stderr, "voxbatch: "+msg)
		}
		os.Exit(exitInterrupted)
	}()
	code := dispatch(ctx, newEnv(), os.Args[1:])
	cancel()
	os.Exit(code)
}

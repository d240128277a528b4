package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Build is what the binary knows of itself.
type Build struct {
	// Version is set at build time (-X main.version); "" or "dev" when not.
	Version string
	// DemoPlan is the plan `voxbatch demo` runs when given none.
	DemoPlan []byte
}

// Main runs the command line args (without the program's name) in this
// process and returns the exit code. ctx is cancelled by the first
// SIGINT/SIGTERM, which stops the run gracefully; a second signal exits at
// once with 130. The journal is written per outcome, so a rerun resumes.
func Main(ctx context.Context, args []string, b Build) int {
	e := newEnv(b)
	// A closed pipe on stdout (--report - | head) is a write error that
	// the run reports, with its summary and exit code, not a silent death
	// by SIGPIPE.
	signal.Ignore(syscall.SIGPIPE)
	stop := exitOnSecondSignal(e, args)
	defer stop()
	return dispatch(ctx, e, args)
}

// exitOnSecondSignal exits the process on the second SIGINT/SIGTERM; the
// first one is the caller's (it cancels the context). The returned function
// stops watching.
func exitOnSecondSignal(e *env, args []string) func() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for n := 0; ; n++ {
			select {
			case <-done:
				return
			case <-sigs:
			}
			if n == 0 {
				continue
			}
			const msg = "second signal: exiting at once; rerun the same command to resume"
			if wantsJSONLog(e, args) {
				newLogger(e.stderr, "json", "info").Warn(msg, "exit_code", exitInterrupted)
			} else {
				fmt.Fprintln(e.stderr, "voxbatch: "+msg)
			}
			os.Exit(exitInterrupted)
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/voxbatch/voxbatch/voxsim"
)

// demoOptions are the flags of voxbatch demo.
type demoOptions struct {
	run runOptions
	sim voxsim.Config
	dir string
}

func demoCommand() *command {
	c := &command{
		name:    "demo",
		summary: "run samples/disable.csv against a built-in simulator: a real run, nothing to install",
		usage:   "[flags] [PLAN]",
		example: "  go run . demo\n  voxbatch demo --fault-rate 0.05 --drop-rate 0.02",
	}
	c.setup = func(fs *flagSet, e *env) func(context.Context, []string) error {
		var opts demoOptions
		opts.run.register(fs)
		fs.group("Simulator", "voxbatch demo --fault-rate 0.05 --drop-rate 0.02", func() {
			fs.simFlags(func() {
				registerSimFaults(fs.FlagSet, &opts.sim)
				fs.IntVar(&opts.sim.Accounts, "accounts", 1000, "`N` child accounts in the simulator, ids from 1000")
			})
		})
		fs.group("Demo", "", func() {
			fs.StringVar(&opts.dir, "dir", "", "where the demo writes credentials and the report (default: a new folder in $TMPDIR or /tmp, else under the working directory)")
		})
		// The demo is for watching: a modest pace, a little latency.
		fs.setDefault("rate", "20")
		fs.setDefault("workers", "4")
		fs.setDefault("chunk-size", "25")
		fs.setDefault("latency", "30ms")
		return func(ctx context.Context, pos []string) error {
			if err := opts.run.check(); err != nil {
				return err
			}
			return runDemo(ctx, e, &opts, pos)
		}
	}
	return c
}

// demoFolder makes the folder of a demo: dir when given, else a new folder
// in the temporary directory ($TMPDIR or /tmp), or, when that cannot be
// used (an image with no /tmp, TMPDIR naming a missing folder), a new folder
// under the working directory.
func demoFolder(e *env, dir string) (string, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", fmt.Errorf("demo folder: %w", err)
		}
		return dir, nil
	}
	dir, tmpErr := os.MkdirTemp("", "voxbatch-demo-")
	if tmpErr == nil {
		return dir, nil
	}
	dir, err := os.MkdirTemp(".", "voxbatch-demo-")
	if err != nil {
		return "", usageErrorf("demo folder: neither the temporary directory (%v) nor the working directory (%v) can hold it", tmpErr, err).withHint(
			"give the demo a folder: voxbatch demo --dir DIR, or set TMPDIR to a writable folder")
	}
	e.notef("demo: the temporary directory cannot be used (%v); the demo's files go to %s", tmpErr, dir)
	return dir, nil
}

func runDemo(ctx context.Context, e *env, opts *demoOptions, pos []string) error {
	dir, err := demoFolder(e, opts.dir)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		path := filepath.Join(dir, "disable.csv")
		if err := os.WriteFile(path, e.build.DemoPlan, 0o644); err != nil {
			return fmt.Errorf("demo plan: %w", err)
		}
		pos = []string{path}
	}
	s, err := voxsim.New(opts.sim)
	if err != nil {
		return usageErrorf("%v", err)
	}
	creds := filepath.Join(dir, "sim-credentials.json")
	if err := s.WriteCredentials(creds); err != nil {
		return fmt.Errorf("demo credentials: %w", err)
	}
	endpoint, err := s.Start("127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("start the simulator: %w", err)
	}
	defer s.Close()
	e.notef("demo: simulator with %d accounts at %s", opts.sim.Accounts, endpoint)

	// Each demo has a fresh simulator, so it starts afresh too, and keeps
	// its journal and report in its folder.
	run := opts.run
	run.credentials = creds
	run.endpoint = endpoint
	run.fresh = true
	run.yes = true           // a simulator's accounts: nothing to confirm
	if run.reportDir == "" { // else the run's defaults, in --report-dir
		if run.report == "" {
			run.report = filepath.Join(dir, "report.csv")
		}
		if run.state == "" {
			run.state = filepath.Join(dir, "journal.state")
		}
	}
	err = runRun(ctx, e, &run, pos)
	st := s.Stats()
	e.notef("demo: the simulator answered %d requests and changed %d accounts", st.Requests, st.AccountsChanged)
	return err
}

package cli

import (
	"context"
	"fmt"

	"github.com/voxbatch/voxbatch/batch"
	"github.com/voxbatch/voxbatch/plan"
)

// voxbatch export PLAN --out FILE: the current values of the plan's
// parameters for the plan's accounts, written as a plan. It only reads
// (GetChildrenAccounts, the reads of a preview); running what it writes
// changes nothing. An operator keeps it as a snapshot before a change, or
// round-trips a sheet: export, edit, run.

// exportOptions are the flags of voxbatch export: the plan's, --out, the
// reads' connection and pace, logging. They are runOptions, so that the
// run's client and read settings serve it unchanged.
type exportOptions = runOptions

// registerExport adds the flags of export to fs, in the groups of its help.
func registerExport(o *exportOptions, fs *flagSet) {
	fs.group("Plan", "voxbatch export plan.csv --out before.csv --chunk-size 100", func() { o.plan.register(fs.FlagSet) })
	fs.group("Output", "voxbatch export plan.csv --out before.yaml", func() {
		fs.StringVar(&o.exportOut, "out", "", "write the current values as a plan to `FILE` (.csv, .yaml, .yml, .xlsx; - for stdout, as CSV)")
	})
	fs.group("Reading", "voxbatch export plan.csv --out - --credentials credentials.json --rate 20", func() {
		o.registerAPI(fs)
	})
	fs.group("Logging", "voxbatch export plan.csv --out before.csv --log-format json", func() {
		o.registerLog(fs)
	})
}

// checkExport checks the flags of export.
func checkExport(o *exportOptions) error {
	if o.exportOut == "" {
		return usageErrorf("export needs --out FILE").withHint("name a .csv, .yaml or .xlsx file, or - to print CSV on stdout")
	}
	if err := o.checkAPI(); err != nil {
		return err
	}
	if _, err := plan.TableFormat(o.exportOut); err != nil {
		return usageErrorf("--out %v", err)
	}
	_, err := parseLevel(o.logLevel)
	return err
}

func exportCommand() *command {
	c := &command{
		name:    "export",
		summary: "write the current values of a plan's parameters for its accounts, as a plan (reads only)",
		usage:   "[flags] PLAN",
		exits:   exportExitCodes,
		example: "  voxbatch export plan.csv --out before.csv --credentials credentials.json\n" +
			"  voxbatch export plan.csv --out - --credentials credentials.json | less",
	}
	c.setup = func(fs *flagSet, e *env) func(context.Context, []string) error {
		var opts exportOptions
		registerExport(&opts, fs)
		return func(ctx context.Context, pos []string) error {
			if err := checkExport(&opts); err != nil {
				return err
			}
			opts.credentialsFrom = fs.source("credentials")
			return runExport(ctx, e, &opts, pos)
		}
	}
	return c
}

// runExport loads the plan, reads its accounts and writes what they hold
// of the plan's parameters to --out. It sends no change.
func runExport(ctx context.Context, e *env, opts *exportOptions, pos []string) error {
	s, err := newSession(e, opts, pos)
	if err != nil {
		return err
	}
	if err := s.paths("", "").check(); err != nil {
		return err
	}
	client, err := s.newClient()
	if err != nil {
		return err
	}
	s.logger.Info("reading the current values of the plan's accounts", "plan", s.plan.Source, "rows", len(s.plan.Rows))
	ex, err := batch.ReadExport(ctx, s.plan, client, opts.batchConfig(s.logger))
	if err != nil {
		return withRunHint(err)
	}
	if err := plan.WriteTable(opts.exportOut, e.stdout, ex.Table); err != nil {
		return usageError(fmt.Errorf("--out: %w", err))
	}
	for _, n := range ex.Table.Notes[1:] {
		s.logger.Warn("export: "+n, "out", opts.exportOut)
	}
	where := opts.exportOut
	if where == "-" {
		where = "stdout"
	}
	e.notef("export: %d rows to %s (%d accounts missing, %d rows with parameters not exported, %d values the API left out), read with %d requests",
		ex.Rows, where, ex.Missing, ex.NotReadable, ex.Unknown, ex.Requests)
	if ex.Rows == 0 {
		s.logger.Warn(fmt.Sprintf("export: no account of %s was read; %s holds no rows", s.plan.Source, where))
	}
	return nil
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/voxbatch/voxbatch/batch"
	"github.com/voxbatch/voxbatch/internal/review"
	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
)

// session is one `voxbatch run` after the steps its three modes (execute,
// dry run, preview) share: the plan loaded and its digest pinned, and, in
// the dry modes, the plan summarized and cut into requests once, the
// review file and the dry-run report written.
type session struct {
	e      *env
	opts   *runOptions
	plan   *plan.Plan
	logger *slog.Logger

	term *termWriter // a real run's stderr on a terminal, nil elsewhere

	// accountID is the credentials' account, once newClient loaded them.
	accountID int64

	// The dry modes' view of the whole plan.
	sum  plan.Summary
	reqs []plan.Request
}

// newSession loads the plan named by pos and does what every mode does
// before it reads or sends anything.
func newSession(e *env, opts *runOptions, pos []string) (*session, error) {
	p, err := opts.plan.load(e, pos)
	if err != nil {
		return nil, err
	}
	s := &session{e: e, opts: opts, plan: p}
	logTo := e.stderr
	if e.isTerminal && opts.logFormat == "text" && !opts.dryRun {
		// A real run on a terminal shows a bar: its log lines go through
		// the same writer, which keeps the two apart.
		s.term = &termWriter{w: e.stderr}
		logTo = s.term
	}
	s.logger = newLogger(logTo, opts.logFormat, opts.logLevel)
	if err := pinDigest(opts, p, s.logger); err != nil {
		return nil, err
	}
	if !opts.dryRun {
		return s, nil
	}
	if err := s.paths("", "").check(); err != nil {
		return nil, err
	}
	s.sum = p.Summarize(opts.plan.chunkSize)
	s.reqs = plan.Chunk(p, nil, opts.plan.chunkSize)
	if opts.reviewOut != "" {
		if err := review.Write(opts.reviewOut, review.New(p, opts.plan.settings(), s.sum, s.reqs)); err != nil {
			return nil, err
		}
	}
	if opts.report != "" {
		if err := s.writeDryRunReport(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// batchConfig is the pace, retry and threshold settings of the run, for
// its reads and its sending alike.
func (o *runOptions) batchConfig(logger *slog.Logger) batch.Config {
	return batch.Config{
		Workers:        o.workers,
		Rate:           o.rate,
		Burst:          o.burst,
		MaxAttempts:    o.maxAttempts,
		ChunkSize:      o.plan.chunkSize,
		MaxFailures:    o.maxFailures,
		MaxFailureRate: o.maxFailureRate,
		MinSample:      o.minSample,
		Grace:          o.grace,
		Logger:         logger,
	}
}

// writeDryRunReport writes the report a dry run stands for: every row with
// status dry_run and the number of the request that would carry it, invalid
// rows as invalid, so that a reviewer can match lines to requests.
func (s *session) writeDryRunReport() error {
	path, p := s.opts.report, s.plan
	if path == report.Stdout {
		return usageErrorf("a dry run prints its requests on stdout; give --report a file")
	}
	format, err := report.FormatFor(path, "")
	if err != nil {
		return usageErrorf("--report %s: %v", path, err)
	}
	if journal := journalPathFor(path, p.Digest); exists(journal) {
		// VOXBATCH_REPORT set for the real runs (a Job, a cron file) must
		// not let a dry run replace a real run's report.
		return usageErrorf("--report %s belongs to a real run (its journal %s exists); a dry run does not overwrite it",
			path, journal).withHint("give the dry run a report of its own: --report dry-run.csv")
	}
	recs := batch.DryRunRecords(p, s.reqs)
	if err := report.WriteFile(path, format, len(recs), func(i int) report.Record { return recs[i] }); err != nil {
		return fmt.Errorf("write the dry-run report: %w", err)
	}
	return nil
}

// showDry prints the result of a dry mode on stdout: the JSON document doc
// under --output json; else the text, the plan summary, the review file,
// the lines of tail and "nothing was sent". Invalid rows left out of the
// plan make it exit 1.
func (s *session) showDry(what string, doc func() any, text func(w io.Writer), tail ...string) error {
	w := s.e.stdout
	if s.opts.output == "json" {
		if err := writeIndentedJSON(w, doc()); err != nil {
			return fmt.Errorf("write %s: %w", what, err)
		}
	} else {
		text(w)
		fmt.Fprintln(w)
		printPlanSummary(s.e, s.plan, s.sum)
		if s.opts.reviewOut != "" {
			fmt.Fprintf(w, "review file: %s\n", s.opts.reviewOut)
		}
		for _, line := range tail {
			fmt.Fprintln(w, line)
		}
		fmt.Fprintln(w, "dry run: nothing was sent")
	}
	if s.sum.Invalid > 0 {
		return invalidRowsError(s.sum.Invalid)
	}
	return nil
}

// exists tells whether path names a file (or anything else) now.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// resolve settles, for a plan that names accounts by more than one
// selector kind, which accounts its names and emails are, before anything
// is sent: two rows that change one account differently are refused (exit
// 2; invalid rows under --skip-invalid), identical ones merged. With pv,
// the accounts a preview read already tell; else the rows still to do
// (todo) are read.
func (s *session) resolve(ctx context.Context, client batch.Client, todo func(int) bool, pv *batch.Preview) error {
	if !s.plan.MixesKinds() {
		return nil
	}
	o := s.opts.plan
	if pv != nil {
		return s.plan.Resolve(pv.AccountIDs(), o.skipInvalid, o.maxErrors)
	}
	s.logger.Info("the plan names accounts by more than one selector kind: reading which accounts its names and emails are")
	cfg := s.opts.batchConfig(s.logger)
	cfg.Todo = todo
	n, err := batch.ResolveKinds(ctx, s.plan, client, cfg, o.skipInvalid, o.maxErrors)
	var ve *plan.ValidationError
	if err != nil && !errors.As(err, &ve) {
		return withRunHint(err)
	}
	s.logger.Info("resolved the plan's names and emails", "requests", n)
	return err
}

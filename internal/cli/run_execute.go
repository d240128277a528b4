package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/voxbatch/voxbatch/batch"
	"github.com/voxbatch/voxbatch/internal/lockfile"
	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voximplant"
)

// credentialsSource is where the run's credentials come from: the flag or
// variable, and its value (a path or the JSON itself; "" when none).
func (o *runOptions) credentialsSource(getenv func(string) string) (source, value string) {
	if o.credentials != "" {
		source = o.credentialsFrom
		if source == "" {
			source = "--credentials"
		}
		return source, o.credentials
	}
	return voximplant.CredentialsEnv, getenv(voximplant.CredentialsEnv)
}

// newClient loads the credentials and makes the API client of a run.
func newClient(e *env, opts *runOptions, logger *slog.Logger) (*voximplant.Client, error) {
	source, value := opts.credentialsSource(e.getenv)
	if value == "" {
		return nil, usageErrorf("no credentials given").withHint(
			"pass --credentials credentials.json or set VOXIMPLANT_CREDENTIALS (a path or the JSON itself); to try voxbatch without an account, run 'voxbatch demo'")
	}
	creds, err := voximplant.LoadCredentialsFrom(source, value)
	if err != nil {
		return nil, credentialsError(err)
	}
	if w := creds.Warning(); w != "" {
		logger.Warn(w)
	}
	client, err := voximplant.New(creds, voximplant.Config{
		Endpoint:  opts.endpoint,
		Timeout:   opts.timeout,
		Workers:   opts.workers,
		UserAgent: e.build.userAgent(),
	})
	if err != nil {
		return nil, clientError(err)
	}
	return client, nil
}

// execute is a real run: it sends the plan and writes the report, the
// journal and the summary.
func (s *session) execute(ctx context.Context) error {
	client, err := newClient(s.e, s.opts, s.logger)
	if err != nil {
		return err
	}
	out, err := s.openOutputs()
	if err != nil {
		return err
	}
	defer out.closeEarly()
	todo, prefill := out.resume.Todo, out.resume.Prefill
	if s.opts.skipUnchanged {
		pv, err := s.skipUnchanged(ctx, client, out)
		if err != nil {
			return err
		}
		todo = func(i int) bool { return out.resume.Todo(i) && pv.Todo(i) }
		prefill = func(i int, rec *report.Record) { out.resume.Prefill(i, rec); pv.Prefill(i, rec) }
	} else if err := s.resolve(ctx, client, out.resume.Todo, nil); err != nil {
		out.discard()
		return err
	}
	p := s.plan
	s.logger.Info("starting", "plan", p.Source, "digest", p.Digest, "rows", len(p.Rows), "report", out.reportPath)
	cfg := s.opts.batchConfig(s.logger)
	cfg.Journal, cfg.Todo, cfg.Prefill, cfg.Unknown = out.journal, todo, prefill, out.resume.Unknown
	cfg.OnOutcome = func(_ int, rec *report.Record) { out.stream.write(rec) }
	runner := batch.New(p, client, cfg)
	stopMetrics, err := serveMetrics(s.opts.metricsAddr, runner, s.logger)
	if err != nil {
		return err
	}
	defer stopMetrics()
	if err := out.stream.open(runner); err != nil {
		return err
	}
	pr := startProgress(s.e.stderr, s.e.isTerminal && s.opts.logFormat == "text", s.logger, s.opts.progressInterval,
		runner.Stats, runner.Todo)
	res, runErr := runner.Run(ctx)
	pr.end()
	return s.finishRun(out, res, runErr)
}

// outputs are the files of a real run, opened before anything is sent.
type outputs struct {
	reportPath string
	format     report.Format
	stream     *liveReport
	reportLock *lockfile.Lock // nil for a report on stdout
	journal    *batch.Journal
	resume     *batch.Resume
	summary    *os.File // nil without --summary
}

// openOutputs settles the paths of the report and the journal, refuses
// outputs that would overwrite an input or each other, locks the report
// and the journal, tidies what a killed run left of the report, and opens
// the --summary file. The locks come first: a run that may not start
// (another run at work, another plan) leaves the earlier report alone.
func (s *session) openOutputs() (*outputs, error) {
	out := &outputs{reportPath: s.opts.report}
	if out.reportPath == "" {
		out.reportPath = reportPathFor(s.plan.Digest)
	}
	var err error
	if out.format, err = report.FormatFor(out.reportPath, ""); err != nil {
		return nil, usageErrorf("--report %s: %v", out.reportPath, err)
	}
	journalPath := s.opts.state
	if journalPath == "" {
		journalPath = journalPathFor(out.reportPath, s.plan.Digest)
	}
	if err := s.paths(out.reportPath, journalPath).check(); err != nil {
		return nil, err
	}
	out.stream = &liveReport{path: out.reportPath, format: out.format}
	if out.reportPath != report.Stdout {
		if out.reportLock, err = lockfile.Acquire(out.reportPath + ".lock"); err != nil {
			return nil, reportLockError(out.reportPath, err)
		}
	}
	if out.journal, out.resume, err = s.openJournal(journalPath); err != nil {
		out.reportLock.Release()
		return nil, err
	}
	if err := report.Tidy(out.reportPath); err != nil {
		out.closeEarly()
		return nil, usageErrorf("--report %s: %v", out.reportPath, err)
	}
	if out.summary, err = createSummary(s.opts.summary); err != nil {
		out.closeEarly()
		return nil, err
	}
	return out, nil
}

// discard closes the outputs of a run refused before it sent anything: a
// journal this run created and that holds nothing is removed, so that it
// does not tie the report's path to a plan that is about to be fixed.
func (out *outputs) discard() {
	out.journal.Discard()
	out.closeEarly()
}

// closeEarly closes what a run that ends before its report leaves open;
// after finishRun it does nothing harmful.
func (out *outputs) closeEarly() {
	out.journal.Close()
	if out.summary != nil {
		out.summary.Close()
	}
	out.reportLock.Release()
}

// liveReport is the report as it is streamed during the run: rows decided
// before this run first, then this run's outcomes as they come. It is opened
// once nothing else can fail before the run; outcomes before that (none)
// and after a write error are dropped, since the final rewrite from the
// records makes the report whole anyway.
type liveReport struct {
	path   string
	format report.Format
	stream *report.Stream
	err    error
}

func (lr *liveReport) open(runner *batch.Runner) error {
	if lr.path == report.Stdout {
		return nil // written once, at the end
	}
	var err error
	if lr.stream, err = report.CreateLive(lr.path, lr.format); err != nil {
		return usageErrorf("%v", err)
	}
	// Rows decided before this run (skipped, earlier failures, unchanged,
	// invalid) go first, so that a report on disk is complete up to this
	// run's own outcomes even if it is killed.
	runner.EachDecided(func(_ int, rec *report.Record) { lr.write(rec) })
	return nil
}

func (lr *liveReport) write(rec *report.Record) {
	if lr.stream != nil && lr.err == nil {
		lr.err = lr.stream.Write(*rec)
	}
}

func (lr *liveReport) close() error {
	if lr.stream != nil {
		if err := lr.stream.Close(); err != nil && lr.err == nil {
			lr.err = err
		}
	}
	return lr.err
}

// finishRun writes the final report and the summary, closes the journal,
// and turns the run's outcome into the command's error.
func (s *session) finishRun(out *outputs, res *batch.Result, runErr error) error {
	if err := out.stream.close(); err != nil {
		s.logger.Warn("the report could not be written as the run went", "error", err)
	}
	var post []error // what failed after rows were sent: exit 1, not 2
	recs := res.Records
	if err := report.Finalize(out.reportPath, s.e.stdout, out.format, len(recs), func(i int) report.Record { return recs[i] }); err != nil {
		post = append(post, fmt.Errorf("write the report: %w", err))
	} else if err := out.stream.stream.RemoveTemp(); err != nil {
		s.logger.Warn("the live report could not be removed; the next run removes it", "error", err)
	}
	sum := res.Summary()
	if err := s.printSummary(sum, out.reportPath, out.summary); err != nil {
		post = append(post, err)
	}
	out.summary = nil // printSummary closed it
	if err := out.journal.Close(); err != nil {
		post = append(post, fmt.Errorf("close the journal: %w", err))
	}
	if err := out.reportLock.Release(); err != nil {
		s.logger.Warn("the report's lock file could not be removed", "error", err)
	}
	return runError(runErr, notAppliedError(sum, out.reportPath), errors.Join(post...))
}

// skipUnchanged is the first step of `run --skip-unchanged`: it reads the
// current state of the rows still to do (the resume's, so that rows
// decided by an earlier run are not read again), resolves a plan that
// mixes selector kinds from what it read, journals the rows found already
// in the desired state, and returns the preview whose Todo and Prefill the
// run composes with the resume's.
func (s *session) skipUnchanged(ctx context.Context, client batch.Client, out *outputs) (*batch.Preview, error) {
	logger := s.logger
	cfg := s.opts.batchConfig(logger)
	cfg.Todo = out.resume.Todo
	logger.Info("reading the current state of the accounts still to do")
	pv, err := batch.ReadPreview(ctx, s.plan, client, cfg, 0)
	if err != nil {
		return nil, withRunHint(err)
	}
	if err := s.resolve(ctx, client, nil, pv); err != nil {
		out.discard()
		return nil, err
	}
	if err := pv.Journal(out.journal); err != nil {
		return nil, fmt.Errorf("journal the unchanged rows: %w", err)
	}
	c := pv.Counts()
	logger.Info("read the current state", "to_change", c[batch.StateChange], "unchanged", c[batch.StateUnchanged],
		"missing", c[batch.StateMissing], "requests", pv.Requests)
	return pv, nil
}

// reportPathFor is the default report file of a plan.
func reportPathFor(digest string) string {
	return fmt.Sprintf("report-%s.csv", shortDigest(digest))
}

// shortDigest is the first 12 hex digits of a "sha256:..." digest.
func shortDigest(digest string) string {
	h := strings.TrimPrefix(digest, "sha256:")
	if len(h) > 12 {
		h = h[:12]
	}
	return h
}

// journalPathFor is the default journal of a run.
func journalPathFor(reportPath, digest string) string {
	if reportPath == report.Stdout {
		return fmt.Sprintf("voxbatch-%s.state", shortDigest(digest))
	}
	return reportPath + ".state"
}

// openJournal opens the run's journal (moving an old one aside with
// --fresh) and tells what earlier runs left.
func (s *session) openJournal(path string) (*batch.Journal, *batch.Resume, error) {
	opts, p := s.opts, s.plan
	if opts.fresh {
		moved, err := batch.MoveAside(path, time.Now())
		if err != nil {
			return nil, nil, journalError(err)
		}
		if moved != "" {
			s.logger.Info("starting afresh; the old journal is kept", "moved_to", moved)
		}
	}
	j, earlier, err := batch.OpenJournal(path, p.Digest, len(p.Rows))
	if err != nil {
		return nil, nil, journalError(err)
	}
	passwords := batch.PlanPasswords(p)
	j.TrackPasswords(passwords)
	rs := &batch.Resume{Earlier: earlier, RetryFailed: opts.retryFailed, Password: passwords}
	if earlier.Len() > 0 {
		done, failed := rs.Counts()
		s.logger.Info("resuming from the journal", "journal", path, "done_before", done, "failed_before", failed,
			"retry_failed", opts.retryFailed)
	}
	return j, rs, nil
}

// createSummary opens the --summary file before anything is sent, so that
// a path that cannot be written is a usage error, not a failure after the
// run. It returns nil without --summary.
func createSummary(path string) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, usageErrorf("--summary: %v", err)
	}
	return f, nil
}

// printSummary writes the end-of-run summary to stderr (text or a log line)
// and, with --summary, as JSON to its file, which it closes.
func (s *session) printSummary(sum report.Summary, reportPath string, f *os.File) error {
	if s.opts.logFormat == "json" {
		s.logger.LogAttrs(context.Background(), slog.LevelInfo, "summary",
			append(sum.LogAttrs(), slog.String("report", reportPath))...)
	} else {
		_ = sum.WriteText(s.e.stderr)
		if reportPath != report.Stdout {
			fmt.Fprintf(s.e.stderr, "report: %s\n", reportPath)
		}
	}
	if f == nil {
		return nil
	}
	if err := sum.WriteJSON(f); err != nil {
		f.Close()
		return fmt.Errorf("write the summary: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write the summary: %w", err)
	}
	return nil
}

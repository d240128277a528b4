package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/voxbatch/voxbatch/batch"
	"github.com/voxbatch/voxbatch/internal/lockfile"
	"github.com/voxbatch/voxbatch/plan"
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

// newClient loads the credentials and makes the API client of a run; it
// keeps the credentials' account for the confirmation.
func (s *session) newClient() (*voximplant.Client, error) {
	e, opts := s.e, s.opts
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
		s.logger.Warn(w)
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
	s.accountID = creds.AccountID
	return client, nil
}

// execute is a real run: it sends the plan and writes the report, the
// journal and the summary.
func (s *session) execute(ctx context.Context) error {
	client, err := s.newClient()
	if err != nil {
		return err
	}
	out, err := s.openOutputs()
	if err != nil {
		return err
	}
	defer out.closeEarly()
	cfg, err := s.runConfig(ctx, client, out)
	if err != nil {
		return err
	}
	runner := batch.New(s.plan, client, cfg)
	if err := s.confirm(runner, client.Endpoint(), s.accountID, s.opts.limit); err != nil {
		out.discard()
		return err
	}
	stopMetrics, err := serveMetrics(s.opts.metricsAddr, runner, s.logger)
	if err != nil {
		return err
	}
	defer stopMetrics()
	if err := out.stream.open(runner); err != nil {
		return err
	}
	defer context.AfterFunc(ctx, func() { s.acknowledgeInterrupt(runner) })()
	pr := startProgress(s.term, s.logger, s.opts.progressInterval, runner.Stats, runner.Todo)
	res, runErr := runner.Run(ctx)
	pr.end()
	if errors.Is(runErr, batch.ErrUnreachable) {
		runErr = fmt.Errorf("cannot reach %s: %w", endpointHost(client.Endpoint()), runErr)
	}
	out.verify, runErr = s.verifyRun(ctx, runner, res, runErr)
	return s.finishRun(out, res, runErr)
}

// runConfig settles which rows the run sends, and how: the resume's rows
// still to do, less those --skip-unchanged finds in the desired state (a
// plan that mixes selector kinds resolved on the way), cut to --limit.
func (s *session) runConfig(ctx context.Context, client batch.Client, out *outputs) (batch.Config, error) {
	cfg := s.opts.batchConfig(s.logger)
	todo, prefill := out.resume.Todo, out.resume.Prefill
	if s.opts.skipUnchanged {
		pv, err := s.skipUnchanged(ctx, client, out)
		if err != nil {
			return cfg, err
		}
		todo = func(i int) bool { return out.resume.Todo(i) && pv.Todo(i) }
		prefill = func(i int, rec *report.Record) { out.resume.Prefill(i, rec); pv.Prefill(i, rec) }
	} else if err := s.resolve(ctx, client, out.resume.Todo, nil); err != nil {
		out.discard()
		return cfg, err
	}
	if s.opts.limit > 0 {
		todo, out.leftByLimit = limitRows(s.plan, todo, s.opts.limit)
	}
	p := s.plan
	s.logger.Info("starting", "plan", p.Source, "digest", p.Digest, "rows", len(p.Rows), "report", out.reportPath)
	cfg.Journal, cfg.Todo, cfg.Prefill, cfg.Unknown, cfg.Undo = out.journal, todo, prefill, out.resume.Unknown, out.undo
	cfg.OnOutcome = func(_ int, rec *report.Record) { out.stream.write(rec) }
	return cfg, nil
}

// limitRows cuts todo to the first n rows still to do, in plan order (a
// row merged into another counts with it), for --limit. It returns the
// rows left for a later run.
func limitRows(p *plan.Plan, todo func(int) bool, n int) (func(int) bool, int) {
	chosen := make(map[int]bool, n)
	left := 0
	for i := range p.Rows {
		r := &p.Rows[i]
		if !r.Valid() || r.Dup >= 0 || (todo != nil && !todo(i)) {
			continue
		}
		rows := 1 + len(p.Dups(i))
		if len(chosen) < n {
			chosen[i] = true
		} else {
			left += rows
		}
	}
	return func(i int) bool { return chosen[i] }, left
}

// acknowledgeInterrupt tells, as soon as the first signal comes, what the
// run does now and how to stop it at once.
func (s *session) acknowledgeInterrupt(runner *batch.Runner) {
	s.logger.Warn(fmt.Sprintf("interrupted: finishing %d requests in flight (up to %s); Ctrl-C again stops now",
		runner.Stats().InFlight, s.opts.grace))
}

// outputs are the files of a real run, opened before anything is sent.
type outputs struct {
	reportPath string
	format     report.Format
	stream     *liveReport
	reportLock *lockfile.Lock // nil for a report on stdout
	journal    *batch.Journal
	resume     *batch.Resume
	// leftByLimit is the rows --limit leaves for a later run: they are
	// not_attempted, and that is not a failure.
	leftByLimit int
	summary     *summaryFile // nil without --summary
	// undo holds the values before the changes, with --undo-out.
	undo *batch.Undo
	// verify is what --verify found.
	verify *report.VerifyCounts
}

// openOutputs settles the paths of the report and the journal, refuses
// outputs that would overwrite an input or each other, locks the report
// and the journal, tidies what a killed run left of the report, and opens
// the --summary file. The locks come first: a run that may not start
// (another run at work, another plan) leaves the earlier report alone.
func (s *session) openOutputs() (*outputs, error) {
	out := &outputs{reportPath: s.opts.report}
	if out.reportPath == "" {
		out.reportPath = filepath.Join(s.opts.reportDir, reportPathFor(s.plan.Digest))
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
		out.discard()
		return nil, usageErrorf("--report %s: %v", out.reportPath, err)
	}
	if out.summary, err = createSummary(s.opts.summary); err != nil {
		out.discard()
		return nil, err
	}
	if err := s.openUndo(out); err != nil {
		out.discard()
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
	out.summary.abandon()
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
	var post []error // what failed after rows were sent: exit 5, not 2
	recs := res.Records
	if err := report.Finalize(out.reportPath, s.e.stdout, out.format, len(recs), func(i int) report.Record { return recs[i] }); err != nil {
		post = append(post, fmt.Errorf("write the report: %w", err))
	} else if err := out.stream.stream.RemoveTemp(); err != nil {
		s.logger.Warn("the live report could not be removed; the next run removes it", "error", err)
	}
	undo, uerr := s.writeUndo(out, func(i int) report.Status { return recs[i].Status })
	if uerr != nil {
		post = append(post, uerr)
	}
	if err := out.journal.Close(); err != nil {
		post = append(post, fmt.Errorf("close the journal: %w", err))
	}
	if err := out.reportLock.Release(); err != nil {
		s.logger.Warn("the report's lock file could not be removed", "error", err)
	}
	if out.leftByLimit > 0 {
		s.e.notef("--limit: %d rows left for a later run; rerun the same command, with or without --limit, to go on", out.leftByLimit)
	}
	sum := res.Summary()
	sum.Verify, sum.Undo = out.verify, undo
	notApplied := notAppliedError(sum, out.reportPath, out.leftByLimit)
	err := runError(runErr, notApplied, errors.Join(post...))
	sum.ExitCode = exitCode(err)
	if serr := s.printSummary(sum, out.reportPath, out.summary); serr != nil {
		// The summary file is the last output: its loss is told, and
		// counts as an output that could not be written.
		err = runError(runErr, notApplied, errors.Join(append(post, serr)...))
	}
	out.summary = nil // printSummary closed it
	return err
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
		out.discard()
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

// checkReportDir refuses a --report-dir that is not an existing folder, or
// that comes with --report (which names the report itself).
func (o *runOptions) checkReportDir() error {
	if o.reportDir == "" {
		return nil
	}
	if o.report != "" {
		return usageErrorf("--report-dir and --report: give one").withHint(
			"--report names the report; --report-dir only the folder of the default report-<digest>.csv")
	}
	fi, err := os.Stat(o.reportDir)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is already in the message
	}
	switch {
	case err != nil:
		return usageErrorf("--report-dir %s: %v", o.reportDir, err)
	case !fi.IsDir():
		return usageErrorf("--report-dir %s: not a directory", o.reportDir)
	}
	return nil
}

// reportPathFor is the default report file of a plan; openOutputs puts it
// in --report-dir when that is given.
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
	var carry *batch.CarryOver
	if opts.fresh || opts.carryOver {
		moved, err := batch.MoveAside(path, time.Now())
		if err != nil {
			return nil, nil, journalError(err)
		}
		if moved != "" {
			s.logger.Info("starting afresh; the old journal is kept", "moved_to", moved)
		}
		if moved == "" && opts.carryOver {
			return nil, nil, usageErrorf("--carry-over: no journal at %s to carry over from", path).withHint(
				"the default report and journal are named by the plan's digest, so an edited plan gets new ones: " +
					"name the old journal with --state (for example --state report-<old digest>.csv.state), " +
					"or keep a fixed --report for every version of a plan")
		}
		if moved != "" && opts.carryOver {
			if carry, err = batch.ReadCarryOver(moved); err != nil {
				return nil, nil, journalError(err)
			}
		}
	}
	j, earlier, err := batch.OpenJournal(path, p.Digest, len(p.Rows))
	if err != nil {
		return nil, nil, journalError(err)
	}
	j.TrackPlan(p)
	if carry != nil {
		n, err := carry.Apply(j, earlier, p)
		if err != nil {
			j.Close()
			return nil, nil, journalError(err)
		}
		s.logger.Info("carried over the rows the old journal applied with the same selector, account and change",
			"rows", n, "old_journal", carry.Path)
	}
	rs := &batch.Resume{Earlier: earlier, RetryFailed: opts.retryFailed, Password: batch.PlanPasswords(p)}
	if earlier.Len() > 0 {
		done, failed := rs.Counts()
		s.logger.Info("resuming from the journal", "journal", path, "done_before", done, "failed_before", failed,
			"retry_failed", opts.retryFailed)
	}
	return j, rs, nil
}

// summaryFile is the --summary file: a temporary file beside its path,
// made before anything is sent (a path that cannot be written is a usage
// error, not a failure after the run), and renamed over the path once the
// summary is in it, so that a killed run leaves the last summary whole, not
// an empty file.
type summaryFile struct {
	path string
	tmp  *os.File
}

// createSummary makes the --summary file; nil without --summary.
func createSummary(path string) (*summaryFile, error) {
	if path == "" {
		return nil, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, usageErrorf("--summary: %v", err)
	}
	return &summaryFile{path: path, tmp: tmp}, nil
}

// commit writes sum to the file and puts it at its path.
func (sf *summaryFile) commit(sum report.Summary) error {
	err := sum.WriteJSON(sf.tmp)
	if err == nil {
		err = sf.tmp.Chmod(0o644)
	}
	if cerr := sf.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(sf.tmp.Name(), sf.path)
	}
	if err != nil {
		os.Remove(sf.tmp.Name())
		return fmt.Errorf("write the summary: %w", err)
	}
	return nil
}

// abandon removes the file of a run that ends before its summary.
func (sf *summaryFile) abandon() {
	if sf != nil {
		sf.tmp.Close()
		os.Remove(sf.tmp.Name())
	}
}

// printSummary writes the end-of-run summary to stderr (text or a log line)
// and, with --summary, as JSON to its file, which it closes.
func (s *session) printSummary(sum report.Summary, reportPath string, f *summaryFile) error {
	if s.opts.output == "json" {
		// --output json: the summary is the command's output.
		_ = sum.WriteJSON(s.e.stdout)
	}
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
	return f.commit(sum)
}

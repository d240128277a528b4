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
	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voximplant"
)

// batchExitCode maps the errors of package batch to exit codes.
func batchExitCode(err error) (int, bool) {
	var ae *batch.AbortError
	switch {
	case errors.As(err, &ae):
		return exitAborted, true
	case errors.Is(err, batch.ErrInterrupted):
		return exitInterrupted, true
	}
	return 0, false
}

// newClient loads the credentials and makes the API client of a run.
func newClient(e *env, opts *runOptions, logger *slog.Logger) (*voximplant.Client, error) {
	path := voximplant.CredentialsPath(opts.credentials, e.getenv)
	if path == "" {
		return nil, usageErrorf("no credentials given").withHint(
			"pass --credentials credentials.json or set VOXIMPLANT_CREDENTIALS; to try voxbatch without an account, run 'voxbatch demo'")
	}
	creds, err := voximplant.LoadCredentials(path)
	if err != nil {
		return nil, (&cliError{code: exitUsage, err: err}).withHint(
			"give the service account's credentials.json as the control panel generated it (account_id, key_id, private_key)")
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
		ce := &cliError{code: exitUsage, err: err}
		if errors.Is(err, voximplant.ErrInsecureEndpoint) {
			ce.hint = "use https://, or http:// only to a loopback address such as the simulator"
		}
		return nil, ce
	}
	return client, nil
}

// runExecute sends the plan and writes the report and the summary.
func runExecute(ctx context.Context, e *env, opts *runOptions, p *plan.Plan) error {
	logger := newLogger(e.stderr, opts.logFormat, opts.logLevel)
	if err := pinDigest(opts, p, logger); err != nil {
		return err
	}
	client, err := newClient(e, opts, logger)
	if err != nil {
		return err
	}
	reportPath := opts.report
	if reportPath == "" {
		reportPath = reportPathFor(p.Digest)
	}
	format, err := report.FormatFor(reportPath, "")
	if err != nil {
		return usageErrorf("--report %s: %v", reportPath, err)
	}
	// The journal comes first: a run that may not start (locked, another
	// plan) must leave the earlier report alone.
	journal, resume, err := openJournal(opts, p, reportPath, logger)
	if err != nil {
		return err
	}
	defer journal.Close()
	summaryFile, err := createSummary(opts.summary)
	if err != nil {
		return err
	}
	if summaryFile != nil {
		defer summaryFile.Close() // on early returns; printSummary closes it after the run
	}
	todo, prefill := resume.Todo, resume.Prefill
	if opts.skipUnchanged {
		pv, err := skipUnchanged(ctx, p, client, opts, resume.Todo, journal, logger)
		if err != nil {
			return withRunHint(err)
		}
		todo = func(i int) bool { return resume.Todo(i) && pv.Todo(i) }
		prefill = func(i int, rec *report.Record) { resume.Prefill(i, rec); pv.Prefill(i, rec) }
	}
	// OnOutcome below writes to stream, which is opened once nothing else
	// can fail before the run.
	var stream *report.Stream
	logger.Info("starting", "plan", p.Source, "digest", p.Digest, "rows", len(p.Rows), "report", reportPath)
	var writeErr error
	runner := batch.New(p, client, batch.Config{
		Workers:        opts.workers,
		Rate:           opts.rate,
		Burst:          opts.burst,
		MaxAttempts:    opts.maxAttempts,
		ChunkSize:      opts.plan.chunkSize,
		MaxFailures:    opts.maxFailures,
		MaxFailureRate: opts.maxFailureRate,
		MinSample:      opts.minSample,
		Grace:          opts.grace,
		Logger:         logger,
		Journal:        journal,
		Todo:           todo,
		Prefill:        prefill,
		Unknown:        resume.Unknown,
		OnOutcome: func(i int, rec *report.Record) {
			if stream != nil && writeErr == nil {
				writeErr = stream.Write(*rec)
			}
		},
	})
	stopMetrics, err := serveMetrics(opts.metricsAddr, runner, logger)
	if err != nil {
		return err
	}
	defer stopMetrics()
	if reportPath != report.Stdout {
		if stream, err = report.Create(reportPath, format); err != nil {
			return usageErrorf("%v", err)
		}
		// Rows decided before this run (skipped, earlier failures,
		// unchanged, invalid) go first, so that a report on disk is
		// complete up to this run's own outcomes even if it is killed.
		runner.EachDecided(func(_ int, rec *report.Record) {
			if writeErr == nil {
				writeErr = stream.Write(*rec)
			}
		})
	}
	pr := startProgress(e.stderr, e.isTerminal && opts.logFormat == "text", logger, opts.progressInterval,
		runner.Stats, runner.Todo)
	res, runErr := runner.Run(ctx)
	pr.end()

	if stream != nil {
		if err := stream.Close(); err != nil && writeErr == nil {
			writeErr = err
		}
	}
	if writeErr != nil {
		logger.Warn("the report could not be written as the run went", "error", writeErr)
	}
	var post []error // what failed after rows were sent: exit 1, not 2
	recs := res.Records
	if err := report.Finalize(reportPath, e.stdout, format, len(recs), func(i int) report.Record { return recs[i] }); err != nil {
		post = append(post, fmt.Errorf("write the report: %w", err))
	}
	sum := res.Summary()
	if err := printSummary(e, opts, logger, sum, reportPath, summaryFile); err != nil {
		post = append(post, err)
	}
	if err := journal.Close(); err != nil {
		post = append(post, fmt.Errorf("close the journal: %w", err))
	}
	switch postErr := errors.Join(post...); {
	case runErr != nil && postErr != nil:
		return withRunHint(fmt.Errorf("%w; also: %v", runErr, postErr)) // keeps runErr's exit code
	case runErr != nil:
		return withRunHint(runErr)
	case postErr != nil:
		return (&cliError{code: exitRowsFailed, err: postErr}).withHint(
			"the rows were sent and the journal holds their outcomes; rerun the same command to rewrite the report")
	}
	if ok := sum.ByStatus[report.Applied] + sum.ByStatus[report.Skipped] + sum.ByStatus[report.Unchanged]; ok < sum.Rows {
		return notAppliedError(sum, reportPath)
	}
	return nil
}

// notAppliedError says how many rows a finished run did not apply, and
// where to read why.
func notAppliedError(sum report.Summary, reportPath string) error {
	var parts []string
	for _, st := range []report.Status{report.Failed, report.Invalid, report.NotAttempted} {
		if n := sum.ByStatus[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st, n))
		}
	}
	ok := sum.ByStatus[report.Applied] + sum.ByStatus[report.Skipped] + sum.ByStatus[report.Unchanged]
	err := fmt.Errorf("%d of %d rows not applied (%s): %w", sum.Rows-ok, sum.Rows, strings.Join(parts, ", "), errRowsNotApplied)
	where := "the report"
	if reportPath != report.Stdout {
		where = reportPath
	}
	return (&cliError{code: exitRowsFailed, err: err}).withHint(fmt.Sprintf(
		"error_code and error_message in %s say why; fix the rows or the cause, then rerun the same command with --retry-failed", where))
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
func openJournal(opts *runOptions, p *plan.Plan, reportPath string, logger *slog.Logger) (*batch.Journal, *batch.Resume, error) {
	path := opts.state
	if path == "" {
		path = journalPathFor(reportPath, p.Digest)
	}
	if opts.fresh {
		moved, err := batch.MoveAside(path, time.Now())
		if errors.Is(err, batch.ErrLocked) {
			return nil, nil, lockedError(err)
		}
		if err != nil {
			return nil, nil, &cliError{code: exitUsage, err: err}
		}
		if moved != "" {
			logger.Info("starting afresh; the old journal is kept", "moved_to", moved)
		}
	}
	j, earlier, err := batch.OpenJournal(path, p.Digest, len(p.Rows))
	var dm *batch.DigestMismatchError
	switch {
	case errors.Is(err, batch.ErrLocked):
		return nil, nil, lockedError(err)
	case errors.As(err, &dm):
		return nil, nil, (&cliError{code: exitMismatch, err: err}).withHint(
			"the plan changed since the journal was written; rerun with --fresh to start afresh (the old journal is moved aside, not deleted)")
	case err != nil:
		return nil, nil, &cliError{code: exitUsage, err: err}
	}
	rs := &batch.Resume{Earlier: earlier, RetryFailed: opts.retryFailed}
	if earlier.Len() > 0 {
		done, failed := rs.Counts()
		logger.Info("resuming from the journal", "journal", path, "done_before", done, "failed_before", failed,
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
func printSummary(e *env, opts *runOptions, logger *slog.Logger, sum report.Summary, reportPath string, f *os.File) error {
	if opts.logFormat == "json" {
		logger.LogAttrs(context.Background(), slog.LevelInfo, "summary",
			append(sum.LogAttrs(), slog.String("report", reportPath))...)
	} else {
		_ = sum.WriteText(e.stderr)
		if reportPath != report.Stdout {
			fmt.Fprintf(e.stderr, "report: %s\n", reportPath)
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

func lockedError(err error) error {
	return (&cliError{code: exitMismatch, err: err}).withHint(
		"another voxbatch run is using this journal; wait for it to finish, or give this run its own --state")
}

// withRunHint adds what the operator can do about a run that stopped early.
func withRunHint(err error) error {
	code, _ := batchExitCode(err)
	ce := &cliError{code: code, err: err}
	var ae *voximplant.APIError
	switch {
	case errors.Is(err, batch.ErrInterrupted):
		ce.hint = "rerun the same command to resume; rows already applied are not sent again"
	case errors.As(err, &ae) && ae.Code == 100:
		ce.hint = "check the credentials: account_id, key_id and private_key must be one service account's, as the control panel gave them"
	case errors.As(err, &ae) && (ae.Code == 103 || ae.Code == 104):
		ce.hint = "the service account may not call SetChildAccountInfo; give it a role that can manage child accounts"
	case errors.As(err, &ae) && (ae.Code == 447 || ae.Code == 454 || ae.Code == 455 || ae.Code == 456):
		ce.hint = "the API refused the token even after renewal; check this machine's clock (NTP)"
	case errors.As(err, &ae) && ae.Code == 0 && (ae.HTTPStatus == 404 || ae.HTTPStatus/100 == 3):
		ce.hint = "check --endpoint: it should end in /platform_api/"
	default:
		ce.hint = "fix the cause, then rerun the same command: what was not done is done then"
	}
	return ce
}

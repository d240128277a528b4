package cli

import (
	"context"
	"time"
)

// minRate is the slowest --rate: one request every 100 seconds. Below it a
// run would look stalled for ever.
const minRate = 0.01

// runOptions are the flags of voxbatch run.
type runOptions struct {
	plan   planOptions
	dryRun bool
	output string

	preview       bool
	skipUnchanged bool
	reviewOut     string
	review        string
	expectDigest  string

	credentials string
	// credentialsFrom names the flag or variable that gave credentials.
	credentialsFrom string
	endpoint        string
	timeout         time.Duration

	report    string
	reportDir string
	summary   string
	undoOut   string
	verify    bool
	// exportOut is export's --out (run has none).
	exportOut string

	state       string
	fresh       bool
	retryFailed bool
	carryOver   bool

	yes   bool
	limit int

	workers        int
	rate           float64
	burst          int
	maxAttempts    int
	maxFailures    int
	maxFailureRate float64
	minSample      int
	grace          time.Duration

	progressInterval time.Duration
	logFormat        string
	logLevel         string
	metricsAddr      string
}

// registerAPI adds the flags of how the API is called, which run and
// export share.
func (o *runOptions) registerAPI(fs *flagSet) {
	fs.StringVar(&o.credentials, "credentials", "", "service account `credentials.json`, or its JSON content itself (default: $VOXIMPLANT_CREDENTIALS, a path or the content)")
	fs.StringVar(&o.endpoint, "endpoint", "https://api.voximplant.com/platform_api/", "Management API base `URL`; http:// only to loopback")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "per-request timeout")
	fs.IntVar(&o.workers, "workers", 8, "at most `N` requests in flight")
	fs.Float64Var(&o.rate, "rate", 10, "at most `R` requests per second, retries included (at least 0.01)")
	fs.IntVar(&o.burst, "burst", 1, "`N` requests the rate limiter lets through at once")
	fs.IntVar(&o.maxAttempts, "max-attempts", 6, "attempts per request on transient errors")
}

// registerLog adds the logging flags that run and export share.
func (o *runOptions) registerLog(fs *flagSet) {
	fs.StringVar(&o.logFormat, "log-format", "text", "log format on stderr `text|json`")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level `debug|info|warn|error`")
}

// register adds the flags of a run to fs, in the groups of its help.
func (o *runOptions) register(fs *flagSet) {
	fs.group("Plan", "voxbatch run plan.csv --skip-invalid --chunk-size 100", func() { o.plan.register(fs.FlagSet) })
	fs.group("Review", "voxbatch run --dry-run plan.csv --review-out review.json, then voxbatch run plan.csv --review review.json", func() {
		fs.BoolVar(&o.dryRun, "dry-run", false, "show the requests that would be sent; send nothing, need no credentials")
		fs.StringVar(&o.output, "output", "text", "output `text|json`: of a dry run, its requests; of a real run, the summary as JSON on stdout")
		fs.BoolVar(&o.preview, "preview", false, "with --dry-run: read the current state of every targeted account (needs credentials; sends no change) and show what will really change")
		fs.BoolVar(&o.skipUnchanged, "skip-unchanged", false, "read the current state first and send nothing for accounts already in the desired state (reported unchanged)")
		fs.StringVar(&o.reviewOut, "review-out", "", "with --dry-run: write a review `FILE` (JSON, no secrets) holding the digest, settings, requests and rows, for a change ticket")
		fs.StringVar(&o.review, "review", "", "review `FILE` written by --review-out: refuse (exit 4, nothing sent) unless the plan still has its digest, and name what changed")
		fs.StringVar(&o.expectDigest, "expect-digest", "", "refuse (exit 4, nothing sent) unless the plan's digest is `sha256:HEX`; checked before credentials are read")
	})
	fs.group("Sending", "voxbatch run plan.csv --credentials credentials.json --rate 20 --workers 8", func() {
		o.registerAPI(fs)
		fs.IntVar(&o.maxFailures, "max-failures", 0, "abort once `N` rows have failed (0: no limit)")
		fs.Float64Var(&o.maxFailureRate, "max-failure-rate", 0, "abort once this `fraction` of finished rows failed (0: no limit)")
		fs.IntVar(&o.minSample, "min-sample", 100, "finished rows before --max-failure-rate is checked")
		fs.DurationVar(&o.grace, "grace", 20*time.Second, "on SIGINT/SIGTERM, how long in-flight requests may finish")
		fs.BoolVar(&o.yes, "yes", false, "on a terminal, send without asking to type yes (never asked off a terminal, or with --expect-digest or --review)")
		fs.IntVar(&o.limit, "limit", 0, "a canary: send at most `N` of the rows still to do, in plan order; a rerun goes on (0: no limit)")
		fs.BoolVar(&o.verify, "verify", false, "after the run, read back every account applied and report a value that differs as mismatch (exit 1)")
	})
	fs.group("Resume", "voxbatch run plan.csv --retry-failed   (after fixing what made rows fail)", func() {
		fs.StringVar(&o.state, "state", "", "journal `FILE` that makes a rerun resume (default <report>.state, or voxbatch-<digest>.state with --report -)")
		fs.BoolVar(&o.fresh, "fresh", false, "start afresh: move an existing journal aside (it is kept as FILE.<time>.old)")
		fs.BoolVar(&o.retryFailed, "retry-failed", false, "on resume, send again the rows that failed before")
		fs.BoolVar(&o.carryOver, "carry-over", false, "the plan was edited since its journal was written: keep (as skipped) the rows the old journal applied with the same selector, account and change, send the rest; the old journal is moved aside as with --fresh")
	})
	fs.group("Output", "voxbatch run plan.csv --report report.jsonl --summary summary.json", func() {
		fs.StringVar(&o.report, "report", "", "per-row report `FILE` (.csv, .jsonl or .xlsx, - for stdout; default report-<digest>.csv, in --report-dir if given); with --dry-run, rows as dry_run with their request")
		fs.StringVar(&o.reportDir, "report-dir", "", "existing folder `DIR` of a real run's default report and journal: DIR/report-<digest>.csv and its .state, one pair per plan (not with --report)")
		fs.StringVar(&o.summary, "summary", "", "also write the end-of-run summary as JSON to `FILE`")
		fs.StringVar(&o.undoOut, "undo-out", "", "read each account's values before changing them, and write the plan that sets them back to `FILE` (.csv, .yaml, .xlsx); a resume adds to it; with a plan's first run only, and never over an undo plan a run has no values of")
	})
	fs.group("Logging", "voxbatch run plan.csv --log-format json --metrics-addr :9090", func() {
		fs.DurationVar(&o.progressInterval, "progress-interval", 10*time.Second, "off a terminal, log progress this often")
		o.registerLog(fs)
		fs.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on `ADDR` (e.g. :9090) during the run; off by default")
	})
}

// checkAPI checks the flags registerAPI and registerLog add.
func (o *runOptions) checkAPI() error {
	switch {
	case o.workers < 1 || o.workers > 1024:
		return usageErrorf("--workers %d: want 1..1024", o.workers)
	case !(o.rate >= minRate):
		return usageErrorf("--rate %v: want at least %v requests per second", o.rate, minRate)
	case o.burst < 1:
		return usageErrorf("--burst must be at least 1")
	case o.maxAttempts < 1:
		return usageErrorf("--max-attempts must be at least 1")
	case o.timeout <= 0:
		return usageErrorf("--timeout must be above 0")
	case o.logFormat != "text" && o.logFormat != "json":
		return usageErrorf("--log-format %q: want text or json", o.logFormat)
	}
	return nil
}

func (o *runOptions) check() error {
	if err := o.checkAPI(); err != nil {
		return err
	}
	switch {
	case o.output != "text" && o.output != "json":
		return usageErrorf("--output %q: want text or json", o.output)
	case o.maxFailures < 0:
		return usageErrorf("--max-failures must not be negative")
	case o.maxFailureRate < 0 || o.maxFailureRate > 1:
		return usageErrorf("--max-failure-rate %v: want a fraction from 0 to 1", o.maxFailureRate)
	case o.carryOver && o.fresh:
		return usageErrorf("--carry-over and --fresh both move the journal aside; --fresh then sends every row, --carry-over keeps what was applied").withHint(
			"pass one of them")
	case o.output == "json" && !o.dryRun && o.report == "-":
		return usageErrorf("--output json prints a real run's summary on stdout, where --report - writes the report").withHint(
			"give --report a file, or leave out --output json")
	case o.limit < 0:
		return usageErrorf("--limit must not be negative")
	case o.limit > 0 && o.dryRun:
		return usageErrorf("--limit is for a real run").withHint("a dry run shows every request; --limit N then sends the first N rows")
	case o.minSample < 1:
		return usageErrorf("--min-sample must be at least 1")
	case o.progressInterval <= 0:
		return usageErrorf("--progress-interval must be above 0")
	case o.grace <= 0:
		return usageErrorf("--grace must be above 0")
	}
	if err := o.checkReview(); err != nil {
		return err
	}
	if err := o.checkUndoVerify(); err != nil {
		return err
	}
	if err := o.checkReportDir(); err != nil {
		return err
	}
	if _, err := parseLevel(o.logLevel); err != nil {
		return err
	}
	return nil
}

func runCommand() *command {
	c := &command{
		name:    "run",
		summary: "apply a plan through SetChildAccountInfo (or, with --dry-run, show what would be sent)",
		usage:   "[flags] PLAN",
		example: "  voxbatch run --dry-run samples/disable.csv\n" +
			"  voxbatch run --dry-run samples/disable.csv --review-out review.json\n" +
			"  voxbatch run --dry-run --preview samples/disable.csv --credentials credentials.json\n" +
			"  voxbatch run samples/disable.csv --review review.json --skip-unchanged --credentials credentials.json --report report.csv",
	}
	c.setup = func(fs *flagSet, e *env) func(context.Context, []string) error {
		var opts runOptions
		opts.register(fs)
		return func(ctx context.Context, pos []string) error {
			opts.envYields(fs)
			if err := opts.check(); err != nil {
				return err
			}
			opts.credentialsFrom = fs.source("credentials")
			return runRun(ctx, e, &opts, pos)
		}
	}
	return c
}

// envYields drops, of two flags that cannot go together, the one an
// environment variable set when the other came from the command line: the
// command line wins (a Job's VOXBATCH_REPORT_DIR must not refuse a
// --report typed for one run).
func (o *runOptions) envYields(fs *flagSet) {
	fromEnv := func(name string) bool { _, ok := fs.fromEnv[name]; return ok }
	if o.reportDir != "" && fromEnv("report-dir") && ((o.report != "" && !fromEnv("report")) || o.dryRun) {
		o.reportDir = ""
	}
	if o.fresh && o.carryOver {
		switch {
		case fromEnv("fresh") && !fromEnv("carry-over"):
			o.fresh = false
		case fromEnv("carry-over") && !fromEnv("fresh"):
			o.carryOver = false
		}
	}
}

// runRun loads and pins the plan, then runs it in the mode asked for.
func runRun(ctx context.Context, e *env, opts *runOptions, pos []string) error {
	s, err := newSession(e, opts, pos)
	if err != nil {
		return err
	}
	switch {
	case opts.dryRun && opts.preview:
		return s.preview(ctx)
	case opts.dryRun:
		return s.dryRun()
	}
	return s.execute(ctx)
}

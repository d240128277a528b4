package batch

import (
	"context"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voximplant"
)

// Client is the part of the Management API a run needs.
// *voximplant.Client implements it.
type Client interface {
	SetChildAccountInfo(ctx context.Context, params url.Values) error
	GetChildrenAccounts(ctx context.Context, params url.Values) (*voximplant.ChildrenAccounts, error)
	RenewToken()
}

// Config shapes a run. Zero values take the defaults noted.
type Config struct {
	Workers        int           // requests in flight at most (default 8)
	Rate           float64       // requests per second at most, retries included (default 10)
	Burst          int           // limiter burst (default 1)
	MaxAttempts    int           // attempts per request on transient errors (default 6)
	ChunkSize      int           // accounts per request (default 50)
	MaxFailures    int           // abort once this many rows failed (0: no limit)
	MaxFailureRate float64       // abort once this fraction of finished rows failed (0: no limit)
	MinSample      int           // finished rows before MaxFailureRate is checked (default 100)
	Grace          time.Duration // after interruption, how long in-flight requests may finish (default 20s)
	BackoffBase    time.Duration // first retry backoff ceiling (default 250ms)
	BackoffMax     time.Duration // backoff ceiling (default 15s)
	MaxThrottles   int           // throttled answers one request may meet before it fails (default 100)
	MaxPause       time.Duration // longest pause a server's Retry-After may impose (default 2m)
	// MaxUnrecognized is how many requests in a row refused with the same
	// code voxbatch does not know stop the run (default 3).
	MaxUnrecognized int

	// Todo selects the rows to run (nil: every valid row). Rows left out
	// keep the record Prefill gave them.
	Todo func(row int) bool
	// Unknown, when set, tells which rows an earlier run sent without
	// getting an answer (Resume.Unknown): their change may have been
	// applied, which a "used before" or "not unique" answer then confirms.
	Unknown func(row int) bool
	// Prefill, when set, gives the starting record of row i (a resumed
	// run's skipped rows); otherwise rows start not_attempted.
	Prefill func(i int, rec *report.Record)
	// OnOutcome is called once for every row whose outcome this run
	// decides, as soon as it is known. Calls are serialized.
	OnOutcome func(i int, rec *report.Record)
	// Journal, when set, receives every decided outcome (applied, failed,
	// unchanged) as soon as it is known, for a later run to resume from.
	Journal *Journal
	// Undo, when set, reads before each request is first sent what its
	// accounts hold of the parameters it changes, and journals it (synced)
	// before the request goes out: the undo plan of the run (Undo.Plan).
	Undo *Undo
	// Logger receives one line per notable event (throttling, abort).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (c *Config) defaults() {
	orDefault(&c.Workers, 8)
	orDefault(&c.Rate, 10)
	orDefault(&c.Burst, 1)
	orDefault(&c.MaxAttempts, 6)
	orDefault(&c.ChunkSize, 50)
	orDefault(&c.MinSample, 100)
	orDefault(&c.Grace, 20*time.Second)
	orDefault(&c.BackoffBase, 250*time.Millisecond)
	orDefault(&c.BackoffMax, 15*time.Second)
	orDefault(&c.MaxThrottles, 100)
	orDefault(&c.MaxPause, 2*time.Minute)
	orDefault(&c.MaxUnrecognized, 3)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// orDefault sets *v to d unless it is positive.
func orDefault[T int | float64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Stats are the counters of a run so far.
type Stats struct {
	Rows      int // rows of the plan
	Done      int // rows whose outcome this run decided (applied, failed)
	Failed    int // rows failed so far
	Requests  int // HTTP requests sent, retries included
	Retries   int // attempts after a request's first
	Throttled int // throttled answers
	InFlight  int // requests in flight now
	Rate      float64

	// ByOutcome counts HTTP requests by what they met: "ok", or the
	// voximplant.Class of the error ("transient", "throttled", ...).
	ByOutcome map[string]int
}

// StatusCounts returns how many plan rows have each status now (rows not
// yet decided count as not_attempted); safe to call while Run runs.
func (r *Runner) StatusCounts() map[report.Status]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := make(map[report.Status]int, len(r.byStatus))
	for k, v := range r.byStatus {
		m[k] = v
	}
	return m
}

// Runner executes one plan once. Make it with New; call Run once.
type Runner struct {
	plan   *plan.Plan
	client Client
	cfg    Config
	at     *attempter // every attempt of the run, and the request counters

	mu       sync.Mutex     // guards recs, done, failed, and OnOutcome calls
	reqs     []plan.Request // built by New from the rows to do
	recs     []report.Record
	byStatus map[report.Status]int
	done     int
	failed   int
	todo     int
	abortErr error

	stopDispatch context.CancelFunc

	nextSeq atomic.Int64

	unrecognized codeStreak  // requests in a row refused with one unknown code (send.go)
	reached      atomic.Bool // some request of the run got an answer
}

// New prepares a run of p through client.
func New(p *plan.Plan, client Client, cfg Config) *Runner {
	cfg.defaults()
	r := &Runner{plan: p, client: client, cfg: cfg}
	r.at = newAttempter(client, &r.cfg, 0x9e3779b97f4a7c15)
	r.recs = make([]report.Record, len(p.Rows))
	for i := range p.Rows {
		r.recs[i] = baseRecord(&p.Rows[i], report.NotAttempted)
		if cfg.Prefill != nil {
			cfg.Prefill(i, &r.recs[i])
		}
	}
	r.byStatus = map[report.Status]int{}
	for i := range r.recs {
		r.byStatus[r.recs[i].Status]++
	}
	r.cut()
	return r
}

// Result is what a run leaves: a record for every plan row, in plan order,
// and the counters.
type Result struct {
	Plan    *plan.Plan
	Records []report.Record
	Stats   Stats
	Started time.Time
	Elapsed time.Duration
}

// Summary condenses the result for people and for --summary. Its ExitCode
// is -1: the command layer knows it.
func (res *Result) Summary() report.Summary {
	s := report.Summary{Rows: len(res.Records), ByStatus: map[report.Status]int{}, Sent: res.Stats.Done,
		Requests: res.Stats.Requests, Retries: res.Stats.Retries, Throttled: res.Stats.Throttled, Elapsed: res.Elapsed,
		StartedAt: res.Started, FinishedAt: res.Started.Add(res.Elapsed), ExitCode: -1}
	if res.Plan != nil {
		s.Plan, s.Digest = res.Plan.Source, res.Plan.Digest
	}
	for i := range res.Records {
		s.ByStatus[res.Records[i].Status]++
	}
	return s
}

// EachDecided calls fn for every row whose record is already decided before
// the run (invalid, or prefilled from an earlier run), in plan order. Call it
// before Run.
func (r *Runner) EachDecided(fn func(i int, rec *report.Record)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.recs {
		if r.recs[i].Status != report.NotAttempted {
			fn(i, &r.recs[i])
		}
	}
}

// Stats returns the counters so far; safe to call while Run runs.
func (r *Runner) Stats() Stats {
	r.mu.Lock()
	done, failed := r.done, r.failed
	r.mu.Unlock()
	return Stats{
		Rows: len(r.plan.Rows), Done: done, Failed: failed,
		Requests: int(r.at.requests.Load()), Retries: int(r.at.retries.Load()), Throttled: int(r.at.throttled.Load()),
		InFlight: int(r.at.inFlight.Load()), Rate: r.at.pacer.rate(), ByOutcome: r.outcomeCounts(),
	}
}

func (r *Runner) outcomeCounts() map[string]int {
	m := map[string]int{}
	for c := range r.at.outcomes {
		if n := r.at.outcomes[c].Load(); n > 0 {
			name := "ok"
			if c > 0 {
				name = voximplant.Class(c).String()
			}
			m[name] = int(n)
		}
	}
	return m
}

// Todo is the number of rows this run will try.
func (r *Runner) Todo() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.todo
}

// Requests is the number of requests the run will send, retries and the
// halves of split chunks aside.
func (r *Runner) Requests() int { return len(r.reqs) }

// Groups is the number of distinct changes the run will send.
func (r *Runner) Groups() int {
	seen := map[*plan.Change]bool{}
	for i := range r.reqs {
		seen[r.reqs[i].Change] = true
	}
	return len(seen)
}

// cut builds the requests from the rows still to do and says whether there
// is anything to send.
func (r *Runner) cut() {
	r.reqs = plan.Chunk(r.plan, r.cfg.Todo, r.cfg.ChunkSize)
	for i := range r.reqs {
		r.todo += len(r.reqs[i].Rows)
		for _, row := range r.reqs[i].Rows {
			r.todo += len(r.plan.Dups(int(row)))
		}
	}
	r.nextSeq.Store(int64(len(r.reqs)))
	if r.todo == 0 {
		r.cfg.Logger.Info("nothing left to send", "rows", len(r.plan.Rows))
	} else {
		r.cfg.Logger.Info("sending", "rows", r.todo, "requests", len(r.reqs))
	}
}

// Run sends the plan's requests and returns when every request is decided,
// the run was aborted (*AbortError), or ctx was cancelled (ErrInterrupted,
// after in-flight requests had up to Config.Grace to finish). The Result is
// complete in every case.
func (r *Runner) Run(ctx context.Context) (*Result, error) {
	start := r.cfg.Now()
	reqs := r.reqs

	// Requests in flight outlive the dispatching context: a signal stops
	// dispatch at once but gives in-flight requests Grace to finish.
	reqCtx, cancelReqs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelReqs()
	dispatchCtx, stopDispatch := context.WithCancel(ctx)
	defer stopDispatch()
	r.stopDispatch = stopDispatch
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-ctx.Done():
			t := time.NewTimer(r.cfg.Grace)
			defer t.Stop()
			select {
			case <-t.C:
				cancelReqs()
			case <-finished:
			}
		case <-finished:
		}
	}()

	jobs := make(chan *plan.Request)
	var g errgroup.Group
	g.SetLimit(r.cfg.Workers + 1)
	for w := 0; w < r.cfg.Workers; w++ {
		g.Go(func() error {
			for {
				select {
				case <-dispatchCtx.Done():
					return nil
				case req, ok := <-jobs:
					if !ok {
						return nil
					}
					if r.capture(dispatchCtx, req) {
						r.send(reqCtx, dispatchCtx, req, req.Rows, req.Seq, 0)
					}
				}
			}
		})
	}
	g.Go(func() error {
		defer close(jobs)
		for i := range reqs {
			select {
			case jobs <- &reqs[i]:
			case <-dispatchCtx.Done():
				return nil
			}
		}
		return nil
	})
	_ = g.Wait() // the workers return no errors: failed rows are results

	res := &Result{Plan: r.plan, Records: r.recs, Stats: r.Stats(), Started: start, Elapsed: r.cfg.Now().Sub(start)}
	r.mu.Lock()
	abortErr := r.abortErr
	r.mu.Unlock()
	switch {
	case abortErr != nil:
		return res, abortErr
	case ctx.Err() != nil && r.StatusCounts()[report.NotAttempted] > 0:
		// A signal that came when every row was already decided
		// interrupted nothing.
		return res, ErrInterrupted
	}
	return res, nil
}

// abort stops dispatching for good; the first reason wins.
func (r *Runner) abort(err error) {
	r.mu.Lock()
	first := r.abortErr == nil
	if first {
		r.abortErr = err
	}
	r.mu.Unlock()
	if first {
		r.cfg.Logger.Error("stopping the run", "error", err)
		r.stopDispatch()
	}
}

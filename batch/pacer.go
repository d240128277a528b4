package batch

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Tuning of the adaptive rate. A throttled answer cuts the rate to
// cutFactor of what it was (at most once per cut window, so that the
// requests in flight when the server pushed back do not cut it again), and
// every success raises it by growFactor, up to the configured rate. From a
// cut at 0.7 R back to R takes about 70 successes, so a client set far above
// the server's limit R is throttled on a few percent of its requests and
// runs at 0.7..1 R in between.
const (
	cutFactor  = 0.7
	growFactor = 1.005
	minRate    = 0.1 // requests per second; never pause for ever

	// windowSpan is the window over which at most --rate requests go out.
	// It is a little longer than a second so that a server counting
	// arrivals, which carry a few milliseconds of scheduling jitter, sees
	// no more than --rate in any second either.
	windowSpan = 1020 * time.Millisecond
	// maxWindow bounds the window's memory; at higher rates the token
	// bucket alone paces.
	maxWindow = 100000
)

// pacer is the limiter every attempt waits on, shared by all workers.
type pacer struct {
	lim    *rate.Limiter
	win    *window // nil above maxWindow requests per second
	target float64
	now    func() time.Time

	mu          sync.Mutex
	cur         float64
	pausedUntil time.Time
	lastCut     time.Time
	cutWindow   time.Duration
}

func newPacer(r float64, burst, workers int, now func() time.Time) *pacer {
	return &pacer{
		lim:       rate.NewLimiter(rate.Limit(r), burst),
		win:       newWindow(r, now),
		target:    r,
		cur:       r,
		now:       now,
		cutWindow: cutWindowFor(r, workers),
	}
}

// cutWindowFor is how long after one cut further throttled answers are taken
// as the same event: long enough for every worker's request in flight to
// come back.
func cutWindowFor(r float64, workers int) time.Duration {
	w := time.Duration(float64(workers) / r * float64(time.Second))
	return max(w, 500*time.Millisecond)
}

// wait blocks until the pause (if any) is over and the limiter grants a
// request, or ctx is done.
func (p *pacer) wait(ctx context.Context) error {
	for {
		if err := sleepCtx(ctx, p.pauseLeft()); err != nil {
			return err
		}
		if err := p.lim.Wait(ctx); err != nil {
			return err
		}
		// The token bucket lets rate+burst through in a second when a
		// waiter wakes late; the window holds any second to the rate.
		if err := p.win.wait(ctx); err != nil {
			return err
		}
		// A throttled answer may have paused everyone while this worker
		// waited for its token; honour it before sending.
		if p.pauseLeft() <= 0 {
			return nil
		}
	}
}

func (p *pacer) pauseLeft() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pausedUntil.Sub(p.now())
}

// throttled pauses every worker for d and cuts the rate.
func (p *pacer) throttled(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if until := now.Add(d); until.After(p.pausedUntil) {
		p.pausedUntil = until
	}
	if now.Sub(p.lastCut) < p.cutWindow {
		return
	}
	p.lastCut = now
	p.setRate(math.Max(minRate, p.cur*cutFactor))
}

// succeeded raises the rate back toward the target.
func (p *pacer) succeeded() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur >= p.target {
		return
	}
	p.setRate(math.Min(p.target, p.cur*growFactor))
}

func (p *pacer) setRate(r float64) {
	p.cur = r
	p.lim.SetLimit(rate.Limit(r))
}

// rate is the limiter's current rate in requests per second.
func (p *pacer) rate() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cur
}

// sleepCtx sleeps for d, or less if ctx is done first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// window lets at most n requests start within any windowSpan: it remembers
// the last n start times and holds a request until the oldest is a span
// old.
type window struct {
	gate chan struct{} // a one-slot lock that a waiter can leave on ctx.Done
	sent []time.Time   // ring of the last len(sent) start times
	next int
	now  func() time.Time
}

func newWindow(r float64, now func() time.Time) *window {
	n := int(r)
	if n > maxWindow {
		return nil
	}
	return &window{gate: make(chan struct{}, 1), sent: make([]time.Time, max(n, 1)), now: now}
}

func (w *window) wait(ctx context.Context) error {
	if w == nil {
		return nil
	}
	select {
	case w.gate <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-w.gate }()
	if oldest := w.sent[w.next]; !oldest.IsZero() {
		if err := sleepCtx(ctx, oldest.Add(windowSpan).Sub(w.now())); err != nil {
			return err
		}
	}
	w.sent[w.next] = w.now()
	w.next = (w.next + 1) % len(w.sent)
	return nil
}

package batch

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Tuning of the adaptive rate. A throttled answer sets the ceiling to the
// current rate and cuts the rate below it: to cutFactor of it, or to
// cutFactorAsked when the server named a time to wait (Retry-After, code
// 416), which means it wants a clear backing off. This happens at most once
// per cut window, so that the requests in flight when the server pushed
// back do not cut again. The rate then climbs back by time, not by count:
// quickly (recoverPerSecond of the ceiling per second) to kneeFactor of the
// ceiling, then slowly (probePerSecond) toward and past it, so that a server
// whose limit is R throttles rarely and is used at 0.9..1 R in between.
const (
	cutFactor        = 0.7
	cutFactorAsked   = 0.5
	recoverPerSecond = 0.1
	kneeFactor       = 0.9
	probePerSecond   = 0.01
	minRate          = 0.1 // requests per second; never pause for ever

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
	ceiling     float64 // the rate last throttled at, or the highest probed since; 0 before any
	lastRaise   time.Time
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

// throttled pauses every worker for d and cuts the rate; asked tells
// whether the server named d itself.
func (p *pacer) throttled(d time.Duration, asked bool) {
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
	p.ceiling = p.cur
	p.lastRaise = now
	cut := cutFactor
	if asked {
		cut = cutFactorAsked
	}
	p.setRate(math.Max(minRate, p.ceiling*cut))
}

// succeeded raises the rate back toward the target: quickly up to the knee
// below the ceiling, then slowly; by the time since the last raise rather
// than by count, so that a fast stream of successes does not rush back into
// throttling.
func (p *pacer) succeeded() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.cur >= p.target {
		return
	}
	knee := kneeFactor * p.ceiling
	dt := math.Max(math.Min(now.Sub(p.lastRaise).Seconds(), 1), 0)
	var next float64
	if p.cur < knee {
		next = math.Min(p.cur+recoverPerSecond*p.ceiling*dt, knee)
	} else {
		next = p.cur + probePerSecond*p.ceiling*dt
	}
	p.lastRaise = now
	next = math.Min(p.target, next)
	p.ceiling = math.Max(p.ceiling, next)
	p.setRate(next)
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

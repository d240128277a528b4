package batch

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// grants lets n requests go through p one after the other, as wait does,
// with the clock advanced by every wait and by a late wake-up of up to
// late; it returns when each went.
func grants(p *pacer, clk *fakeClock, n int, late time.Duration, rng *rand.Rand) []time.Time {
	var out []time.Time
	for len(out) < n {
		at, d := p.admit()
		if d > 0 {
			clk.t = clk.t.Add(d)
			if late > 0 {
				clk.t = clk.t.Add(time.Duration(rng.Int64N(int64(late))))
			}
			continue
		}
		out = append(out, at)
	}
	return out
}

func TestPacerSpacing(t *testing.T) {
	rng := newTestRand()
	clk := &fakeClock{t: epoch}
	p := newPacer(50, 1, clk.now)
	// Before any throttled answer, late wake-ups are caught up: the rate
	// holds on average.
	ts := grants(p, clk, 501, 5*time.Millisecond, rng)
	if got := 500 / ts[500].Sub(ts[0]).Seconds(); got < 0.97*50 {
		t.Errorf("%.1f requests per second, want 50 despite late wake-ups", got)
	}
	// Once throttled, no two requests go closer than 1/rate (less 50 µs at
	// 50 per second), however late the one before went.
	p.throttledAt(clk.t, 0)
	p.succeeded(clk.t)
	r := p.rate()
	ts = grants(p, clk, 500, 5*time.Millisecond, rng)
	for i := 1; i < len(ts); i++ {
		if gap := ts[i].Sub(ts[i-1]); gap.Seconds() < 1/r-50e-6-1e-9 {
			t.Fatalf("gap %v between requests %d and %d; rate %.1f", gap, i-1, i, r)
		}
	}
}

func TestPacerHoldsAnySecondToTheRate(t *testing.T) {
	// --burst 5 lets five go at once, yet no second holds more than 20.
	clk := &fakeClock{t: epoch}
	p := newPacer(20, 5, clk.now)
	ts := grants(p, clk, 200, 0, nil)
	if most := maxInSecond(ts); most > 20 {
		t.Fatalf("%d requests within one second; rate is 20", most)
	}
	if ts[4].Sub(ts[0]) != 0 {
		t.Errorf("the burst of 5 did not go at once: %v", ts[:5])
	}
	if newWindow(maxWindow+1) != nil {
		t.Error("a window above maxWindow")
	}
	var w *window
	w.add(epoch)
	if w.wait(epoch) != 0 {
		t.Error("a nil window made a request wait")
	}
}

func TestPacerEvents(t *testing.T) {
	clk := &fakeClock{t: epoch}
	p := newPacer(100, 1, clk.now)
	sent := clk.t
	clk.t = clk.t.Add(30 * time.Millisecond)
	p.throttledAt(sent, 0)
	if got := p.rate(); math.Abs(got-95) > 1e-9 {
		t.Fatalf("after a throttled answer: rate %v, want 95", got)
	}
	if p.pausedUntil.After(clk.t) {
		t.Error("a single throttled answer paused everyone")
	}
	// Answers to requests let go before the event are part of it.
	p.throttledAt(sent, 0)
	p.throttledAt(sent.Add(29*time.Millisecond), 0)
	if got := p.rate(); math.Abs(got-95) > 1e-9 {
		t.Fatalf("answers in flight cut again: rate %v", got)
	}
	// Throttled again and again before any success: a storm. The rate is
	// cut once more, and everyone pauses for a time that doubles, at most
	// what the server asked.
	pauses := []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond}
	for i, want := range pauses {
		clk.t = clk.t.Add(time.Millisecond)
		p.throttledAt(clk.t, 50*time.Millisecond)
		if got := p.pausedUntil.Sub(clk.t); got != want {
			t.Fatalf("strike %d: pause %v, want %v", i+1, got, want)
		}
	}
	if got := p.rate(); math.Abs(got-95*stormCut) > 1e-9 {
		t.Fatalf("after a storm: rate %v, want %v", got, 95*stormCut)
	}
	// A success ends the event; the next throttled answer starts another,
	// and one right after it (a denser run of events) cuts deeper.
	clk.t = clk.t.Add(time.Second)
	p.succeeded(clk.t)
	r := p.rate()
	clk.t = clk.t.Add(time.Millisecond)
	p.throttledAt(clk.t, 0)
	p.succeeded(clk.t)
	clk.t = clk.t.Add(time.Millisecond)
	p.throttledAt(clk.t, 0)
	if got, want := p.rate(), r*cutFactor*cutFactor*cutFactor; got > want+1e-6 {
		t.Errorf("two events in a row: rate %v, want at most %v", got, want)
	}
}

func TestPacerClimbsByTime(t *testing.T) {
	// Successes many times a second or once a second raise the rate alike.
	for _, every := range []time.Duration{time.Millisecond, 250 * time.Millisecond} {
		clk := &fakeClock{t: epoch}
		p := newPacer(100, 1, clk.now)
		p.throttledAt(clk.t, 0)
		p.cur, p.ctl.hi = 50, 80
		// The requests go as fast as the pacer lets them.
		step := func() {
			clk.t = clk.t.Add(every)
			for range int(p.rate()*every.Seconds()) + 1 {
				p.sent.add(clk.t)
			}
			p.succeeded(clk.t)
		}
		for range time.Second / every {
			step()
		}
		// Fast toward the knee at 20% of 80 per second, once a quarter of
		// a second shows the requests go as fast as they may: 62 after
		// 1 s.
		if got := p.rate(); math.Abs(got-62) > 1e-6 {
			t.Errorf("successes every %v: rate %v after 1 s, want 62", every, got)
		}
		for range time.Second / every {
			step()
		}
		// Then slowly past the knee, 0.95 × 80 = 76.
		if got := p.rate(); got < 76 || got > 77 {
			t.Errorf("successes every %v: rate %v after 2 s, want just past 76", every, got)
		}
		// Faster the longer no event comes, up to --rate and no further.
		for range 60 * time.Second / every {
			step()
		}
		if got := p.rate(); got != 100 {
			t.Errorf("rate %v after a minute without events, want 100", got)
		}
	}
}

func TestPacerDoesNotClimbUnused(t *testing.T) {
	// Requests come only twice a second: a rate of 40 is not what holds
	// them back, so it is not raised, lest a burst go out later.
	clk := &fakeClock{t: epoch}
	p := newPacer(100, 1, clk.now)
	p.throttledAt(clk.t, 0)
	p.cur = 40
	for range 20 {
		clk.t = clk.t.Add(500 * time.Millisecond)
		at, d := p.admit()
		if d > 0 {
			t.Fatal("the pacer held a request back")
		}
		p.succeeded(at)
	}
	if got := p.rate(); got != 40 {
		t.Errorf("rate %v, want 40", got)
	}
}

func TestPacerWaitHonoursPauseAndContext(t *testing.T) {
	p := newPacer(1000, 1, time.Now)
	p.pausedUntil = time.Now().Add(50 * time.Millisecond)
	start := time.Now()
	if _, err := p.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 40*time.Millisecond {
		t.Errorf("wait returned during the pause")
	}
	p.pausedUntil = time.Now().Add(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.wait(ctx); err == nil {
		t.Error("wait ignored a cancelled context")
	}
	// A waiter queued behind the gate leaves on its context too.
	p.gate <- struct{}{}
	if _, err := p.wait(ctx); err == nil {
		t.Error("wait at the gate ignored a cancelled context")
	}
	<-p.gate
}

func TestCounter(t *testing.T) {
	var c counter
	if _, span := c.rate(epoch); span != 0 {
		t.Fatal("an empty counter knows a rate")
	}
	for i := range 100 {
		c.add(epoch.Add(time.Duration(i) * 10 * time.Millisecond))
	}
	// 100 events in 0.99 s: the rate since the first.
	if got, span := c.rate(epoch.Add(995 * time.Millisecond)); span != 995*time.Millisecond || math.Abs(got-100) > 1 {
		t.Errorf("rate %v over %v, want 100 over 995ms", got, span)
	}
	// Half a second later, the last second holds the last half.
	if got, _ := c.rate(epoch.Add(1500 * time.Millisecond)); math.Abs(got-50) > 2 {
		t.Errorf("rate %v, want about 50", got)
	}
	if got, _ := c.rate(epoch.Add(time.Minute)); got != 0 {
		t.Errorf("rate %v a minute later", got)
	}
	c.add(epoch.Add(time.Minute))
	if c.n != 1 {
		t.Errorf("%d events counted after a long quiet", c.n)
	}
}

func TestBackoffIsCappedWithJitter(t *testing.T) {
	a := &attempter{cfg: &Config{BackoffBase: 10 * time.Millisecond, BackoffMax: 80 * time.Millisecond}}
	a.rng = newTestRand()
	for attempt := 1; attempt < 40; attempt++ {
		ceil := min(10*time.Millisecond<<min(attempt-1, 30), 80*time.Millisecond)
		for i := 0; i < 50; i++ {
			if d := a.backoff(attempt); d < 0 || d > ceil {
				t.Fatalf("attempt %d: backoff %v outside [0, %v]", attempt, d, ceil)
			}
		}
	}
}

func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

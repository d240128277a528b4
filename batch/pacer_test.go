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

func TestPacerCutsOncePerWindowAndRecovers(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	p := newPacer(100, 1, 4, clk.now)
	if p.cutWindow != 500*time.Millisecond {
		t.Fatalf("cut window %v", p.cutWindow)
	}
	p.throttled(time.Second, false)
	if got := p.rate(); math.Abs(got-70) > 1e-9 {
		t.Fatalf("after one throttle: rate %v, want 70", got)
	}
	if left := p.pauseLeft(); left != time.Second {
		t.Errorf("pause left %v, want 1s", left)
	}
	// The other answers of the same burst do not cut again.
	p.throttled(0, false)
	if got := p.rate(); math.Abs(got-70) > 1e-9 {
		t.Fatalf("second throttle within the window cut to %v", got)
	}
	clk.t = clk.t.Add(600 * time.Millisecond)
	p.throttled(0, false)
	if got := p.rate(); math.Abs(got-49) > 1e-9 {
		t.Fatalf("throttle after the window: rate %v, want 49", got)
	}
	if left := p.pauseLeft(); left != 400*time.Millisecond {
		t.Errorf("a shorter pause must not shorten the running one: left %v", left)
	}
	// The ceiling is 70, the rate it was last throttled at: back to
	// 0.9 × 70 = 63 at 10% of 70 per second, then 1% of 70 per second.
	begin := clk.t
	for p.rate() < 63 {
		p.succeeded()
		clk.t = clk.t.Add(10 * time.Millisecond)
	}
	// 49 -> 63 at 7/s takes 2 s, however many successes.
	if took := clk.t.Sub(begin); took < 1900*time.Millisecond || took > 2100*time.Millisecond || p.rate() != 63 {
		t.Errorf("fast recovery took %v, to %v", took, p.rate())
	}
	start := clk.t
	for p.rate() < 70 {
		p.succeeded()
		clk.t = clk.t.Add(10 * time.Millisecond)
	}
	// 63 -> 70 at 0.7/s takes about 10 s, however many successes.
	if took := clk.t.Sub(start); took < 9*time.Second || took > 11*time.Second {
		t.Errorf("probing from the knee to the ceiling took %v", took)
	}
	for i := 0; i < 100000 && p.rate() < 100; i++ {
		p.succeeded()
		clk.t = clk.t.Add(10 * time.Millisecond)
	}
	if p.rate() != 100 {
		t.Errorf("rate %v: never recovered to the target, or past it", p.rate())
	}
	for i := 0; i < 10; i++ {
		p.throttled(0, false)
		clk.t = clk.t.Add(time.Second)
	}
	for i := 0; i < 100; i++ {
		p.throttled(0, false)
		clk.t = clk.t.Add(time.Second)
	}
	if p.rate() < minRate {
		t.Errorf("rate %v fell below the floor", p.rate())
	}
}

func TestPacerDoesNotCollapseWithoutSuccesses(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	p := newPacer(10, 1, 4, clk.now)
	// Throttled again and again with no success in between (a quota
	// shared with others): each event halves the rate, no more.
	for i := 0; i < 3; i++ {
		p.throttled(time.Second, true)
		clk.t = clk.t.Add(1200 * time.Millisecond)
	}
	if got := p.rate(); got < 10*0.5*0.5*0.5-1e-9 {
		t.Errorf("rate %v after three throttles from 10", got)
	}
	if p.ceiling < 1 {
		t.Errorf("ceiling %v", p.ceiling)
	}
}

func TestPacerWaitHonoursPauseAndContext(t *testing.T) {
	p := newPacer(1000, 1, 1, time.Now)
	p.throttled(50*time.Millisecond, true)
	start := time.Now()
	if err := p.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 40*time.Millisecond {
		t.Errorf("wait returned during the pause")
	}
	p.throttled(time.Hour, true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.wait(ctx); err == nil {
		t.Error("wait ignored a cancelled context")
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

func TestWindowHoldsAnySecondToTheRate(t *testing.T) {
	// Rate 20 with a burst of 5: the token bucket alone would let 25
	// through in the first second.
	p := newPacer(20, 5, 4, time.Now)
	var starts []time.Time
	for i := 0; i < 45; i++ {
		if err := p.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		starts = append(starts, time.Now())
	}
	for i := range starts {
		n := 0
		for j := i; j < len(starts) && starts[j].Sub(starts[i]) < time.Second; j++ {
			n++
		}
		if n > 20 {
			t.Fatalf("%d requests started within one second from start %d; rate is 20", n, i)
		}
	}
	if newWindow(maxWindow+1, time.Now) != nil {
		t.Error("a window above maxWindow")
	}
	var nilWin *window
	if err := nilWin.wait(context.Background()); err != nil {
		t.Error(err)
	}
}

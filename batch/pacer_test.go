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
	p.throttled(time.Second)
	if got := p.rate(); math.Abs(got-70) > 1e-9 {
		t.Fatalf("after one throttle: rate %v, want 70", got)
	}
	if left := p.pauseLeft(); left != time.Second {
		t.Errorf("pause left %v, want 1s", left)
	}
	// The other answers of the same burst do not cut again.
	p.throttled(0)
	if got := p.rate(); math.Abs(got-70) > 1e-9 {
		t.Fatalf("second throttle within the window cut to %v", got)
	}
	clk.t = clk.t.Add(600 * time.Millisecond)
	p.throttled(0)
	if got := p.rate(); math.Abs(got-49) > 1e-9 {
		t.Fatalf("throttle after the window: rate %v, want 49", got)
	}
	if left := p.pauseLeft(); left != 400*time.Millisecond {
		t.Errorf("a shorter pause must not shorten the running one: left %v", left)
	}
	n := 0
	for p.rate() < 100 {
		p.succeeded()
		n++
		if n > 1000 {
			t.Fatal("rate never recovered")
		}
	}
	if p.rate() != 100 {
		t.Errorf("recovered past the target: %v", p.rate())
	}
	// 49 -> 100 at 0.5% a success takes about ln(100/49)/ln(1.005) ≈ 143.
	if n < 100 || n > 200 {
		t.Errorf("recovery took %d successes", n)
	}
	for i := 0; i < 10; i++ {
		p.throttled(0)
		clk.t = clk.t.Add(time.Second)
	}
	for i := 0; i < 100; i++ {
		p.throttled(0)
		clk.t = clk.t.Add(time.Second)
	}
	if p.rate() < minRate {
		t.Errorf("rate %v fell below the floor", p.rate())
	}
}

func TestPacerWaitHonoursPauseAndContext(t *testing.T) {
	p := newPacer(1000, 1, 1, time.Now)
	p.throttled(50 * time.Millisecond)
	start := time.Now()
	if err := p.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 40*time.Millisecond {
		t.Errorf("wait returned during the pause")
	}
	p.throttled(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.wait(ctx); err == nil {
		t.Error("wait ignored a cancelled context")
	}
}

func TestBackoffIsCappedWithJitter(t *testing.T) {
	r := &Runner{cfg: Config{BackoffBase: 10 * time.Millisecond, BackoffMax: 80 * time.Millisecond}}
	r.rng = newTestRand()
	for attempt := 1; attempt < 40; attempt++ {
		ceil := min(10*time.Millisecond<<min(attempt-1, 30), 80*time.Millisecond)
		for i := 0; i < 50; i++ {
			if d := r.backoff(attempt); d < 0 || d > ceil {
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

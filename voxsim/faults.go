package voxsim

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// faultSource is the one seeded random source of a Server, shared by all
// requests under a mutex so that it is race-free.
type faultSource struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func (f *faultSource) init(seed int64) {
	var a, b uint64
	if seed == 0 {
		a, b = rand.Uint64(), rand.Uint64()
	} else {
		a, b = uint64(seed), uint64(seed)^0x9e3779b97f4a7c15
	}
	f.rng = rand.New(rand.NewPCG(a, b))
}

// draws is what chance decided for one request.
type draws struct {
	jitter time.Duration
	fault  bool
	drop   bool
}

// draw decides the random parts of one request. It takes nothing from the
// source for faults that are switched off, so a seeded sequence depends only
// on the faults in use.
func (s *Server) draw() draws {
	var d draws
	c := &s.cfg
	if c.LatencyJitter == 0 && c.FaultRate == 0 && c.DropRate == 0 {
		return d
	}
	f := &s.rng
	f.mu.Lock()
	if c.LatencyJitter > 0 {
		d.jitter = time.Duration(f.rng.Int64N(int64(c.LatencyJitter) + 1))
	}
	if c.FaultRate > 0 {
		d.fault = f.rng.Float64() < c.FaultRate
	}
	if c.DropRate > 0 {
		d.drop = f.rng.Float64() < c.DropRate
	}
	f.mu.Unlock()
	return d
}

// wait sleeps for d unless ctx ends first; it reports whether d elapsed.
func wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

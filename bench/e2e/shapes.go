package main

import (
	"fmt"
	"strconv"
	"time"
)

// The numbers of issue 14: a server that allows shapeLimit requests per
// second with shapeLatency, and a client that does not know it, sending
// with --rate shapeRate, shapeChunk accounts per request and shapeWorkers
// workers.
const (
	shapeLimit   = 50
	shapeLatency = "20ms"
	shapeRate    = 100
	shapeChunk   = 50
	shapeWorkers = 16
	// shapeMaxThrottled is the largest share of requests throttled.
	shapeMaxThrottled = 0.03
	// shapeBelow is the --rate of the run that stays below the limit.
	shapeBelow = 40
)

// limitShape is how a server counts its limit: a token bucket of a given
// size, or fixed one-second windows.
type limitShape struct {
	label string
	flags []string
}

// throttleSignal is how a server answers a request over its limit.
type throttleSignal struct {
	label string
	flags []string
}

var (
	limitShapes = []limitShape{
		{"bucket 1", []string{"--burst", "1"}},
		{"bucket 5", []string{"--burst", "5"}},
		{"bucket 50", []string{"--burst", strconv.Itoa(shapeLimit)}},
		{"fixed window", []string{"--fixed-window"}},
	}
	throttleSignals = []throttleSignal{
		{"340", nil},
		{"416", []string{"--throttle-code", "416"}},
		{"162", []string{"--throttle-code", "162"}},
		{"429 Retry-After", []string{"--throttle-status", "429"}},
		{"429 bare", []string{"--throttle-status", "429", "--no-retry-after"}},
	}
)

// shapeRuns returns the runs of the shape matrix, each about seconds long
// at the server's limit, judged against minShare of the limit: every
// limit shape with every signal, then one run with --rate below the limit.
func shapeRuns(seconds int, minShare float64) []benchRun {
	rows := shapeLimit * seconds * shapeChunk
	timeout := time.Duration(seconds)*time.Second*4 + time.Minute
	base := []string{"--rate-limit", strconv.Itoa(shapeLimit), "--latency", shapeLatency}
	var runs []benchRun
	for _, ls := range limitShapes {
		for _, sig := range throttleSignals {
			sim := append(append(append([]string(nil), base...), ls.flags...), sig.flags...)
			runs = append(runs, benchRun{label: ls.label + ", " + sig.label, rows: rows,
				chunk: shapeChunk, workers: shapeWorkers, rate: shapeRate, sim: sim,
				timeout: timeout, judge: underLimit(shapeLimit, minShare)})
		}
	}
	below := append(append([]string(nil), base...), limitShapes[0].flags...)
	rows = shapeBelow * seconds * shapeChunk
	runs = append(runs, benchRun{label: "bucket 1, 340, rate " + strconv.Itoa(shapeBelow), rows: rows,
		chunk: shapeChunk, workers: shapeWorkers, rate: shapeBelow, sim: below,
		timeout: timeout, judge: belowLimit(shapeBelow)})
	return runs
}

// underLimit wants, against a server limit of limit requests/s that the
// client exceeds, every row applied, a goodput of at least minShare·limit,
// at most shapeMaxThrottled of the requests throttled, and no second at
// the server above the client's --rate.
func underLimit(limit, minShare float64) func(m *metrics) verdict {
	return func(m *metrics) verdict {
		share := m.goodput / limit
		throttled := float64(m.throttled) / float64(max(m.requests, 1))
		return verdict{
			figure: fmt.Sprintf("%.3f × limit, throttled %.1f%%, requests %.3f × min",
				share, 100*throttled, float64(m.requests)/float64(m.minRequests)),
			target: fmt.Sprintf("≥ %.2f × limit, throttled ≤ %g%%", minShare, 100*shapeMaxThrottled),
			met: judged(m.allApplied() && share >= minShare && throttled <= shapeMaxThrottled &&
				m.maxPerSecond <= shapeRate),
		}
	}
}

// belowLimit wants a --rate below the server's limit reached at 0.95 or
// more, with no second above it at the server.
func belowLimit(rate float64) func(m *metrics) verdict {
	return func(m *metrics) verdict {
		v := goodputAtLeast(0.95, rate)(m)
		v.figure += fmt.Sprintf(", throttled %d", m.throttled)
		if v.met == verdictMet && float64(m.maxPerSecond) > rate {
			v.met = verdictMissed
		}
		return v
	}
}

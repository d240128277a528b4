package main

import (
	"fmt"
	"time"
)

// benchCase is one case of issue 4: one or more runs, each judged against
// its target.
type benchCase struct {
	name  string
	about string
	runs  []benchRun
	// long cases take many minutes: they run only when named, not in all.
	long bool
}

// benchRun is one simulator + client run.
type benchRun struct {
	label   string
	rows    int
	chunk   int
	workers int
	rate    float64  // client --rate
	sim     []string // extra simulator flags
	client  []string // extra client flags
	timeout time.Duration
	judge   func(m *metrics) verdict
}

// The cases, in the order -case all runs them (long ones left out).
var cases = []*benchCase{
	{
		name:  "minimum",
		about: "requests sent / ceil(rows/chunk), fault-free and under 2% faults",
		runs: []benchRun{
			{label: "fault-free", rows: 20_000, chunk: 50, workers: 8, rate: 1000,
				timeout: 2 * time.Minute, judge: requestRatio(1.00)},
			{label: "2% faults", rows: 20_000, chunk: 50, workers: 8, rate: 1000,
				sim: []string{"--fault-rate", "0.02", "--seed", "1"}, timeout: 2 * time.Minute, judge: requestRatio(1.05)},
		},
	},
	{
		name:  "goodput",
		about: "successful requests/s against --rate, unlimited simulator, 15 s runs",
		runs: []benchRun{
			{label: "rate 200", rows: 200 * 15 * 10, chunk: 10, workers: 8, rate: 200,
				timeout: 2 * time.Minute, judge: goodputAtLeast(0.95, 200)},
			{label: "rate 1000", rows: 1000 * 15 * 10, chunk: 10, workers: 8, rate: 1000,
				timeout: 3 * time.Minute, judge: goodputAtLeast(0.95, 1000)},
		},
	},
	{
		name:  "throttle",
		about: "simulator --rate-limit 50, client --rate 150: code 340, then HTTP 429",
		runs: []benchRun{
			{label: "limit 50, 340", rows: 50 * 20 * 10, chunk: 10, workers: 8, rate: 150,
				sim: []string{"--rate-limit", "50"}, timeout: 3 * time.Minute, judge: throttling(50, true)},
			{label: "limit 50, 429", rows: 50 * 20 * 10, chunk: 10, workers: 8, rate: 150,
				sim: []string{"--rate-limit", "50", "--throttle-status", "429"}, timeout: 3 * time.Minute, judge: throttling(50, false)},
		},
	},
	{
		name:  "throttle-long",
		about: "the 429 run for a minute and more, so that start-up convergence weighs less",
		runs: []benchRun{
			{label: "limit 50, 429, 70 s", rows: 50 * 60 * 10, chunk: 10, workers: 8, rate: 150,
				sim: []string{"--rate-limit", "50", "--throttle-status", "429"}, timeout: 4 * time.Minute, judge: throttling(50, false)},
		},
	},
	{
		name:  "shapes",
		about: "issue 14's matrix, 16 s runs: limit 50 as bucket 1/5/50 or fixed window, answered 340/416/162/429 (about 8 min; not in all)",
		runs:  shapeRuns(16, 0.85),
		long:  true,
	},
	{
		name:  "shapes-60",
		about: "the same matrix, 60 s runs (about 25 min; not in all)",
		runs:  shapeRuns(60, 0.9),
		long:  true,
	},
	{
		name:  "latency",
		about: "simulator --latency 200ms, client --rate 100 --workers 32",
		runs: []benchRun{
			{label: "200ms", rows: 100 * 15 * 10, chunk: 10, workers: 32, rate: 100,
				sim: []string{"--latency", "200ms"}, timeout: 2 * time.Minute, judge: goodputAtLeast(0.9, 100)},
		},
	},
	{
		name:  "million",
		about: "1,000,000 rows, --rate 5000 --chunk-size 50 --workers 16: CPU and RSS",
		runs: []benchRun{
			{label: "1M rows", rows: 1_000_000, chunk: 50, workers: 16, rate: 5000,
				timeout: 10 * time.Minute, judge: million},
		},
	},
	{
		name:  "cpu",
		about: "client CPU seconds per 1,000 requests, --chunk-size 1",
		runs: []benchRun{
			{label: "chunk 1", rows: 20_000, chunk: 1, workers: 8, rate: 1000,
				timeout: 3 * time.Minute, judge: cpuPer1k},
		},
	},
}

// requestRatio wants every row applied with requests/minimum at most limit.
func requestRatio(limit float64) func(m *metrics) verdict {
	return func(m *metrics) verdict {
		ratio := float64(m.requests) / float64(m.minRequests)
		v := verdict{figure: fmt.Sprintf("%d/%d = %.3f", m.requests, m.minRequests, ratio)}
		if limit == 1 {
			v.target = "1.00"
		} else {
			v.target = fmt.Sprintf("≤ %.2f", limit)
		}
		v.met = judged(m.allApplied() && ratio <= limit+1e-9)
		return v
	}
}

// goodputAtLeast wants every row applied at a goodput of at least frac·rate.
func goodputAtLeast(frac, rate float64) func(m *metrics) verdict {
	return func(m *metrics) verdict {
		return verdict{
			figure: fmt.Sprintf("%.1f/s = %.3f × rate", m.goodput, m.goodput/rate),
			target: fmt.Sprintf("≥ %.2f × %g = %g/s", frac, rate, frac*rate),
			met:    judged(m.allApplied() && m.goodput >= frac*rate),
		}
	}
}

// throttling wants, against a server limit of limit requests/s, every row
// applied, under 10% of the requests throttled and a goodput of at least
// 0.8·limit. When binding is false the figures are only reported.
func throttling(limit float64, binding bool) func(m *metrics) verdict {
	return func(m *metrics) verdict {
		share := float64(m.throttled) / float64(m.requests)
		v := verdict{
			figure: fmt.Sprintf("throttled %.1f%%, goodput %.1f/s = %.2f × limit", 100*share, m.goodput, m.goodput/limit),
			target: fmt.Sprintf("throttled < 10%%, goodput ≥ %g/s", 0.8*limit),
			met:    judged(m.allApplied() && share < 0.10 && m.goodput >= 0.8*limit),
		}
		if !binding {
			v.target = "reported (" + v.target + ")"
			v.met = verdictInfo
		}
		return v
	}
}

// million wants every row applied within 15 CPU-seconds and 600 MB RSS.
func million(m *metrics) verdict {
	return verdict{
		figure: fmt.Sprintf("%.2f CPU-s (user %.2f, sys %.2f), %.0f MB, process %.1f s", m.cpu, m.user, m.sys, m.rssMB, m.wall),
		target: "≤ 15 CPU-s, < 600 MB",
		met:    judged(m.allApplied() && m.cpu <= 15 && m.rssMB < 600),
	}
}

// cpuPer1k reports the client's CPU seconds per 1,000 requests; issue 4
// sets no target for it.
func cpuPer1k(m *metrics) verdict {
	v := verdict{
		figure: fmt.Sprintf("%.3f CPU-s / 1k requests (user %.2f, sys %.2f s)", m.cpuPer1k, m.user, m.sys),
		target: "reported",
		met:    verdictInfo,
	}
	if !m.allApplied() {
		v.met = verdictMissed
	}
	return v
}

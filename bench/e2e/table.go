package main

import (
	"fmt"
	"io"
	"strings"
)

// metrics are the figures of one run, from the client's summary, its
// resource usage and the simulator's stats.
type metrics struct {
	rows            int
	applied         int     // rows the client reports applied
	accountsChanged int64   // accounts the simulator saw changed
	minRequests     int     // ceil(rows/chunk): one change, so the fewest possible
	requests        int     // requests the client sent, retries and throttled ones included
	simRequests     int64   // requests the simulator received
	ok              int64   // requests the simulator answered with success
	throttled       int     // throttled answers the client met
	elapsed         float64 // seconds, the run's own (plan loading excluded)
	goodput         float64 // ok / elapsed
	cpu             float64 // client user+system seconds, whole process
	user, sys       float64 // its parts
	cpuPer1k        float64 // cpu per 1,000 requests sent
	wall            float64 // client process seconds, plan loading and report included
	rssMB           float64 // client peak RSS, 10^6 bytes
	maxConc         int64   // most requests in flight at the simulator at once
	maxPerSecond    int64   // most requests within one second at the simulator
	exit            int     // client exit code
}

func newMetrics(r *benchRun, res *result) *metrics {
	c := res.client
	m := &metrics{
		rows:            r.rows,
		applied:         c.sum.ByStatus["applied"],
		accountsChanged: res.stats.AccountsChanged,
		minRequests:     (r.rows + r.chunk - 1) / r.chunk,
		requests:        c.sum.Requests,
		simRequests:     res.stats.Requests,
		ok:              res.stats.ByOutcome["ok"],
		throttled:       c.sum.Throttled,
		elapsed:         c.sum.ElapsedSeconds,
		user:            c.use.User.Seconds(),
		sys:             c.use.Sys.Seconds(),
		rssMB:           float64(c.use.MaxRSS) / 1e6,
		wall:            c.use.Wall.Seconds(),
		maxConc:         res.stats.MaxConcurrency,
		maxPerSecond:    res.stats.MaxPerSecond,
		exit:            c.exit,
	}
	m.cpu = m.user + m.sys
	if m.elapsed > 0 {
		m.goodput = float64(m.ok) / m.elapsed
	}
	if m.requests > 0 {
		m.cpuPer1k = m.cpu / float64(m.requests) * 1000
	}
	return m
}

// allApplied reports whether the client and the simulator agree that every
// row was applied.
func (m *metrics) allApplied() bool {
	return m.exit == 0 && m.applied == m.rows && m.accountsChanged == int64(m.rows)
}

// verdictState says whether a run met its target.
type verdictState int

const (
	verdictMet verdictState = iota
	verdictMissed
	verdictInfo // figures reported, no target
)

func judged(ok bool) verdictState {
	if ok {
		return verdictMet
	}
	return verdictMissed
}

func (s verdictState) String() string {
	switch s {
	case verdictMet:
		return "yes"
	case verdictMissed:
		return "**no**"
	}
	return "n/a"
}

// verdict is a run's figure against its target.
type verdict struct {
	figure string
	target string
	met    verdictState
}

var columns = []string{"case", "run", "rows applied", "requests", "min", "throttled",
	"elapsed s", "goodput/s", "sim max/s", "sim max in flight", "client CPU s", "CPU s/1k req", "peak RSS MB", "figure", "target", "met"}

func printHeader(w io.Writer) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(columns, " | "))
	fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(columns)))
}

// printRow prints the table row of one run and returns its verdict; a run
// that could not be measured gets its error in the figure column and
// counts as missed.
func printRow(w io.Writer, name string, r *benchRun, res *result) verdictState {
	cells := []string{name, r.label}
	if res.err != nil {
		cells = append(cells, "", "", "", "", "", "", "", "", "", "", "", "error: "+strings.ReplaceAll(res.err.Error(), "|", "/"), "", verdictMissed.String())
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
		return verdictMissed
	}
	m := newMetrics(r, res)
	v := r.judge(m)
	reqs := fmt.Sprint(m.requests)
	if m.simRequests != int64(m.requests) {
		reqs += fmt.Sprintf(" (sim %d)", m.simRequests)
	}
	applied := fmt.Sprintf("%d/%d", m.applied, m.rows)
	if m.accountsChanged != int64(m.applied) {
		applied += fmt.Sprintf(" (sim %d)", m.accountsChanged)
	}
	cells = append(cells, applied, reqs, fmt.Sprint(m.minRequests), fmt.Sprint(m.throttled),
		fmt.Sprintf("%.2f", m.elapsed), fmt.Sprintf("%.1f", m.goodput), fmt.Sprint(m.maxPerSecond), fmt.Sprint(m.maxConc),
		fmt.Sprintf("%.2f", m.cpu), fmt.Sprintf("%.3f", m.cpuPer1k), fmt.Sprintf("%.0f", m.rssMB),
		v.figure, v.target, v.met.String())
	fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	return v.met
}

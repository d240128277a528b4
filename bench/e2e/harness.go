package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// firstID is the id of the simulator's first child account.
const firstID = 1000

// harness runs benchRuns: one simulator and one client process each.
type harness struct {
	dir   string // work directory, one subdirectory per run
	bin   string // the voxbatch binary
	timeV bool   // wrap the client in /usr/bin/time -v
	// timeout, if positive, replaces every run's own.
	timeout time.Duration
	log     io.Writer // progress and errors for people
	n       int       // runs so far
}

// result is everything measured in one run.
type result struct {
	client *clientRun
	stats  simStats
	err    error // the run could not be measured
}

// run performs r within its timeout and measures it.
func (h *harness) run(parent context.Context, r *benchRun) *result {
	h.n++
	dir := filepath.Join(h.dir, fmt.Sprintf("%02d-%s", h.n, slug(r.label)))
	res := &result{}
	if res.err = os.MkdirAll(dir, 0o755); res.err != nil {
		return res
	}
	planPath := filepath.Join(dir, "plan.csv")
	if res.err = writePlan(planPath, r.rows); res.err != nil {
		return res
	}
	timeout := r.timeout
	if h.timeout > 0 {
		timeout = h.timeout
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	creds := filepath.Join(dir, "credentials.json")
	s, err := startSim(ctx, h.bin, dir, creds, r.rows, r.sim)
	if err != nil {
		res.err = err
		return res
	}
	defer s.stop(h.log)
	if res.client, res.err = h.runClient(ctx, r, dir, planPath, creds, s.endpoint); res.err != nil {
		return res
	}
	res.stats, res.err = s.stats(ctx)
	return res
}

// slug turns a run's label into a file name.
func slug(label string) string {
	return strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			return c
		}
		return '-'
	}, label)
}

// writePlan writes a CSV plan of rows rows that disable the accounts with
// ids from firstID on: one change, so the fewest requests for a chunk size
// is ceil(rows/chunk).
func writePlan(path string, rows int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 64<<10)
	w.WriteString("child_account_id,active\n")
	b := make([]byte, 0, 32)
	for i := range rows {
		b = strconv.AppendInt(b[:0], int64(firstID+i), 10)
		b = append(b, ",false\n"...)
		w.Write(b)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write the plan: %w", err)
	}
	return f.Close()
}

// Command e2e benchmarks voxbatch end to end, the way a user runs it: it
// builds the binary once, starts `voxbatch sim` as a separate process,
// writes a plan of child_account_id,active rows, runs `voxbatch run` as a
// separate process (under /usr/bin/time -v when it exists, for the client's
// CPU time and peak RSS), then reads the run's --summary JSON and the
// simulator's /_sim/stats and prints one markdown table row per run, with
// the figure the case measures, its target and whether it is met.
//
// Run it from the module root, one case or all of them, one at a time:
//
//	go run ./bench/e2e -case minimum
//	go run ./bench/e2e -case all
//	go run ./bench/e2e -list
//	go run ./bench/e2e -case shapes -run 'bucket 1, 4'
//
// The long cases (the shape matrix of issue 14) run only when named. -run
// keeps the runs of the selected cases whose label matches a regexp. -keep
// keeps the work directory (plans, reports, logs), -bin uses a built
// binary, -timeout overrides the runs' timeouts, -rusage measures the client
// by its rusage instead of /usr/bin/time -v.
//
// Every run has a timeout; the simulator and the client are started in
// their own process groups and killed when the run ends, times out or the
// benchmark is interrupted. The exit status is 1 when a run failed or
// missed its target. BENCHMARKS.md records the figures of a run.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
)

func main() {
	name := flag.String("case", "all", "`case` to run: "+strings.Join(caseNames(), ", ")+" or all")
	list := flag.Bool("list", false, "list the cases and exit")
	runPat := flag.String("run", "", "run only the runs whose label matches this `regexp`")
	bin := flag.String("bin", "", "use this voxbatch `binary` instead of building one")
	keep := flag.Bool("keep", false, "keep the work directory (plans, reports, logs)")
	timeout := flag.Duration("timeout", 0, "override every run's `timeout` (0: each run's own)")
	noTime := flag.Bool("rusage", false, "measure the client by its rusage, not by /usr/bin/time -v")
	flag.Parse()
	if *list {
		for _, c := range cases {
			fmt.Printf("%-13s %s\n", c.name, c.about)
		}
		return
	}
	sel, err := selectCases(*name, *runPat)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Stdout, sel, &harness{bin: *bin, timeV: !*noTime && haveTimeV(), timeout: *timeout, log: os.Stderr}, *keep)
	stop()
	os.Exit(code)
}

// run runs the runs of sel one after the other with h, prints the table to
// out and progress to h.log, and returns the exit status: 0 if every run met its target, 1 if one
// failed or missed it, 130 if ctx was cancelled.
func run(ctx context.Context, out io.Writer, sel []*benchCase, h *harness, keep bool) int {
	dir, err := os.MkdirTemp("", "voxbatch-bench-e2e-")
	if err != nil {
		fmt.Fprintln(h.log, "e2e:", err)
		return 1
	}
	if keep {
		fmt.Fprintln(h.log, "e2e: work directory", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	h.dir = dir
	if !h.timeV {
		fmt.Fprintln(h.log, "e2e: measuring the client by its rusage")
	}
	if h.bin == "" {
		fmt.Fprintln(h.log, "e2e: building voxbatch")
		if h.bin, err = build(ctx, dir, h.log); err != nil {
			fmt.Fprintln(h.log, "e2e:", err)
			if ctx.Err() != nil {
				return 130
			}
			return 1
		}
	}
	printHeader(out)
	code := 0
	for _, c := range sel {
		for i := range c.runs {
			if ctx.Err() != nil {
				return 130
			}
			r := &c.runs[i]
			fmt.Fprintf(h.log, "e2e: %s / %s: %d rows, rate %g; load average %s\n", c.name, r.label, r.rows, r.rate, loadAverage())
			res := h.run(ctx, r)
			if res.err != nil {
				fmt.Fprintf(h.log, "e2e: %s / %s: %v\n", c.name, r.label, res.err)
			}
			if printRow(out, c.name, r, res) == verdictMissed {
				code = 1
			}
		}
	}
	return code
}

// selectCases returns the case called name, or every case but the long
// ones for "all"; with a pattern, only the runs whose label it matches.
func selectCases(name, pattern string) ([]*benchCase, error) {
	var sel []*benchCase
	for _, c := range cases {
		if c.name == name || name == "all" && !c.long {
			sel = append(sel, c)
		}
	}
	if len(sel) == 0 {
		return nil, fmt.Errorf("unknown case %q; want one of %s or all", name, strings.Join(caseNames(), ", "))
	}
	if pattern == "" {
		return sel, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("-run: %w", err)
	}
	var out []*benchCase
	for _, c := range sel {
		f := &benchCase{name: c.name, about: c.about, long: c.long}
		for _, r := range c.runs {
			if re.MatchString(r.label) {
				f.runs = append(f.runs, r)
			}
		}
		if len(f.runs) > 0 {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-run %q matches no run of case %s", pattern, name)
	}
	return out, nil
}

// loadAverage is the machine's load average over the last minute, "?" where
// /proc/loadavg is missing: runs on a busy machine measure the machine.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

func caseNames() []string {
	var names []string
	for _, c := range cases {
		names = append(names, c.name)
	}
	return names
}

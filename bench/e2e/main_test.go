package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseTimeV(t *testing.T) {
	const good = "\tCommand being timed: \"x\"\n\tUser time (seconds): 2.96\n\tSystem time (seconds): 1.68\n" +
		"\tPercent of CPU this job got: 89%\n\tMaximum resident set size (kbytes): 426492\n"
	tests := []struct {
		name      string
		text      string
		user, sys time.Duration
		rss       int64
		wantErr   bool
	}{
		{"time -v output", good, 2960 * time.Millisecond, 1680 * time.Millisecond, 426492 << 10, false},
		{"no rss", "User time (seconds): 1.00\nSystem time (seconds): 0.50\n", 0, 0, 0, true},
		{"bad number", strings.Replace(good, "2.96", "x", 1), 0, 0, 0, true},
		{"empty", "", 0, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "time.txt")
			if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			user, sys, rss, err := parseTimeV(path)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if user.Round(time.Millisecond) != tt.user || sys.Round(time.Millisecond) != tt.sys || rss != tt.rss {
				t.Errorf("got %v, %v, %d; want %v, %v, %d", user, sys, rss, tt.user, tt.sys, tt.rss)
			}
		})
	}
}

func TestJudges(t *testing.T) {
	applied := func(m metrics) *metrics {
		m.rows, m.applied, m.accountsChanged = 1000, 1000, 1000
		return &m
	}
	tests := []struct {
		name  string
		judge func(*metrics) verdict
		m     *metrics
		want  verdictState
	}{
		{"minimum exact", requestRatio(1), applied(metrics{requests: 20, minRequests: 20}), verdictMet},
		{"minimum one over", requestRatio(1), applied(metrics{requests: 21, minRequests: 20}), verdictMissed},
		{"faults within", requestRatio(1.05), applied(metrics{requests: 105, minRequests: 100}), verdictMet},
		{"faults over", requestRatio(1.05), applied(metrics{requests: 106, minRequests: 100}), verdictMissed},
		{"rows missing", requestRatio(1), &metrics{rows: 10, applied: 9, accountsChanged: 9, requests: 1, minRequests: 1}, verdictMissed},
		{"sim disagrees", requestRatio(1), &metrics{rows: 10, applied: 10, accountsChanged: 9, requests: 1, minRequests: 1}, verdictMissed},
		{"client failed", requestRatio(1), &metrics{rows: 10, applied: 10, accountsChanged: 10, requests: 1, minRequests: 1, exit: 1}, verdictMissed},
		{"goodput met", goodputAtLeast(0.95, 200), applied(metrics{goodput: 190}), verdictMet},
		{"goodput low", goodputAtLeast(0.95, 200), applied(metrics{goodput: 189.9}), verdictMissed},
		{"throttle met", throttling(50, true), applied(metrics{requests: 100, throttled: 9, goodput: 40}), verdictMet},
		{"throttle too many", throttling(50, true), applied(metrics{requests: 100, throttled: 10, goodput: 45}), verdictMissed},
		{"throttle slow", throttling(50, true), applied(metrics{requests: 100, throttled: 1, goodput: 39}), verdictMissed},
		{"throttle reported", throttling(50, false), applied(metrics{requests: 100, throttled: 50, goodput: 1}), verdictInfo},
		{"million met", million, applied(metrics{cpu: 15, rssMB: 599}), verdictMet},
		{"million cpu", million, applied(metrics{cpu: 15.1, rssMB: 100}), verdictMissed},
		{"million rss", million, applied(metrics{cpu: 1, rssMB: 600}), verdictMissed},
		{"shape met", underLimit(50, 0.85), applied(metrics{requests: 103, minRequests: 100, throttled: 3, goodput: 42.5, maxPerSecond: 100}), verdictMet},
		{"shape slow", underLimit(50, 0.85), applied(metrics{requests: 100, minRequests: 100, goodput: 42.4}), verdictMissed},
		{"shape throttled", underLimit(50, 0.85), applied(metrics{requests: 100, minRequests: 97, throttled: 4, goodput: 50}), verdictMissed},
		{"shape over --rate", underLimit(50, 0.85), applied(metrics{requests: 100, minRequests: 100, goodput: 50, maxPerSecond: 101}), verdictMissed},
		{"below met", belowLimit(40), applied(metrics{goodput: 38, maxPerSecond: 40}), verdictMet},
		{"below slow", belowLimit(40), applied(metrics{goodput: 37.9}), verdictMissed},
		{"below over --rate", belowLimit(40), applied(metrics{goodput: 40, maxPerSecond: 41}), verdictMissed},
		{"cpu reported", cpuPer1k, applied(metrics{cpuPer1k: 0.3}), verdictInfo},
		{"cpu rows missing", cpuPer1k, &metrics{rows: 2}, verdictMissed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.judge(tt.m)
			if v.met != tt.want || v.figure == "" || v.target == "" {
				t.Errorf("verdict %+v, want %v", v, tt.want)
			}
		})
	}
}

func TestShapeRuns(t *testing.T) {
	runs := shapeRuns(16, 0.85)
	if len(runs) != len(limitShapes)*len(throttleSignals)+1 {
		t.Fatalf("%d runs", len(runs))
	}
	seen := map[string]bool{}
	for _, r := range runs {
		if seen[r.label] {
			t.Errorf("two runs labelled %q", r.label)
		}
		seen[r.label] = true
		sim := strings.Join(r.sim, " ")
		if !strings.Contains(sim, "--rate-limit 50 --latency 20ms") || r.chunk != 50 || r.workers != 16 {
			t.Errorf("%s: sim %q, chunk %d, workers %d", r.label, sim, r.chunk, r.workers)
		}
		if r.rate == shapeRate && r.rows != 40_000 {
			t.Errorf("%s: %d rows, want 40000 (16 s at the limit)", r.label, r.rows)
		}
	}
	if r := runs[len(runs)-1]; r.rate != shapeBelow || r.rows != shapeBelow*16*shapeChunk {
		t.Errorf("last run %+v, want --rate %d", r, shapeBelow)
	}
	if got := shapeRuns(60, 0.9)[0].rows; got != 150_000 {
		t.Errorf("60 s runs of %d rows", got)
	}
}

func TestWritePlan(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.csv")
	if err := writePlan(path, 3); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "child_account_id,active\n1000,false\n1001,false\n1002,false\n"
	if string(b) != want {
		t.Errorf("plan = %q, want %q", b, want)
	}
}

func TestSelectCases(t *testing.T) {
	tests := []struct {
		name, pattern string
		want          int
		wantErr       bool
	}{
		{"all", "", len(cases) - 2, false},
		{"million", "", 1, false},
		{"shapes", "", 1, false},
		{"shapes", "^bucket 1, 429", 1, false},
		{"shapes", "no such run", 0, true},
		{"shapes", "(", 0, true},
		{"nope", "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+tt.pattern, func(t *testing.T) {
			got, err := selectCases(tt.name, tt.pattern)
			if (err != nil) != tt.wantErr || len(got) != tt.want {
				t.Errorf("selectCases(%q, %q) = %d cases, %v", tt.name, tt.pattern, len(got), err)
			}
			if tt.pattern != "" && len(got) == 1 && len(got[0].runs) != 2 {
				t.Errorf("%d runs match %q, want 2", len(got[0].runs), tt.pattern)
			}
		})
	}
}

func TestSlug(t *testing.T) {
	if got := slug("limit 50, 340 2%"); got != "limit-50--340-2-" {
		t.Errorf("slug = %q", got)
	}
}

// cells counts the cells of each markdown table line in s.
func cells(t *testing.T, s string) []int {
	t.Helper()
	var n []int
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		n = append(n, strings.Count(sc.Text(), "|")-1)
	}
	return n
}

func TestPrintRowShape(t *testing.T) {
	r := &benchRun{label: "x", rows: 10, chunk: 5, judge: requestRatio(1)}
	ok := &result{client: &clientRun{sum: summary{ByStatus: map[string]int{"applied": 10}, Requests: 2, ElapsedSeconds: 1}},
		stats: simStats{Requests: 2, AccountsChanged: 10, ByOutcome: map[string]int64{"ok": 2}}}
	tests := []struct {
		name string
		res  *result
		want verdictState
	}{
		{"measured", ok, verdictMet},
		{"error", &result{err: os.ErrDeadlineExceeded}, verdictMissed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			printHeader(&b)
			if got := printRow(&b, "c", r, tt.res); got != tt.want {
				t.Errorf("printRow = %v, want %v", got, tt.want)
			}
			n := cells(t, b.String())
			if len(n) != 3 || n[0] != len(columns) || n[1] != len(columns) || n[2] != len(columns) {
				t.Errorf("cells per line %v, want %d each:\n%s", n, len(columns), b.String())
			}
		})
	}
}

// TestHarness builds voxbatch and measures small runs against the real
// simulator, with both ways of measuring the client and with a timeout.
func TestHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("builds voxbatch and runs it")
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin, err := build(ctx, dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	small := benchRun{label: "small", rows: 500, chunk: 50, workers: 4, rate: 200, timeout: time.Minute}
	tests := []struct {
		name    string
		timeV   bool
		timeout time.Duration
		sim     []string
		wantErr bool
	}{
		{"time -v", true, 0, nil, false},
		{"rusage", false, 0, []string{"--fault-rate", "0.1", "--seed", "3"}, false},
		{"timeout", false, 1500 * time.Millisecond, []string{"--latency", "1s"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.timeV && !haveTimeV() {
				t.Skip("no " + timeV)
			}
			h := &harness{dir: t.TempDir(), bin: bin, timeV: tt.timeV, timeout: tt.timeout, log: io.Discard}
			r := small
			r.sim = tt.sim
			res := h.run(ctx, &r)
			if tt.wantErr {
				if res.err == nil {
					t.Fatal("run within the timeout, want an error")
				}
				// Neither the simulator nor the client may outlive the run.
				if out, err := exec.Command("pgrep", "-f", h.dir).Output(); err == nil {
					t.Errorf("processes left behind:\n%s", out)
				}
				return
			}
			if res.err != nil {
				t.Fatal(res.err)
			}
			m := newMetrics(&r, res)
			// CPU time may read 0.00 for so short a run: time -v counts in 10 ms.
			if !m.allApplied() || m.requests < 10 || int64(m.requests) != m.simRequests || m.cpu < 0 || m.wall <= 0 || m.rssMB <= 0 {
				t.Errorf("metrics %+v", m)
			}
		})
	}
}

func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds voxbatch and runs it")
	}
	quick := benchRun{label: "quick", rows: 200, chunk: 50, workers: 2, rate: 100, timeout: time.Minute}
	tests := []struct {
		name     string
		judge    func(*metrics) verdict
		canceled bool
		want     int
	}{
		{"met", requestRatio(1), false, 0},
		{"missed", goodputAtLeast(1, 1e6), false, 1},
		{"interrupted", requestRatio(1), true, 130},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := quick
			r.judge = tt.judge
			ctx, cancel := context.WithCancel(context.Background())
			if tt.canceled {
				cancel()
			}
			defer cancel()
			var out bytes.Buffer
			h := &harness{timeV: haveTimeV(), log: io.Discard}
			got := run(ctx, &out, []*benchCase{{name: "test", runs: []benchRun{r}}}, h, false)
			if got != tt.want {
				t.Errorf("run = %d, want %d; output:\n%s", got, tt.want, out.String())
			}
			if n := strings.Count(out.String(), "| test | quick |"); !tt.canceled && n != 1 {
				t.Errorf("%d rows for the run, want 1:\n%s", n, out.String())
			}
			if _, err := os.Stat(h.dir); h.dir != "" && !os.IsNotExist(err) {
				t.Errorf("work directory %s left behind", h.dir)
			}
		})
	}
}

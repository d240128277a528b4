package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voxbatch/voxbatch/batch"
	"github.com/voxbatch/voxbatch/voxsim"
)

func TestProgressLinesOffTerminal(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 200, Latency: 20 * time.Millisecond})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 200)
	e, _, errb := testEnv(nil)
	code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
		"--report", filepath.Join(dir, "r.csv"), "--rate", "20", "--chunk-size", "10", "--workers", "1",
		"--progress-interval", "100ms", "--log-format", "json"})
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	var progress []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(errb.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		if m["msg"] == "progress" {
			progress = append(progress, m)
		}
	}
	if len(progress) < 3 {
		t.Fatalf("%d progress lines in a ~1 s run at a 100ms interval:\n%s", len(progress), errb)
	}
	last := progress[len(progress)-1]
	for _, k := range []string{"done", "total", "failed", "rows_per_second", "eta", "requests", "throttled", "rate"} {
		if _, ok := last[k]; !ok {
			t.Errorf("progress line lacks %q: %v", k, last)
		}
	}
	if last["total"] != float64(200) {
		t.Errorf("total %v, want 200", last["total"])
	}
	if d, _ := last["done"].(float64); d <= 0 || d > 200 {
		t.Errorf("done %v", last["done"])
	}
}

func TestSpeedIsSmoothed(t *testing.T) {
	var sp speed
	t0 := time.Unix(0, 0)
	if r := sp.update(t0, 0); r != 0 {
		t.Fatalf("first rate %v", r)
	}
	if r := sp.update(t0.Add(time.Second), 10); r != 10 {
		t.Fatalf("the first measure sets the rate: %v", r)
	}
	// A burst of 100 rows in a fifth of a second moves the rate, not to 500.
	r := sp.update(t0.Add(1200*time.Millisecond), 110)
	if r <= 10 || r >= 200 {
		t.Errorf("after a burst: %v", r)
	}
	if eta(100, 0) != "unknown" || eta(100, 10) != "10s" {
		t.Errorf("eta: %s, %s", eta(100, 0), eta(100, 10))
	}
}

func TestBarFramesAndLogLinesStayApart(t *testing.T) {
	var out strings.Builder
	term := &termWriter{w: &out}
	logger := newLogger(term, "text", "info")
	stats := batch.Stats{}
	p := startProgress(term, logger, time.Hour, func() batch.Stats { return stats }, func() int { return 100 })
	p.showBar(stats, 100, 0)
	stats = batch.Stats{Done: 40, Failed: 2, Throttled: 3, Rate: 12}
	p.showBar(stats, 100, 8)
	time.Sleep(150 * time.Millisecond) // past the bar's throttle
	p.showBar(stats, 100, 8)
	logger.Error("stopping the run")
	p.end()
	s := out.String()
	if strings.Contains(s, "rows/hr") || strings.Contains(s, "\r0.0 rows/s") || strings.Contains(s, "(0 rows") {
		t.Errorf("a frame shows a rate of zero:\n%q", s)
	}
	for _, want := range []string{"starting", "8.0 rows/s", "eta 7s", "failed 2", "throttled 3, now 12.0 req/s"} {
		if !strings.Contains(s, want) {
			t.Errorf("the frames lack %q:\n%q", want, s)
		}
	}
	// The log line starts on a cleared line: "\r\x1b[K" then "time=".
	if i := strings.Index(s, "time="); i < 4 || s[i-4:i] != "\r\x1b[K" {
		t.Errorf("the log line is glued onto the bar:\n%q", s)
	}
}

package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

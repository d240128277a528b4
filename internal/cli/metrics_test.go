package cli

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voxbatch/voxbatch/voxsim"
)

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestMetricsScrapedDuringRun(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 1000, Latency: 20 * time.Millisecond, FaultRate: 0.1, Seed: 3})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 1000)
	addr := freeAddr(t)
	done := make(chan int, 1)
	e, _, errb := testEnv(nil)
	go func() {
		done <- dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
			"--report", filepath.Join(dir, "r.csv"), "--rate", "40", "--workers", "2", "--chunk-size", "10",
			"--metrics-addr", addr, "--max-attempts", "20"})
	}()
	var body string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			if strings.Contains(body, `voxbatch_rows{status="applied"}`) && !strings.Contains(body, `voxbatch_rows{status="applied"} 0`) {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{
		`voxbatch_rows{status="applied"}`, `voxbatch_rows{status="not_attempted"}`,
		`voxbatch_requests_total{outcome="ok"}`, "voxbatch_retries_total", "voxbatch_throttled_total",
		"voxbatch_rate_limit 40", "voxbatch_in_flight_requests",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	if code := <-done; code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, errb)
	}
	if _, err := http.Get("http://" + addr + "/metrics"); err == nil {
		t.Error("the metrics server outlived the run")
	}
}

func TestEnvironmentPrecedence(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 100})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 60)
	vars := map[string]string{
		"VOXIMPLANT_CREDENTIALS": creds,
		"VOXBATCH_ENDPOINT":      endpoint,
		"VOXBATCH_CHUNK_SIZE":    "7",
		"VOXBATCH_REPORT":        filepath.Join(dir, "env.csv"),
		"VOXBATCH_SUMMARY":       filepath.Join(dir, "sum.json"),
	}
	e, _, errb := testEnv(vars)
	// --chunk-size on the command line wins over VOXBATCH_CHUNK_SIZE; the
	// rest comes from the environment.
	if code := dispatch(context.Background(), e, []string{"run", planPath, "--chunk-size", "20"}); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	sum, err := os.ReadFile(filepath.Join(dir, "sum.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sum), `"requests":3`) && !strings.Contains(string(sum), `"requests": 3`) {
		t.Errorf("summary %s: want 3 requests (60 rows / flag chunk 20, not env chunk 7)", sum)
	}
	if _, err := os.Stat(filepath.Join(dir, "env.csv")); err != nil {
		t.Errorf("report not written where VOXBATCH_REPORT says: %v", err)
	}
	// A bad value in the environment names the variable.
	e, _, errb = testEnv(map[string]string{"VOXBATCH_WORKERS": "lots"})
	if code := dispatch(context.Background(), e, []string{"run", "--dry-run", planPath}); code != exitUsage || !strings.Contains(errb.String(), "VOXBATCH_WORKERS") {
		t.Errorf("bad env: exit %d\n%s", code, errb)
	}
}

func TestJSONValidationErrorsOnePerProblem(t *testing.T) {
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", "--dry-run", "samples/invalid.csv", "--log-format", "json"}); code != exitUsage {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	if len(lines) != 10 {
		t.Fatalf("%d lines, want 9 problems and a count:\n%s", len(lines), errb)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first["file"] != "samples/invalid.csv" || first["line"] != float64(2) || first["field"] != "child_account_id" {
		t.Errorf("first problem %v", first)
	}
}

func TestJSONLogsOnly(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 100})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 30)
	for _, args := range [][]string{
		{"run", planPath, "--credentials", creds, "--endpoint", endpoint, "--report", filepath.Join(dir, "a.csv"), "--log-format", "json"},
		{"run", planPath, "--log-format", "json"}, // an error: no credentials
		{"run", planPath, "--credentials", creds, "--endpoint", endpoint, "--report", filepath.Join(dir, "b.csv"), "--log-format", "json", "--expect-digest", "sha256:" + strings.Repeat("0", 64)},
	} {
		e, _, errb := testEnv(nil)
		dispatch(context.Background(), e, args)
		for _, line := range strings.Split(strings.TrimSpace(errb.String()), "\n") {
			if !json.Valid([]byte(line)) {
				t.Errorf("%v: stderr line is not JSON: %q", args[len(args)-1], line)
			}
		}
	}
}

package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// voxbatchBinary builds the real binary once per test run.
func voxbatchBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "voxbatch-e2e-")
		if err != nil {
			binErr = err
			return
		}
		binDir = dir
		binPath = filepath.Join(dir, "voxbatch")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// startSimProcess runs `voxbatch sim` and returns its endpoint.
func startSimProcess(t *testing.T, dir string, args ...string) (endpoint, creds string) {
	t.Helper()
	creds = filepath.Join(dir, "sim-credentials.json")
	cmd := exec.Command(voxbatchBinary(t), append([]string{"sim", "--listen", "127.0.0.1:0", "--credentials-out", creds}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "endpoint: ") {
		t.Fatalf("sim printed %q (%v)", line, err)
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "endpoint: ")), creds
}

type simAccount struct {
	AccountID    int  `json:"account_id"`
	Active       bool `json:"active"`
	Applications int  `json:"applications"`
}

func simAccounts(t *testing.T, endpoint string) []simAccount {
	t.Helper()
	base := strings.TrimSuffix(endpoint, "platform_api/")
	resp, err := http.Get(base + "_sim/accounts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var accs []simAccount
	if err := json.NewDecoder(resp.Body).Decode(&accs); err != nil {
		t.Fatal(err)
	}
	return accs
}

func writePlan(t *testing.T, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("child_account_id,active\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%d,false\n", 1000+i)
	}
	path := filepath.Join(dir, "plan.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBinarySIGTERMLeavesCompleteReport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	endpoint, creds := startSimProcess(t, dir, "--accounts", "3000", "--latency", "40ms")
	planPath := writePlan(t, dir, 3000)
	reportPath := filepath.Join(dir, "report.csv")
	cmd := exec.Command(voxbatchBinary(t), "run", planPath, "--credentials", creds, "--endpoint", endpoint,
		"--report", reportPath, "--rate", "20", "--workers", "2", "--chunk-size", "5", "--log-format", "json")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit %d (%v), want 130\n%s", code, err, stderr.String())
	}
	rows := readReport(t, reportPath)
	if len(rows) != 3000 {
		t.Fatalf("%d report rows, want 3000", len(rows))
	}
	applied := 0
	for i, r := range rows {
		if r["line"] != strconv.Itoa(i+2) {
			t.Fatalf("row %d has line %s: not in plan order", i, r["line"])
		}
		switch r["status"] {
		case "applied":
			applied++
		case "not_attempted":
		default:
			t.Fatalf("row %d: status %s", i, r["status"])
		}
	}
	if applied == 0 || applied == 3000 {
		t.Fatalf("%d rows applied; want a run cut short", applied)
	}
	changed := 0
	for _, a := range simAccounts(t, endpoint) {
		if !a.Active {
			changed++
		}
	}
	if changed != applied {
		t.Errorf("simulator changed %d accounts, report says %d applied", changed, applied)
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("stderr line is not JSON with --log-format json: %q", line)
		}
	}
}

func TestBinarySecondSignalExitsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	// Answers take 3 s; the grace period would wait 20 s for them.
	endpoint, creds := startSimProcess(t, dir, "--accounts", "100", "--latency", "3s")
	planPath := writePlan(t, dir, 100)
	cmd := exec.Command(voxbatchBinary(t), "run", planPath, "--credentials", creds, "--endpoint", endpoint,
		"--report", filepath.Join(dir, "report.csv"), "--chunk-size", "1", "--workers", "4")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the second signal took %v to end the process", took)
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d, want 130\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "second signal") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
}

func TestBinarySIGTERMThenRerunCompletes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	endpoint, creds := startSimProcess(t, dir, "--accounts", "2000", "--latency", "40ms")
	planPath := writePlan(t, dir, 2000)
	reportPath := filepath.Join(dir, "report.csv")
	run := func() (*exec.Cmd, *strings.Builder) {
		cmd := exec.Command(voxbatchBinary(t), "run", planPath, "--credentials", creds, "--endpoint", endpoint,
			"--report", reportPath, "--rate", "40", "--workers", "4", "--chunk-size", "5")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		return cmd, &stderr
	}
	cmd, stderr := run()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, stderr)
	}
	cmd, stderr = run()
	if err := cmd.Run(); err != nil {
		t.Fatalf("rerun: %v\n%s", err, stderr)
	}
	rows := readReport(t, reportPath)
	counts := map[string]int{}
	for _, r := range rows {
		counts[r["status"]]++
	}
	if len(rows) != 2000 || counts["applied"]+counts["skipped"] != 2000 || counts["skipped"] == 0 {
		t.Fatalf("%d rows, statuses %v", len(rows), counts)
	}
	for _, a := range simAccounts(t, endpoint) {
		if a.Active || a.Applications != 1 {
			t.Fatalf("account %d: active %v, applied %d times; want once", a.AccountID, a.Active, a.Applications)
		}
	}
}

// readReport reads a CSV report into rows of column -> value.
func readReport(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, rec := range all[1:] {
		m := map[string]string{}
		for i, col := range all[0] {
			m[col] = rec[i]
		}
		rows = append(rows, m)
	}
	return rows
}

// A rerun killed just after it starts must leave the earlier, complete
// report as it was: the rerun streams beside it.
func TestBinaryKilledRerunKeepsTheCompleteReport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	endpoint, creds := startSimProcess(t, dir, "--accounts", "2000", "--latency", "20ms")
	planPath := writePlan(t, dir, 2000)
	reportPath := filepath.Join(dir, "report.csv")
	args := []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint, "--report", reportPath,
		"--rate", "1000", "--workers", "8", "--chunk-size", "50"}
	if out, err := exec.Command(voxbatchBinary(t), args...).CombinedOutput(); err != nil {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	complete, _ := os.ReadFile(reportPath)
	// --fresh sends everything again, slowly; it is killed mid-way.
	cmd := exec.Command(voxbatchBinary(t), append(args, "--fresh", "--rate", "20", "--chunk-size", "1")...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	cmd.Process.Kill()
	cmd.Wait()
	if now, _ := os.ReadFile(reportPath); string(now) != string(complete) {
		t.Fatalf("the complete report was replaced by a partial one: %d bytes, was %d", len(now), len(complete))
	}
}

// --report - into a pipe that is closed: the rows were applied, the
// report could not be written; exit 5 and a summary on stderr, not a
// silent death by SIGPIPE.
func TestBinaryClosedStdoutPipe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	endpoint, creds := startSimProcess(t, dir, "--accounts", "200")
	planPath := writePlan(t, dir, 200)
	cmd := exec.Command(voxbatchBinary(t), "run", planPath, "--credentials", creds, "--endpoint", endpoint,
		"--report", "-", "--rate", "1000")
	cmd.Dir = dir // the journal of --report - goes to the working folder
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // the reader is gone before the report is written
	cmd.Stdout = w
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	w.Close()
	if code := cmd.ProcessState.ExitCode(); code != 5 {
		t.Fatalf("exit %d (%v), want 5\n%s", code, err, stderr.String())
	}
	for _, want := range []string{"applied 200", "write the report", "nothing is sent again"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voxbatch/voxbatch/voxsim"
)

// The end-to-end tests of issue 15: the binary against `voxbatch sim`.

// simSettings reads every account of the simulator at endpoint, without
// the counters: what plans set and an undo restores.
func simSettings(t *testing.T, endpoint string) []voxsim.Account {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(endpoint, "platform_api/") + "_sim/accounts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var accs []voxsim.Account
	if err := json.NewDecoder(resp.Body).Decode(&accs); err != nil {
		t.Fatal(err)
	}
	for i := range accs {
		accs[i].Applications, accs[i].PasswordChanges = 0, 0
	}
	return accs
}

// simApplications is the number of changes the simulator at endpoint
// applied so far.
func simApplications(t *testing.T, endpoint string) int64 {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(endpoint, "platform_api/") + "_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st voxsim.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st.Applications
}

// runBinary runs voxbatch with args and returns its exit code and stderr.
func runBinary(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(voxbatchBinary(t), args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Run()
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// writeFile writes content to dir/name and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// setUpAccounts gives the first n accounts settings of their own, with a
// run of the binary.
func setUpAccounts(t *testing.T, dir, endpoint, creds string, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("child_account_id,language_code,location,min_balance_to_notify,active,news_notifications\n")
	for i := range n {
		cell := func(ok bool, v string) string {
			if ok {
				return v
			}
			return ""
		}
		fmt.Fprintf(&b, "%d,%s,%s,%s,%s,%v\n", 1000+i, cell(i%2 == 0, "de"), cell(i%3 == 0, "Europe/Berlin"),
			cell(i%5 == 0, "-7.25"), cell(i%7 == 0, "false"), i%4 == 0)
	}
	setup := writeFile(t, dir, "setup.csv", b.String())
	if code, stderr := runBinary(t, "run", setup, "--credentials", creds, "--endpoint", endpoint, "--rate", "2000",
		"--report", filepath.Join(dir, "setup-report.csv")); code != 0 {
		t.Fatalf("setting the accounts up: exit %d\n%s", code, stderr)
	}
}

// TestBinaryUndoAfterSIGKILL kills a run with --undo-out mid-way with
// SIGKILL, resumes it to its end, runs the undo plan it wrote, and finds
// every account exactly as before the first run.
func TestBinaryUndoAfterSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const rows = 2000
	dir := t.TempDir()
	endpoint, creds := startSimProcess(t, dir, "--accounts", strconv.Itoa(rows), "--latency", "5ms")
	setUpAccounts(t, dir, endpoint, creds, rows)
	before := simSettings(t, endpoint)

	var b strings.Builder
	b.WriteString("child_account_id,active,language_code,location,min_balance_to_notify\n")
	for i := range rows {
		fmt.Fprintf(&b, "%d,%v,fr,America/New_York,1.5\n", 1000+i, i%2 == 1)
	}
	planPath := writeFile(t, dir, "plan.csv", b.String())
	undoPath, reportPath := filepath.Join(dir, "undo.csv"), filepath.Join(dir, "report.csv")
	args := []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint, "--rate", "300", "--workers", "4",
		"--chunk-size", "10", "--report", reportPath, "--undo-out", undoPath, "--log-format", "json"}
	setupApps := simApplications(t, endpoint)
	cmd := exec.Command(voxbatchBinary(t), args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once some rows are applied, wherever it is then.
	for deadline := time.Now().Add(20 * time.Second); simApplications(t, endpoint) < setupApps+200 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	changed := 0
	for i, a := range simSettings(t, endpoint) {
		if a != before[i] {
			changed++
		}
	}
	if changed == 0 || changed == rows {
		t.Fatalf("%d accounts changed at the kill; want a run cut short", changed)
	}
	if code, stderr := runBinary(t, args...); code != 0 {
		t.Fatalf("the resumed run: exit %d\n%s", code, stderr)
	}
	if code, stderr := runBinary(t, "run", undoPath, "--credentials", creds, "--endpoint", endpoint, "--rate", "2000",
		"--report", filepath.Join(dir, "undo-report.csv")); code != 0 {
		t.Fatalf("the undo run: exit %d\n%s", code, stderr)
	}
	after := simSettings(t, endpoint)
	if !reflect.DeepEqual(after, before) {
		wrong := 0
		for i := range after {
			if after[i] != before[i] {
				if wrong < 5 {
					t.Errorf("account %d: %+v, want %+v", after[i].AccountID, after[i], before[i])
				}
				wrong++
			}
		}
		t.Fatalf("%d accounts not restored (%d changed at the kill)", wrong, changed)
	}
	t.Logf("%d accounts changed when the run was killed; all %d restored", changed, rows)
}

// TestBinaryExportThenRunChangesNothing exports a plan's accounts and
// runs the export.
func TestBinaryExportThenRunChangesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	endpoint, creds := startSimProcess(t, dir, "--accounts", "300")
	setUpAccounts(t, dir, endpoint, creds, 300)
	before := simSettings(t, endpoint)
	var b strings.Builder
	b.WriteString("child_account_id,child_account_name,active,language_code,location,min_balance_to_notify,news_notifications\n")
	for i := range 250 {
		fmt.Fprintf(&b, "%d,,false,fr,America/New_York,1.5,true\n", 1000+i)
	}
	for i := 250; i < 300; i++ {
		fmt.Fprintf(&b, ",child-%d,true,es,,,\n", 1000+i)
	}
	planPath := writeFile(t, dir, "plan.csv", b.String())
	exportPath := filepath.Join(dir, "before.yaml")
	if code, stderr := runBinary(t, "export", planPath, "--out", exportPath, "--credentials", creds, "--endpoint", endpoint, "--rate", "2000"); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, stderr)
	}
	if code, stderr := runBinary(t, "run", exportPath, "--credentials", creds, "--endpoint", endpoint, "--rate", "2000",
		"--report", filepath.Join(dir, "r.csv"), "--verify"); code != 0 {
		t.Fatalf("run the export: exit %d\n%s", code, stderr)
	}
	if !reflect.DeepEqual(simSettings(t, endpoint), before) {
		t.Error("running the export changed an account")
	}
}

// TestBinaryVerifyCatchesUnkept: `voxbatch sim --unkept 7` accepts
// changes to every seventh account without keeping them; --verify reports
// exactly those rows as mismatch and the run exits 1.
func TestBinaryVerifyCatchesUnkept(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	endpoint, creds := startSimProcess(t, dir, "--accounts", "200", "--unkept", "7")
	planPath := writePlan(t, dir, 200)
	reportPath := filepath.Join(dir, "report.csv")
	code, stderr := runBinary(t, "run", planPath, "--credentials", creds, "--endpoint", endpoint, "--rate", "2000",
		"--report", reportPath, "--verify")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	for _, r := range readReport(t, reportPath) {
		id, _ := strconv.Atoi(r["account"])
		if want := map[bool]string{true: "mismatch", false: "applied"}[id%7 == 0]; r["status"] != want {
			t.Errorf("account %d: %s, want %s", id, r["status"], want)
		}
		if id%7 == 0 && !strings.Contains(r["error_message"], "active: wanted false, found true") {
			t.Errorf("account %d: message %q", id, r["error_message"])
		}
	}
	if !strings.Contains(stderr, "verify: 171 verified, 29 mismatch, 0 not verified") {
		t.Errorf("summary:\n%s", stderr)
	}
}

package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voxbatch/voxbatch/batch"
	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voximplant"
	"github.com/voxbatch/voxbatch/voxsim"
)

// undoSim serves a simulator of n accounts whose first n have settings of
// their own, and returns it with its endpoint, credentials and a client.
func undoSim(t *testing.T, cfg voxsim.Config) (*voxsim.Server, string, string) {
	t.Helper()
	s, endpoint, creds := startInProcessSim(t, cfg)
	c, err := voximplant.LoadCredentials(creds)
	if err != nil {
		t.Fatal(err)
	}
	client, err := voximplant.New(c, voximplant.Config{Endpoint: endpoint, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Accounts {
		q := url.Values{"child_account_id": {fmt.Sprint(1000 + i)}, "news_notifications": {fmt.Sprint(i%4 == 0)}}
		if i%2 == 0 {
			q.Set("language_code", "de")
		}
		if i%3 == 0 {
			q.Set("location", "Europe/Berlin")
		}
		if i%5 == 0 {
			q.Set("min_balance_to_notify", "-2.5")
		}
		if err := client.SetChildAccountInfo(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	s.ResetStats()
	return s, endpoint, creds
}

// settingsOf is what the simulator's accounts hold that plans set.
func settingsOf(s *voxsim.Server) []voxsim.Account {
	accts := s.Accounts()
	for i := range accts {
		accts[i].Applications, accts[i].PasswordChanges = 0, 0
	}
	return accts
}

// writeUndoScenario writes a plan of 60 rows by id, name and email.
func writeUndoScenario(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("child_account_id,child_account_name,child_account_email,active,language_code,location,min_balance_to_notify\n")
	for i := range 40 {
		fmt.Fprintf(&b, "%d,,,false,fr,America/New_York,3\n", 1000+i)
	}
	for i := 40; i < 50; i++ {
		fmt.Fprintf(&b, ",child-%d,,,es,,\n", 1000+i)
	}
	for i := 50; i < 60; i++ {
		fmt.Fprintf(&b, ",,child-%d@example.test,false,,Etc/GMT-8,\n", 1000+i)
	}
	path := filepath.Join(dir, "plan.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestUndoOutThenRunRestores: a run with --undo-out and --verify, then a
// run of the undo plan it wrote (validated first), leave every account as
// it was.
func TestUndoOutThenRunRestores(t *testing.T) {
	for _, ext := range []string{".csv", ".yaml", ".xlsx"} {
		t.Run(ext, func(t *testing.T) {
			s, endpoint, creds := undoSim(t, voxsim.Config{Accounts: 70})
			before := settingsOf(s)
			dir := t.TempDir()
			planPath := writeUndoScenario(t, dir)
			undoPath := filepath.Join(dir, "undo"+ext)
			sumPath := filepath.Join(dir, "summary.json")
			e, _, errb := testEnv(nil)
			args := []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint, "--rate", "2000", "--chunk-size", "10",
				"--report", filepath.Join(dir, "r.csv"), "--undo-out", undoPath, "--verify", "--summary", sumPath}
			if code := dispatch(context.Background(), e, args); code != exitOK {
				t.Fatalf("run: exit %d\n%s", code, errb)
			}
			for _, want := range []string{"verify: 60 verified, 0 mismatch, 0 not verified", "undo: " + undoPath + ", 60 rows; 0 rows with changes"} {
				if !strings.Contains(errb.String(), want) {
					t.Errorf("summary lacks %q:\n%s", want, errb)
				}
			}
			var sum report.SummaryJSON
			b, _ := os.ReadFile(sumPath)
			if err := json.Unmarshal(b, &sum); err != nil || sum.Verify == nil || sum.Verify.Verified != 60 || sum.Undo == nil || sum.Undo.Rows != 60 {
				t.Errorf("summary file: %s (%v)", b, err)
			}
			e, out, errb := testEnv(nil)
			if code := dispatch(context.Background(), e, []string{"validate", undoPath}); code != exitOK {
				t.Fatalf("validate the undo plan: exit %d\n%s%s", code, out, errb)
			}
			e, _, errb = testEnv(nil)
			if code := dispatch(context.Background(), e, []string{"run", undoPath, "--credentials", creds, "--endpoint", endpoint,
				"--rate", "2000", "--report", filepath.Join(dir, "undo-report.csv")}); code != exitOK {
				t.Fatalf("run the undo plan: exit %d\n%s", code, errb)
			}
			if after := settingsOf(s); !reflect.DeepEqual(after, before) {
				t.Error("the undo plan did not restore the accounts")
			}
		})
	}
}

// TestUndoOutAndVerifyCost counts requests by method: reads cost one
// request per chunk each way, at most three times the minimum in all.
func TestUndoOutAndVerifyCost(t *testing.T) {
	s, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 1000})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 1000)
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
		"--rate", "5000", "--chunk-size", "50", "--report", filepath.Join(dir, "r.csv"),
		"--undo-out", filepath.Join(dir, "undo.csv"), "--verify"}); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	st := s.Stats()
	const minimum = 1000 / 50
	if st.ByMethod["SetChildAccountInfo"] != minimum || st.ByMethod["GetChildrenAccounts"] != 2*minimum || st.Requests > 3*minimum {
		t.Errorf("requests by method %v (%d in all), minimum %d", st.ByMethod, st.Requests, minimum)
	}
	if !strings.Contains(errb.String(), fmt.Sprintf("requests: %d,", st.Requests)) {
		t.Errorf("the summary does not count the reads:\n%s", errb)
	}
}

// TestUndoOutAcrossResume: a canary (--limit) writes the undo plan of its
// rows; the rerun adds to it and keeps what the first run read.
func TestUndoOutAcrossResume(t *testing.T) {
	s, endpoint, creds := undoSim(t, voxsim.Config{Accounts: 70})
	before := settingsOf(s)
	dir := t.TempDir()
	planPath := writeUndoScenario(t, dir)
	undoPath := filepath.Join(dir, "undo.csv")
	args := []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint, "--rate", "2000", "--chunk-size", "10",
		"--report", filepath.Join(dir, "r.csv"), "--undo-out", undoPath}
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, append(args, "--limit", "15")); code != exitOK {
		t.Fatalf("canary: exit %d\n%s", code, errb)
	}
	if p, err := plan.LoadFile(undoPath, nil, plan.Options{}); err != nil || len(p.Rows) != 15 {
		t.Fatalf("undo plan of the canary: %v", err)
	}
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, args); code != exitOK {
		t.Fatalf("rerun: exit %d\n%s", code, errb)
	}
	if p, err := plan.LoadFile(undoPath, nil, plan.Options{}); err != nil || len(p.Rows) != 60 {
		t.Fatalf("undo plan after the rerun: %v", err)
	}
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", undoPath, "--credentials", creds, "--endpoint", endpoint,
		"--rate", "2000", "--report", filepath.Join(dir, "undo-report.csv")}); code != exitOK {
		t.Fatalf("undo: exit %d\n%s", code, errb)
	}
	if !reflect.DeepEqual(settingsOf(s), before) {
		t.Error("the undo of the two runs did not restore the accounts")
	}
}

// TestUndoOutOnInterrupt: a run stopped by a signal writes the undo plan
// of what it applied.
func TestUndoOutOnInterrupt(t *testing.T) {
	s, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 200, Latency: 10 * time.Millisecond})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 200)
	undoPath, reportPath := filepath.Join(dir, "undo.csv"), filepath.Join(dir, "r.csv")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { // the signal, once some rows are applied
		for s.Stats().Applications < 5 && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	e, _, errb := testEnv(nil)
	var mu sync.Mutex
	e.stderr = lockedWriter{&mu, errb} // the acknowledgement of the signal comes from another goroutine
	if code := dispatch(ctx, e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint, "--rate", "40",
		"--workers", "1", "--chunk-size", "1", "--report", reportPath, "--undo-out", undoPath, "--verify"}); code != exitInterrupted {
		t.Fatalf("exit %d, want 130\n%s", code, errb)
	}
	applied := 0
	for _, r := range readReport(t, reportPath) {
		if r["status"] == "applied" {
			applied++
		}
	}
	p, err := plan.LoadFile(undoPath, nil, plan.Options{})
	if err != nil || applied == 0 || applied == 200 || len(p.Rows) != applied {
		t.Fatalf("%d applied; undo plan %v", applied, err)
	}
	if !strings.Contains(errb.String(), "verify: not done: the run stopped early") {
		t.Errorf("the summary does not say the run was not read back:\n%s", errb)
	}
}

// TestUndoNeverHoldsAPassword: a password row is applied, said to be
// impossible to undo, and its password is nowhere on disk or in the log.
func TestUndoNeverHoldsAPassword(t *testing.T) {
	dir := t.TempDir()
	planPath := filepath.Join(dir, "plan.csv")
	os.WriteFile(planPath, []byte("child_account_id,active,new_child_account_password,can_use_restricted\n"+
		"1000,false,Zx9!Secret-word,\n1001,false,,true\n1002,false,,\n"), 0o644)
	for _, ext := range []string{".csv", ".yaml"} {
		_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 10}) // a password is new once
		undoPath := filepath.Join(dir, "undo"+ext)
		reportPath := filepath.Join(dir, "r"+ext+".csv")
		e, out, errb := testEnv(nil)
		if code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
			"--report", reportPath, "--undo-out", undoPath, "--verify"}); code != exitOK {
			t.Fatalf("exit %d\n%s", code, errb)
		}
		undo, _ := os.ReadFile(undoPath)
		journal, _ := os.ReadFile(reportPath + ".state")
		rep, _ := os.ReadFile(reportPath)
		for what, text := range map[string]string{"undo plan": string(undo), "journal": string(journal), "report": string(rep),
			"log": errb.String() + out.String()} {
			if strings.Contains(text, "Secret") {
				t.Errorf("the %s holds the password:\n%s", what, text)
			}
		}
		if !strings.Contains(errb.String(), "2 rows with changes that cannot be undone") ||
			!strings.Contains(errb.String(), "new_child_account_password cannot be undone") ||
			!strings.Contains(errb.String(), "1 verified, 0 mismatch, 2 not verified") {
			t.Errorf("the summary does not say what cannot be undone or verified:\n%s", errb)
		}
		if ext == ".yaml" && !strings.Contains(string(undo), "# line 3 (child_account_id 1001): can_use_restricted cannot be undone") {
			t.Errorf("the YAML undo plan does not say what it cannot undo:\n%s", undo)
		}
	}
}

func TestUndoOutAndVerifyRefused(t *testing.T) {
	s, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 10})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 3)
	link := filepath.Join(dir, "link.csv")
	os.Symlink(filepath.Join(dir, "elsewhere.csv"), link)
	base := []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint, "--report", filepath.Join(dir, "r.csv")}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"dry run", []string{"--dry-run", "--undo-out", "u.csv"}, "--undo-out is for a real run"},
		{"verify dry run", []string{"--dry-run", "--verify"}, "--verify is for a real run"},
		{"stdout", []string{"--undo-out", "-"}, "--undo-out needs a file"},
		{"extension", []string{"--undo-out", filepath.Join(dir, "u.txt")}, "name a .csv, .yaml, .yml or .xlsx file"},
		{"the plan", []string{"--undo-out", planPath}, "it is the plan"},
		{"the report", []string{"--undo-out", filepath.Join(dir, "r.csv")}, "it is also --report"},
		{"the journal", []string{"--state", filepath.Join(dir, "j.csv"), "--undo-out", filepath.Join(dir, "j.csv")}, "it is also --state"},
		{"a link", []string{"--undo-out", link}, "is a symbolic link"},
		{"no folder", []string{"--undo-out", filepath.Join(dir, "missing", "u.csv")}, "write the undo plan"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, _, errb := testEnv(nil)
			if code := dispatch(context.Background(), e, append(append([]string{}, base...), tt.args...)); code != exitUsage {
				t.Fatalf("exit %d, want 2\n%s", code, errb)
			}
			if !strings.Contains(errb.String(), tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, errb)
			}
		})
	}
	if st := s.Stats(); st.Requests != 0 {
		t.Errorf("a refused run sent %v", st.ByMethod)
	}
	if _, err := os.Lstat(filepath.Join(dir, "elsewhere.csv")); err == nil {
		t.Error("written through the link")
	}
}

// TestVerifyReportsMismatch: a simulator that accepts changes to every
// third account without keeping them; the run exits 1, the report says
// mismatch with what was wanted and found, the metrics count it.
func TestVerifyReportsMismatch(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 30, Unkept: 3})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 30)
	reportPath := filepath.Join(dir, "r.csv")
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
		"--report", reportPath, "--verify", "--rate", "1000"}); code != exitRowsFailed {
		t.Fatalf("exit %d, want 1\n%s", code, errb)
	}
	mismatch := 0
	for _, r := range readReport(t, reportPath) {
		id := 0
		fmt.Sscan(r["account"], &id)
		want := "applied"
		if id%3 == 0 {
			want, mismatch = "mismatch", mismatch+1
			if r["error_message"] != "read back after the run: active: wanted false, found true" {
				t.Errorf("account %d: message %q", id, r["error_message"])
			}
		}
		if r["status"] != want {
			t.Errorf("account %d: %s, want %s", id, r["status"], want)
		}
	}
	if !strings.Contains(errb.String(), fmt.Sprintf("%d of 30 rows not applied as wanted (mismatch %d)", mismatch, mismatch)) {
		t.Errorf("stderr:\n%s", errb)
	}
	// A rerun does not send them again, and says so again.
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
		"--report", reportPath}); code != exitRowsFailed || !strings.Contains(errb.String(), "mismatch") {
		t.Errorf("rerun: exit %d\n%s", code, errb)
	}
}

func TestMismatchMetric(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 10, Unkept: 5})
	c, _ := voximplant.LoadCredentials(creds)
	client, err := voximplant.New(c, voximplant.Config{Endpoint: endpoint, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Load("p.csv", strings.NewReader("child_account_id,active\n1000,false\n1001,false\n1005,false\n"), plan.Options{Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	r := batch.New(p, client, batch.Config{Rate: 1000})
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(newRunCollector(r))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "voxbatch_rows" {
			continue
		}
		for _, m := range mf.GetMetric() {
			got[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
	}
	if got["mismatch"] != 2 || got["applied"] != 1 || len(got) != len(report.Statuses()) {
		t.Errorf("voxbatch_rows %v, want applied 1, mismatch 2", got)
	}
}

// TestUndoOutWriteFailsAfterTheRun: the undo plan cannot be written at the
// end (its path became a folder): the rows were sent, so exit 5; a rerun
// of the same command sends nothing and writes the whole undo plan from
// the journal.
func TestUndoOutWriteFailsAfterTheRun(t *testing.T) {
	s, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 20, Latency: 20 * time.Millisecond})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 20)
	undoPath := filepath.Join(dir, "undo.csv")
	args := []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint, "--rate", "20", "--workers", "1",
		"--chunk-size", "1", "--report", filepath.Join(dir, "r.csv"), "--undo-out", undoPath}
	done := make(chan int, 1)
	e, _, errb := testEnv(nil)
	go func() { done <- dispatch(context.Background(), e, args) }()
	for s.Stats().Applications == 0 { // the undo plan of the start is written by now
		time.Sleep(5 * time.Millisecond)
	}
	if err := os.Remove(undoPath); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(undoPath, "in-the-way"), 0o755)
	if code := <-done; code != exitOutput {
		t.Fatalf("exit %d, want 5\n%s", code, errb)
	}
	if !strings.Contains(errb.String(), "undo: "+undoPath+" not written") || !strings.Contains(errb.String(), "write the undo plan") {
		t.Errorf("stderr:\n%s", errb)
	}
	os.RemoveAll(undoPath)
	s.ResetStats()
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, args); code != exitOK {
		t.Fatalf("rerun: exit %d\n%s", code, errb)
	}
	if p, err := plan.LoadFile(undoPath, nil, plan.Options{}); err != nil || len(p.Rows) != 20 || s.Stats().Requests != 0 {
		t.Errorf("the rerun's undo plan: %v; %d requests", err, s.Stats().Requests)
	}
}

package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/internal/lockfile"
	"github.com/voxbatch/voxbatch/voxsim"
)

// The trust issue: outputs never destroy inputs, an edited password is
// sent, a journal that cannot be read says what to do. Each case failed on
// the code before it.

func TestOutputsNeverOverwriteInputs(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 10})
	dir := t.TempDir()
	planPath := filepath.Join(dir, "plan.csv")
	const planText = "child_account_id,active\n1000,false\n"
	os.WriteFile(planPath, []byte(planText), 0o644)
	credsText, _ := os.ReadFile(creds)
	same := filepath.Join(dir, "same.csv")
	real := []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint}
	tests := []struct {
		name  string
		args  []string
		flags []string // both named in the error
	}{
		{"report is the plan", append(real, "--report", planPath), []string{"--report", "plan"}},
		{"report is the plan by another name", append(real, "--report", filepath.Join(dir, ".", "sub", "..", "plan.csv")), []string{"--report", "plan"}},
		{"summary is the credentials", append(real, "--summary", creds, "--report", filepath.Join(dir, "r1.csv")), []string{"--summary", "--credentials"}},
		{"review-out is the plan", []string{"run", "--dry-run", planPath, "--review-out", planPath}, []string{"--review-out", "plan"}},
		{"report is the journal", append(real, "--report", same, "--state", same), []string{"--state", "--report"}},
		{"dry-run report is the review file", []string{"run", "--dry-run", planPath, "--report", same, "--review-out", same}, []string{"--review-out", "--report"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, errb := testEnv(nil)
			if code := dispatch(context.Background(), e, tt.args); code != exitUsage {
				t.Fatalf("exit %d, want 2\n%s", code, errb)
			}
			for _, f := range tt.flags {
				if !strings.Contains(errb.String(), f) {
					t.Errorf("the error does not name %s:\n%s", f, errb)
				}
			}
			if got, _ := os.ReadFile(planPath); string(got) != planText {
				t.Errorf("the plan was overwritten: %q", got)
			}
			if got, _ := os.ReadFile(creds); string(got) != string(credsText) {
				t.Error("the credentials were overwritten")
			}
		})
	}
	t.Run("a hard link to the plan", func(t *testing.T) {
		link := filepath.Join(dir, "hard.csv")
		if err := os.Link(planPath, link); err != nil {
			t.Skip(err)
		}
		e, _, errb := testEnv(nil)
		if code := dispatch(context.Background(), e, append(real, "--report", link)); code != exitUsage {
			t.Fatalf("exit %d\n%s", code, errb)
		}
	})
}

func TestOutputSymlinkIsRefused(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 10})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 3)
	target := filepath.Join(dir, "precious.txt")
	os.WriteFile(target, []byte("keep me\n"), 0o644)
	for _, flag := range []string{"--report", "--summary", "--state"} {
		t.Run(flag, func(t *testing.T) {
			link := filepath.Join(t.TempDir(), "link.csv")
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			args := []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint, flag, link}
			if flag != "--report" {
				args = append(args, "--report", filepath.Join(t.TempDir(), "r.csv"))
			}
			e, _, errb := testEnv(nil)
			if code := dispatch(context.Background(), e, args); code != exitUsage || !strings.Contains(errb.String(), "symbolic link") {
				t.Fatalf("exit %d\n%s", code, errb)
			}
			if got, _ := os.ReadFile(target); string(got) != "keep me\n" {
				t.Errorf("the link's target was written: %q", got)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("the link was replaced (%v)", err)
			}
		})
	}
}

func TestReportIsLockedAgainstASecondRun(t *testing.T) {
	s, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 10})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 3)
	reportPath := filepath.Join(dir, "report.csv")
	held, err := lockfile.Acquire(reportPath + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	e, _, errb := testEnv(nil)
	code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
		"--report", reportPath, "--state", filepath.Join(dir, "other.state")})
	if code != exitMismatch {
		t.Fatalf("a second run on the same report: exit %d\n%s", code, errb)
	}
	if strings.Contains(errb.String(), "--state") {
		t.Errorf("the hint suggests another --state, which would send every row again:\n%s", errb)
	}
	if st := s.Stats(); st.Requests != 0 {
		t.Errorf("the refused run sent %d requests", st.Requests)
	}
	held.Release()
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
		"--report", reportPath}); code != exitOK {
		t.Fatalf("after the lock is released: exit %d\n%s", code, errb)
	}
	if _, err := os.Stat(reportPath + ".lock"); err == nil {
		t.Error("the run left its report lock file")
	}
}

func TestEditedPasswordIsSent(t *testing.T) {
	s, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 10})
	dir := t.TempDir()
	planPath := filepath.Join(dir, "plan.csv")
	reportPath := filepath.Join(dir, "report.csv")
	run := func(password string) (int, string) {
		t.Helper()
		os.WriteFile(planPath, []byte("child_account_id,new_child_account_password,active\n1000,"+password+",\n1001,,false\n"), 0o644)
		e, _, errb := testEnv(nil)
		code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint, "--report", reportPath})
		return code, errb.String()
	}
	changes := func() int {
		a, _ := s.Account(1000)
		return a.PasswordChanges
	}
	if code, errs := run("Zx9!First-Pass"); code != exitOK || changes() != 1 {
		t.Fatalf("first run: exit %d, %d password changes\n%s", code, changes(), errs)
	}
	if code, errs := run("Zx9!First-Pass"); code != exitOK || changes() != 1 {
		t.Fatalf("unchanged rerun: exit %d, %d password changes\n%s", code, changes(), errs)
	}
	if rows := readReport(t, reportPath); rows[0]["status"] != "skipped" {
		t.Fatalf("unchanged rerun: row %v", rows[0])
	}
	if code, errs := run("Zx9!Second-Pass"); code != exitOK || changes() != 2 {
		t.Fatalf("edited password: exit %d, %d password changes (the new password was not sent)\n%s", code, changes(), errs)
	}
	rows := readReport(t, reportPath)
	if rows[0]["status"] != "applied" || rows[1]["status"] != "skipped" {
		t.Fatalf("edited password: rows %v", rows)
	}
	journal, _ := os.ReadFile(reportPath + ".state")
	if strings.Contains(string(journal), "Pass") {
		t.Errorf("the journal holds a password:\n%s", journal)
	}
}

func TestMalformedJournalLineSaysWhatToDo(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 10})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 3)
	reportPath := filepath.Join(dir, "report.csv")
	args := []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint, "--report", reportPath}
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, args); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	f, _ := os.OpenFile(reportPath+".state", os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("1 A oops \x1b[2J\n")
	f.Close()
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, args); code != exitUsage {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	msg := errb.String()
	for _, want := range []string{"report.csv.state:", `\x1b[2J`, "delete line", "--fresh"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "\x1b") {
		t.Error("the error shows the line's escape character raw")
	}
}

func TestNumbersAndDurationsAreChecked(t *testing.T) {
	for _, tt := range []struct {
		args []string
		vars map[string]string
	}{
		{args: []string{"--rate", "NaN"}},
		{args: []string{"--rate", "1e-9"}},
		{args: []string{"--rate", "+Inf"}},
		{args: []string{"--max-failure-rate", "NaN"}},
		{vars: map[string]string{"VOXBATCH_MAX_FAILURE_RATE": "NaN"}},
		{args: []string{"--max-failure-rate", "1.5"}},
		{args: []string{"--grace", "0s"}},
		{args: []string{"--timeout", "-1s"}},
	} {
		e, _, errb := testEnv(tt.vars)
		args := append([]string{"run", "--dry-run", "samples/disable.csv"}, tt.args...)
		if code := dispatch(context.Background(), e, args); code != exitUsage {
			t.Errorf("%v %v: exit %d, want 2\n%s", tt.args, tt.vars, code, errb)
		}
	}
}

func TestInputsAreReadWithALimit(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--dry-run", "--preview", "samples/disable.csv", "--credentials", "/dev/zero"},
		{"run", "--dry-run", "samples/disable.csv", "--review", "/dev/zero"},
	} {
		e, _, errb := testEnv(nil)
		if code := dispatch(context.Background(), e, args); code != exitUsage {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errb)
		}
	}
}

func TestRerunKeepsTheCompleteReportAndTidiesWhatAKillLeft(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 10})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 5)
	reportPath := filepath.Join(dir, "report.csv")
	// What a run killed while writing leaves: a torn last row, and the
	// temporary files of a final rewrite and of a live report.
	os.WriteFile(reportPath, []byte("line,selector\n2,child_account_id\n3,chi"), 0o644)
	for _, stale := range []string{".report.csv.tmp-123", ".report.csv.tmp-live-456"} {
		os.WriteFile(filepath.Join(dir, stale), []byte("x"), 0o644)
	}
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
		"--report", reportPath}); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".report.csv.*"))
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	if rows := readReport(t, reportPath); len(rows) != 5 {
		t.Errorf("%d report rows", len(rows))
	}
}

func TestMixedSelectorKindsAreResolvedBeforeSending(t *testing.T) {
	s, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 10})
	dir := t.TempDir()
	planPath := filepath.Join(dir, "plan.csv")
	// Lines 2 and 3 are one account, by id and by name, with different
	// changes; lines 4 and 5 are one account with the same change.
	os.WriteFile(planPath, []byte("child_account_id,child_account_name,active\n1000,,false\n,child-1000,true\n1001,,false\n,child-1001,false\n"), 0o644)
	reportPath := filepath.Join(dir, "report.csv")
	run := func(extra ...string) (int, string) {
		e, out, errb := testEnv(nil)
		code := dispatch(context.Background(), e, append([]string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
			"--report", reportPath}, extra...))
		return code, out.String() + errb.String()
	}
	if code, msg := run(); code != exitUsage || !strings.Contains(msg, "plan.csv:2:") || !strings.Contains(msg, "plan.csv:3:") {
		t.Fatalf("exit %d, want 2 naming lines 2 and 3:\n%s", code, msg)
	}
	if n := s.Stats().ByMethod["SetChildAccountInfo"]; n != 0 {
		t.Fatalf("a conflicting plan sent %d requests", n)
	}
	if _, err := os.Stat(reportPath + ".state"); err == nil {
		t.Error("a refused run left a journal that would tie the report to this plan")
	}
	if code, msg := run("--dry-run", "--preview"); code != exitUsage || !strings.Contains(msg, "plan.csv:3:") {
		t.Errorf("--preview: exit %d\n%s", code, msg)
	}
	e, out, _ := testEnv(nil)
	dispatch(context.Background(), e, []string{"validate", planPath})
	if !strings.Contains(out.String(), "more than one selector kind") {
		t.Errorf("validate does not say that the plan will be resolved:\n%s", out)
	}
	if code, msg := run("--skip-invalid"); code != exitRowsFailed {
		t.Fatalf("--skip-invalid: exit %d\n%s", code, msg)
	}
	rows := readReport(t, reportPath)
	want := []string{"invalid", "invalid", "applied", "applied"}
	for i, r := range rows {
		if r["status"] != want[i] {
			t.Errorf("line %s: %s, want %s (%s)", r["line"], r["status"], want[i], r["error_message"])
		}
	}
	if a, _ := s.Account(1001); a.Applications != 1 {
		t.Errorf("account 1001, named twice with one change, was changed %d times, want once", a.Applications)
	}
	if a, _ := s.Account(1000); a.Applications != 0 {
		t.Error("the conflicting account was changed")
	}
}

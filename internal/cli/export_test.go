package cli

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/voxsim"
)

// TestExportThenRunChangesNothing: export only reads; running what it
// wrote leaves every account as it was.
func TestExportThenRunChangesNothing(t *testing.T) {
	for _, out := range []string{"before.csv", "before.yaml", "before.xlsx", "-"} {
		t.Run(out, func(t *testing.T) {
			s, endpoint, creds := undoSim(t, voxsim.Config{Accounts: 70})
			before := settingsOf(s)
			dir := t.TempDir()
			planPath := writeUndoScenario(t, dir)
			outPath := out
			if out != "-" {
				outPath = filepath.Join(dir, out)
			}
			e, stdout, errb := testEnv(nil)
			if code := dispatch(context.Background(), e, []string{"export", planPath, "--out", outPath, "--credentials", creds,
				"--endpoint", endpoint, "--rate", "2000", "--chunk-size", "10"}); code != exitOK {
				t.Fatalf("export: exit %d\n%s", code, errb)
			}
			if st := s.Stats(); st.ByMethod["SetChildAccountInfo"] != 0 || st.ByMethod["GetChildrenAccounts"] == 0 {
				t.Errorf("export sent %v", st.ByMethod)
			}
			if !strings.Contains(errb.String(), "export: 60 rows to ") {
				t.Errorf("stderr:\n%s", errb)
			}
			if out == "-" {
				outPath = filepath.Join(dir, "stdout.csv")
				os.WriteFile(outPath, stdout.Bytes(), 0o644)
			} else if stdout.Len() != 0 {
				t.Errorf("stdout: %s", stdout)
			}
			if p, err := plan.LoadFile(outPath, nil, plan.Options{}); err != nil || len(p.Rows) != 60 {
				t.Fatalf("the export does not load as a plan of 60 rows: %v", err)
			}
			e, _, errb = testEnv(nil)
			if code := dispatch(context.Background(), e, []string{"run", outPath, "--credentials", creds, "--endpoint", endpoint,
				"--rate", "2000", "--report", filepath.Join(dir, "r.csv")}); code != exitOK {
				t.Fatalf("run the export: exit %d\n%s", code, errb)
			}
			if !reflect.DeepEqual(settingsOf(s), before) {
				t.Error("running the export changed an account")
			}
		})
	}
}

func TestExportSaysWhatItLeavesOut(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 10})
	dir := t.TempDir()
	planPath := filepath.Join(dir, "plan.csv")
	os.WriteFile(planPath, []byte("child_account_id,active,new_child_account_password\n1000,false,\n99999,false,\n1001,,Zx9!Secret-pass\n"), 0o644)
	outPath := filepath.Join(dir, "out.yaml")
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"export", planPath, "--out", outPath, "--credentials", creds, "--endpoint", endpoint}); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	for _, want := range []string{"export: 1 rows to " + outPath + " (1 accounts missing, 1 rows with parameters not exported",
		"line 3 (child_account_id 99999): no such account"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb)
		}
	}
	b, _ := os.ReadFile(outPath)
	if !strings.Contains(string(b), "# line 3 (child_account_id 99999): no such account") || strings.Contains(string(b)+errb.String(), "Secret") {
		t.Errorf("export:\n%s", b)
	}
}

func TestExportRefused(t *testing.T) {
	s, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 10})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 3)
	link := filepath.Join(dir, "link.csv")
	os.Symlink(filepath.Join(dir, "elsewhere.csv"), link)
	credsCSV := filepath.Join(dir, "creds.csv") // a credentials file by any name
	b, _ := os.ReadFile(creds)
	os.WriteFile(credsCSV, b, 0o600)
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no out", nil, "export needs --out FILE"},
		{"the plan", []string{"--out", planPath}, "--out " + planPath + " would overwrite"},
		{"the credentials", []string{"--credentials", credsCSV, "--out", credsCSV}, "--out " + credsCSV + " would overwrite"},
		{"a link", []string{"--out", link}, "is a symbolic link"},
		{"extension", []string{"--out", filepath.Join(dir, "out.txt")}, "name a .csv"},
		{"workers", []string{"--out", "-", "--workers", "0"}, "--workers 0"},
		{"rate", []string{"--out", "-", "--rate", "0"}, "--rate 0"},
		{"log level", []string{"--out", "-", "--log-level", "loud"}, "loud"},
		{"two plans", []string{"--out", "-", planPath}, "one plan file expected"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, _, errb := testEnv(nil)
			args := append([]string{"export", planPath, "--credentials", creds, "--endpoint", endpoint}, tt.args...)
			if code := dispatch(context.Background(), e, args); code != exitUsage {
				t.Fatalf("exit %d, want 2\n%s", code, errb)
			}
			if !strings.Contains(errb.String(), tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, errb)
			}
		})
	}
	if st := s.Stats(); st.Requests != 0 {
		t.Errorf("a refused export read %v", st.ByMethod)
	}
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"export", planPath, "--out", filepath.Join(dir, "missing", "x.csv"),
		"--credentials", creds, "--endpoint", endpoint}); code != exitUsage || !strings.Contains(errb.String(), "--out: write ") {
		t.Errorf("an --out that cannot be written: exit %d\n%s", code, errb)
	}
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"export", planPath, "--out", "-"}); code != exitUsage || !strings.Contains(errb.String(), "no credentials") {
		t.Errorf("without credentials: exit %d\n%s", code, errb)
	}
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"export", planPath, "--out", "-", "--credentials", creds,
		"--endpoint", "http://127.0.0.1:1/platform_api/", "--max-attempts", "1"}); code != exitAborted {
		t.Errorf("unreachable: exit %d\n%s", code, errb)
	}
}

package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/voxsim"
)

// TestValidationHintFits: the --skip-invalid hint comes only where that
// flag would load the plan; for a problem of the plan as a whole the hint
// says what helps instead.
func TestValidationHintFits(t *testing.T) {
	const skipHint = "pass --skip-invalid"
	tests := []struct {
		name, plan string
		args       []string
		want       string
	}{
		{"a bad row", "child_account_id,active\n1,maybe\n", []string{"validate"},
			"voxbatch: hint: fix these rows, or pass --skip-invalid to run the valid rows and report the others as invalid"},
		{"an unknown column", "child_account_id,activ\n1,true\n", []string{"validate"},
			"voxbatch: hint: fix the header: the columns are the API's parameter names; run 'voxbatch validate PLAN' after each fix"},
		{"an unknown column and a bad row", "child_account_id,activ,active\n1,true,maybe\n", []string{"run", "--dry-run"},
			"voxbatch: hint: fix the header:"},
		{"no rows, --skip-invalid given", "child_account_id,active\n", []string{"validate", "--skip-invalid"},
			"voxbatch: hint: add a row per account under the header"},
		{"a CSV syntax error", "child_account_id,active\n1,\"tr\"ue\n", []string{"validate"},
			"voxbatch: hint: fix the plan as these lines say (--skip-invalid skips invalid rows, not problems of the whole plan)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p.csv")
			if err := os.WriteFile(path, []byte(tt.plan), 0o644); err != nil {
				t.Fatal(err)
			}
			e, _, errb := testEnv(nil)
			if code := dispatch(context.Background(), e, append(tt.args, path)); code != exitUsage {
				t.Fatalf("exit %d, want %d\n%s", code, exitUsage, errb)
			}
			got := errb.String()
			if !strings.Contains(got, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, got)
			}
			if skippable := strings.Contains(tt.want, skipHint); !skippable && strings.Contains(got, skipHint) {
				t.Errorf("the --skip-invalid hint, where it does not help:\n%s", got)
			}

			// a JSON log's hint is the same
			e, _, errb = testEnv(nil)
			args := []string{"run", "--dry-run", "--log-format", "json", path}
			if tt.args[len(tt.args)-1] == "--skip-invalid" {
				args = append(args, "--skip-invalid")
			}
			dispatch(context.Background(), e, args)
			lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
			var last struct{ Hint string }
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
				t.Fatalf("%v: %s", err, errb)
			}
			if want := strings.TrimPrefix(tt.want, "voxbatch: hint: "); !strings.HasPrefix(last.Hint, want) {
				t.Errorf("JSON hint %q, want %q", last.Hint, want)
			}
		})
	}
}

// TestPlanDirectorySaysItOnce: a directory given as the plan is named once.
func TestPlanDirectorySaysItOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dir.csv")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"validate", dir}); code != exitUsage {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	if got := errb.String(); strings.Count(got, dir) != 1 || strings.Count(got, "is a directory") != 1 {
		t.Errorf("want the path and the problem once:\n%s", got)
	}
}

// TestInvalidRowsKeepSelectorInReport: the report names the selector and
// account of an invalid row that could be read, in a dry run and a run.
func TestInvalidRowsKeepSelectorInReport(t *testing.T) {
	dir := t.TempDir()
	planPath := filepath.Join(dir, "p.csv")
	plan := "child_account_id,child_account_name,active\n" +
		"1000,,maybe\n" + // line 2: a bad value
		"1001,,false\n" + // line 3: valid
		",bob,true\n" + // line 4: conflicts with line 5
		",bob,false\n" + // line 5
		"12a,,false\n" // line 6: a bad selector
	if err := os.WriteFile(planPath, []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{ // line: selector, account
		"2": {"child_account_id", "1000"}, "3": {"child_account_id", "1001"},
		"4": {"child_account_name", "bob"}, "5": {"child_account_name", "bob"}, "6": {"", ""},
	}
	check := func(what, path string, valid string) {
		t.Helper()
		for _, r := range readReport(t, path) {
			w := want[r["line"]]
			if r["selector"] != w[0] || r["account"] != w[1] {
				t.Errorf("%s: line %s: selector %q, account %q; want %q, %q", what, r["line"], r["selector"], r["account"], w[0], w[1])
			}
			if st := r["status"]; (r["line"] == "3") != (st == valid) || r["line"] != "3" && st != "invalid" {
				t.Errorf("%s: line %s: status %s", what, r["line"], st)
			}
		}
	}
	dry := filepath.Join(dir, "dry.csv")
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", "--dry-run", planPath, "--skip-invalid", "--report", dry}); code != exitRowsFailed {
		t.Fatalf("dry run: exit %d\n%s", code, errb)
	}
	check("dry run", dry, "dry_run")

	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 10})
	real := filepath.Join(dir, "report.csv")
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", planPath, "--skip-invalid", "--credentials", creds,
		"--endpoint", endpoint, "--report", real}); code != exitRowsFailed {
		t.Fatalf("run: exit %d\n%s", code, errb)
	}
	check("run", real, "applied")
}

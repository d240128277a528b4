package cli

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/voxsim"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

var (
	// testdataDir is this package's testdata folder, where the golden files are.
	testdataDir string
	// demoPlan is samples/disable.csv, which the binary embeds.
	demoPlan []byte
)

// TestMain runs the tests in a folder that holds the repository's samples/
// and Dockerfile and this package's testdata/ (as links), so that plans are named
// "samples/disable.csv" in commands and outputs, as a user in the
// repository's root would name them.
func TestMain(m *testing.M) {
	code, err := inPlanFolder(m.Run)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(code)
}

func inPlanFolder(run func() int) (int, error) {
	wd, err := os.Getwd()
	if err != nil {
		return 0, err
	}
	testdataDir = filepath.Join(wd, "testdata")
	if demoPlan, err = os.ReadFile(filepath.Join(wd, "..", "..", "samples", "disable.csv")); err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "voxbatch-cli-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	root := filepath.Join(wd, "..", "..")
	links := map[string]string{"samples": filepath.Join(root, "samples"), "Dockerfile": filepath.Join(root, "Dockerfile"), "testdata": testdataDir}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			return 0, err
		}
	}
	if err := os.Chdir(dir); err != nil {
		return 0, err
	}
	return run(), nil
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(testdataDir, name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (go test -run %s -update rewrites it)\n--- got\n%s\n--- want\n%s", name, t.Name(), got, want)
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

func TestValidateSamples(t *testing.T) {
	tests := []struct {
		plan     string
		code     int
		contains []string
	}{
		{"samples/disable.csv", exitOK, []string{"rows: 400", "requests: 8", "plan digest: sha256:"}},
		{"samples/changes.yaml", exitOK, []string{"rows: 7", "plan digest: sha256:"}},
		{"samples/invalid.csv", exitUsage, []string{"samples/invalid.csv:3: child_account_id", "samples/invalid.csv:4: active", "samples/invalid.csv:5: language_code",
			"samples/invalid.csv:6: location", "samples/invalid.csv:7: new_child_account_password", "samples/invalid.csv:9: "}},
	}
	for _, tt := range tests {
		t.Run(tt.plan, func(t *testing.T) {
			e, out, errb := testEnv(nil)
			code := dispatch(context.Background(), e, []string{"validate", tt.plan})
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out, errb)
			}
			all := out.String() + errb.String()
			for _, c := range tt.contains {
				if !strings.Contains(all, c) {
					t.Errorf("output lacks %q:\n%s", c, all)
				}
			}
			if strings.Contains(all, "password\n") || strings.Contains(all, "\"password\"") {
				t.Errorf("a password value reached the output:\n%s", all)
			}
		})
	}
}

func TestDryRunGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"dryrun-changes.txt", []string{"run", "--dry-run", "samples/changes.yaml", "--chunk-size", "2"}},
		{"dryrun-changes.json", []string{"run", "samples/changes.yaml", "--dry-run", "--output", "json", "--chunk-size", "2"}},
		{"dryrun-disable.txt", []string{"run", "--dry-run", "samples/disable.csv"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, out, errb := testEnv(nil)
			if code := dispatch(context.Background(), e, tt.args); code != exitOK {
				t.Fatalf("exit %d: %s", code, errb)
			}
			golden(t, tt.name, out.Bytes())
		})
	}
}

func TestDryRunFromStdin(t *testing.T) {
	e, out, errb := testEnv(nil)
	e.stdin = strings.NewReader("child_account_id;active\n1000;false\n1001;false\n")
	if code := dispatch(context.Background(), e, []string{"run", "--dry-run", "-", "--format", "csv"}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if !strings.Contains(out.String(), "child_account_id=1000;1001 active=false") {
		t.Errorf("dry run:\n%s", out)
	}
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", "--dry-run", "-"}); code != exitUsage {
		t.Errorf("stdin without --format: exit %d (%s)", code, errb)
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	e, _, errb := testEnv(nil)
	code := dispatch(context.Background(), e, []string{"demo", "--dir", dir, "--rate", "500", "--summary", filepath.Join(dir, "summary.json")})
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, errb)
	}
	rows := readReport(t, filepath.Join(dir, "report.csv"))
	if len(rows) != 400 {
		t.Fatalf("%d report rows, want 400", len(rows))
	}
	for i, r := range rows {
		if r["status"] != "applied" || r["line"] != itoa(i+2) {
			t.Fatalf("row %d: %v", i, r)
		}
	}
	for _, want := range []string{"rows: 400", "applied 400", "report: " + filepath.Join(dir, "report.csv")} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb)
		}
	}
	sum, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil || !strings.Contains(string(sum), `"applied": 400`) && !strings.Contains(string(sum), `"applied":400`) {
		t.Errorf("summary %s (%v)", sum, err)
	}
}

func TestRunNeedsSafeCredentialsAndEndpoint(t *testing.T) {
	dir := t.TempDir()
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", "samples/disable.csv"}); code != exitUsage {
		t.Fatalf("no credentials: exit %d", code)
	}
	if !strings.Contains(errb.String(), "VOXIMPLANT_CREDENTIALS") {
		t.Errorf("no hint about credentials:\n%s", errb)
	}
	// A working credentials file from a simulator, and an http endpoint
	// that is not loopback.
	e, _, errb = testEnv(nil)
	code := dispatch(context.Background(), e, []string{"demo", "--dir", dir, "--dry-run"})
	if code != exitOK {
		t.Fatalf("demo dry run: exit %d: %s", code, errb)
	}
	e, _, errb = testEnv(map[string]string{"VOXIMPLANT_CREDENTIALS": filepath.Join(dir, "sim-credentials.json")})
	code = dispatch(context.Background(), e, []string{"run", "samples/disable.csv", "--endpoint", "http://api.example.test/platform_api/"})
	if code != exitUsage || !strings.Contains(errb.String(), "loopback") {
		t.Errorf("insecure endpoint: exit %d:\n%s", code, errb)
	}
	if strings.Contains(errb.String(), "PRIVATE KEY") {
		t.Errorf("key material in the output")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

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

func TestDryRunReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dry.csv")
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", "--dry-run", "samples/invalid.csv", "--skip-invalid", "--report", path}); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	rows := readReport(t, path)
	if len(rows) != 9 {
		t.Fatalf("%d rows, want 9", len(rows))
	}
	// Lines 2 and 9 set account 1000 to different values: both invalid.
	if r := rows[0]; r["status"] != "invalid" || r["line"] != "2" || !strings.Contains(r["error_message"], "line 9") {
		t.Errorf("first row %v", r)
	}
	if r := rows[1]; r["status"] != "invalid" || !strings.Contains(r["error_message"], "12a") {
		t.Errorf("second row %v", r)
	}
	mixed := filepath.Join(t.TempDir(), "mixed.csv")
	os.WriteFile(mixed, []byte("child_account_id,active\n1000,false\n12a,false\n"), 0o644)
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", "--dry-run", mixed, "--skip-invalid", "--report", path}); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	rows = readReport(t, path)
	if r := rows[0]; r["status"] != "dry_run" || r["request"] != "1" || r["account"] != "1000" || r["line"] != "2" {
		t.Errorf("a valid row %v", r)
	}
	e, _, _ = testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", "--dry-run", "samples/disable.csv", "--report", "-"}); code != exitUsage {
		t.Errorf("--report - with --dry-run: exit %d", code)
	}
	// A preview is a dry run too.
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 10})
	pvPath := filepath.Join(t.TempDir(), "preview.csv")
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", "--dry-run", "--preview", "samples/disable.csv", "--credentials", creds,
		"--endpoint", endpoint, "--report", pvPath}); code != exitOK {
		t.Fatalf("preview: exit %d\n%s", code, errb)
	}
	if rows := readReport(t, pvPath); len(rows) != 400 || rows[0]["status"] != "dry_run" {
		t.Errorf("preview report: %d rows, first %v", len(rows), rows[0])
	}
	// A real run's report (its journal beside it) is not overwritten.
	real := filepath.Join(t.TempDir(), "report.csv")
	os.WriteFile(real, []byte("line,status\n2,applied\n"), 0o644)
	os.WriteFile(real+".state", []byte("voxbatch-journal 2 x 1\n"), 0o600)
	e, _, errb = testEnv(map[string]string{"VOXBATCH_REPORT": real})
	if code := dispatch(context.Background(), e, []string{"run", "--dry-run", "samples/disable.csv"}); code != exitUsage {
		t.Errorf("dry run over a real report: exit %d\n%s", code, errb)
	}
	if b, _ := os.ReadFile(real); string(b) != "line,status\n2,applied\n" {
		t.Errorf("the real report was overwritten: %q", b)
	}
}

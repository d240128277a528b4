package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/voxsim"
)

// writeBook writes a workbook of two sheets to dir/book.xlsx: "Notes", a
// sheet of text, and "Disable", whose rows are the cells of rows.
func writeBook(t *testing.T, dir string, rows [][]any) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "Notes")
	f.SetCellValue("Notes", "A1", "run the Disable sheet")
	if _, err := f.NewSheet("Disable"); err != nil {
		t.Fatal(err)
	}
	for r, row := range rows {
		for c, v := range row {
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if err := f.SetCellValue("Disable", ref, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := filepath.Join(dir, "book.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// disableRows are a header and n rows that disable accounts 1000 on.
func disableRows(n int) [][]any {
	rows := [][]any{{"child_account_id", "active"}}
	for i := range n {
		rows = append(rows, []any{1000 + i, false})
	}
	return rows
}

var digestRe = regexp.MustCompile(`plan digest: (sha256:[0-9a-f]+)`)

// TestValidateWorkbook: validate reads the sheet --sheet or VOXBATCH_SHEET
// names, gives it the CSV plan's digest, and names the sheet in problems.
func TestValidateWorkbook(t *testing.T) {
	dir := t.TempDir()
	book := writeBook(t, dir, disableRows(3))
	csvPlan := writePlan(t, dir, 3)
	e, out, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"validate", csvPlan}); code != exitOK {
		t.Fatalf("CSV: exit %d\n%s", code, errb)
	}
	want := digestRe.FindStringSubmatch(out.String())[1]
	for _, vars := range []map[string]string{nil, {"VOXBATCH_SHEET": "disable"}} {
		e, out, errb = testEnv(vars)
		args := []string{"validate", book}
		if vars == nil {
			args = append(args, "--sheet", "Disable")
		}
		if code := dispatch(context.Background(), e, args); code != exitOK {
			t.Fatalf("%v: exit %d\n%s", vars, code, errb)
		}
		if m := digestRe.FindStringSubmatch(out.String()); m == nil || m[1] != want ||
			!strings.Contains(out.String(), "plan: "+book+" (sheet Disable)\n") {
			t.Errorf("%v: stdout\n%s\nwant the digest %s", vars, out, want)
		}
	}
	rows := disableRows(4)
	rows[4][1] = "maybe"
	book = writeBook(t, dir, rows)
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"validate", book, "--sheet", "Disable"}); code != exitUsage ||
		!strings.HasPrefix(errb.String(), book+`:Disable!5: active: "maybe" is not a boolean`) {
		t.Errorf("an invalid row: exit %d\n%s", code, errb)
	}
}

// TestWorkbookBadInput: each kind of input that is not a sheet of rows
// exits 2 and says what it is.
func TestWorkbookBadInput(t *testing.T) {
	dir := t.TempDir()
	book := writeBook(t, dir, disableRows(1))
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 1000)...)
	notZip := filepath.Join(dir, "text.xlsx")
	os.WriteFile(notZip, []byte("child_account_id\n1\n"), 0o644)
	oldXLS := filepath.Join(dir, "old.xlsx")
	os.WriteFile(oldXLS, ole, 0o644)
	tests := []struct {
		args []string
		vars map[string]string
		want string
	}{
		{[]string{"validate", book}, nil, `book.xlsx:Notes!1: column "run the Disable sheet": unknown column`},
		{[]string{"validate", book, "--sheet", "Enable"}, nil, `book.xlsx: no sheet "Enable" in the workbook; its sheets: "Notes", "Disable"`},
		{[]string{"validate", notZip}, nil, "text.xlsx: not a workbook (an .xlsx is a zip archive) but text"},
		{[]string{"validate", oldXLS}, nil, "old.xlsx: an old .xls or a password-protected workbook"},
		{[]string{"validate", filepath.Join(dir, "plan.xls")}, nil, "an old binary Excel workbook (.xls) is not read"},
		{[]string{"validate", writePlan(t, dir, 1)}, map[string]string{"VOXBATCH_SHEET": "Disable"},
			"voxbatch: hint: --sheet (VOXBATCH_SHEET) names the sheet of an .xlsx plan"},
		{[]string{"validate", book, "--format", "xls"}, nil, `--format "xls": want csv, yaml or xlsx`},
	}
	for _, tt := range tests {
		e, _, errb := testEnv(tt.vars)
		if code := dispatch(context.Background(), e, tt.args); code != exitUsage || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%v: exit %d\n%s\nwant %q", tt.args, code, errb, tt.want)
		}
	}
	data, _ := os.ReadFile(book)
	e, out, errb := testEnv(nil)
	e.stdin = bytes.NewReader(data)
	if code := dispatch(context.Background(), e, []string{"validate", "-", "--format", "xlsx", "--sheet", "Disable"}); code != exitOK ||
		!strings.Contains(out.String(), "plan: <stdin> (sheet Disable)") {
		t.Errorf("from stdin: exit %d\n%s%s", code, out, errb)
	}
}

// readBookReport returns the rows of a report workbook, its header first.
func readBookReport(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Report")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestRunWorkbookReport: --report FILE.xlsx writes the report workbook at
// the end of a run, after an interruption too, and leaves no live CSV.
func TestRunWorkbookReport(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 200, Latency: 100 * time.Millisecond})
	dir := t.TempDir()
	book := writeBook(t, dir, disableRows(40))
	reportPath := filepath.Join(dir, "report.xlsx")
	args := []string{"run", book, "--sheet", "Disable", "--credentials", creds, "--endpoint", endpoint,
		"--report", reportPath, "--chunk-size", "1", "--workers", "2", "--rate", "40"}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	e, _, errb := testEnv(nil)
	var mu sync.Mutex
	e.stderr = lockedWriter{&mu, errb} // the interrupt is told from another goroutine
	if code := dispatch(ctx, e, args); code != exitInterrupted {
		t.Fatalf("interrupted run: exit %d\n%s", code, errb)
	}
	rows := readBookReport(t, reportPath)
	counts := map[string]int{}
	for _, r := range rows[1:] {
		counts[r[3]]++
	}
	if len(rows) != 41 || rows[0][3] != "status" || counts["not_attempted"] == 0 {
		t.Fatalf("after the interruption: %d rows, %v", len(rows), counts)
	}
	appliedBefore := counts["applied"]
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, args); code != exitOK {
		t.Fatalf("rerun: exit %d\n%s", code, errb)
	}
	rows = readBookReport(t, reportPath)
	counts = map[string]int{}
	for _, r := range rows[1:] {
		counts[r[3]]++
	}
	if len(rows) != 41 || rows[1][0] != "2" || rows[1][2] != "1000" || counts["applied"]+counts["skipped"] != 40 || counts["skipped"] != appliedBefore {
		t.Errorf("after the rerun: %d rows, first %q, %v", len(rows), rows[1], counts)
	}
	ents, _ := os.ReadDir(dir)
	for _, ent := range ents {
		if strings.HasPrefix(ent.Name(), ".") || strings.HasSuffix(ent.Name(), ".csv") {
			t.Errorf("left beside the report: %s", ent.Name())
		}
	}
	dry := filepath.Join(dir, "dry.xlsx")
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", "--dry-run", book, "--sheet", "Disable", "--report", dry}); code != exitOK {
		t.Fatalf("dry run: exit %d\n%s", code, errb)
	}
	if rows := readBookReport(t, dry); len(rows) != 41 || rows[1][3] != "dry_run" {
		t.Errorf("dry-run report: %d rows, %q", len(rows), rows[1])
	}
}

// TestExportAndUndoWorkbooks: export --out FILE.xlsx writes the plan the
// CSV export is (the same digest), and running it changes nothing; a run
// with --undo-out FILE.xlsx writes the workbook whose run restores every
// account.
func TestExportAndUndoWorkbooks(t *testing.T) {
	s, endpoint, creds := undoSim(t, voxsim.Config{Accounts: 70})
	before := settingsOf(s)
	dir := t.TempDir()
	planPath := writeUndoScenario(t, dir)
	conn := []string{"--credentials", creds, "--endpoint", endpoint, "--rate", "2000", "--chunk-size", "10"}
	digests := map[string]string{}
	for _, out := range []string{"before.csv", "before.xlsx"} {
		e, _, errb := testEnv(nil)
		if code := dispatch(context.Background(), e, append([]string{"export", planPath, "--out", filepath.Join(dir, out)}, conn...)); code != exitOK {
			t.Fatalf("export %s: exit %d\n%s", out, code, errb)
		}
		p, err := plan.LoadFile(filepath.Join(dir, out), nil, plan.Options{})
		if err != nil || len(p.Rows) != 60 {
			t.Fatalf("%s: %v", out, err)
		}
		digests[out] = p.Digest
	}
	if digests["before.csv"] != digests["before.xlsx"] {
		t.Errorf("the exports differ: %v", digests)
	}
	undoPath := filepath.Join(dir, "undo.xlsx")
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, append([]string{"run", planPath, "--report", filepath.Join(dir, "r.xlsx"),
		"--undo-out", undoPath}, conn...)); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, errb)
	}
	if reflect.DeepEqual(settingsOf(s), before) {
		t.Fatal("the run changed nothing")
	}
	for _, p := range []string{undoPath, filepath.Join(dir, "before.xlsx")} {
		e, _, errb = testEnv(nil)
		if code := dispatch(context.Background(), e, append([]string{"run", p, "--report", filepath.Join(dir, "r2.xlsx"), "--fresh"},
			conn...)); code != exitOK {
			t.Fatalf("run %s: exit %d\n%s", p, code, errb)
		}
		if !reflect.DeepEqual(settingsOf(s), before) {
			t.Errorf("running %s did not leave the accounts as they were before", filepath.Base(p))
		}
	}
}

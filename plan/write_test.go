package plan_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
)

// nastyNames are account names, all valid in a plan, that CSV, YAML or a
// spreadsheet would read as something else if written carelessly.
var nastyNames = []string{
	"=1+1", "+1", "-child", "@SUM(A1)", "=cmd|' /c calc'!A1", "~", "null", "- x", "a: b", "#x", "x #y", "*x", "&x",
	"!x", "'x", `"x"`, "[x]", "{x: y}", "yes", "no", "1e3", "0x10", "012", "%x", "`x", "|x", ">x", "?x", ":x",
	",x", "x,y", `a"b`, "Ünïcødé ✓", "<<", "---", "...", "true",
}

// rawCSV is t written by encoding/csv with nothing done to its cells: the
// plan the table means, as a person would write it by hand.
func rawCSV(t *testing.T, tb *plan.Table) string {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(tb.Header)
	w.WriteAll(tb.Rows)
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// nastyTable holds a row per nasty name, with parameter values that need
// care too: a negative balance, a language code that YAML reads as false.
func nastyTable() *plan.Table {
	tb := &plan.Table{Header: []string{"child_account_name", "child_account_email", "child_account_id",
		"active", "language_code", "location", "min_balance_to_notify"}}
	for i, n := range nastyNames {
		bal := []string{"-5", "-0.25", "12.5", ""}[i%4]
		lang := []string{"no", "de", "", "on"}[i%4]
		if lang == "on" {
			lang = "" // not a language code; a plan would refuse it
		}
		tb.Rows = append(tb.Rows, []string{n, "", "", []string{"true", "false", ""}[i%3], lang, "Etc/GMT-8", bal})
	}
	tb.Rows = append(tb.Rows,
		[]string{"", "=x@example.com", "", "false", "", "", ""},
		[]string{"", "-x@example.com", "", "", "", "", "-1"},
		[]string{"", "", "1000", "true", "", "", ""})
	return tb
}

func TestWriteTableRoundTrip(t *testing.T) {
	tb := nastyTable()
	want := mustLoad(t, "want.csv", rawCSV(t, tb), plan.Options{})
	dir := t.TempDir()
	for _, name := range []string{"undo.csv", "undo.yaml", "undo.yml", "UNDO.CSV"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := plan.WriteTable(path, nil, tb); err != nil {
				t.Fatal(err)
			}
			got, err := plan.LoadFile(path, nil, plan.Options{})
			if err != nil {
				b, _ := os.ReadFile(path)
				t.Fatalf("%v\n%s", err, b)
			}
			if got.Digest != want.Digest {
				b, _ := os.ReadFile(path)
				t.Errorf("digest %s, want %s\n%s", got.Digest, want.Digest, b)
			}
			sameRows(t, got, tb)
		})
	}
}

// sameRows checks that p holds exactly the rows of tb, cell for cell.
func sameRows(t *testing.T, p *plan.Plan, tb *plan.Table) {
	t.Helper()
	if len(p.Rows) != len(tb.Rows) {
		t.Fatalf("%d rows, want %d", len(p.Rows), len(tb.Rows))
	}
	for i, row := range p.Rows {
		for c, h := range tb.Header {
			cell := tb.Rows[i][c]
			switch {
			case strings.HasPrefix(h, "child_account_"):
				if cell != "" && (row.Kind.String() != h || row.Account != cell) {
					t.Errorf("row %d: %s %q, want %s %q", i, row.Kind, row.Account, h, cell)
				}
			default:
				got := ""
				for _, kv := range row.Change.Redacted() {
					if kv.Key == h {
						got = kv.Value
					}
				}
				if got != cell {
					t.Errorf("row %d: %s = %q, want %q", i, h, got, cell)
				}
			}
		}
	}
}

// TestWriteTableRandomRoundTrip writes random tables of values that need
// care, in every format, and loads them back.
func TestWriteTableRandomRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	for k := range 50 {
		tb := &plan.Table{Header: []string{"child_account_name", "active", "min_balance_to_notify", "language_code"}}
		used := map[string]bool{}
		for range 1 + rng.IntN(20) {
			name := nastyNames[rng.IntN(len(nastyNames))] + nastyNames[rng.IntN(len(nastyNames))]
			if used[name] || strings.HasPrefix(name, " ") {
				continue
			}
			used[name] = true
			bal := fmt.Sprint(rng.IntN(2001)-1000) + []string{"", ".5", ".125"}[rng.IntN(3)]
			tb.Rows = append(tb.Rows, []string{name, []string{"true", "false"}[rng.IntN(2)], bal, []string{"no", "de", ""}[rng.IntN(3)]})
		}
		want := mustLoad(t, "want.csv", rawCSV(t, tb), plan.Options{})
		for _, ext := range []string{".csv", ".yaml"} {
			path := filepath.Join(dir, fmt.Sprintf("t%d%s", k, ext))
			if err := plan.WriteTable(path, nil, tb); err != nil {
				t.Fatal(err)
			}
			got, err := plan.LoadFile(path, nil, plan.Options{})
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if got.Digest != want.Digest {
				b, _ := os.ReadFile(path)
				t.Fatalf("%s: digest differs\n%s", path, b)
			}
		}
	}
}

// TestWriteTableCSVHasNoFormulas reads a written CSV as a spreadsheet
// would: no cell may start with a character that makes it a formula.
func TestWriteTableCSVHasNoFormulas(t *testing.T) {
	var out bytes.Buffer
	if err := plan.WriteTable("-", &out, nastyTable()); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(out.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	formulas := 0
	for _, rec := range recs {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
			if strings.HasPrefix(cell, " ") {
				formulas++
			}
		}
	}
	if formulas < 8 {
		t.Errorf("only %d cells were made inert; the table has more that start a formula:\n%s", formulas, out.String())
	}
	if bytes.HasPrefix(out.Bytes(), []byte("\xef\xbb\xbf")) {
		t.Error("stdout got a byte-order mark")
	}
}

func TestWriteTableBOM(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		cell string
		bom  bool
	}{{"ascii.csv", "child-1", false}, {"utf8.csv", "Ünïcødé", true}, {"utf8.yaml", "Ünïcødé", false}} {
		path := filepath.Join(dir, tt.name)
		tb := &plan.Table{Header: []string{"child_account_name", "active"}, Rows: [][]string{{tt.cell, "false"}}}
		if err := plan.WriteTable(path, nil, tb); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		if got := bytes.HasPrefix(b, []byte("\xef\xbb\xbf")); got != tt.bom {
			t.Errorf("%s: BOM %v, want %v", tt.name, got, tt.bom)
		}
		if _, err := plan.LoadFile(path, nil, plan.Options{}); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestWriteTableYAMLNotes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "undo.yaml")
	tb := &plan.Table{Header: []string{"child_account_id", "active"}, Rows: [][]string{{"1000", "true"}, {"", ""}},
		Notes: []string{"line 3: new_child_account_password cannot be undone", "two\nlines \x1b[31m"}}
	if err := plan.WriteTable(path, nil, tb); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	text := string(b)
	if !strings.HasPrefix(text, "# line 3: new_child_account_password cannot be undone\n# two lines \\x1b[31m\n") {
		t.Errorf("notes are not comments at the top:\n%s", text)
	}
	p, err := plan.LoadFile(path, nil, plan.Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if len(p.Rows) != 1 { // a row with nothing but empty cells is no row
		t.Errorf("%d rows, want 1:\n%s", len(p.Rows), text)
	}
}

func TestWriteTableEmpty(t *testing.T) {
	for _, ext := range []string{".csv", ".yaml"} {
		path := filepath.Join(t.TempDir(), "empty"+ext)
		if err := plan.WriteTable(path, nil, &plan.Table{Header: []string{"child_account_id", "active"}}); err != nil {
			t.Fatal(err)
		}
		// A plan without rows is a plan Load refuses as such, not a
		// malformed file.
		_, err := plan.LoadFile(path, nil, plan.Options{})
		if !errors.Is(err, plan.ErrNoRows) {
			t.Errorf("%s: %v, want ErrNoRows", ext, err)
		}
	}
}

func TestWriteTableRefuses(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		path string
		tb   *plan.Table
		want error
	}{
		{"unknown column", "a.csv", &plan.Table{Header: []string{"child_account_id", "colour"}}, plan.ErrTable},
		{"password", "a.yaml", &plan.Table{Header: []string{"child_account_id", "new_child_account_password"}}, plan.ErrTable},
		{"width", "a.csv", &plan.Table{Header: []string{"child_account_id", "active"}, Rows: [][]string{{"1"}}}, plan.ErrTable},
		{"no columns", "a.csv", &plan.Table{}, plan.ErrTable},
		{"extension", "a.txt", &plan.Table{Header: []string{"child_account_id"}}, plan.ErrFormat},
		{"password in a workbook", "a.xlsx", &plan.Table{Header: []string{"child_account_id", "new_child_account_password"}}, plan.ErrTable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.path)
			err := plan.WriteTable(path, nil, tt.tb)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if _, serr := os.Stat(path); serr == nil {
				t.Errorf("%s was written", path)
			}
		})
	}
}

func TestTableFormat(t *testing.T) {
	for path, want := range map[string]string{"-": "csv", "a.csv": "csv", "a.CSV": "csv", "a.yaml": "yaml", "a.yml": "yaml",
		"a.xlsx": "xlsx", "a.json": "", "a": ""} {
		got, err := plan.TableFormat(path)
		if got != want || (want == "") != errors.Is(err, plan.ErrFormat) {
			t.Errorf("TableFormat(%q) = %q, %v; want %q", path, got, err, want)
		}
	}
}

// TestWriteTableReplacesWhole checks that a file is replaced, keeps its
// mode, and that no temporary file is left beside it.
func TestWriteTableReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "undo.csv")
	os.WriteFile(path, []byte("old content that is longer than the new one\n"), 0o600)
	tb := &plan.Table{Header: []string{"child_account_id", "active"}, Rows: [][]string{{"1000", "true"}}}
	if err := plan.WriteTable(path, nil, tb); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if string(b) != "child_account_id,active\n1000,true\n" {
		t.Errorf("content %q", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 kept", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
	if err := plan.WriteTable(filepath.Join(dir, "missing", "x.csv"), nil, tb); err == nil {
		t.Error("a file in a missing folder was written")
	}
}

func TestNormalizeValue(t *testing.T) {
	for _, tt := range []struct {
		p       plan.Param
		in, out string
		err     error
	}{
		{plan.Active, "TRUE", "true", nil},
		{plan.Active, "maybe", "", plan.ErrBool},
		{plan.LanguageCode, "DE", "de", nil},
		{plan.LanguageCode, "pt-BR", "", plan.ErrLanguage},
		{plan.Location, "Europe/Berlin", "Europe/Berlin", nil},
		{plan.Location, "Mars/Olympus", "", plan.ErrLocation},
		{plan.MinBalanceToNotify, "010.50", "10.5", nil},
		{plan.MinBalanceToNotify, " -3 ", "-3", nil},
		{plan.NumParams, "x", "", plan.ErrUnknownColumn},
	} {
		got, err := plan.NormalizeValue(tt.p, tt.in)
		if got != tt.out || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("NormalizeValue(%v, %q) = %q, %v; want %q, %v", tt.p, tt.in, got, err, tt.out, tt.err)
		}
	}
}

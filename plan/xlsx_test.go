package plan_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
)

// The CSV that the workbooks of these tests hold, cell for cell.
const typedCSV = "child_account_id,active,min_balance_to_notify,language_code,child_account_name\n" +
	"1000,false,10.5,de,\n" +
	"1001,true,0,,\n" +
	",false,,,007\n" +
	"1000000000000000,,,en,\n"

var typedRows = [][]any{
	{"child_account_id", "active", "min_balance_to_notify", "language_code", "child_account_name"},
	{1000, false, 10.5, "de"},
	{1001, true, 0},
	{nil, false, nil, nil, "007"},
	{1000000000000000, nil, nil, "en"},
}

// TestXLSXTypedCells: numbers, booleans and text read by their types give
// the rows (and the digest) of the same plan as CSV, whether the text is
// in shared strings (as Excel saves it) or inline.
func TestXLSXTypedCells(t *testing.T) {
	want := mustLoad(t, "p.csv", typedCSV, plan.Options{})
	for name, data := range map[string][]byte{
		"shared strings": cellBook(t, sheet{"Plan", typedRows}),
		"inline strings": streamBook(t, sheet{"Plan", typedRows}),
	} {
		t.Run(name, func(t *testing.T) {
			p := mustLoadBook(t, data, plan.Options{})
			if p.Digest != want.Digest {
				t.Errorf("digest %s, want %s (the CSV's)", p.Digest, want.Digest)
			}
			if got, w := rowsOf(p), rowsOf(want); !slices.Equal(got, w) {
				t.Errorf("rows\n%v, want\n%v", got, w)
			}
			if p.Sheet != "Plan" || p.Source != "book.xlsx" {
				t.Errorf("sheet %q, source %q", p.Sheet, p.Source)
			}
		})
	}
}

// TestXLSXNumbers: a number cell is read from its saved value, in its
// shortest form: 1E+3 and 1000.0 are the integer 1000; the text "007"
// stays text; a boolean cell is true or false.
func TestXLSXNumbers(t *testing.T) {
	book := func(last string) []byte {
		return rawBook(t, `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>`+
			`<row r="2"><c r="A2"><v>1E+3</v></c><c r="B2" t="b"><v>0</v></c><c r="C2"><v>10.50</v></c></row>`+
			`<row r="3"><c r="A3"><v>1001.0</v></c><c r="B3" t="b"><v>1</v></c><c r="C3"><v>1.5E-1</v></c></row>`+
			`<row r="4"><c r="A4" t="str"><f>A3+1</f><v>1002</v></c><c r="B4" t="inlineStr"><is><t>no</t></is></c></row>`+
			`<row r="6">`+last+`<c r="B6"><v>1</v></c></row>`,
			"child_account_id", "active", "min_balance_to_notify", "007")
	}
	_, err := loadBook(t, book(`<c r="D6" t="s"><v>3</v></c>`), plan.Options{})
	ve := validationError(t, err)
	if got := problemLines(ve); len(got) != 2 || got[0] != `book.xlsx:Plan!6: column 4: a value in a column without a header` {
		t.Errorf("problems %q", got)
	}
	p := mustLoadBook(t, book(`<c r="A6" t="s"><v>3</v></c>`), plan.Options{})
	want := []row{
		{2, plan.ByID, "1000", "active=false min_balance_to_notify=10.5", -1},
		{3, plan.ByID, "1001", "active=true min_balance_to_notify=0.15", -1},
		{4, plan.ByID, "1002", "active=false", -1},
		{6, plan.ByID, "7", "active=true", -1},
	}
	if got := rowsOf(p); !slices.Equal(got, want) {
		t.Errorf("rows\n%v, want\n%v", got, want)
	}
}

// TestXLSXSheets: the first sheet by default, another by its name in any
// case; a missing one names the sheets there are.
func TestXLSXSheets(t *testing.T) {
	data := cellBook(t,
		sheet{"Enable", [][]any{{"child_account_id", "active"}, {1, true}}},
		sheet{"Disable", [][]any{{"child_account_id", "active"}, {2, false}, {3, false}}})
	first := mustLoadBook(t, data, plan.Options{})
	if first.Sheet != "Enable" || len(first.Rows) != 1 {
		t.Errorf("default: sheet %q, %d rows", first.Sheet, len(first.Rows))
	}
	p := mustLoadBook(t, data, plan.Options{Sheet: "disable"})
	want := mustLoad(t, "p.csv", "child_account_id,active\n2,false\n3,false\n", plan.Options{})
	if p.Sheet != "Disable" || p.Digest != want.Digest {
		t.Errorf("--sheet disable: sheet %q, digest %s, want %s", p.Sheet, p.Digest, want.Digest)
	}
	_, err := loadBook(t, data, plan.Options{Sheet: "Nope"})
	ve := validationError(t, err)
	if !errors.Is(err, plan.ErrWorkbook) || ve.Skippable() ||
		ve.Errors[0].Error() != `book.xlsx: no sheet "Nope" in the workbook; its sheets: "Enable", "Disable"` {
		t.Errorf("missing sheet: %v", err)
	}
	if _, err := load(t, "p.csv", "child_account_id,active\n1,true\n", plan.Options{Sheet: "Disable"}); !errors.Is(err, plan.ErrFormat) {
		t.Errorf("a sheet named for a CSV plan: %v", err)
	}
}

// TestXLSXFormulas: a formula is read from its saved value; one saved
// without a value makes its row invalid, named by sheet and row.
func TestXLSXFormulas(t *testing.T) {
	rows := [][]any{
		{"child_account_id", "active", "language_code"},
		{formula{"1000+1", 1001}, formula{"1=2", false}, formula{`LOWER("DE")`, "de"}},
		{1002, formula{"NOT(TRUE)", nil}},
		{formula{"1000+3", nil}, false},
		{1004, false},
	}
	data := streamBook(t, sheet{"Disable", rows})
	_, err := loadBook(t, data, plan.Options{})
	ve := validationError(t, err)
	want := []string{
		"book.xlsx:Disable!3: active: a formula without a saved value; open the workbook in Excel and save it, or paste the values in place of the formula",
		"book.xlsx:Disable!4: child_account_id: a formula without a saved value; open the workbook in Excel and save it, or paste the values in place of the formula",
	}
	if got := problemLines(ve); !slices.Equal(got, want) || !ve.Skippable() {
		t.Errorf("problems\n%q, want\n%q", got, want)
	}
	p := mustLoadBook(t, data, plan.Options{SkipInvalid: true})
	if r := p.Rows[0]; r.Account != "1001" || r.Change.String() != "active=false language_code=de" {
		t.Errorf("row 2: %+v %v", r, r.Change)
	}
	if r := p.Rows[2]; r.Err == nil || r.Kind != 0 || !strings.HasPrefix(r.Err.Error(), "book.xlsx:Disable!4: child_account_id: ") {
		t.Errorf("row 4 (no selector read): %+v", r)
	}
	if !p.Rows[3].Valid() || len(p.Rows) != 4 {
		t.Errorf("rows %v", rowsOf(p))
	}
}

// TestXLSXTrailing: empty columns and rows after the plan, and empty rows
// between, are ignored.
func TestXLSXTrailing(t *testing.T) {
	rows := [][]any{
		{"child_account_id", "active", "", ""},
		{1000, false, "", ""},
		{"", "", "", ""},
		{1001, true, nil, ""},
	}
	for range 5 {
		rows = append(rows, []any{"", nil, ""})
	}
	rows = append(rows, make([][]any, 40)...)
	rows = append(rows, []any{"", ""})
	p := mustLoadBook(t, streamBook(t, sheet{"Plan", rows}), plan.Options{})
	want := mustLoad(t, "p.csv", "child_account_id,active\n1000,false\n1001,true\n", plan.Options{})
	got := rowsOf(p)
	if len(got) != 2 || got[0].line != 2 || got[1].line != 4 || p.Digest != want.Digest {
		t.Errorf("rows %v, digest %s, want %s", got, p.Digest, want.Digest)
	}
}

// TestXLSXErrorForm: problems are FILE:SHEET!ROW: column: problem, the
// sheet quoted as Excel quotes it when it needs to be.
func TestXLSXErrorForm(t *testing.T) {
	rows := [][]any{{"child_account_id", "language_code"}, {1, "de"}, {2, "en"}, {3, "fr"}, {4, "xx"}}
	for name, prefix := range map[string]string{
		"Disable":  "book.xlsx:Disable!5: language_code: ",
		"Q3 plan":  "book.xlsx:'Q3 plan'!5: language_code: ",
		"it's":     "book.xlsx:'it''s'!5: language_code: ",
		"2025":     "book.xlsx:'2025'!5: language_code: ",
		"Tabelle1": "book.xlsx:Tabelle1!5: language_code: ",
	} {
		_, err := loadBook(t, cellBook(t, sheet{name, rows}), plan.Options{})
		ve := validationError(t, err)
		if got := ve.Errors[0]; !strings.HasPrefix(got.Error(), prefix) || got.Sheet != name || got.Line != 5 {
			t.Errorf("sheet %q: %q, want the prefix %q", name, got.Error(), prefix)
		}
	}
}

// TestXLSXHeaderRules: the header is mapped as a CSV header is: the same
// names, spellings and messages.
func TestXLSXHeaderRules(t *testing.T) {
	header := []any{" Child Account ID ", "ACTIVE", "language-code", "activ", "active"}
	_, werr := loadBook(t, cellBook(t, sheet{"Plan", [][]any{header, {1, true, "de", 1, false}}}), plan.Options{})
	_, cerr := load(t, "book.csv", " Child Account ID ,ACTIVE,language-code,activ,active\n1,true,de,1,false\n", plan.Options{})
	wv, cv := validationError(t, werr), validationError(t, cerr)
	if len(wv.Errors) != 2 || len(cv.Errors) != 2 {
		t.Fatalf("workbook %v\nCSV %v", werr, cerr)
	}
	for i := range wv.Errors {
		w, c := wv.Errors[i], cv.Errors[i]
		if w.Err.Error() != c.Err.Error() || w.Field != c.Field || w.Line != c.Line {
			t.Errorf("workbook %q, CSV %q", w.Error(), c.Error())
		}
	}
	if got := wv.Errors[0].Error(); got != `book.xlsx:Plan!1: column "activ": unknown column; did you mean "active"?` {
		t.Errorf("first problem %q", got)
	}
}

// TestXLSXBadCells: a cell holding an error, a boolean that is not 0 or 1
// and a shared string the workbook lacks are each the row's problem; a
// header that cannot be read is the plan's.
func TestXLSXBadCells(t *testing.T) {
	head := `<row r="1"><c r="A1" t="inlineStr"><is><t>child_account_id</t></is></c><c r="B1" t="inlineStr"><is><t>active</t></is></c></row>`
	data := rawBook(t, head+
		`<row r="2"><c r="A2" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="B2" t="b"><v>0</v></c></row>`+
		`<row r="3"><c r="A3"><v>3</v></c><c r="B3" t="b"><v>2</v></c></row>`+
		`<row r="4"><c r="A4" t="s"><v>9</v></c><c r="B4" t="e"><v>#N/A</v></c></row>`)
	_, err := loadBook(t, data, plan.Options{})
	want := []string{
		`book.xlsx:Plan!2: child_account_id: the formula's value is the error "#DIV/0!"`,
		`book.xlsx:Plan!3: active: a boolean cell holds "2"`,
		`book.xlsx:Plan!4: child_account_id: the cell refers to shared string "9", which the workbook does not have`,
		`book.xlsx:Plan!4: active: the cell holds the error "#N/A"`,
	}
	if got := problemLines(validationError(t, err)); !slices.Equal(got, want) {
		t.Errorf("problems\n%q, want\n%q", got, want)
	}
	_, err = loadBook(t, rawBook(t, `<row r="3"><c r="A3"><f>X1</f></c></row>`), plan.Options{})
	if ve := validationError(t, err); ve.Skippable() || ve.Errors[0].Error() != "book.xlsx:Plan!3: column 1: "+
		"a formula without a saved value; open the workbook in Excel and save it, or paste the values in place of the formula" {
		t.Errorf("header: %v", err)
	}
	_, err = loadBook(t, rawBook(t, `<row r="3"></row>`), plan.Options{})
	if ve := validationError(t, err); ve.Errors[0].Error() != "book.xlsx:Plan: empty sheet: no header row" {
		t.Errorf("empty sheet: %v", err)
	}
}

// TestXLSXText: inline and shared strings with rich text runs, phonetic
// runs, entities and the _xHHHH_ escapes of the format are read as Excel
// shows them.
func TestXLSXText(t *testing.T) {
	head := `<row r="1"><c r="A1" t="inlineStr"><is><t>child_account_name</t></is></c><c r="B1" t="inlineStr"><is><t>active</t></is></c></row>`
	data := rawBook(t, head+
		`<row r="2"><c r="A2" t="inlineStr"><is><r><t>shop</t></r><r><t xml:space="preserve"> &amp; co</t></r><rPh><t>ショップ</t></rPh></is></c><c r="B2" t="b"><v>1</v></c></row>`+
		`<row r="3"><c r="A3" t="s"><v>0</v></c><c r="B3" t="b"><v>1</v></c></row>`+
		`<row r="4"><c r="A4" t="inlineStr"><is><t>a_x005F_x0041_b</t></is></c><c r="B4" t="b"><v>1</v></c></row>`,
		"_x0041_BC_x0")
	p := mustLoadBook(t, data, plan.Options{})
	var got []string
	for _, r := range p.Rows {
		got = append(got, r.Account)
	}
	if want := []string{"shop & co", "ABC_x0", "a_x0041_b"}; !slices.Equal(got, want) {
		t.Errorf("accounts %q, want %q", got, want)
	}
}

// TestXLSXLoadFile: LoadFile and standard input (with the format given)
// read a workbook as Load does.
func TestXLSXLoadFile(t *testing.T) {
	data := cellBook(t, sheet{"Plan", typedRows})
	path := filepath.Join(t.TempDir(), "book.XLSX")
	must(t, os.WriteFile(path, data, 0o644))
	want := mustLoad(t, "p.csv", typedCSV, plan.Options{})
	p, err := plan.LoadFile(path, nil, plan.Options{})
	if err != nil || p.Digest != want.Digest {
		t.Fatalf("LoadFile: %v", err)
	}
	p, err = plan.LoadFile("-", bytes.NewReader(data), plan.Options{Format: "xlsx"})
	if err != nil || p.Digest != want.Digest || p.Source != plan.StdinName {
		t.Fatalf("stdin: %v", err)
	}
	if _, err := plan.LoadFile("old.xls", nil, plan.Options{}); !errors.Is(err, plan.ErrFormat) ||
		!strings.Contains(err.Error(), "save it as an Excel Workbook (.xlsx)") {
		t.Errorf("old.xls: %v", err)
	}
}

// TestXLSXDamagedSheet: a sheet whose XML is cut short or holds a bad
// reference is a problem of the plan, at the row it was reading.
func TestXLSXDamagedSheet(t *testing.T) {
	head := `<row r="1"><c r="A1" t="inlineStr"><is><t>child_account_id</t></is></c><c r="B1" t="inlineStr"><is><t>active</t></is></c></row>`
	for data, want := range map[string]string{
		head + `<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>1`:    "book.xlsx:Plan!2: the sheet cannot be read: unexpected EOF",
		head + `<row r="2"><c r="A2"><v>1</v></c></row><row r="x">`: `book.xlsx:Plan!2: the sheet cannot be read: row number "x"`,
		head + `<row r="3"><c r="2A"><v>1</v></c></row>`:            `book.xlsx:Plan!3: the sheet cannot be read: cell reference "2A"`,
		head + `<row r="3"><c r="XFE3"><v>1</v></c></row>`:          `book.xlsx:Plan!3: the sheet cannot be read: cell reference "XFE3"`,
		head + `<row r="3"><c r="B3"><v>1 &bogus;</v></c></row>`:    "book.xlsx:Plan!3: the sheet cannot be read: XML syntax error",
	} {
		_, err := loadBook(t, rawBook(t, data), plan.Options{})
		ve := validationError(t, err)
		if got := ve.Errors[len(ve.Errors)-1].Error(); !strings.HasPrefix(got, want) || ve.Skippable() || !errors.Is(err, plan.ErrWorkbook) {
			t.Errorf("%s:\n%v\nwant %q", data[len(head):], err, want)
		}
	}
	var names []string
	var sheets []sheet
	for i := range 25 {
		names = append(names, "S"+strings.Repeat("x", i))
		sheets = append(sheets, sheet{names[i], [][]any{{"child_account_id"}, {i + 1}}})
	}
	_, err := loadBook(t, cellBook(t, sheets...), plan.Options{Sheet: "nope"})
	if ve := validationError(t, err); !strings.HasSuffix(ve.Errors[0].Error(), `"Sxxxxxxxxxxxxxxxxxxx", … (25 sheets)`) {
		t.Errorf("25 sheets: %v", err)
	}
}

// FuzzLoadXLSX fuzzes the sheet reader: the sheetData of a workbook (the
// zip and its other parts as rawBook writes them), loaded as checkLoad
// loads any plan, with two shared strings to refer to.
func FuzzLoadXLSX(f *testing.F) {
	for _, s := range []string{
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2"><v>1E+3</v></c><c r="B2" t="b"><v>1</v></c></row>`,
		`<row><c t="inlineStr"><is><t>child_account_id</t></is></c></row><row><c><f>A1</f></c></row><row r="9"><c r="A9" t="e"><v>#N/A</v></c></row>`,
		`<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="3"><c r="C3" t="s"><v>7</v></c><c r="A3" t="str"><f>1</f><v>2</v></c></row>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkLoad(t, "fuzz.xlsx", rawBook(t, string(data), "child_account_id", "active"))
	})
}

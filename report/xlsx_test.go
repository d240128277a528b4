package report

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// xlsxRecords are report rows with every kind of cell: absent and present
// numbers, times, and text a spreadsheet would take for a formula.
var xlsxRecords = []Record{
	{Line: 2, Selector: "child_account_id", Account: "1000", Status: Applied, HTTPStatus: 200, Attempts: 1, Request: 1,
		StartedAt: time.Date(2025, 3, 1, 9, 30, 0, 250e6, time.UTC), FinishedAt: time.Date(2025, 3, 1, 9, 30, 1, 0, time.UTC)},
	{Line: 3, Selector: "child_account_name", Account: "=1+1", Status: Failed, ErrorCode: 194,
		ErrorMessage: "+cmd|' /C calc'!A0", HTTPStatus: 400, Attempts: 3, Request: 7},
	{Line: 4, Selector: "child_account_email", Account: "@sum(a1)", Status: Invalid, ErrorMessage: "-2+3, \"quoted\""},
	{Line: 5, Status: NotAttempted},
}

func recordAt(i int) Record { return xlsxRecords[i] }

// readBack returns the rows of the report workbook data as text, each
// padded to the report's columns.
func readBack(t *testing.T, data []byte) (*excelize.File, [][]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	rows, err := f.GetRows(XLSXSheet)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		rows[i] = append(rows[i], make([]string, len(columns)-len(rows[i]))...)
	}
	return f, rows
}

// csvRows returns the CSV report of recs as rows, its escape against
// formulas undone.
func csvRows(t *testing.T, recs []Record) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, CSV, len(recs), func(i int) Record { return recs[i] }); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		for i, c := range row {
			if strings.HasPrefix(c, "'") && needsEscape(c[1:]) {
				row[i] = c[1:]
			}
		}
	}
	return rows
}

// TestXLSXReadsBackAsCSV: the workbook holds the CSV report's rows, with
// its columns, cell for cell; numbers are number cells, and text that
// looks like a formula is text, not a formula.
func TestXLSXReadsBackAsCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, XLSX, len(xlsxRecords), recordAt); err != nil {
		t.Fatal(err)
	}
	f, got := readBack(t, buf.Bytes())
	if want := csvRows(t, xlsxRecords); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("rows\n%q\nwant (the CSV report's)\n%q", got, want)
	}
	for cell, want := range map[string]excelize.CellType{ // a number cell has no type attribute: Unset
		"A2": excelize.CellTypeUnset, "C2": excelize.CellTypeInlineString, "C3": excelize.CellTypeInlineString,
		"E3": excelize.CellTypeUnset, "F3": excelize.CellTypeInlineString, "C4": excelize.CellTypeInlineString,
	} {
		typ, err := f.GetCellType(XLSXSheet, cell)
		formula, ferr := f.GetCellFormula(XLSXSheet, cell)
		if err != nil || ferr != nil || typ != want || formula != "" {
			t.Errorf("%s: type %v, formula %q (%v, %v); want type %v and no formula", cell, typ, formula, err, ferr, want)
		}
	}
	if v, _ := f.CalcCellValue(XLSXSheet, "C3"); v != "=1+1" {
		t.Errorf(`"=1+1" is calculated as %q`, v)
	}
	sheetXML := zipPart(t, buf.Bytes(), "xl/worksheets/sheet1.xml")
	if strings.Contains(sheetXML, "<f>") || !strings.Contains(sheetXML, `<c r="C3" t="inlineStr"><is><t>=1+1</t></is></c>`) {
		t.Errorf("a formula in the sheet:\n%s", sheetXML)
	}
}

// TestXLSXHeaderFrozenAndFiltered: the header row is frozen, bold, and an
// autofilter covers the header and every row.
func TestXLSXHeaderFrozenAndFiltered(t *testing.T) {
	for _, n := range []int{0, len(xlsxRecords)} {
		var buf bytes.Buffer
		if err := Encode(&buf, XLSX, n, recordAt); err != nil {
			t.Fatal(err)
		}
		f, rows := readBack(t, buf.Bytes())
		if len(rows) != n+1 || !slices.Equal(rows[0], Columns()) {
			t.Fatalf("%d rows, header %q", len(rows), rows[0])
		}
		panes, err := f.GetPanes(XLSXSheet)
		if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 || panes.TopLeftCell != "A2" {
			t.Errorf("panes %+v, %v", panes, err)
		}
		sheetXML := zipPart(t, buf.Bytes(), "xl/worksheets/sheet1.xml")
		if want := `<autoFilter ref="$A$1:$K$` + string(rune('1'+n)) + `"`; !strings.Contains(sheetXML, want) {
			t.Errorf("no %s in the sheet:\n%s", want, sheetXML)
		}
		style, _ := f.GetCellStyle(XLSXSheet, "A1")
		if s, err := f.GetStyle(style); err != nil || s.Font == nil || !s.Font.Bold {
			t.Errorf("header style %+v, %v", s, err)
		}
	}
}

// zipPart returns the part name of the zip data.
func zipPart(t *testing.T, data []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestXLSXWrittenWhole: WriteFile and Finalize write a workbook; a Stream
// cannot, and the live report of a workbook streams CSV beside it, which
// a killed run leaves and the next run's Tidy removes, the workbook left
// as it was.
func TestXLSXWrittenWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.xlsx")
	if _, err := Create(path, XLSX); !errors.Is(err, ErrFormat) {
		t.Errorf("Create: %v", err)
	}
	if _, err := NewStream(io.Discard, XLSX); !errors.Is(err, ErrFormat) {
		t.Errorf("NewStream: %v", err)
	}
	var stdout bytes.Buffer
	if err := Finalize(Stdout, &stdout, XLSX, 1, recordAt); err != nil || !bytes.HasPrefix(stdout.Bytes(), []byte("PK")) {
		t.Errorf("Finalize to stdout: %v", err)
	}
	if err := WriteFile(path, XLSX, 2, recordAt); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	s, err := CreateLive(path, XLSX)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(xlsxRecords[2]); err != nil {
		t.Fatal(err)
	}
	s.Close() // the run is killed here: no Finalize
	names := dirNames(t, dir)
	side := filepath.Join(dir, names[0])
	got, _ := os.ReadFile(side)
	if len(names) != 2 || !strings.HasPrefix(names[0], ".r.xlsx.tmp-live-") || !strings.HasSuffix(names[0], ".csv") ||
		!strings.HasPrefix(string(got), "line,selector") || !strings.Contains(string(got), "\n4,child_account_email,'@sum") {
		t.Fatalf("after a killed run: %q, live report %q", names, got)
	}
	if err := Tidy(path); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if names := dirNames(t, dir); len(names) != 1 || !bytes.Equal(after, before) {
		t.Errorf("after Tidy: %q; workbook kept: %v", names, bytes.Equal(after, before))
	}
	s, err = CreateLive(path, XLSX)
	if err != nil {
		t.Fatal(err)
	}
	s.Write(xlsxRecords[0])
	s.Close()
	if err := Finalize(path, nil, XLSX, len(xlsxRecords), recordAt); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveTemp(); err != nil {
		t.Fatal(err)
	}
	final, _ := os.ReadFile(path)
	if _, rows := readBack(t, final); len(rows) != len(xlsxRecords)+1 || len(dirNames(t, dir)) != 1 {
		t.Errorf("after the rerun: %d rows, files %q", len(rows), dirNames(t, dir))
	}
}

// BenchmarkEncodeXLSX writes the report workbook of 100,000 rows; the
// figure per 1,000,000 rows is what a million-row run's final report
// costs as a workbook (a CSV one: BenchmarkEncode).
func BenchmarkEncodeXLSX(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		if err := Encode(io.Discard, XLSX, n, sampleRecord); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N*n)*1e6*1e3, "ms/1M-rows")
}

package plan_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/voxbatch/voxbatch/plan"
)

// TestWriteTableXLSXRoundTrip: a table written as a workbook loads back
// into the rows, and the digest, of the same table as CSV, and of the
// workbook the CSV would be.
func TestWriteTableXLSXRoundTrip(t *testing.T) {
	tb := nastyTable()
	tb.Rows = append(tb.Rows,
		[]string{"", "", "1234567890123456", "true", "", "", "0.1"},
		[]string{"", "", "99", "", "", "", "1234567.890123456"})
	want := mustLoad(t, "want.csv", rawCSV(t, tb), plan.Options{})
	path := filepath.Join(t.TempDir(), "undo.xlsx")
	if err := plan.WriteTable(path, nil, tb); err != nil {
		t.Fatal(err)
	}
	got, err := plan.LoadFile(path, nil, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != want.Digest || got.Sheet != plan.TableSheet {
		t.Errorf("digest %s, want %s (the CSV's); sheet %q", got.Digest, want.Digest, got.Sheet)
	}
	sameRows(t, got, tb)
}

// TestWriteTableXLSXCells: cells are typed by their column, every one a
// value and none a formula, under a frozen header with an autofilter.
func TestWriteTableXLSXCells(t *testing.T) {
	tb := &plan.Table{Header: []string{"child_account_id", "child_account_name", "active", "min_balance_to_notify", "language_code"},
		Rows: [][]string{
			{"1000", "=1+1", "false", "10.5", "no"},
			{"1234567890123456", "12", "true", "-5", ""},
			{"all", "", "", "0.1234567890123456", "de"},
		}}
	path := filepath.Join(t.TempDir(), "t.xlsx")
	if err := plan.WriteTable(path, nil, tb); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	number, text, boolean := excelize.CellTypeUnset, excelize.CellTypeInlineString, excelize.CellTypeBool
	for cell, want := range map[string]excelize.CellType{
		"A2": number, "B2": text, "C2": boolean, "D2": number, "E2": text,
		"A3": text, "B3": text, "C3": boolean, "D3": number,
		"A4": text, "D4": text, "E4": text,
	} {
		typ, err := f.GetCellType(plan.TableSheet, cell)
		formula, _ := f.GetCellFormula(plan.TableSheet, cell)
		if err != nil || typ != want || formula != "" {
			t.Errorf("%s: type %v, formula %q, %v; want type %v", cell, typ, formula, err, want)
		}
	}
	panes, err := f.GetPanes(plan.TableSheet)
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v, %v", panes, err)
	}
	data, _ := os.ReadFile(path)
	p, err := plan.Load("t.xlsx", bytes.NewReader(data), plan.Options{AllowAll: true, SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := p.Rows[0]; r.Account != "1000" || r.Line != 2 { // invalid: an ID and a name
		t.Errorf("row 2: %+v", r)
	}
	if r := p.Rows[1]; r.Account != "1234567890123456" {
		t.Errorf("row 3: %+v", r)
	}
	if v, _ := f.GetCellValue(plan.TableSheet, "B2"); v != "=1+1" || !strings.HasPrefix(v, "=") {
		t.Errorf("B2 %q", v)
	}
}

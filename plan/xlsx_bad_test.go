package plan_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/voxbatch/voxbatch/plan"
)

// encryptedBook returns a workbook saved with a password, as Excel's
// "Encrypt with Password" saves it: an OLE2 file holding the encrypted
// package.
func encryptedBook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must(t, f.SetCellValue("Sheet1", "A1", "child_account_id"))
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf, excelize.Options{Password: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// chartBook returns a workbook of a sheet of rows, "Data", and a chart
// sheet, "Chart".
func chartBook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must(t, f.SetSheetName("Sheet1", "Data"))
	for i, v := range []any{"child_account_id", "active", 1, true} {
		ref, _ := excelize.CoordinatesToCellName(i%2+1, i/2+1)
		must(t, f.SetCellValue("Data", ref, v))
	}
	must(t, f.AddChartSheet("Chart", &excelize.Chart{Type: excelize.Col,
		Series: []excelize.ChartSeries{{Name: "Data!$A$1", Categories: "Data!$A$2", Values: "Data!$A$2"}}}))
	buf, err := f.WriteToBuffer()
	must(t, err)
	return buf.Bytes()
}

// TestXLSXBadInput: a file that is not a workbook of rows is refused as a
// problem of the plan as a whole (exit 2), with what it is.
func TestXLSXBadInput(t *testing.T) {
	zip := cellBook(t, sheet{"Plan", [][]any{{"child_account_id"}, {1}}})
	tests := []struct {
		name string
		data []byte
		opts plan.Options
		want string
	}{
		{"old xls", compoundFile("Workbook"), plan.Options{},
			"an old binary Excel 97-2003 workbook (.xls), whatever its name says: save it as an Excel Workbook (.xlsx)"},
		{"password", encryptedBook(t), plan.Options{},
			"a password-protected workbook: voxbatch does not read encrypted workbooks; save a copy without the password"},
		{"another OLE2 file", compoundFile("WordDocument"), plan.Options{},
			"an old .xls or a password-protected workbook (an OLE2 compound file, not a zip)"},
		{"a damaged OLE2 file", compoundFile("Workbook")[:600], plan.Options{},
			"an old .xls or a password-protected workbook"},
		{"CSV named .xlsx", []byte("child_account_id,active\n1,true\n"), plan.Options{},
			"not a workbook (an .xlsx is a zip archive) but text: a CSV plan is read when its name ends in .csv"},
		{"binary", []byte{0x89, 'P', 'N', 'G', 0, 0, 0xff}, plan.Options{},
			"not a workbook: an .xlsx is a zip archive, and this file is not one"},
		{"empty", nil, plan.Options{}, "the file is empty, not a workbook"},
		{"damaged zip", zip[:len(zip)/2], plan.Options{}, "not a workbook voxbatch can read ("},
		{"chart sheet", chartBook(t), plan.Options{Sheet: "chart"},
			`sheet "Chart" is a chart sheet, not a sheet of rows; choose the sheet that holds the plan (--sheet)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadBook(t, tt.data, tt.opts)
			ve := validationError(t, err)
			if !errors.Is(err, plan.ErrWorkbook) || ve.Skippable() || len(ve.Errors) != 1 {
				t.Fatalf("err %v (ErrWorkbook %v, skippable %v)", err, errors.Is(err, plan.ErrWorkbook), ve.Skippable())
			}
			if got := ve.Errors[0].Error(); !strings.HasPrefix(got, "book.xlsx: ") || !strings.Contains(got, tt.want) {
				t.Errorf("%q\nwant it to hold %q", got, tt.want)
			}
		})
	}
	if p := mustLoadBook(t, chartBook(t), plan.Options{Sheet: "Data"}); len(p.Rows) != 1 {
		t.Errorf("the sheet of rows beside a chart: %v", rowsOf(p))
	}
}

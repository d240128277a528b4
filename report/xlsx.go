package report

import (
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// The report as an Excel workbook. Every cell is written as a value, a
// number or a text, never as a formula, so a cell holding "=1+1" shows as
// that text and is not evaluated: the guard that EscapeCell gives CSV
// holds by construction, and the workbook carries the raw values. A
// workbook is a zip whose index comes last: it cannot be appended to, so
// it is written whole (WriteFile, Finalize), and the live report of a run
// streams CSV beside it (see CreateLive).

// XLSXSheet is the name of the report workbook's sheet.
const XLSXSheet = "Report"

// columnWidths are the widths of the report's columns in the workbook, in
// characters, so that a time or a message is not cut off at a glance.
var columnWidths = [len(columns)]float64{8, 20, 24, 14, 11, 60, 12, 10, 9, 26, 26}

// encodeXLSX writes the complete report rec(0) .. rec(n-1) to w as a
// workbook: one sheet, the header row frozen and an autofilter on it.
func encodeXLSX(w io.Writer, n int, rec func(i int) Record) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := newReportSheet(f, n)
	if err != nil {
		return err
	}
	row := make([]any, len(columns))
	for i := range n {
		if err := sw.SetRow("A"+strconv.Itoa(i+2), xlsxRow(row, rec(i))); err != nil {
			return fmt.Errorf("row %d: %w", i+2, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// newReportSheet readies the report sheet of f for n rows: the autofilter
// over them, the frozen and bold header, the widths; it returns the
// stream writer of the rows, the header written.
func newReportSheet(f *excelize.File, n int) (*excelize.StreamWriter, error) {
	if err := f.SetSheetName("Sheet1", XLSXSheet); err != nil {
		return nil, err
	}
	last, err := excelize.CoordinatesToCellName(len(columns), n+1)
	if err != nil {
		return nil, err
	}
	// before the stream writer, which writes the sheet's settings as they are then
	if err := f.AutoFilter(XLSXSheet, "A1:"+last, nil); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(XLSXSheet)
	if err != nil {
		return nil, err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	for i, wd := range columnWidths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return nil, err
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	header := make([]any, len(columns))
	for i, c := range columns {
		header[i] = excelize.Cell{StyleID: bold, Value: c}
	}
	return sw, sw.SetRow("A1", header)
}

// xlsxRow fills row with the cells of r: numbers as numbers, text as
// text, and nil (no cell) where CSV leaves a cell empty.
func xlsxRow(row []any, r Record) []any {
	row[0] = r.Line
	row[1] = text(r.Selector)
	row[2] = text(r.Account)
	row[3] = text(string(r.Status))
	row[4] = optional(r.ErrorCode)
	row[5] = text(r.ErrorMessage)
	row[6] = optional(r.HTTPStatus)
	row[7] = r.Attempts
	row[8] = optional(r.Request)
	row[9], row[10] = nil, nil
	if !r.StartedAt.IsZero() {
		row[9] = string(appendTime(nil, r.StartedAt))
	}
	if !r.FinishedAt.IsZero() {
		row[10] = string(appendTime(nil, r.FinishedAt))
	}
	return row
}

// text is s as a cell: nil for "".
func text(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// optional is v as a cell: nil for a zero that means "absent".
func optional(v int) any {
	if v == 0 {
		return nil
	}
	return v
}

package plan

import (
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// TableSheet is the name of the sheet WriteTable writes a workbook plan to.
const TableSheet = "Plan"

// maxExcelDigits is the most significant digits Excel keeps of a number:
// an ID or a balance with more is written as text, so that a workbook
// opened and saved in Excel keeps it exact.
const maxExcelDigits = 15

// writeTableXLSX writes t as an Excel workbook at path, atomically: one
// sheet, TableSheet, the header row bold and frozen with an autofilter.
// Every cell is a value, never a formula: a name starting with "=" is
// text. Cells are typed by their column so that Excel shows them as it
// would have kept them, and Load reads back the very values: an ID and a
// balance as a number (as text when Excel could not keep it exactly), a
// boolean parameter's true or false as a boolean, everything else as
// text.
func writeTableXLSX(path string, t *Table) error {
	return writeAtomic(path, func(w io.Writer) error { return encodeTableXLSX(w, t) })
}

// encodeTableXLSX writes the workbook of t to w.
func encodeTableXLSX(w io.Writer, t *Table) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", TableSheet); err != nil {
		return err
	}
	last, err := excelize.CoordinatesToCellName(len(t.Header), len(t.Rows)+1)
	if err != nil {
		return err
	}
	if err := f.AutoFilter(TableSheet, "A1:"+last, nil); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(TableSheet)
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	row := make([]any, len(t.Header))
	kinds := make([]column, len(t.Header))
	for i, h := range t.Header {
		row[i] = excelize.Cell{StyleID: bold, Value: h}
		kinds[i], _ = lookupColumn(h) // WriteTable checked the header
	}
	if err := sw.SetRow("A1", row); err != nil {
		return err
	}
	for r, cells := range t.Rows {
		for i, s := range cells {
			row[i] = tableCell(kinds[i], s)
		}
		if err := sw.SetRow("A"+strconv.Itoa(r+2), row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// tableCell is the cell of value s in a column c: nil for "", a number, a
// boolean, or the text s. A number or a boolean is chosen only where Load
// reads it back as s.
func tableCell(c column, s string) any {
	switch {
	case s == "":
		return nil
	case c.sel == ByID:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && strconv.FormatInt(n, 10) == s && len(s) <= maxExcelDigits {
			return n
		}
	case c.sel != 0:
	case c.param.IsBool() && (s == "true" || s == "false"):
		return s == "true"
	case c.param == MinBalanceToNotify:
		if v, err := strconv.ParseFloat(s, 64); err == nil && strconv.FormatFloat(v, 'f', -1, 64) == s &&
			significantDigits(s) <= maxExcelDigits {
			return v
		}
	}
	return s
}

// significantDigits counts the digits of the decimal s from its first
// non-zero digit.
func significantDigits(s string) int {
	n, started := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		started = started || c != '0'
		if started {
			n++
		}
	}
	return n
}

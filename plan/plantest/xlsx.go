package plantest

import (
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// WriteXLSX writes the plan WriteCSV writes for cfg (Semi and CRLF aside)
// as a workbook of one sheet, "Plan", to w, with typed cells as Excel
// keeps them: IDs and decimals as numbers, true and false as booleans,
// other text as text. Reading it gives the rows of the CSV plan.
func WriteXLSX(w io.Writer, cfg Config) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Plan"); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter("Plan")
	if err != nil {
		return err
	}
	start := cfg.Start
	if start == 0 {
		start = 1000
	}
	header := strings.Split(Header, ",")
	row := make([]any, len(header))
	for i, h := range header {
		row[i] = h
	}
	if err := sw.SetRow("A1", row); err != nil {
		return err
	}
	mixed := make([][]any, len(mix)) // the typed cells after the ID
	for i, m := range mix {
		for _, s := range strings.Split(m, ",")[1:] {
			mixed[i] = append(mixed[i], Cell(s))
		}
	}
	for i := range cfg.Rows {
		row = append(append(row[:0], start+i), mixed[i%len(mix)]...)
		if err := sw.SetRow("A"+strconv.Itoa(i+2), row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// Cell is the typed cell Excel would keep for the CSV cell s: nil for an
// empty cell, a number, a boolean for true and false, else the text.
func Cell(s string) any {
	switch s {
	case "":
		return nil
	case "true", "false":
		return s == "true"
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && strconv.FormatInt(n, 10) == s {
		return n
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil && strconv.FormatFloat(v, 'f', -1, 64) == s {
		return v
	}
	return s
}

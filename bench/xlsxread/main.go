// Command xlsxread reads the first sheet of a workbook with excelize's
// streaming row reader (OpenFile, Rows, Columns) and nothing else: the
// baseline that `voxbatch validate` of a workbook is compared with in
// bench/xlsx.sh.
//
//	go run ./bench/xlsxread /tmp/plan.xlsx
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/xuri/excelize/v2"
)

func main() { os.Exit(xlsxread(os.Args[1:], os.Stdout, os.Stderr)) }

// xlsxread counts the rows of the workbook named by args; it returns the
// exit code.
func xlsxread(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: xlsxread FILE")
		return 2
	}
	n, err := count(args[0])
	if err != nil {
		fmt.Fprintln(stderr, "xlsxread:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%d rows\n", n)
	return 0
}

// count reads every row of the first sheet of the workbook at path and
// returns how many.
func count(path string) (n int, err error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return 0, errors.New("no sheets")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		if _, err := rows.Columns(); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Close()
}

// Command csvread reads a CSV file with encoding/csv and nothing else: the
// baseline that `voxbatch validate` is compared with in bench/validate.sh.
//
//	go run ./bench/csvread /tmp/plan.csv
package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
)

func main() { os.Exit(csvread(os.Args[1:], os.Stdout, os.Stderr)) }

// csvread counts the records of the file named by args; it returns the
// exit code.
func csvread(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: csvread FILE")
		return 2
	}
	f, err := os.Open(args[0])
	if err != nil {
		fmt.Fprintln(stderr, "csvread:", err)
		return 1
	}
	defer f.Close()
	n, err := count(f)
	if err != nil {
		fmt.Fprintln(stderr, "csvread:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%d records\n", n)
	return 0
}

// count reads every record, reusing one slice, and returns how many.
func count(r io.Reader) (int, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	n := 0
	for {
		_, err := cr.Read()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

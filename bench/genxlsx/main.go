// Command genxlsx writes the generated plan of bench/genplan as a workbook
// of typed cells (plantest.WriteXLSX), for benchmarks:
//
//	go run ./bench/genxlsx -rows 200000 -o /tmp/plan.xlsx
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/voxbatch/voxbatch/plan/plantest"
)

func main() { os.Exit(genxlsx(os.Args[1:])) }

// genxlsx parses the flags and writes the workbook; it returns the exit
// code.
func genxlsx(args []string) int {
	var cfg plantest.Config
	fs := flag.NewFlagSet("genxlsx", flag.ContinueOnError)
	out := fs.String("o", "", "output `file` (.xlsx)")
	fs.IntVar(&cfg.Rows, "rows", 200000, "number of data `rows`")
	fs.IntVar(&cfg.Start, "start", 1000, "first child account `id`")
	if err := fs.Parse(args); err != nil || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: genxlsx -rows N -o FILE.xlsx")
		return 2
	}
	if err := write(*out, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "genxlsx:", err)
		return 1
	}
	return 0
}

func write(path string, cfg plantest.Config) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	return errors.Join(plantest.WriteXLSX(f, cfg), f.Close())
}

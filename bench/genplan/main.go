// Command genplan writes a generated CSV plan for benchmarks:
//
//	go run ./bench/genplan -rows 1000000 -o /tmp/plan.csv
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/voxbatch/voxbatch/plan/plantest"
)

func main() { os.Exit(genplan(os.Args[1:])) }

// genplan parses the flags and writes the plan; it returns the exit code.
func genplan(args []string) int {
	var cfg plantest.Config
	fs := flag.NewFlagSet("genplan", flag.ContinueOnError)
	out := fs.String("o", "-", "output `file`, - for stdout")
	fs.IntVar(&cfg.Rows, "rows", 1000000, "number of data `rows`")
	fs.IntVar(&cfg.Start, "start", 1000, "first child account `id`")
	fs.BoolVar(&cfg.Semi, "semicolon", false, "use ';' as the delimiter, as Excel does in many locales")
	fs.BoolVar(&cfg.CRLF, "crlf", false, "use CRLF line ends")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := run(*out, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "genplan:", err)
		return 1
	}
	return 0
}

func run(out string, cfg plantest.Config) error {
	if out == "-" {
		return plantest.WriteCSV(os.Stdout, cfg)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := plantest.WriteCSV(f, cfg); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

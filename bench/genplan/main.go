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

func main() {
	var cfg plantest.Config
	out := flag.String("o", "-", "output `file`, - for stdout")
	flag.IntVar(&cfg.Rows, "rows", 1000000, "number of data `rows`")
	flag.IntVar(&cfg.Start, "start", 1000, "first child account `id`")
	flag.BoolVar(&cfg.Semi, "semicolon", false, "use ';' as the delimiter, as Excel does in many locales")
	flag.BoolVar(&cfg.CRLF, "crlf", false, "use CRLF line ends")
	flag.Parse()
	if err := run(*out, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "genplan:", err)
		os.Exit(1)
	}
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

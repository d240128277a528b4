// Package plantest writes generated plans for tests and benchmarks of
// voxbatch: large CSV plans of child account IDs with a deterministic mix
// of a few changes.
package plantest

import (
	"bufio"
	"io"
	"strconv"
)

// Header is the CSV header of a generated plan.
const Header = "child_account_id,active,language_code,location,min_balance_to_notify"

// mix is the changes generated rows cycle through, as the cells after the
// ID. Most rows only switch active, as a real bulk disable or enable does.
var mix = []string{
	",false,,,",
	",false,,,",
	",false,,,",
	",true,,,",
	",true,en,,",
	",,de,Europe/Berlin,",
	",no,,,10.5",
	",yes,es,America/Los_Angeles,0",
}

// Changes is the number of distinct changes a generated plan holds (when
// it has at least that many rows).
const Changes = 6 // the first three entries of mix are the same change

// Config describes a generated plan.
type Config struct {
	Rows  int  // data rows
	Start int  // first child account ID; 0 means 1000
	Semi  bool // ';' as the delimiter instead of ','
	CRLF  bool // CRLF line ends
}

// WriteCSV writes a CSV plan of cfg.Rows rows with IDs Start, Start+1, …
// to w.
func WriteCSV(w io.Writer, cfg Config) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	start := cfg.Start
	if start == 0 {
		start = 1000
	}
	eol := "\n"
	if cfg.CRLF {
		eol = "\r\n"
	}
	sep := byte(',')
	if cfg.Semi {
		sep = ';'
	}
	line := make([]byte, 0, 128)
	put := func(s string) {
		line = line[:0]
		for i := 0; i < len(s); i++ {
			if s[i] == ',' {
				line = append(line, sep)
			} else {
				line = append(line, s[i])
			}
		}
	}
	put(Header)
	bw.Write(line)
	bw.WriteString(eol)
	for i := range cfg.Rows {
		line = strconv.AppendInt(line[:0], int64(start+i), 10)
		for _, c := range []byte(mix[i%len(mix)]) {
			if c == ',' {
				c = sep
			}
			line = append(line, c)
		}
		line = append(line, eol...)
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

package plantest_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/plan/plantest"
)

func TestWriteCSV(t *testing.T) {
	tests := []struct {
		name string
		cfg  plantest.Config
		eol  string
		sep  string
	}{
		{"default", plantest.Config{Rows: 40}, "\n", ","},
		{"excel", plantest.Config{Rows: 40, Start: 7, Semi: true, CRLF: true}, "\r\n", ";"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := plantest.WriteCSV(&buf, tt.cfg); err != nil {
				t.Fatal(err)
			}
			lines := strings.SplitAfter(strings.TrimSuffix(buf.String(), tt.eol), tt.eol)
			if len(lines) != tt.cfg.Rows+1 || !strings.HasSuffix(lines[1], tt.eol) || !strings.Contains(lines[0], "child_account_id"+tt.sep) {
				t.Fatalf("%d lines, first %q", len(lines), lines[0])
			}
			p, err := plan.Load("gen.csv", &buf, plan.Options{})
			if err != nil {
				t.Fatal(err)
			}
			s := p.Summarize(10)
			if s.Valid != tt.cfg.Rows || s.Groups != plantest.Changes {
				t.Errorf("summary %+v, want %d valid rows in %d groups", s, tt.cfg.Rows, plantest.Changes)
			}
			start := 1000
			if tt.cfg.Start != 0 {
				start = tt.cfg.Start
			}
			if got := p.Rows[0].Account; got != strconv.Itoa(start) {
				t.Errorf("first account %s, want %d", got, start)
			}
		})
	}
}

// TestWriteXLSX: the workbook holds the rows of the CSV plan, typed.
func TestWriteXLSX(t *testing.T) {
	cfg := plantest.Config{Rows: 40, Start: 7}
	var book, csv bytes.Buffer
	if err := plantest.WriteXLSX(&book, cfg); err != nil {
		t.Fatal(err)
	}
	if err := plantest.WriteCSV(&csv, cfg); err != nil {
		t.Fatal(err)
	}
	wp, err := plan.Load("gen.xlsx", &book, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := plan.Load("gen.csv", &csv, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if wp.Digest != cp.Digest || len(wp.Rows) != cfg.Rows {
		t.Errorf("workbook: %d rows, digest %s; CSV: digest %s", len(wp.Rows), wp.Digest, cp.Digest)
	}
	for s, want := range map[string]any{"": nil, "7": int64(7), "10.5": 10.5, "true": true, "no": "no", "007": "007", "1e3": "1e3"} {
		if got := plantest.Cell(s); got != want {
			t.Errorf("Cell(%q) = %#v, want %#v", s, got, want)
		}
	}
}

package plan_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"sync"
	"testing"

	"github.com/gocarina/gocsv"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/plan/plantest"
)

// The benchmarks read the same generated plan three ways, so that the
// costs can be compared: Load (+ Summarize), gocsv decoding into a struct
// of strings (the library first chosen for CSV), and a bare
// encoding/csv read (the floor).

const benchRows = 100_000

var benchData = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	if err := plantest.WriteCSV(&buf, plantest.Config{Rows: benchRows}); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

func BenchmarkLoadCSV(b *testing.B) {
	data := benchData()
	b.Run("sized", func(b *testing.B) { // the size is known, as for a file
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			p, err := plan.Load("bench.csv", bytes.NewReader(data), plan.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if s := p.Summarize(50); s.Rows != benchRows || s.Groups != plantest.Changes {
				b.Fatalf("summary %+v", s)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
	})
	b.Run("stream", func(b *testing.B) { // the size is not known, as for stdin
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			p, err := plan.Load("bench.csv", struct{ io.Reader }{bytes.NewReader(data)}, plan.Options{})
			if err != nil {
				b.Fatal(err)
			}
			p.Summarize(50)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
	})
}

// genRow is a generated plan's row as gocsv would decode it.
type genRow struct {
	ChildAccountID     string `csv:"child_account_id"`
	Active             string `csv:"active"`
	LanguageCode       string `csv:"language_code"`
	Location           string `csv:"location"`
	MinBalanceToNotify string `csv:"min_balance_to_notify"`
}

func BenchmarkGocsvDecode(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var rows []genRow
		if err := gocsv.UnmarshalBytes(data, &rows); err != nil {
			b.Fatal(err)
		}
		if len(rows) != benchRows {
			b.Fatalf("%d rows", len(rows))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
}

func BenchmarkEncodingCSVRead(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r := csv.NewReader(bytes.NewReader(data))
		r.ReuseRecord = true
		n := 0
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != benchRows+1 {
			b.Fatalf("%d records", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
}

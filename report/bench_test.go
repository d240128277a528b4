package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/gocarina/gocsv"
)

// benchBase is a fixed start time for generated records.
var benchBase = time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)

// sampleRecord returns a realistic record for row i: mostly applied rows in
// requests of 500, every 100th row failed with a message.
func sampleRecord(i int) Record {
	r := Record{
		Line:       i + 2,
		Selector:   "child_account_id",
		Account:    strconv.Itoa(1_000_000 + i),
		Status:     Applied,
		HTTPStatus: 200,
		Attempts:   1,
		Request:    i/500 + 1,
		StartedAt:  benchBase.Add(time.Duration(i) * time.Millisecond),
		FinishedAt: benchBase.Add(time.Duration(i)*time.Millisecond + 40*time.Millisecond),
	}
	if i%100 == 99 {
		r.Status = Failed
		r.ErrorCode = 194
		r.ErrorMessage = "Invalid value of the parameter 'child_account_id'"
		r.Attempts = 3
	}
	return r
}

// reportPer1M reports the cost of 1,000,000 records from the per-op time.
func reportPer1M(b *testing.B) {
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e6*1e3, "ms/1M-rows")
}

// encodeFunc writes a whole report of n records, like Encode in one format.
type encodeFunc func(w io.Writer, n int, rec func(int) Record) error

// encodeAs returns Encode in format f.
func encodeAs(f Format) encodeFunc {
	return func(w io.Writer, n int, rec func(int) Record) error { return Encode(w, f, n, rec) }
}

// benchEncode measures encode writing b.N sample records to io.Discard.
func benchEncode(b *testing.B, encode encodeFunc) {
	b.ReportAllocs()
	i := 0
	if err := encode(io.Discard, b.N, func(int) Record { i++; return sampleRecord(i) }); err != nil {
		b.Fatal(err)
	}
	reportPer1M(b)
}

// BenchmarkWriteCSV measures the CSV writer voxbatch uses: one appended
// buffer per row.
func BenchmarkWriteCSV(b *testing.B) { benchEncode(b, encodeAs(CSV)) }

// BenchmarkWriteJSONL measures the JSON Lines writer.
func BenchmarkWriteJSONL(b *testing.B) { benchEncode(b, encodeAs(JSONL)) }

// gocsv cell types: the same escaping and empty zeros as the real writer,
// so that the comparison is like for like.
type (
	gocsvText string
	gocsvOpt  int
	gocsvTime time.Time
)

func (s gocsvText) MarshalCSV() (string, error) { return EscapeCell(string(s)), nil }

func (n gocsvOpt) MarshalCSV() (string, error) {
	return string(appendCSVInt(nil, int(n), true)), nil
}

func (t gocsvTime) MarshalCSV() (string, error) {
	if time.Time(t).IsZero() {
		return "", nil
	}
	return string(appendTime(nil, time.Time(t))), nil
}

type gocsvRow struct {
	Line         int       `csv:"line"`
	Selector     gocsvText `csv:"selector"`
	Account      gocsvText `csv:"account"`
	Status       gocsvText `csv:"status"`
	ErrorCode    gocsvOpt  `csv:"error_code"`
	ErrorMessage gocsvText `csv:"error_message"`
	HTTPStatus   gocsvOpt  `csv:"http_status"`
	Attempts     int       `csv:"attempts"`
	Request      gocsvOpt  `csv:"request"`
	StartedAt    gocsvTime `csv:"started_at"`
	FinishedAt   gocsvTime `csv:"finished_at"`
}

// encodeGocsv writes the same report as Encode(w, CSV, ...) with gocsv, in
// batches of 1024 rows.
func encodeGocsv(w io.Writer, n int, rec func(int) Record) error {
	bw := bufio.NewWriterSize(w, bufSize)
	sw := gocsv.NewSafeCSVWriter(csv.NewWriter(bw))
	if err := sw.Write(columns[:]); err != nil {
		return err
	}
	rows := make([]gocsvRow, 0, 1024)
	emit := func() error {
		if len(rows) == 0 {
			return nil
		}
		err := gocsv.MarshalCSVWithoutHeaders(&rows, sw)
		rows = rows[:0]
		return err
	}
	for i := range n {
		r := rec(i)
		rows = append(rows, gocsvRow{
			Line: r.Line, Selector: gocsvText(r.Selector), Account: gocsvText(r.Account),
			Status: gocsvText(r.Status), ErrorCode: gocsvOpt(r.ErrorCode),
			ErrorMessage: gocsvText(r.ErrorMessage), HTTPStatus: gocsvOpt(r.HTTPStatus),
			Attempts: r.Attempts, Request: gocsvOpt(r.Request),
			StartedAt: gocsvTime(r.StartedAt), FinishedAt: gocsvTime(r.FinishedAt),
		})
		if len(rows) == cap(rows) {
			if err := emit(); err != nil {
				return err
			}
		}
	}
	if err := emit(); err != nil {
		return err
	}
	sw.Flush()
	return sw.Error()
}

// BenchmarkWriteCSVGocsv measures the same CSV written with gocsv.
func BenchmarkWriteCSVGocsv(b *testing.B) { benchEncode(b, encodeGocsv) }

// encodeStdlib writes the same report as Encode(w, CSV, ...) through
// encoding/csv: a reused []string record, numbers and times appended into
// one scratch buffer that becomes a single string per row. It is the
// reference the appending encoder is held to, and a benchmark contender.
func encodeStdlib(w io.Writer, n int, rec func(int) Record) error {
	cw := csv.NewWriter(bufio.NewWriterSize(w, bufSize)) // reuses the bufio.Writer
	if err := cw.Write(columns[:]); err != nil {
		return err
	}
	var fields [len(columns)]string
	num := make([]byte, 0, 128)
	for i := range n {
		r := rec(i)
		var ends [7]int
		b := num[:0]
		b = appendCSVInt(b, r.Line, false)
		ends[0] = len(b)
		b = appendCSVInt(b, r.ErrorCode, true)
		ends[1] = len(b)
		b = appendCSVInt(b, r.HTTPStatus, true)
		ends[2] = len(b)
		b = appendCSVInt(b, r.Attempts, false)
		ends[3] = len(b)
		b = appendCSVInt(b, r.Request, true)
		ends[4] = len(b)
		if !r.StartedAt.IsZero() {
			b = appendTime(b, r.StartedAt)
		}
		ends[5] = len(b)
		if !r.FinishedAt.IsZero() {
			b = appendTime(b, r.FinishedAt)
		}
		ends[6] = len(b)
		num = b
		s := string(b)
		fields = [...]string{
			s[:ends[0]], EscapeCell(r.Selector), EscapeCell(r.Account), EscapeCell(string(r.Status)),
			s[ends[0]:ends[1]], EscapeCell(r.ErrorMessage), s[ends[1]:ends[2]], s[ends[2]:ends[3]],
			s[ends[3]:ends[4]], s[ends[4]:ends[5]], s[ends[5]:ends[6]],
		}
		if err := cw.Write(fields[:]); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// BenchmarkWriteCSVStdlib measures the same CSV written with encoding/csv.
func BenchmarkWriteCSVStdlib(b *testing.B) { benchEncode(b, encodeStdlib) }

// TestCSVSameAsLibraries checks that the appending encoder writes exactly
// what encoding/csv and gocsv write, so that the benchmarks compare like
// for like.
func TestCSVSameAsLibraries(t *testing.T) {
	const n = 3000
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = sampleRecord(i)
	}
	copy(recs, trickyRecords())
	for i, c := range csvCells {
		recs[100+i].Account = c
		recs[200+i].ErrorMessage = c
		recs[300+i].Selector = c
	}
	rec := func(i int) Record { return recs[i] }
	var ours bytes.Buffer
	if err := Encode(&ours, CSV, n, rec); err != nil {
		t.Fatal(err)
	}
	for name, encode := range map[string]encodeFunc{
		"encoding/csv": encodeStdlib, "gocsv": encodeGocsv,
	} {
		t.Run(name, func(t *testing.T) {
			var theirs bytes.Buffer
			if err := encode(&theirs, n, rec); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ours.Bytes(), theirs.Bytes()) {
				t.Fatalf("outputs differ:\nours:\n%.800s\n%s:\n%.800s", ours.String(), name, theirs.String())
			}
		})
	}
}

// csvCells are cells that exercise quoting and escaping.
var csvCells = []string{
	"", "plain", "a,b", `say "hi"`, "two\nlines", "cr\rhere", "\r\n", " lead", "\tlead", "\vlead",
	"\u00a0nbsp", "\u3000ideo", `\.`, `\.x`, "=1+2", "+7", "-", "@x", "=a,b", "-\"q\"", "\xff\xfe",
	"ünï", "trail ", "'=x", ",", "\"",
}

// FuzzCSVCell holds appendCSVCell to encoding/csv's quoting of EscapeCell.
func FuzzCSVCell(f *testing.F) {
	for _, c := range csvCells {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		if err := cw.Write([]string{EscapeCell(s), "x"}); err != nil {
			t.Fatal(err)
		}
		cw.Flush()
		got := append(appendCSVCell(nil, s), ",x\n"...)
		if string(got) != want.String() {
			t.Errorf("appendCSVCell(%q) = %q, want %q", s, got, want.String())
		}
	})
}

// BenchmarkSampleRecord is the cost of generating the benchmark records,
// included in the figures above.
func BenchmarkSampleRecord(b *testing.B) {
	b.ReportAllocs()
	var sink int
	for i := range b.N {
		sink += len(sampleRecord(i).Account)
	}
	_ = sink
	reportPer1M(b)
}

// BenchmarkStreamWrite measures streaming: one Write call per row, with the
// mutex and the flush-interval check.
func BenchmarkStreamWrite(b *testing.B) {
	b.ReportAllocs()
	s, err := NewStream(io.Discard, CSV)
	if err != nil {
		b.Fatal(err)
	}
	for i := range b.N {
		if err := s.Write(sampleRecord(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	reportPer1M(b)
}

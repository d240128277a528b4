package plan_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/plan/plantest"
)

// The workbook benchmarks read one generated workbook two ways: Load (+
// Summarize), and a plain excelize streaming read of the same sheet
// (OpenReader, Rows, Columns), the floor that issue 16 compares with.
// bench/xlsx.sh measures the same as whole processes, CPU and memory.

const xlsxBenchRows = 200_000

var xlsxBenchData = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	if err := plantest.WriteXLSX(&buf, plantest.Config{Rows: xlsxBenchRows}); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

// excelizeRead reads every row of data's sheet "Plan" with excelize's
// streaming reader and returns how many.
func excelizeRead(data []byte) (int, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	rows, err := f.Rows("Plan")
	if err != nil {
		return 0, err
	}
	n := 0
	for rows.Next() {
		if _, err := rows.Columns(); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Close()
}

func BenchmarkLoadXLSX(b *testing.B) {
	data := xlsxBenchData()
	b.Run("load", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			p, err := plan.Load("bench.xlsx", bytes.NewReader(data), plan.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if s := p.Summarize(50); s.Rows != xlsxBenchRows || s.Groups != plantest.Changes {
				b.Fatalf("summary %+v", s)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*xlsxBenchRows), "ns/row")
	})
	b.Run("excelize-rows", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if n, err := excelizeRead(data); err != nil || n != xlsxBenchRows+1 {
				b.Fatalf("%d rows, %v", n, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*xlsxBenchRows), "ns/row")
	})
}

// TestXLSXCostRatio holds the target of issue 16 in one run: Load of a
// workbook takes at most 1.5 times a plain excelize streaming read of
// the same sheet (bench/xlsx.sh measures whole processes).
func TestXLSXCostRatio(t *testing.T) {
	if testing.Short() {
		t.Skip("measures")
	}
	var buf bytes.Buffer
	if err := plantest.WriteXLSX(&buf, plantest.Config{Rows: 10_000}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	load := fastest(func() {
		if _, err := plan.Load("r.xlsx", bytes.NewReader(data), plan.Options{}); err != nil {
			t.Fatal(err)
		}
	})
	read := fastest(func() {
		if _, err := excelizeRead(data); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("Load %v, excelize read %v: %.2f", load, read, float64(load)/float64(read))
	if float64(load) > 1.5*float64(read) {
		t.Errorf("Load takes %.2f times a plain excelize read; at most 1.5", float64(load)/float64(read))
	}
}

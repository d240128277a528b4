package plan_test

import (
	"io"
	"os"
	"runtime"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
)

// TestLoadBigFile loads the plan named by VOXBATCH_BIG_PLAN (e.g. one
// written by `go run ./bench/genplan -rows 1000000 -o /tmp/plan.csv`) and
// summarizes it; run the test binary under /usr/bin/time to see the CPU
// time and peak memory of a large load.
func TestLoadBigFile(t *testing.T) {
	path := os.Getenv("VOXBATCH_BIG_PLAN")
	if path == "" {
		t.Skip("set VOXBATCH_BIG_PLAN to a plan file")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if os.Getenv("VOXBATCH_BIG_PLAN_STREAM") != "" { // as from stdin: size unknown
		r = struct{ io.Reader }{f}
	}
	p, err := plan.Load(path, r, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := p.Summarize(50)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("rows %d groups %d requests %d digest %s; heap in use %d MiB, total alloc %d MiB, GCs %d",
		s.Rows, s.Groups, s.Requests, p.Digest, ms.HeapInuse>>20, ms.TotalAlloc>>20, ms.NumGC)
}

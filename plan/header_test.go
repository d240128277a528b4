package plan_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voxbatch/voxbatch/plan"
)

// wideHeader returns a CSV plan whose header has a selector and n unknown
// column names, and rows of two cells.
func wideHeader(n, rows int) []byte {
	var b bytes.Buffer
	b.WriteString("child_account_id")
	for i := range n {
		b.WriteString(",x")
		b.WriteString(strconv.Itoa(i))
	}
	b.WriteByte('\n')
	for i := range rows {
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(",true\n")
	}
	return b.Bytes()
}

// fastest returns the least time of a few runs of fn.
func fastest(fn func()) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range 3 {
		start := time.Now()
		fn()
		best = min(best, time.Since(start))
	}
	return best
}

// TestWideHeader: a header of many unknown names is reported quickly (a
// suggestion only for the problems shown) and the count covers all.
func TestWideHeader(t *testing.T) {
	loadWide := func(data []byte) func() {
		return func() {
			_, err := plan.Load("p.csv", bytes.NewReader(data), plan.Options{})
			ve := validationError(t, err)
			if len(ve.Errors) != plan.DefaultMaxErrors || !errors.Is(err, plan.ErrUnknownColumn) {
				t.Fatalf("%d problems shown: %v", len(ve.Errors), ve.Errors[0])
			}
		}
	}
	small, large := wideHeader(10_000, 100), wideHeader(100_000, 100)
	_, err := plan.Load("p.csv", bytes.NewReader(large), plan.Options{})
	ve := validationError(t, err)
	if ve.Count != 100_000 || ve.Errors[0].Error() != `p.csv:1: column "x0": unknown column; did you mean "child_account_id"?` {
		t.Errorf("count %d, first %v", ve.Count, ve.Errors[0])
	}
	tSmall, tLarge := fastest(loadWide(small)), fastest(loadWide(large))
	bare := fastest(func() { readAll(large) })
	t.Logf("10,000 names %v, 100,000 names %v, a bare CSV read of 100,000 %v", tSmall, tLarge, bare)
	if tLarge > 40*tSmall { // linear: 10; quadratic: 100
		t.Errorf("10 times the names take %.0f times as long: not linear", float64(tLarge)/float64(tSmall))
	}
	if tLarge > 20*bare { // a suggestion for each name: 100
		t.Errorf("100,000 names take %.0f times as long as reading them", float64(tLarge)/float64(bare))
	}
}

func readAll(data []byte) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	for {
		if _, err := r.Read(); err == io.EOF {
			return
		}
	}
}

// TestWideYAMLRow: a YAML row or defaults of many unknown keys, likewise.
func TestWideYAMLRow(t *testing.T) {
	var b strings.Builder
	b.WriteString("defaults:\n")
	for i := range 50_000 {
		b.WriteString("  d" + strconv.Itoa(i) + ": 1\n")
	}
	b.WriteString("accounts:\n  - child_account_id: 1\n")
	for i := range 50_000 {
		b.WriteString("    k" + strconv.Itoa(i) + ": 1\n")
	}
	start := time.Now()
	_, err := load(t, "p.yaml", b.String(), plan.Options{MaxErrors: 3})
	ve := validationError(t, err)
	t.Logf("100,000 unknown keys: %v", time.Since(start))
	want := []string{
		`p.yaml:2: key "d0": unknown parameter; did you mean "language_code"?`,
		`p.yaml:3: key "d1": unknown parameter; did you mean "language_code"?`,
		`p.yaml:4: key "d2": unknown parameter; did you mean "language_code"?`,
	}
	if ve.Count != 100_000 || strings.Join(problemLines(ve), "\n") != strings.Join(want, "\n") {
		t.Errorf("count %d\n%s", ve.Count, strings.Join(problemLines(ve), "\n"))
	}
	p := mustLoad(t, "p.yaml", "accounts:\n  - child_account_id: 1\n    k1: 1\n    k2: 2\n  - child_account_id: 2\n    active: no\n",
		plan.Options{SkipInvalid: true, MaxErrors: 1})
	if re := p.Rows[0].Err; re == nil || re.Error() != `p.yaml:3: key "k1": unknown parameter; did you mean "child_account_id"?` {
		t.Errorf("the row's first problem: %v", re)
	}
}

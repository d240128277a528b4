package batch

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
)

func TestDryRunRecords(t *testing.T) {
	src := "child_account_id,active\n" +
		"1000,false\n" + // line 2: request 1
		"12a,false\n" + // line 3: invalid
		"1001,false\n" + // line 4: request 1
		"1002,true\n" + // line 5: request 3 (another change: the next group)
		"1000,false\n" + // line 6: merged into line 2
		"1003,false\n" // line 7: request 2 (chunk size 2)
	p, err := plan.Load("t.csv", strings.NewReader(src), plan.Options{Format: "csv", SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	recs := DryRunRecords(p, plan.Chunk(p, nil, 2))
	want := []report.Record{
		{Line: 2, Selector: "child_account_id", Account: "1000", Status: report.DryRun, Request: 1},
		{Line: 3, Status: report.Invalid, ErrorMessage: p.Rows[1].Err.Error()},
		{Line: 4, Selector: "child_account_id", Account: "1001", Status: report.DryRun, Request: 1},
		{Line: 5, Selector: "child_account_id", Account: "1002", Status: report.DryRun, Request: 3},
		{Line: 6, Selector: "child_account_id", Account: "1000", Status: report.DryRun, Request: 1},
		{Line: 7, Selector: "child_account_id", Account: "1003", Status: report.DryRun, Request: 2},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i := range want {
		if recs[i] != want[i] {
			t.Errorf("row %d: %+v\nwant %+v", i, recs[i], want[i])
		}
	}
	if want[1].ErrorMessage == "" {
		t.Error("the invalid row has no error")
	}
}

func TestSetOutcomeKeepsTheRow(t *testing.T) {
	dst := report.Record{Line: 7, Selector: "child_account_name", Account: "a", Status: report.NotAttempted}
	src := report.Record{Line: 9, Selector: "x", Account: "y", Status: report.Failed, ErrorCode: 199,
		ErrorMessage: "bad", HTTPStatus: 200, Attempts: 2, Request: 5}
	setOutcome(&dst, &src)
	want := src
	want.Line, want.Selector, want.Account = 7, "child_account_name", "a"
	if dst != want {
		t.Errorf("got %+v, want %+v", dst, want)
	}
}

func TestOneLineClipsHugeMessages(t *testing.T) {
	huge := strings.Repeat("é", 40000) // 80,000 bytes
	got := oneLine(huge)
	if len(got) > maxMessage+64 || !strings.HasSuffix(got, "(80000 bytes in all)") || !utf8.ValidString(got) {
		t.Errorf("clipped to %d bytes, ends %q", len(got), got[len(got)-30:])
	}
	if oneLine("short") != "short" {
		t.Error("a short message changed")
	}
}

// A journal line holds a clipped message, so a rerun reads it back.
func TestJournalReadsBackAHugeMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.state")
	j, _, err := OpenJournal(path, "sha256:"+strings.Repeat("0", 64), 1)
	if err != nil {
		t.Fatal(err)
	}
	var rec report.Record
	setOutcome(&rec, &report.Record{Status: report.Failed, ErrorMessage: strings.Repeat("x", 70000)})
	j.Record(0, &rec)
	j.Close()
	if _, e, err := OpenJournal(path, "sha256:"+strings.Repeat("0", 64), 1); err != nil || e.Status(0) != report.Failed {
		t.Fatalf("read back: %v", err)
	}
}

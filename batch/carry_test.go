package batch

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
)

func loadTestPlan(t *testing.T, text string) *plan.Plan {
	t.Helper()
	p, err := plan.Load("p.csv", strings.NewReader(text), plan.Options{Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCarryOverMatchesRowsByWhatTheyDo(t *testing.T) {
	dir := t.TempDir()
	oldPath := filepath.Join(dir, "old.state")
	old := loadTestPlan(t, "child_account_id,child_account_email,active\n1000,,false\n,A@x.test,false\n1002,,false\n1003,,false\n")
	j, _, err := OpenJournal(oldPath, old.Digest, len(old.Rows))
	if err != nil {
		t.Fatal(err)
	}
	j.TrackPlan(old)
	for i, st := range []report.Status{report.Applied, report.Applied, report.Failed, report.Unchanged} {
		j.Record(i, &report.Record{Status: st, Attempts: 1})
	}
	j.Close()

	// Lines moved, an email in another case, a change edited, a row new.
	cur := loadTestPlan(t, "child_account_id,child_account_email,active\n1003,,false\n,a@X.test,false\n1000,,true\n1002,,false\n1009,,false\n")
	co, err := ReadCarryOver(oldPath)
	if err != nil {
		t.Fatal(err)
	}
	if co.Len() != 3 {
		t.Fatalf("%d rows to carry over, want 3 (applied and unchanged)", co.Len())
	}
	newPath := filepath.Join(dir, "new.state")
	j, earlier, err := OpenJournal(newPath, cur.Digest, len(cur.Rows))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	j.TrackPlan(cur)
	n, err := co.Apply(j, earlier, cur)
	if err != nil || n != 2 {
		t.Fatalf("carried %d (%v), want 2: 1003 and the email", n, err)
	}
	rs := &Resume{Earlier: earlier}
	for i, want := range []bool{false, false, true, true, true} {
		if rs.Todo(i) != want {
			t.Errorf("row %d: to do %v, want %v", i, rs.Todo(i), want)
		}
	}
	var rec report.Record
	rs.Prefill(0, &rec)
	if rec.Status != report.Skipped || !strings.Contains(rec.ErrorMessage, "carried over") {
		t.Errorf("a carried row shows %+v", rec)
	}
	j.Close()
	_, again, _ := OpenJournal(newPath, cur.Digest, len(cur.Rows))
	if again.Status(1) != report.Applied {
		t.Error("the carried rows are not in the new journal")
	}
}

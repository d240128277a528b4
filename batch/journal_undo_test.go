package batch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/voxbatch/voxbatch/report"
)

// TestJournalPriorLines: the values before a change go into P lines that a
// reopened journal reads back; the first line of a row wins; a journal
// never holds a password.
func TestJournalPriorLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.state")
	j, _ := openTestJournal(t, path, 10)
	j.TrackPlan(passwordPlan(t, "Zx9!First-Pass"))
	j.RecordPrior(3, "active=true&language_code=en")
	j.RecordPrior(4, "active=true&language_code=en")
	j.RecordPrior(3, "active=false") // a later read of the same row
	j.RecordSent(2)
	j.Record(3, &report.Record{Status: report.Applied, Attempts: 1, Request: 1})
	j.Record(5, &report.Record{Status: report.Mismatch, Attempts: 1, Request: 2, ErrorMessage: "read back after the run: active: wanted false, found true"})
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	j.Close()
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), "voxbatch-journal 4 ") || !strings.Contains(string(data), "\n3 P active=true&language_code=en\n") {
		t.Fatalf("journal:\n%s", data)
	}
	if strings.Contains(string(data), "Pass") {
		t.Fatalf("the journal holds the password:\n%s", data)
	}
	j, e := openTestJournal(t, path, 10)
	defer j.Close()
	p3, ok3 := e.Prior(3)
	p4, _ := e.Prior(4)
	if !ok3 || p3 != "active=true&language_code=en" || p4 != p3 {
		t.Errorf("priors %q %q", p3, p4)
	}
	if _, ok := e.Prior(2); ok {
		t.Error("a row never read has values before")
	}
	if e.Status(5) != report.Mismatch || e.Status(3) != report.Applied {
		t.Errorf("statuses %s %s", e.Status(5), e.Status(3))
	}
	rec, _ := e.Get(5)
	if !strings.Contains(rec.ErrorMessage, "wanted false, found true") {
		t.Errorf("mismatch record %+v", rec)
	}
}

// TestVersion3JournalStillWorks opens a journal as voxbatch wrote it
// before values were journaled: its outcomes, hashes and fingerprints
// read as before, the run adds P lines, and the header says version 4.
func TestVersion3JournalStillWorks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v3.state")
	v3 := "voxbatch-journal 3 " + testDigest + " 10\n" +
		"key 46571b651c56de21c7c708fc5437b6b231514a61bfcc9e009bfbca70a0f97718\n" +
		"1 R 0123456789abcdef0123456789abcdef\n" +
		"1 A 1 1 1700000000000 1700000000100 0 200 \"\"\n" +
		"2 F 3 2 1700000000000 1700000000100 194 200 \"no such account\"\n"
	os.WriteFile(path, []byte(v3), 0o600)
	j, e := openTestJournal(t, path, 10)
	if e.Status(1) != report.Applied || e.Status(2) != report.Failed || e.Len() != 2 {
		t.Fatalf("version 3 outcomes: %s %s (%d)", e.Status(1), e.Status(2), e.Len())
	}
	j.RecordPrior(4, "active=true")
	j.Close()
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), "voxbatch-journal 4 "+testDigest+" 10\nkey 46571b65") || !strings.HasSuffix(string(data), "\n4 P active=true\n") {
		t.Fatalf("upgraded journal:\n%s", data)
	}
	j, e = openTestJournal(t, path, 10)
	defer j.Close()
	if p, ok := e.Prior(4); !ok || p != "active=true" || e.Status(1) != report.Applied {
		t.Errorf("reopened: prior %q, row 1 %s", p, e.Status(1))
	}
}

func TestJournalRefusesBadPriorLines(t *testing.T) {
	for _, line := range []string{
		"3 P new_child_account_password=Zx9!Secret-pass",
		"3 P colour=red",
		"3 P active=%zz",
		"12 P active=true",
		"3 P ",
	} {
		path := filepath.Join(t.TempDir(), "bad.state")
		os.WriteFile(path, []byte("voxbatch-journal 4 "+testDigest+" 10\n"+line+"\n"), 0o600)
		_, _, err := OpenJournal(path, testDigest, 10)
		var me *MalformedError
		if !errors.As(err, &me) || me.Line != 2 {
			t.Errorf("%q: err = %v, want a malformed line 2", line, err)
		}
	}
	path := filepath.Join(t.TempDir(), "v5.state")
	os.WriteFile(path, []byte("voxbatch-journal 5 "+testDigest+" 10\n"), 0o600)
	if _, _, err := OpenJournal(path, testDigest, 10); err == nil || !strings.Contains(err.Error(), "version 5") {
		t.Errorf("a newer journal: %v", err)
	}
}

// TestCarryOverKeepsPriors: rows carried over from an old journal keep the
// values read before the old run sent them.
func TestCarryOverKeepsPriors(t *testing.T) {
	dir := t.TempDir()
	old := disablePlan(t, idRange(1000, 3))
	oldPath := filepath.Join(dir, "old.state")
	j, _, err := OpenJournal(oldPath, old.Digest, 3)
	if err != nil {
		t.Fatal(err)
	}
	j.TrackPlan(old)
	j.RecordPrior(1, "active=true")
	j.Record(1, &report.Record{Status: report.Applied, Attempts: 1})
	j.Close()
	c, err := ReadCarryOver(oldPath)
	if err != nil {
		t.Fatal(err)
	}
	edited := disablePlan(t, []int{999, 1001, 1002, 1003})
	j, e, err := OpenJournal(filepath.Join(dir, "new.state"), edited.Digest, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if n, err := c.Apply(j, e, edited); n != 1 || err != nil {
		t.Fatalf("carried %d, %v", n, err)
	}
	if p, ok := e.Prior(1); !ok || p != "active=true" {
		t.Errorf("carried row's values: %q", p)
	}
	u := NewUndo(edited, e)
	up := u.Plan(func(i int) report.Status { return e.Status(i) })
	if up.Rows != 1 || strings.Join(up.Table.Rows[0], ",") != "1001,true" {
		t.Errorf("undo of the carried row: %v", up.Table.Rows)
	}
}

// TestJournalSyncConcurrent: workers that journal and sync at once each
// find their lines in the file when Sync returns; a closed journal does
// not sync.
func TestJournalSyncConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.state")
	j, _ := openTestJournal(t, path, 64)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for k := range 8 {
				i := w*8 + k
				j.RecordPrior(i, "active=true")
				if err := j.Sync(); err != nil {
					t.Error(err)
					return
				}
				data, _ := os.ReadFile(path)
				if !strings.Contains(string(data), fmt.Sprintf("\n%d P active=true\n", i)) {
					t.Errorf("row %d: not in the file after Sync", i)
				}
			}
		})
	}
	wg.Wait()
	j.Close()
	if err := j.Sync(); err == nil {
		t.Error("a closed journal synced")
	}
}

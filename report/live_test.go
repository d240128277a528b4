package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTidyCutsATornRowAndRemovesTemporaries(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r[1].csv") // glob characters in the name
	os.WriteFile(path, []byte("line,status\n2,applied\n3,app"), 0o644)
	stale := []string{".r[1].csv.tmp-1", ".r[1].csv.tmp-live-2"}
	for _, s := range stale {
		os.WriteFile(filepath.Join(dir, s), nil, 0o644)
	}
	other := filepath.Join(dir, ".other.csv.tmp-3")
	os.WriteFile(other, nil, 0o644)
	if err := Tidy(path); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "line,status\n2,applied\n" {
		t.Errorf("after Tidy: %q", got)
	}
	for _, s := range stale {
		if _, err := os.Stat(filepath.Join(dir, s)); err == nil {
			t.Errorf("%s is still there", s)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another report's temporary file was removed: %v", err)
	}
	// A whole report, a header cut short, and no report at all.
	for _, tt := range []struct{ in, want string }{
		{"a\nb\n", "a\nb\n"}, {"lin", ""}, {strings.Repeat("x", 70000) + "\n" + strings.Repeat("y", 70000), strings.Repeat("x", 70000) + "\n"},
	} {
		os.WriteFile(path, []byte(tt.in), 0o644)
		if err := Tidy(path); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(path); string(got) != tt.want {
			t.Errorf("Tidy(%.20q…) left %.20q…", tt.in, got)
		}
	}
	if err := Tidy(filepath.Join(dir, "none.csv")); err != nil {
		t.Errorf("no report: %v", err)
	}
}

func TestCreateLiveStreamsBesideAnExistingReport(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.csv")
	s, err := CreateLive(path, CSV)
	if err != nil {
		t.Fatal(err)
	}
	s.Write(Record{Line: 2, Status: Applied})
	s.Close()
	if got, _ := os.ReadFile(path); !strings.Contains(string(got), "2,,,applied") {
		t.Fatalf("a first run streams to the path itself: %q", got)
	}
	if err := s.RemoveTemp(); err != nil {
		t.Fatal(err)
	}
	complete, _ := os.ReadFile(path)
	s, err = CreateLive(path, CSV)
	if err != nil {
		t.Fatal(err)
	}
	s.Write(Record{Line: 3, Status: Failed})
	s.Close()
	if got, _ := os.ReadFile(path); !bytes.Equal(got, complete) {
		t.Errorf("the report at the path changed while a rerun streamed: %q", got)
	}
	live, _ := filepath.Glob(filepath.Join(dir, ".report.csv.tmp-live-*"))
	if len(live) != 1 {
		t.Fatalf("live files %v", live)
	}
	if err := s.RemoveTemp(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(live[0]); err == nil {
		t.Error("RemoveTemp left the live file")
	}
}

// writeSizes records the size of every write it is given.
type writeSizes struct {
	bytes.Buffer
	ends []bool // whether each write ended with a newline
}

func (w *writeSizes) Write(p []byte) (int, error) {
	w.ends = append(w.ends, len(p) > 0 && p[len(p)-1] == '\n')
	return w.Buffer.Write(p)
}

func TestStreamWritesEndAtRowEnds(t *testing.T) {
	var w writeSizes
	s, err := NewStream(&w, CSV)
	if err != nil {
		t.Fatal(err)
	}
	msg := strings.Repeat("m", 1000)
	for i := range 300 { // 300 rows of ~1 KB overflow the 64 KB buffer several times
		if err := s.Write(Record{Line: i + 2, Status: Failed, ErrorMessage: msg}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if len(w.ends) < 4 {
		t.Fatalf("only %d writes", len(w.ends))
	}
	for i, ok := range w.ends {
		if !ok {
			t.Fatalf("write %d of %d ends in the middle of a row", i, len(w.ends))
		}
	}
}

package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for Stream.now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// readLines reads the file at path through a handle of its own and returns
// its complete lines.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	} else {
		return nil
	}
	return strings.Split(s, "\n")
}

// TestStreamVisibleWithoutClose is the crash guarantee: with the real
// settings, a row written and then left alone reaches the file while the
// stream stays open. It polls rather than sleeping a fixed time.
func TestStreamVisibleWithoutClose(t *testing.T) {
	for _, f := range []Format{CSV, JSONL} {
		t.Run(string(f), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "report."+string(f))
			s, err := Create(path, f)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Write(sampleRecord(0)); err != nil {
				t.Fatal(err)
			}
			want := 1
			if f == CSV {
				want = 2 // header
			}
			deadline := time.Now().Add(20 * FlushInterval)
			for len(readLines(t, path)) < want {
				if time.Now().After(deadline) {
					t.Fatalf("row not in the file after %v: %q", 20*FlushInterval, readLines(t, path))
				}
				time.Sleep(FlushInterval / 10)
			}
		})
	}
}

// TestStreamWriteFlushesAfterInterval checks Write's own flushing with a
// fake clock and a ticker that never fires.
func TestStreamWriteFlushesAfterInterval(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: benchBase}
	s, err := newStream(file, file, path, CSV, time.Hour, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := readLines(t, path); len(got) != 1 || got[0] != strings.Join(Columns(), ",") {
		t.Fatalf("after open: %q, want the header alone", got)
	}
	if err := s.Write(sampleRecord(0)); err != nil {
		t.Fatal(err)
	}
	if got := readLines(t, path); len(got) != 1 {
		t.Fatalf("a row reached the file before the interval: %q", got)
	}
	clock.advance(time.Hour)
	if err := s.Write(sampleRecord(1)); err != nil {
		t.Fatal(err)
	}
	if got := readLines(t, path); len(got) != 3 {
		t.Fatalf("after the interval: %d lines, want header and 2 rows", len(got))
	}
	if err := s.Write(sampleRecord(2)); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := readLines(t, path); len(got) != 4 {
		t.Fatalf("after Flush: %d lines, want 4", len(got))
	}
}

// TestStreamConcurrent writes from many goroutines while the ticker flushes
// (run it with -race) and checks every row arrives whole, once.
func TestStreamConcurrent(t *testing.T) {
	const workers, each = 8, 500
	path := filepath.Join(t.TempDir(), "r.csv")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newStream(file, file, path, CSV, time.Millisecond, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				r := sampleRecord(w*each + i)
				r.ErrorMessage = "multi\nline, \"quoted\""
				if err := s.Write(r); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != workers*each+1 {
		t.Fatalf("%d rows, want %d", len(rows)-1, workers*each)
	}
	seen := make(map[string]bool)
	for _, r := range rows[1:] {
		if seen[r[2]] {
			t.Fatalf("account %s twice", r[2])
		}
		seen[r[2]] = true
	}
}

// failWriter accepts limit bytes, then fails.
type failWriter struct {
	n, limit int
}

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n+len(p) > w.limit {
		return 0, errDiskFull
	}
	w.n += len(p)
	return len(p), nil
}

// closeRecorder counts Close calls.
type closeRecorder struct{ closed int }

func (c *closeRecorder) Close() error { c.closed++; return nil }

func TestStreamStickyError(t *testing.T) {
	c := &closeRecorder{}
	s, err := newStream(&failWriter{limit: 1000}, c, "r.csv", CSV, time.Hour, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := s.Write(sampleRecord(i)); err != nil {
			t.Fatal(err) // buffered, the writer has not been called
		}
	}
	err = s.Flush()
	if !errors.Is(err, errDiskFull) || !strings.Contains(err.Error(), "r.csv") {
		t.Fatalf("Flush = %v, want disk full naming the file", err)
	}
	if err := s.Write(sampleRecord(0)); !errors.Is(err, errDiskFull) {
		t.Errorf("Write after failure = %v, want the sticky error", err)
	}
	if err := s.Close(); !errors.Is(err, errDiskFull) {
		t.Errorf("Close = %v, want the sticky error", err)
	}
	if c.closed != 1 {
		t.Errorf("file closed %d times, want 1", c.closed)
	}
}

func TestStreamClose(t *testing.T) {
	var buf bytes.Buffer
	s, err := NewStream(&buf, JSONL)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(sampleRecord(0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if err := s.Write(sampleRecord(1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	if err := s.Flush(); !errors.Is(err, ErrClosed) {
		t.Errorf("Flush after Close = %v, want ErrClosed", err)
	}
	if n := strings.Count(buf.String(), "\n"); n != 1 {
		t.Errorf("%d lines, want 1:\n%s", n, buf.String())
	}
}

func TestCreateErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, path string
		f          Format
		want       error
	}{
		{"missing directory", filepath.Join(dir, "no", "r.csv"), CSV, os.ErrNotExist},
		{"unknown format", filepath.Join(dir, "r.xml"), Format("xml"), ErrFormat},
		{"unknown format to stdout", "-", Format("xml"), ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Create(tt.path, tt.f)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Create = %v, %v; want %v", s, err, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "r.xml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file was created for an unknown format: %v", err)
	}
}

func ExampleStream() {
	s, err := NewStream(os.Stdout, CSV)
	if err != nil {
		panic(err)
	}
	_ = s.Write(Record{Line: 2, Selector: "child_account_id", Account: "1001", Status: Applied,
		HTTPStatus: 200, Attempts: 1, Request: 1,
		StartedAt: benchBase, FinishedAt: benchBase.Add(42 * time.Millisecond)})
	_ = s.Write(Record{Line: 3, Selector: "child_account_name", Account: "=cmd", Status: NotAttempted})
	if err := s.Close(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// line,selector,account,status,error_code,error_message,http_status,attempts,request,started_at,finished_at
	// 2,child_account_id,1001,applied,,,200,1,1,2025-03-01T09:30:00.000Z,2025-03-01T09:30:00.042Z
	// 3,child_account_name,'=cmd,not_attempted,,,,0,,,
}

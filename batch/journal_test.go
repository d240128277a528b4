package batch

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voxbatch/voxbatch/report"
)

const testDigest = "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

func openTestJournal(t *testing.T, path string, rows int) (*Journal, *Earlier) {
	t.Helper()
	j, e, err := OpenJournal(path, testDigest, rows)
	if err != nil {
		t.Fatal(err)
	}
	return j, e
}

func TestJournalRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.state")
	j, e := openTestJournal(t, path, 10)
	if e.Len() != 0 {
		t.Fatalf("new journal has %d entries", e.Len())
	}
	at := time.UnixMilli(1700000000123).UTC()
	j.Record(3, &report.Record{Status: report.Applied, Attempts: 2, Request: 7, StartedAt: at, FinishedAt: at.Add(time.Second)})
	j.Record(5, &report.Record{Status: report.Failed, Attempts: 1, Request: 8, ErrorCode: 194, HTTPStatus: 200,
		ErrorMessage: "invalid \"child_account_id\"\nsecond line"})
	if err := j.Write(); err != nil {
		t.Fatal(err)
	}
	j.Record(5, &report.Record{Status: report.Applied, Attempts: 1, Request: 9}) // a later line wins
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	j, e = openTestJournal(t, path, 10)
	defer j.Close()
	if e.Len() != 2 {
		t.Fatalf("%d entries, want 2", e.Len())
	}
	r3, ok := e.Get(3)
	if !ok || r3.Status != report.Applied || r3.Attempts != 2 || r3.Request != 7 || !r3.StartedAt.Equal(at) || !r3.FinishedAt.Equal(at.Add(time.Second)) {
		t.Errorf("row 3: %+v", r3)
	}
	r5, _ := e.Get(5)
	if r5.Status != report.Applied || r5.Request != 9 {
		t.Errorf("row 5: %+v, want the later line", r5)
	}
	if _, ok := e.Get(4); ok {
		t.Error("row 4 has an outcome")
	}
	if e.Status(4) != "" || e.Status(-1) != "" || e.Status(99) != "" {
		t.Error("Status of rows without outcome")
	}
}

func TestJournalIgnoresTornLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.state")
	j, _ := openTestJournal(t, path, 10)
	j.Record(1, &report.Record{Status: report.Applied, Request: 1})
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`2 A 1 2 0 0 0 0 "cut he`) // a crash mid-write
	f.Close()
	j, e := openTestJournal(t, path, 10)
	if e.Len() != 1 || e.Status(2) != "" {
		t.Fatalf("torn line taken: %d entries", e.Len())
	}
	j.Record(3, &report.Record{Status: report.Failed, ErrorCode: 2})
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	_, e = openTestJournal(t, path, 10)
	if e.Len() != 2 || e.Status(3) != report.Failed {
		t.Fatalf("append after a torn line: %d entries, row 3 %q", e.Len(), e.Status(3))
	}
}

func TestJournalRefusals(t *testing.T) {
	dir := t.TempDir()
	t.Run("other plan", func(t *testing.T) {
		path := filepath.Join(dir, "a.state")
		j, _ := openTestJournal(t, path, 10)
		j.Close()
		_, _, err := OpenJournal(path, "sha256:ffff", 10)
		var dm *DigestMismatchError
		if !errors.As(err, &dm) || dm.Journal != testDigest {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("locked", func(t *testing.T) {
		path := filepath.Join(dir, "b.state")
		j, _ := openTestJournal(t, path, 10)
		if _, _, err := OpenJournal(path, testDigest, 10); !errors.Is(err, ErrLocked) {
			t.Fatalf("second open: %v, want ErrLocked", err)
		}
		j.Close()
		j2, _ := openTestJournal(t, path, 10) // released by Close
		j2.Close()
	})
	t.Run("not a journal", func(t *testing.T) {
		path := filepath.Join(dir, "notes.txt")
		os.WriteFile(path, []byte("my notes\nkeep them\n"), 0o600)
		if _, _, err := OpenJournal(path, testDigest, 10); err == nil {
			t.Fatal("opened a file that is not a journal")
		}
		if b, _ := os.ReadFile(path); string(b) != "my notes\nkeep them\n" {
			t.Errorf("the file was changed: %q", b)
		}
	})
	t.Run("malformed line", func(t *testing.T) {
		path := filepath.Join(dir, "c.state")
		j, _ := openTestJournal(t, path, 10)
		j.Close()
		f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		f.WriteString("1 Z 1 1 0 0 0 0 \"\"\n")
		f.Close()
		// Line 1 is the header, line 2 the key.
		_, _, err := OpenJournal(path, testDigest, 10)
		var me *MalformedError
		if !errors.As(err, &me) || me.Line != 3 || !strings.Contains(err.Error(), ":3:") || !strings.Contains(me.Content, "1 Z 1") {
			t.Fatalf("err = %v, want the bad line named with its content", err)
		}
	})
	t.Run("version 1 reads, version 9 does not", func(t *testing.T) {
		path := filepath.Join(dir, "v.state")
		os.WriteFile(path, []byte("voxbatch-journal 1 "+testDigest+" 10\n3 A 1 1 0 0 0 0 \"\"\n"), 0o600)
		j, e := openTestJournal(t, path, 10)
		j.Close()
		if e.Status(3) != report.Applied {
			t.Errorf("version 1 journal: row 3 %q", e.Status(3))
		}
		os.WriteFile(path, []byte("voxbatch-journal 9 "+testDigest+" 10\n"), 0o600)
		if _, _, err := OpenJournal(path, testDigest, 10); err == nil || !strings.Contains(err.Error(), "version 9") {
			t.Errorf("version 9: %v", err)
		}
	})
	t.Run("torn header", func(t *testing.T) {
		path := filepath.Join(dir, "d.state")
		os.WriteFile(path, []byte("voxbatch-jour"), 0o600)
		j, e := openTestJournal(t, path, 10)
		if e.Len() != 0 {
			t.Fatal("entries from a torn header")
		}
		j.Close()
		_, e = openTestJournal(t, path, 10)
		if e.Len() != 0 {
			t.Fatal("rewritten header unreadable")
		}
	})
}

func TestMoveAside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.state")
	if moved, err := MoveAside(path, time.Now()); err != nil || moved != "" {
		t.Fatalf("no journal: %q %v", moved, err)
	}
	os.WriteFile(path, []byte("x"), 0o600)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	moved, err := MoveAside(path, now)
	if err != nil || moved != path+".20261127T100000Z.old" {
		t.Fatalf("moved to %q (%v)", moved, err)
	}
	os.WriteFile(path, []byte("y"), 0o600)
	moved2, err := MoveAside(path, now)
	if err != nil || moved2 == moved {
		t.Fatalf("second move %q (%v) overwrote the first", moved2, err)
	}
	if b, _ := os.ReadFile(moved); string(b) != "x" {
		t.Error("the first journal was lost")
	}
	// A journal in use is not moved.
	j, _ := openTestJournal(t, path, 3)
	defer j.Close()
	if moved, err := MoveAside(path, now); !errors.Is(err, ErrLocked) || moved != "" {
		t.Errorf("moved a locked journal: %q %v", moved, err)
	}
}

func TestResumeSkipsAppliedAndKeepsSecretsOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.state")
	p := csvPlan(t, "child_account_id,active,new_child_account_password", []string{
		"1000,false,", "1001,false,", "1002,false,", "1003,,Secret-Pass1", "1004,false,"})
	// First run: row 2 fails (row data), everything else applies, then a
	// fatal error stops the last request.
	j, e := openTestJournal(t, path, len(p.Rows))
	rs := &Resume{Earlier: e}
	c := &scriptClient{script: []error{apiErr(194), nil, apiErr(194), apiErr(194), nil, apiErr(100)}}
	res, err := New(p, c, fastConfig(Config{Workers: 1, Rate: 1000, ChunkSize: 10, Journal: j, Todo: rs.Todo, Prefill: rs.Prefill})).Run(context.Background())
	j.Close()
	var ae *AbortError
	if !errors.As(err, &ae) {
		t.Fatalf("first run: %v", err)
	}
	first := countStatus(res.Records)
	if first[report.Failed] != 1 || first[report.NotAttempted] != 1 || first[report.Applied] != 3 {
		t.Fatalf("first run statuses %v", first)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), "Secret-Pass1") {
		t.Fatal("the password reached the journal")
	}

	// Second run: only the not_attempted row is sent.
	for _, retry := range []bool{false, true} {
		j, e = openTestJournal(t, path, len(p.Rows))
		rs = &Resume{Earlier: e, RetryFailed: retry}
		c = &scriptClient{}
		res, err = New(p, c, fastConfig(Config{Workers: 1, Rate: 1000, ChunkSize: 10, Journal: j, Todo: rs.Todo, Prefill: rs.Prefill})).Run(context.Background())
		j.Close()
		if err != nil {
			t.Fatal(err)
		}
		st := countStatus(res.Records)
		if !retry {
			if len(c.calls) != 1 || st[report.Skipped] != 3 || st[report.Applied] != 1 || st[report.Failed] != 1 {
				t.Fatalf("resume: %d calls, statuses %v", len(c.calls), st)
			}
			for i, rec := range res.Records {
				if rec.Status == report.Skipped && rec.FinishedAt.IsZero() {
					t.Errorf("row %d skipped without its original finish time", i)
				}
			}
		} else if len(c.calls) != 1 || c.calls[0].Get("child_account_id") != "1002" || st[report.Failed] != 0 {
			t.Fatalf("retry failed: calls %v, statuses %v", c.calls, st)
		}
	}
}

func TestResumeAfterCrashMidPasswordChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.state")
	p := csvPlan(t, "child_account_id,new_child_account_password,active", []string{"1000,Secret-Pass1,", "1001,,false"})
	// The first run is "killed" while the password request is in flight:
	// the client never answers, and the journal keeps only the marker.
	j, e := openTestJournal(t, path, len(p.Rows))
	rs := &Resume{Earlier: e}
	ctx, cancel := context.WithCancel(context.Background())
	c := &blockingClient{sent: make(chan struct{}, 1)}
	go func() { <-c.sent; cancel() }()
	New(p, c, fastConfig(Config{Workers: 1, Rate: 1000, Grace: time.Millisecond, Journal: j,
		Todo: rs.Todo, Prefill: rs.Prefill, Unknown: rs.Unknown})).Run(ctx)
	j.Close()
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), "\n0 S ") || strings.Contains(string(raw), "Secret-Pass1") {
		t.Fatalf("journal after the crash:\n%s", raw)
	}

	// The rerun meets "used before": the lost attempt applied it.
	j, e = openTestJournal(t, path, len(p.Rows))
	defer j.Close()
	if !e.Sent(0) || e.Sent(1) || e.Len() != 0 {
		t.Fatalf("sent 0: %v, sent 1: %v, outcomes %d", e.Sent(0), e.Sent(1), e.Len())
	}
	rs = &Resume{Earlier: e}
	sc := &scriptClient{script: []error{apiErr(535)}}
	res, err := New(p, sc, fastConfig(Config{Workers: 1, Rate: 1000, Journal: j,
		Todo: rs.Todo, Prefill: rs.Prefill, Unknown: rs.Unknown})).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rec := res.Records[0]; rec.Status != report.Applied || !strings.Contains(rec.ErrorMessage, "earlier attempt") {
		t.Errorf("password row after the crash: %+v", rec)
	}
}

// blockingClient signals its first call and then waits for the caller's
// context, as a server that never answers.
type blockingClient struct {
	scriptClient
	sent chan struct{}
}

func (c *blockingClient) SetChildAccountInfo(ctx context.Context, _ url.Values) error {
	select {
	case c.sent <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return ctx.Err()
}

func TestSentMarkerClearedByADefiniteStop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.state")
	p := csvPlan(t, "child_account_id,new_child_account_password", []string{"1000,Secret-Pass1"})
	// The run is stopped by a fatal answer: the request was answered, so
	// the marker must not make a later 535 look applied.
	j, e := openTestJournal(t, path, len(p.Rows))
	rs := &Resume{Earlier: e}
	New(p, &scriptClient{script: []error{apiErr(103)}}, fastConfig(Config{Workers: 1, Rate: 1000, Journal: j,
		Todo: rs.Todo, Prefill: rs.Prefill, Unknown: rs.Unknown})).Run(context.Background())
	j.Close()
	j, e = openTestJournal(t, path, len(p.Rows))
	defer j.Close()
	if e.Sent(0) {
		raw, _ := os.ReadFile(path)
		t.Fatalf("the sent marker survived a definite answer:\n%s", raw)
	}
	rs = &Resume{Earlier: e}
	res, err := New(p, &scriptClient{script: []error{apiErr(535)}}, fastConfig(Config{Workers: 1, Rate: 1000, Journal: j,
		Todo: rs.Todo, Prefill: rs.Prefill, Unknown: rs.Unknown})).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rec := res.Records[0]; rec.Status != report.Failed || rec.ErrorCode != 535 {
		t.Errorf("a genuine 535 after a definite stop: %+v", rec)
	}
}

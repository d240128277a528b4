package batch

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voximplant"
	"github.com/voxbatch/voxbatch/voxsim"
)

// settings is what an account holds that a plan sets and an undo
// restores: the simulator's Account without its counters.
func settings(accts []voxsim.Account) []voxsim.Account {
	out := make([]voxsim.Account, len(accts))
	for i, a := range accts {
		a.Applications, a.PasswordChanges = 0, 0
		out[i] = a
	}
	return out
}

// diverse gives the first n accounts of s settings of their own, so that
// an undo has something other than the defaults to restore.
func diverse(t *testing.T, client *voximplant.Client, n int) {
	t.Helper()
	for i := range n {
		q := url.Values{"child_account_id": {fmt.Sprint(1000 + i)}}
		if i%2 == 0 {
			q.Set("language_code", "de")
		}
		if i%3 == 0 {
			q.Set("location", "Europe/Berlin")
		}
		if i%5 == 0 {
			q.Set("min_balance_to_notify", "12.5")
		}
		if i%7 == 0 {
			q.Set("active", "false")
		}
		q.Set("news_notifications", fmt.Sprint(i%4 == 0))
		if err := client.SetChildAccountInfo(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
}

// undoScenarioPlan changes 120 accounts by id, name and email, with a
// merged duplicate.
func undoScenarioPlan(t *testing.T) *plan.Plan {
	t.Helper()
	var b strings.Builder
	b.WriteString("child_account_id,child_account_name,child_account_email,active,language_code,location,min_balance_to_notify,news_notifications,support_invoice\n")
	for i := range 100 {
		fmt.Fprintf(&b, "%d,,,false,fr,America/New_York,1.5,false,true\n", 1000+i)
	}
	for i := 100; i < 110; i++ {
		fmt.Fprintf(&b, ",child-%d,,true,es,,,,\n", 1000+i)
	}
	for i := 110; i < 120; i++ {
		fmt.Fprintf(&b, ",,child-%d@example.test,,,Etc/GMT-8,-3,,\n", 1000+i)
	}
	b.WriteString("1000,,,false,fr,America/New_York,1.5,false,true\n") // merged into line 2
	p, err := plan.Load("undo.csv", strings.NewReader(b.String()), plan.Options{Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// runUndoPlan writes up as a plan file of the given extension, loads it
// and runs it against client.
func runUndoPlan(t *testing.T, up *UndoPlan, client Client, ext string) *Result {
	t.Helper()
	path := filepath.Join(t.TempDir(), "undo"+ext)
	if err := plan.WriteTable(path, nil, up.Table); err != nil {
		t.Fatal(err)
	}
	p, err := plan.LoadFile(path, nil, plan.Options{})
	if err != nil {
		b, _ := os.ReadFile(path)
		t.Fatalf("the undo plan does not load: %v\n%s", err, b)
	}
	res, err := New(p, client, fastConfig(Config{Workers: 4, Rate: 5000, ChunkSize: 10})).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c := countStatus(res.Records); c[report.Applied] != len(p.Rows) {
		t.Fatalf("the undo run: %v", c)
	}
	return res
}

func statusOf(recs []report.Record) func(int) report.Status {
	return func(i int) report.Status { return recs[i].Status }
}

// TestUndoRestoresThePreviousState runs a plan with an Undo, then its undo
// plan (as CSV, and as YAML), and compares the simulator's accounts with
// what they were before.
func TestUndoRestoresThePreviousState(t *testing.T) {
	for _, ext := range []string{".csv", ".yaml"} {
		t.Run(ext, func(t *testing.T) {
			s, client := startSim(t, voxsim.Config{Accounts: 130})
			diverse(t, client, 130)
			before := settings(s.Accounts())
			p := undoScenarioPlan(t)
			u := NewUndo(p, nil)
			res, err := New(p, client, fastConfig(Config{Workers: 4, Rate: 5000, ChunkSize: 10, Undo: u})).Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if reflect.DeepEqual(settings(s.Accounts()), before) {
				t.Fatal("the plan changed nothing")
			}
			up := u.Plan(statusOf(res.Records))
			if up.Rows != 120 || up.NotUndoable != 0 || up.NoPrior != 0 || up.Unknown != 0 {
				t.Errorf("undo plan: %d rows, %d not undoable, %d without values, %d unknown", up.Rows, up.NotUndoable, up.NoPrior, up.Unknown)
			}
			runUndoPlan(t, up, client, ext)
			if after := settings(s.Accounts()); !reflect.DeepEqual(after, before) {
				for i := range after {
					if after[i] != before[i] {
						t.Errorf("account %d: %+v, want %+v", after[i].AccountID, after[i], before[i])
					}
				}
			}
		})
	}
}

// journalWatch is a client that checks, at each SetChildAccountInfo, that
// the journal on disk already holds the values before of every row the
// request names.
type journalWatch struct {
	Client
	path string
	p    *plan.Plan

	mu        sync.Mutex
	sets      int
	uncovered []string
}

func (w *journalWatch) SetChildAccountInfo(ctx context.Context, q url.Values) error {
	data, _ := os.ReadFile(w.path)
	captured := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		var i int
		if _, err := fmt.Sscanf(line, "%d P ", &i); err == nil && strings.Contains(line, " P ") {
			captured[w.p.Rows[i].Account] = true
		}
	}
	w.mu.Lock()
	w.sets++
	for _, id := range strings.Split(q.Get("child_account_id"), ";") {
		if !captured[id] {
			w.uncovered = append(w.uncovered, id)
		}
	}
	w.mu.Unlock()
	return w.Client.SetChildAccountInfo(ctx, q)
}

func TestUndoJournalsBeforeSending(t *testing.T) {
	s, client := startSim(t, voxsim.Config{Accounts: 200})
	p := disablePlan(t, idRange(1000, 200))
	path := filepath.Join(t.TempDir(), "run.state")
	j, earlier, err := OpenJournal(path, p.Digest, len(p.Rows))
	if err != nil {
		t.Fatal(err)
	}
	w := &journalWatch{Client: client, path: path, p: p}
	res, err := New(p, w, fastConfig(Config{Workers: 4, Rate: 5000, ChunkSize: 20, Journal: j, Undo: NewUndo(p, earlier)})).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	if w.sets != 10 || len(w.uncovered) > 0 {
		t.Errorf("%d requests; sent before their values were journaled: %v", w.sets, w.uncovered)
	}
	if st := s.Stats(); st.ByMethod["GetChildrenAccounts"] != 10 {
		t.Errorf("reads %v, want one per request", st.ByMethod)
	}
	if c := countStatus(res.Records); c[report.Applied] != 200 {
		t.Errorf("statuses %v", c)
	}
}

// TestUndoResumeKeepsWhatWasReadFirst stops a run part way, leaves a row
// as a kill would (its values journaled, its change applied, no outcome),
// resumes, and checks that the undo plan of both runs restores the state
// from before the first: the row in flight is not read again, which would
// take its new values for the old.
func TestUndoResumeKeepsWhatWasReadFirst(t *testing.T) {
	s, client := startSim(t, voxsim.Config{Accounts: 130})
	diverse(t, client, 130)
	before := settings(s.Accounts())
	p := undoScenarioPlan(t)
	path := filepath.Join(t.TempDir(), "run.state")
	cfg := fastConfig(Config{Workers: 4, Rate: 5000, ChunkSize: 10})

	j, earlier, err := OpenJournal(path, p.Digest, len(p.Rows))
	if err != nil {
		t.Fatal(err)
	}
	cfg1 := cfg
	cfg1.Journal, cfg1.Undo, cfg1.Todo = j, NewUndo(p, earlier), func(i int) bool { return i < 40 }
	if _, err := New(p, client, cfg1).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Row 45 was in flight when the run was killed: read, journaled,
	// applied, never answered.
	const inFlight = 45
	atCfg := cfg1
	atCfg.defaults()
	at := newAttempter(client, &atCfg, 1)
	if err := cfg1.Undo.capture(context.Background(), at, j, []int32{inFlight}); err != nil {
		t.Fatal(err)
	}
	q := url.Values{}
	p.Rows[inFlight].Change.AddTo(q)
	q.Set("child_account_id", p.Rows[inFlight].Account)
	if err := client.SetChildAccountInfo(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	j.Close()

	j, earlier, err = OpenJournal(path, p.Digest, len(p.Rows))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := earlier.Prior(inFlight); !ok {
		t.Fatal("the journal lost the values of the row in flight")
	}
	rs := &Resume{Earlier: earlier}
	u := NewUndo(p, earlier)
	cfg2 := cfg
	cfg2.Journal, cfg2.Undo, cfg2.Todo, cfg2.Prefill = j, u, rs.Todo, rs.Prefill
	res, err := New(p, client, cfg2).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	if c := countStatus(res.Records); c[report.Skipped] != 41 || c[report.Applied] != 80 {
		t.Fatalf("resumed run: %v", c)
	}
	up := u.Plan(statusOf(res.Records))
	if up.Rows != 120 {
		t.Fatalf("undo plan of %d rows, want 120 (both runs)", up.Rows)
	}
	runUndoPlan(t, up, client, ".csv")
	if after := settings(s.Accounts()); !reflect.DeepEqual(after, before) {
		t.Error("the undo of a resumed run does not restore the state before the first run")
	}
}

// TestUndoPlanSaysWhatItCannotRestore builds the undo plan of rows whose
// changes an undo cannot restore, whose values are partly unknown, never
// read, or not applied.
func TestUndoPlanSaysWhatItCannotRestore(t *testing.T) {
	src := "child_account_id,active,language_code,new_child_account_password,can_use_restricted,new_child_account_email\n" +
		"1000,false,de,,,\n" + // 0: restored
		"1001,false,de,,,\n" + // 1: language left out by the API
		"1002,,,Zx9!Secret-pass,,\n" + // 2: password only
		"1003,false,,,true,\n" + // 3: can_use_restricted cannot, active can
		"1004,false,de,,,\n" + // 4: never read
		"1005,false,de,,,\n" + // 5: failed
		"1000,false,de,,,\n" + // 6: merged into 0
		"1006,,,,,new@example.test\n" // 7: new email only
	p, err := plan.Load("t.csv", strings.NewReader(src), plan.Options{Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	u := NewUndo(p, nil)
	u.set(0, encodePrior([]priorValue{{plan.Active, "true", true}, {plan.LanguageCode, "en", true}}))
	u.set(1, encodePrior([]priorValue{{plan.Active, "true", true}, {plan.LanguageCode, "", false}}))
	u.set(3, encodePrior([]priorValue{{plan.Active, "true", true}}))
	u.set(5, encodePrior([]priorValue{{plan.Active, "true", true}, {plan.LanguageCode, "en", true}}))
	st := []report.Status{report.Applied, report.Mismatch, report.Applied, report.Skipped, report.Applied, report.Failed, report.Applied, report.Applied}
	up := u.Plan(func(i int) report.Status { return st[i] })
	want := &plan.Table{Header: []string{"child_account_id", "active", "language_code"},
		Rows: [][]string{{"1000", "true", "en"}, {"1001", "true", ""}, {"1003", "true", ""}}}
	if !reflect.DeepEqual(up.Table.Header, want.Header) || !reflect.DeepEqual(up.Table.Rows, want.Rows) {
		t.Errorf("table %v %v, want %v %v", up.Table.Header, up.Table.Rows, want.Header, want.Rows)
	}
	if up.Rows != 3 || up.NotUndoable != 3 || up.NoPrior != 1 || up.Unknown != 1 {
		t.Errorf("counts: rows %d, not undoable %d, no values %d, unknown %d", up.Rows, up.NotUndoable, up.NoPrior, up.Unknown)
	}
	notes := strings.Join(up.Table.Notes, "\n")
	for _, want := range []string{"line 4 (child_account_id 1002): new_child_account_password cannot be undone",
		"line 5 (child_account_id 1003): can_use_restricted cannot be undone",
		"line 9 (child_account_id 1006): new_child_account_email cannot be undone",
		"line 6 (child_account_id 1004): its values before were not read",
		"line 3 (child_account_id 1001): the API's answer left out language_code; left empty"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "Secret") {
		t.Error("a password reached the notes")
	}
}

func TestUndoPlanOfAllRowAndEmptyPlan(t *testing.T) {
	p, err := plan.Load("t.csv", strings.NewReader("child_account_id,active\nall,false\n"), plan.Options{Format: "csv", AllowAll: true})
	if err != nil {
		t.Fatal(err)
	}
	up := NewUndo(p, nil).Plan(func(int) report.Status { return report.Applied })
	if up.Rows != 0 || up.NotUndoable != 1 || !strings.Contains(strings.Join(up.Table.Notes, "\n"), "every child account") {
		t.Errorf("undo of all: %+v %v", up, up.Table.Notes)
	}
	if !reflect.DeepEqual(up.Table.Header, []string{"child_account_id"}) {
		t.Errorf("header of an empty undo plan: %v", up.Table.Header)
	}
	var more noteList
	for range maxNotes + 5 {
		more.add("x")
	}
	if l := more.lines(); len(l) != maxNotes+1 || l[maxNotes] != "and 5 more such notes" {
		t.Errorf("notes beyond the cap: %d, %q", len(l), l[len(l)-1])
	}
}

func TestUndoCaptureFailureSendsNothing(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
	}{{"fatal", apiErr(100)}, {"transient exhausted", apiErr(2)}} {
		t.Run(tt.name, func(t *testing.T) {
			p := disablePlan(t, idRange(1000, 3))
			c := &scriptClient{getErr: tt.err}
			res, err := New(p, c, fastConfig(Config{Workers: 1, Rate: 1000, MaxAttempts: 2, Undo: NewUndo(p, nil)})).Run(context.Background())
			var ae *AbortError
			if !errors.As(err, &ae) || !strings.Contains(err.Error(), "--undo-out") {
				t.Fatalf("err = %v, want an abort of the undo reads", err)
			}
			if len(c.calls) != 0 || countStatus(res.Records)[report.NotAttempted] != 3 {
				t.Errorf("%d requests sent, statuses %v", len(c.calls), countStatus(res.Records))
			}
		})
	}
}

// TestUndoReadsOnlyWhatItCanRestore: rows whose change an undo cannot
// restore (a password, an "all" row) cost no read.
func TestUndoReadsOnlyWhatItCanRestore(t *testing.T) {
	p := csvPlan(t, "child_account_id,new_child_account_password,can_use_restricted", []string{"1000,Zx9!Secret-one,", "1001,Zx9!Secret-two,", "1002,,true"})
	c := &scriptClient{}
	if _, err := New(p, c, fastConfig(Config{Workers: 1, Rate: 1000, Undo: NewUndo(p, nil)})).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.gets != 0 || len(c.calls) != 3 {
		t.Errorf("%d reads, %d requests; want 0 and 3", c.gets, len(c.calls))
	}
}

func TestPriorEncoding(t *testing.T) {
	values := []priorValue{{plan.Active, "true", true}, {plan.Location, "America/Argentina/Buenos_Aires", true},
		{plan.LanguageCode, "", false}, {plan.MinBalanceToNotify, "-1.5", true}}
	enc := encodePrior(values)
	if strings.ContainsAny(enc, " \n") {
		t.Errorf("encoded %q holds a space or line break", enc)
	}
	got, err := decodePrior(enc)
	if err != nil || !reflect.DeepEqual(got, values) {
		t.Errorf("decoded %v, %v; want %v", got, err, values)
	}
	for _, bad := range []string{"", "colour=red", "new_child_account_password=Zx9!x", "active=%zz", "can_use_restricted=true", "new_child_account_email=a%40b.c"} {
		if _, err := decodePrior(bad); err == nil {
			t.Errorf("decodePrior(%q) accepted", bad)
		}
	}
	a := &voximplant.AccountInfo{Active: true, LanguageCode: voximplant.Some("xx"), MinBalanceToNotify: voximplant.Some(2.50)}
	c := p1Change(t, "active=false,language_code=de,min_balance_to_notify=1,new_child_account_password=Zx9!Secret-pass")
	if got := encodePrior(priorOf(c, a)); got != "active=true&language_code&min_balance_to_notify=2.5" {
		t.Errorf("priorOf: %q (a language code a plan refuses counts as unknown; no password)", got)
	}
}

// p1Change loads a one-row plan whose row sets kvs ("k=v,k=v").
func p1Change(t *testing.T, kvs string) *plan.Change {
	t.Helper()
	var head, row []string
	for kv := range strings.SplitSeq(kvs, ",") {
		k, v, _ := strings.Cut(kv, "=")
		head, row = append(head, k), append(row, v)
	}
	p := csvPlan(t, "child_account_id,"+strings.Join(head, ","), []string{"1000," + strings.Join(row, ",")})
	return p.Rows[0].Change
}

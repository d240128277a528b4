package batch

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voximplant"
	"github.com/voxbatch/voxbatch/voxsim"
)

var (
	previewKeyOnce sync.Once
	previewKey     *rsa.PrivateKey
)

// sharedKey is one RSA key for every simulator of these tests: generating
// one per simulator is slow under -race.
func sharedKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	previewKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		previewKey = k
	})
	return previewKey
}

func loadPlan(t *testing.T, src string) *plan.Plan {
	t.Helper()
	p, err := plan.Load("test.csv", strings.NewReader(src), plan.Options{Format: "csv", AllowAll: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDiff(t *testing.T) {
	some := voximplant.Some[bool]
	acct := voximplant.AccountInfo{AccountID: 1000, AccountEmail: "Child-1000@Example.test", Active: true,
		LanguageCode: voximplant.Some("en"), Location: voximplant.Some("Etc/GMT"), MinBalanceToNotify: voximplant.Some(12.5),
		AccountNotifications: some(true), TariffChangingNotifications: some(false), NewsNotifications: some(false),
		SupportRobokassa: some(false), SupportBankCard: some(false), SupportInvoice: some(false)}
	fc := func(p plan.Param, from, to any) FieldChange { return FieldChange{Param: p, From: from, To: to} }
	absent := func(p plan.Param, to any) FieldChange { return FieldChange{Param: p, To: to, Absent: true} }
	tests := []struct {
		name   string
		header string
		row    string
		acct   *voximplant.AccountInfo // nil: acct
		want   []FieldChange
	}{
		{"bool differs", "child_account_id,active", "1000,false", nil, []FieldChange{fc(plan.Active, true, false)}},
		{"bool same", "child_account_id,active,account_notifications", "1000,yes,on", nil, nil},
		{"every other bool", "child_account_id,tariff_changing_notifications,news_notifications,support_robokassa,support_bank_card,support_invoice",
			"1000,true,true,true,true,true", nil, []FieldChange{
				fc(plan.TariffChangingNotifications, false, true), fc(plan.NewsNotifications, false, true),
				fc(plan.SupportRobokassa, false, true), fc(plan.SupportBankCard, false, true), fc(plan.SupportInvoice, false, true)}},
		{"email without regard to case", "child_account_id,new_child_account_email", "1000,child-1000@example.TEST", nil, nil},
		{"email differs", "child_account_id,new_child_account_email", "1000,new@example.test", nil,
			[]FieldChange{fc(plan.NewChildAccountEmail, "Child-1000@Example.test", "new@example.test")}},
		{"decimal compares numerically", "child_account_id,min_balance_to_notify", "1000,12.50", nil, nil},
		{"decimal differs", "child_account_id,min_balance_to_notify", "1000,3", nil, []FieldChange{fc(plan.MinBalanceToNotify, 12.5, 3.0)}},
		{"language and location same", "child_account_id,language_code,location", "1000,EN,Etc/GMT", nil, nil},
		{"location differs", "child_account_id,location", "1000,Europe/Oslo", nil, []FieldChange{fc(plan.Location, "Etc/GMT", "Europe/Oslo")}},
		{"password always changes, never shown", "child_account_id,new_child_account_password", "1000,Secret-123!", nil,
			[]FieldChange{{Param: plan.NewChildAccountPassword}}},
		{"can_use_restricted is unknown", "child_account_id,can_use_restricted", "1000,true", nil,
			[]FieldChange{{Param: plan.CanUseRestricted, To: true}}},
		// Issue 12: a field the answer left out is unknown, not false.
		{"missing bool is unknown, not false", "child_account_id,support_robokassa,active", "1000,false,true",
			&voximplant.AccountInfo{AccountID: 1000, Active: true}, []FieldChange{absent(plan.SupportRobokassa, false)}},
		{"every missing field is unknown", "child_account_id,language_code,location,min_balance_to_notify,news_notifications",
			"1000,en,Etc/GMT,0,false", &voximplant.AccountInfo{AccountID: 1000}, []FieldChange{
				absent(plan.NewsNotifications, false), absent(plan.LanguageCode, "en"),
				absent(plan.Location, "Etc/GMT"), absent(plan.MinBalanceToNotify, 0.0)}},
		{"present fields still compare", "child_account_id,support_robokassa", "1000,false",
			&voximplant.AccountInfo{AccountID: 1000, SupportRobokassa: some(false)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := loadPlan(t, tt.header+"\n"+tt.row+"\n")
			a := &acct
			if tt.acct != nil {
				a = tt.acct
			}
			got := Diff(p.Rows[0].Change, a)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Diff = %v, want %v", got, tt.want)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || strings.Contains(fmt.Sprint(got), "Secret") {
				t.Errorf("Diff shows %v", got)
			}
		})
	}
	// An account not read (an "all" row): every parameter is unknown.
	p := loadPlan(t, "child_account_id,active,language_code,can_use_restricted\nall,false,de,true\n")
	want := []FieldChange{absent(plan.Active, false), absent(plan.LanguageCode, "de"), {Param: plan.CanUseRestricted, To: true}}
	if got := Diff(p.Rows[0].Change, nil); !reflect.DeepEqual(got, want) {
		t.Errorf("Diff(nil) = %v, want %v", got, want)
	}
}

// startPreviewSim starts a simulator of cfg in which account 1001 is
// already inactive, and returns it (statistics reset) with a client.
func startPreviewSim(t *testing.T, cfg voxsim.Config) (*voxsim.Server, *voximplant.Client) {
	t.Helper()
	cfg.Seed = 1
	s, c := startSim(t, cfg)
	if err := c.SetChildAccountInfo(context.Background(), url.Values{"child_account_id": {"1001"}, "active": {"false"}}); err != nil {
		t.Fatal(err)
	}
	s.ResetStats()
	return s, c
}

func rowsCSV(header string, rows ...string) string {
	return header + "\n" + strings.Join(rows, "\n") + "\n"
}

func idRows(from, n int) []string {
	rows := make([]string, n)
	for i := range rows {
		rows[i] = fmt.Sprintf("%d,false", from+i)
	}
	return rows
}

func TestReadPreviewByEmail(t *testing.T) {
	_, c := startPreviewSim(t, voxsim.Config{Accounts: 100})
	p := loadPlan(t, rowsCSV("child_account_email,active", "CHILD-1001@example.test,false", "child-1002@example.test,false", "x@example.test,false"))
	pv, err := ReadPreview(context.Background(), p, c, fastConfig(Config{Rate: 1000}), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, as := range pv.Accounts {
		got = append(got, as.Account+"="+as.State.String())
	}
	want := "[CHILD-1001@example.test=unchanged child-1002@example.test=change x@example.test=missing]"
	if fmt.Sprint(got) != want {
		t.Errorf("accounts %v, want %s", got, want)
	}
}

// TestReadPreviewAll: an "all" row is reported as changing every child
// account, unread, and the rest of the preview still runs.
func TestReadPreviewAll(t *testing.T) {
	s, c := startPreviewSim(t, voxsim.Config{Accounts: 5})
	p := loadPlan(t, rowsCSV("child_account_id,active", "all,false", "1001,false"))
	pv, err := ReadPreview(context.Background(), p, c, fastConfig(Config{Rate: 1000}), 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, as := range pv.Accounts {
		got = append(got, fmt.Sprintf("%s=%s/%v/%v", as.Account, as.State, as.Unlisted, as.Changes))
	}
	if want := "[all=change/true/[{active <nil> false true}] 1001=unchanged/false/[]]"; fmt.Sprint(got) != want {
		t.Errorf("accounts %v, want %s", got, want)
	}
	if st, ok := pv.RowState(0); st != StateChange || !ok || !pv.Todo(0) {
		t.Errorf("all row state %v %v, want change", st, ok)
	}
	if n := s.Stats().ByMethod["GetChildrenAccounts"]; n != 1 || pv.Requests != 1 {
		t.Errorf("%d reads, want 1 (account 1001 only)", n)
	}
}

// readClient serves GetChildrenAccounts from a list of accounts, with at
// most maxPage per answer, after the errors fail returns for a call. Names
// are single filters unless nameLists. It refuses a read that names no
// account, as the reference does.
type readClient struct {
	mu        sync.Mutex
	accounts  []voximplant.AccountInfo
	maxPage   int
	nameLists bool
	fail      func(q url.Values, call int) error
	calls     int
	sets      int
	renewals  int
	queries   []url.Values
}

func (c *readClient) SetChildAccountInfo(context.Context, url.Values) error {
	c.mu.Lock()
	c.sets++
	c.mu.Unlock()
	return nil
}

func (c *readClient) RenewToken() {
	c.mu.Lock()
	c.renewals++
	c.mu.Unlock()
}

func (c *readClient) GetChildrenAccounts(ctx context.Context, q url.Values) (*voximplant.ChildrenAccounts, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.queries = append(c.queries, q)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.Get("child_account_id") == "" && q.Get("child_account_name") == "" && q.Get("child_account_email") == "" ||
		q.Get("child_account_id") == "all" {
		return nil, apiError(voximplant.CodeRequiredParamEmpty)
	}
	if c.fail != nil {
		if err := c.fail(q, c.calls); err != nil {
			return nil, err
		}
	}
	var match []voximplant.AccountInfo
	ids, names := map[string]bool{}, map[string]bool{}
	for _, id := range strings.Split(q.Get("child_account_id"), ";") {
		ids[id] = id != ""
	}
	if c.nameLists {
		for _, n := range strings.Split(q.Get("child_account_name"), ";") {
			names[n] = true
		}
	} else {
		names[q.Get("child_account_name")] = true
	}
	for _, a := range c.accounts {
		switch {
		case q.Get("child_account_id") != "" && !ids[strconv.FormatInt(a.AccountID, 10)]:
		case q.Get("child_account_name") != "" && !names[a.AccountName]:
		case q.Get("child_account_email") != "" && !strings.EqualFold(q.Get("child_account_email"), a.AccountEmail):
		default:
			match = append(match, a)
		}
	}
	count, _ := strconv.Atoi(q.Get("count"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	if c.maxPage > 0 {
		count = min(count, c.maxPage)
	}
	page := match[min(offset, len(match)):min(offset+count, len(match))]
	return &voximplant.ChildrenAccounts{Result: page, TotalCount: len(match), Count: len(page)}, nil
}

func someAccounts(n int) []voximplant.AccountInfo {
	out := make([]voximplant.AccountInfo, n)
	for i := range out {
		id := int64(1000 + i)
		out[i] = voximplant.AccountInfo{AccountID: id, AccountName: fmt.Sprintf("child-%d", id),
			AccountEmail: fmt.Sprintf("child-%d@example.test", id), Active: true}
	}
	return out
}

func apiError(code int) error { return &voximplant.APIError{Code: code, Msg: "test", HTTPStatus: 200} }

func TestReadPreviewRetriesAndFailures(t *testing.T) {
	ids := rowsCSV("child_account_id,active", "1000,false", "1001,false", "1002,false", "1003,false", "1004,false")
	tests := []struct {
		name         string
		src          string
		maxPage      int
		fail         func(q url.Values, call int) error
		wantErr      error
		wantAbort    bool
		wantCalls    int
		wantRenewals int
		wantMissing  int
	}{
		{name: "pages an id list by offset", src: ids, maxPage: 2, wantCalls: 3},
		{name: "transient error retried", src: ids, fail: failCalls(apiError(2), 1, 2), wantCalls: 3},
		{name: "throttling retried", src: ids, fail: failCalls(apiError(340), 1), wantCalls: 2},
		{name: "token renewed once", src: ids, fail: failCalls(apiError(456), 1), wantCalls: 2, wantRenewals: 1},
		{name: "token refused after renewal", src: ids, fail: failCalls(apiError(456), 1, 2), wantAbort: true, wantCalls: 2, wantRenewals: 1},
		{name: "transient exhausted", src: ids, fail: failCalls(apiError(2), 1, 2, 3), wantAbort: true, wantCalls: 3},
		{name: "fatal error stops", src: ids, fail: failCalls(apiError(100), 1), wantAbort: true, wantCalls: 1},
		{name: "row data splits the list down to the bad id", src: ids, fail: func(q url.Values, _ int) error {
			if strings.Contains(q.Get("child_account_id"), "1003") {
				return apiError(194)
			}
			return nil
		}, wantCalls: 7, wantMissing: 1}, // 5 ids: 2+3, 1+2, 1+1
		{name: "name refused counts as missing", src: rowsCSV("child_account_name,active", "child-1000,false"),
			fail: failCalls(apiError(198), 1), wantCalls: 1, wantMissing: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &readClient{accounts: someAccounts(10), maxPage: tt.maxPage, fail: tt.fail}
			pv, err := ReadPreview(context.Background(), loadPlan(t, tt.src), c,
				fastConfig(Config{Rate: 1000, MaxAttempts: 3, Workers: 1}), 0)
			var ae *AbortError
			if tt.wantAbort != errors.As(err, &ae) || (!tt.wantAbort && err != nil) {
				t.Fatalf("err = %v, want abort %v", err, tt.wantAbort)
			}
			if c.calls != tt.wantCalls || c.renewals != tt.wantRenewals || c.sets != 0 {
				t.Errorf("calls %d renewals %d, want %d %d", c.calls, c.renewals, tt.wantCalls, tt.wantRenewals)
			}
			if err == nil {
				if n := pv.Counts()[StateMissing]; n != tt.wantMissing {
					t.Errorf("%d missing, want %d", n, tt.wantMissing)
				}
				if pv.Requests != c.calls {
					t.Errorf("Requests %d, client saw %d", pv.Requests, c.calls)
				}
			}
		})
	}
}

// failCalls fails the given calls (1-based) with err.
func failCalls(err error, calls ...int) func(url.Values, int) error {
	return func(_ url.Values, call int) error {
		for _, n := range calls {
			if n == call {
				return err
			}
		}
		return nil
	}
}

func TestReadPreviewInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := &readClient{accounts: someAccounts(3)}
	_, err := ReadPreview(ctx, loadPlan(t, rowsCSV("child_account_id,active", "1000,false")), c, Config{}, 0)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
}

func TestPreviewSkipsAndJournalsUnchangedRows(t *testing.T) {
	accts := someAccounts(5)
	accts[1].Active = false // 1001 is already as the plan wants
	c := &readClient{accounts: accts}
	// Rows: 1000 (change), 1001 (unchanged), 1001 again (merged), 1002
	// (already done earlier: not read), 1999 (missing).
	p := loadPlan(t, rowsCSV("child_account_id,active", "1000,false", "1001,false", "1001,false", "1002,false", "1999,false"))
	todo := func(i int) bool { return i != 3 }
	pv, err := ReadPreview(context.Background(), p, c, fastConfig(Config{Rate: 1000, Todo: todo}), 0)
	if err != nil {
		t.Fatal(err)
	}
	var todos []bool
	for i := range p.Rows {
		todos = append(todos, pv.Todo(i))
	}
	if want := "[true false false true true]"; fmt.Sprint(todos) != want {
		t.Errorf("Todo %v, want %s", todos, want)
	}
	if st, ok := pv.RowState(3); ok || st != 0 {
		t.Errorf("row 3 was previewed: %v", st)
	}
	if st, _ := pv.RowState(4); st != StateMissing {
		t.Errorf("row 4 state %v, want missing", st)
	}
	if _, ok := pv.RowState(99); ok {
		t.Error("RowState out of range")
	}
	var rec report.Record
	pv.Prefill(2, &rec)
	if rec.Status != report.Unchanged || rec.Attempts != 0 || rec.FinishedAt.IsZero() {
		t.Errorf("prefilled merged row: %+v", rec)
	}
	rec = report.Record{Status: report.NotAttempted}
	pv.Prefill(0, &rec)
	if rec.Status != report.NotAttempted {
		t.Errorf("a row to change was prefilled: %+v", rec)
	}

	path := filepath.Join(t.TempDir(), "j.state")
	j, _, err := OpenJournal(path, p.Digest, len(p.Rows))
	if err != nil {
		t.Fatal(err)
	}
	if err := pv.Journal(j); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j, earlier, err := OpenJournal(path, p.Digest, len(p.Rows))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	rs := &Resume{Earlier: earlier}
	var sts []string
	for i := range p.Rows {
		sts = append(sts, string(earlier.Status(i))+fmt.Sprint(rs.Todo(i)))
	}
	if want := "[true unchangedfalse unchangedfalse true true]"; fmt.Sprint(sts) != want {
		t.Errorf("journal after Journal: %v, want %s", sts, want)
	}

	// The run composed of both: only rows 0 and 4 go out.
	run := New(p, c, fastConfig(Config{Rate: 1000, Todo: func(i int) bool { return rs.Todo(i) && todo(i) },
		Prefill: func(i int, rec *report.Record) { rs.Prefill(i, rec) }}))
	res, err := run.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := countStatus(res.Records); got[report.Unchanged] != 2 || got[report.Applied] != 2 || c.sets != 1 {
		t.Errorf("statuses %v, %d requests sent (want 1: rows 0 and 4)", got, c.sets)
	}
}

func TestReadPreviewPagesAShortListAnswer(t *testing.T) {
	// The API gives 3 accounts a page whatever the count asked: a list of
	// names is paged by offset, and still counts as exact.
	c := &readClient{accounts: someAccounts(10), maxPage: 3, nameLists: true}
	var rows []string
	for i := range 7 {
		rows = append(rows, fmt.Sprintf("child-%d,false", 1000+i))
	}
	pv, err := ReadPreview(context.Background(), loadPlan(t, rowsCSV("child_account_name,active", rows...)), c,
		fastConfig(Config{Rate: 1000, ChunkSize: 5}), 0)
	if err != nil {
		t.Fatal(err)
	}
	// A list of 5 in 2 pages, then a list of 2.
	if n := pv.Counts()[StateChange]; n != 7 || c.calls != 3 {
		t.Errorf("%d to change in %d calls, want 7 in 3", n, c.calls)
	}
}

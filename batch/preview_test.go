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
	acct := voximplant.AccountInfo{AccountID: 1000, AccountEmail: "Child-1000@Example.test", Active: true,
		LanguageCode: "en", Location: "Etc/GMT", MinBalanceToNotify: 12.5, AccountNotifications: true}
	tests := []struct {
		name   string
		header string
		row    string
		want   []FieldChange
	}{
		{"bool differs", "child_account_id,active", "1000,false", []FieldChange{{plan.Active, true, false}}},
		{"bool same", "child_account_id,active,account_notifications", "1000,yes,on", nil},
		{"every other bool", "child_account_id,tariff_changing_notifications,news_notifications,support_robokassa,support_bank_card,support_invoice",
			"1000,true,true,true,true,true", []FieldChange{
				{plan.TariffChangingNotifications, false, true}, {plan.NewsNotifications, false, true},
				{plan.SupportRobokassa, false, true}, {plan.SupportBankCard, false, true}, {plan.SupportInvoice, false, true}}},
		{"email without regard to case", "child_account_id,new_child_account_email", "1000,child-1000@example.TEST", nil},
		{"email differs", "child_account_id,new_child_account_email", "1000,new@example.test",
			[]FieldChange{{plan.NewChildAccountEmail, "Child-1000@Example.test", "new@example.test"}}},
		{"decimal compares numerically", "child_account_id,min_balance_to_notify", "1000,12.50", nil},
		{"decimal differs", "child_account_id,min_balance_to_notify", "1000,3", []FieldChange{{plan.MinBalanceToNotify, 12.5, 3.0}}},
		{"language and location same", "child_account_id,language_code,location", "1000,EN,Etc/GMT", nil},
		{"location differs", "child_account_id,location", "1000,Europe/Oslo", []FieldChange{{plan.Location, "Etc/GMT", "Europe/Oslo"}}},
		{"password always changes, never shown", "child_account_id,new_child_account_password", "1000,Secret-123!",
			[]FieldChange{{Param: plan.NewChildAccountPassword}}},
		{"can_use_restricted is unknown", "child_account_id,can_use_restricted", "1000,true",
			[]FieldChange{{Param: plan.CanUseRestricted, To: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := loadPlan(t, tt.header+"\n"+tt.row+"\n")
			got := Diff(p.Rows[0].Change, &acct)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Diff = %v, want %v", got, tt.want)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || strings.Contains(fmt.Sprint(got), "Secret") {
				t.Errorf("Diff shows %v", got)
			}
		})
	}
}

// startPreviewSim starts a simulator of n accounts in which account 1001 is
// already inactive, and returns it (statistics reset) with a client.
func startPreviewSim(t *testing.T, n int) (*voxsim.Server, *voximplant.Client) {
	t.Helper()
	s, c := startSim(t, voxsim.Config{Accounts: n, Seed: 1})
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

func TestReadPreviewChoosesTheCheaperReads(t *testing.T) {
	names := func(ids ...int) []string {
		var rows []string
		for _, id := range ids {
			rows = append(rows, fmt.Sprintf("child-%d,false", id))
		}
		return rows
	}
	spread := make([]int, 30)
	for i := range spread {
		spread[i] = 1000 + 10*i
	}
	tests := []struct {
		name         string
		accounts     int
		src          string
		pageSize     int
		wantRequests int
		wantListed   bool
		wantCounts   map[State]int
	}{
		{"few ids: one list", 1000, rowsCSV("child_account_id,active", "1000,false", "1001,false", "99999,false"), 1000,
			1, false, map[State]int{StateChange: 1, StateUnchanged: 1, StateMissing: 1}},
		{"many ids, all children on one page", 1000, rowsCSV("child_account_id,active", idRows(1000, 120)...), 1000,
			1, true, map[State]int{StateChange: 119, StateUnchanged: 1, StateMissing: 0}},
		{"ids found on the first page", 5000, rowsCSV("child_account_id,active", idRows(1000, 120)...), 1000,
			1, false, map[State]int{StateChange: 119, StateUnchanged: 1, StateMissing: 0}},
		{"ids by list after the first page", 5000, rowsCSV("child_account_id,active", idRows(4000, 120)...), 1000,
			1 + 3, false, map[State]int{StateChange: 120, StateUnchanged: 0, StateMissing: 0}},
		{"few names and emails: one read each", 5000,
			rowsCSV("child_account_name,child_account_email,active", "child-4000,,false", ",child-1001@example.test,false", "nobody,,false"),
			100, 1 + 2, false, map[State]int{StateChange: 1, StateUnchanged: 1, StateMissing: 1}},
		{"many names: listing is cheaper", 300, rowsCSV("child_account_name,active", names(spread...)...), 100,
			3, true, map[State]int{StateChange: 30, StateUnchanged: 0, StateMissing: 0}},
		{"all lists every child", 250, rowsCSV("child_account_id,active", "all,false"), 100,
			3, true, map[State]int{StateChange: 249, StateUnchanged: 1, StateMissing: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := startPreviewSim(t, tt.accounts)
			p := loadPlan(t, tt.src)
			pv, err := ReadPreview(context.Background(), p, c, fastConfig(Config{Rate: 1000, ChunkSize: 50}), tt.pageSize)
			if err != nil {
				t.Fatal(err)
			}
			if got := pv.Counts(); !reflect.DeepEqual(got, tt.wantCounts) {
				t.Errorf("counts %v, want %v", got, tt.wantCounts)
			}
			st := s.Stats()
			if pv.Requests != tt.wantRequests || st.ByMethod["GetChildrenAccounts"] != int64(tt.wantRequests) || pv.Listed != tt.wantListed {
				t.Errorf("requests %d (simulator %v), listed %v; want %d, %v", pv.Requests, st.ByMethod, pv.Listed, tt.wantRequests, tt.wantListed)
			}
			if n := st.ByMethod["SetChildAccountInfo"]; n != 0 {
				t.Errorf("a preview sent %d SetChildAccountInfo", n)
			}
		})
	}
}

func TestReadPreviewByEmail(t *testing.T) {
	_, c := startPreviewSim(t, 100)
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

func TestReadPreviewAll(t *testing.T) {
	_, c := startPreviewSim(t, 5)
	p := loadPlan(t, rowsCSV("child_account_id,active", "all,false"))
	pv, err := ReadPreview(context.Background(), p, c, fastConfig(Config{Rate: 1000}), 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, as := range pv.Accounts {
		got = append(got, as.Account+"="+as.State.String())
	}
	if want := "[1000=change 1001=unchanged 1002=change 1003=change 1004=change]"; fmt.Sprint(got) != want {
		t.Errorf("accounts %v, want %s", got, want)
	}
	if st, ok := pv.RowState(0); st != StateChange || !ok {
		t.Errorf("all row state %v %v, want change", st, ok)
	}
}

// readClient serves GetChildrenAccounts from a list of accounts, with at
// most maxPage per answer, after the errors fail returns for a call.
type readClient struct {
	mu       sync.Mutex
	accounts []voximplant.AccountInfo
	maxPage  int
	fail     func(q url.Values, call int) error
	calls    int
	sets     int
	renewals int
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
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.fail != nil {
		if err := c.fail(q, c.calls); err != nil {
			return nil, err
		}
	}
	var match []voximplant.AccountInfo
	ids := map[string]bool{}
	for _, id := range strings.Split(q.Get("child_account_id"), ";") {
		ids[id] = id != ""
	}
	for _, a := range c.accounts {
		switch {
		case q.Get("child_account_id") != "" && !ids[strconv.FormatInt(a.AccountID, 10)]:
		case q.Get("child_account_name") != "" && q.Get("child_account_name") != a.AccountName:
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

func TestReadPreviewListsAnAPIThatAnswersShortPages(t *testing.T) {
	// The API gives 3 accounts a page whatever the count asked: the list
	// is paged by 3, and every child is seen.
	c := &readClient{accounts: someAccounts(10), maxPage: 3}
	p := loadPlan(t, rowsCSV("child_account_id,active", "all,false"))
	pv, err := ReadPreview(context.Background(), p, c, fastConfig(Config{Rate: 1000}), 100)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(pv.Accounts); n != 10 || c.calls != 4 || !pv.Listed {
		t.Errorf("%d accounts in %d calls (listed %v), want 10 in 4", n, c.calls, pv.Listed)
	}
}

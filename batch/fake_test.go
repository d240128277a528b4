package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voximplant"
)

// scriptClient answers SetChildAccountInfo from a script of errors, one per
// call (nil = success), then succeeds.
type scriptClient struct {
	mu       sync.Mutex
	script   []error
	calls    []url.Values
	renewals int
	accounts []voximplant.AccountInfo
	getErr   error // every GetChildrenAccounts fails with it, if set
	gets     int
}

func (c *scriptClient) SetChildAccountInfo(_ context.Context, params url.Values) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, params)
	if len(c.script) == 0 {
		return nil
	}
	err := c.script[0]
	c.script = c.script[1:]
	return err
}

func (c *scriptClient) GetChildrenAccounts(context.Context, url.Values) (*voximplant.ChildrenAccounts, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gets++
	if c.getErr != nil {
		return nil, c.getErr
	}
	return &voximplant.ChildrenAccounts{Result: c.accounts, Count: len(c.accounts), TotalCount: len(c.accounts)}, nil
}

func (c *scriptClient) RenewToken() {
	c.mu.Lock()
	c.renewals++
	c.mu.Unlock()
}

var unanswered = &voximplant.TransportError{Op: "SetChildAccountInfo", Written: true, Err: io.EOF}

func apiErr(code int) error { return &voximplant.APIError{Code: code, Msg: "test", HTTPStatus: 200} }

func TestSendScripts(t *testing.T) {
	tests := []struct {
		name         string
		header, row  string
		script       []error
		accounts     []voximplant.AccountInfo
		getErr       error
		wantStatus   report.Status
		wantCode     int
		wantCalls    int
		wantRenewals int
		wantAbort    bool
		wantNote     string
	}{
		{name: "token renewed once then ok", header: "child_account_id,active", row: "1000,false",
			script: []error{apiErr(456)}, wantStatus: report.Applied, wantCalls: 2, wantRenewals: 1},
		{name: "token refused twice is fatal", header: "child_account_id,active", row: "1000,false",
			script: []error{apiErr(456), apiErr(454)}, wantStatus: report.NotAttempted, wantCode: 454, wantCalls: 2, wantRenewals: 1, wantAbort: true},
		{name: "transient retried", header: "child_account_id,active", row: "1000,false",
			script: []error{apiErr(2), unanswered}, wantStatus: report.Applied, wantCalls: 3},
		{name: "transient exhausted", header: "child_account_id,active", row: "1000,false",
			script: []error{apiErr(2), apiErr(2), apiErr(2)}, wantStatus: report.Failed, wantCode: 2, wantCalls: 3},
		{name: "535 after unanswered attempt is applied", header: "child_account_id,new_child_account_password", row: "1000,Secret-123",
			script: []error{unanswered, apiErr(535)}, wantStatus: report.Applied, wantCalls: 2, wantNote: "earlier attempt"},
		{name: "535 without unanswered attempt fails", header: "child_account_id,new_child_account_password", row: "1000,Secret-123",
			script: []error{apiErr(535)}, wantStatus: report.Failed, wantCode: 535, wantCalls: 1},
		{name: "128 after unanswered attempt, account has the email", header: "child_account_id,new_child_account_email", row: "1000,new@example.test",
			script:     []error{unanswered, apiErr(128)},
			accounts:   []voximplant.AccountInfo{{AccountID: 1000, AccountEmail: "new@example.test"}},
			wantStatus: report.Applied, wantCalls: 2},
		{name: "128 after unanswered attempt, another account has it", header: "child_account_id,new_child_account_email", row: "1000,new@example.test",
			script:     []error{unanswered, apiErr(128)},
			accounts:   []voximplant.AccountInfo{{AccountID: 2000, AccountEmail: "new@example.test"}},
			wantStatus: report.Failed, wantCode: 128, wantCalls: 2},
		{name: "email selector, 199 after unanswered attempt, new email present", header: "child_account_email,new_child_account_email", row: "old@example.test,new@example.test",
			script:     []error{unanswered, apiErr(199)},
			accounts:   []voximplant.AccountInfo{{AccountID: 1000, AccountEmail: "new@example.test"}},
			wantStatus: report.Applied, wantCalls: 2},
		{name: "email selector, 128 after unanswered attempt: the old address still exists", header: "child_account_email,new_child_account_email", row: "old@example.test,new@example.test",
			script:     []error{unanswered, apiErr(128)},
			accounts:   []voximplant.AccountInfo{{AccountID: 2000, AccountEmail: "new@example.test"}},
			wantStatus: report.Failed, wantCode: 128, wantCalls: 2},
		{name: "the check cannot read back: left undecided", header: "child_account_id,new_child_account_email", row: "1000,new@example.test",
			script: []error{unanswered, apiErr(128)}, getErr: apiErr(100),
			wantStatus: report.NotAttempted, wantCode: 128, wantCalls: 2},
		{name: "fatal 100", header: "child_account_id,active", row: "1000,false",
			script: []error{apiErr(100)}, wantStatus: report.NotAttempted, wantCode: 100, wantCalls: 1, wantAbort: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := csvPlan(t, tt.header, []string{tt.row})
			c := &scriptClient{script: tt.script, accounts: tt.accounts, getErr: tt.getErr}
			res, err := New(p, c, fastConfig(Config{Workers: 1, Rate: 1000, MaxAttempts: 3})).Run(context.Background())
			var ae *AbortError
			if tt.wantAbort != errors.As(err, &ae) {
				t.Fatalf("err = %v, want abort %v", err, tt.wantAbort)
			}
			rec := res.Records[0]
			if rec.Status != tt.wantStatus || rec.ErrorCode != tt.wantCode {
				t.Errorf("record %s %d (%s), want %s %d", rec.Status, rec.ErrorCode, rec.ErrorMessage, tt.wantStatus, tt.wantCode)
			}
			if len(c.calls) != tt.wantCalls || c.renewals != tt.wantRenewals {
				t.Errorf("calls %d renewals %d, want %d %d", len(c.calls), c.renewals, tt.wantCalls, tt.wantRenewals)
			}
			if tt.wantNote != "" && !strings.Contains(rec.ErrorMessage, tt.wantNote) {
				t.Errorf("message %q lacks %q", rec.ErrorMessage, tt.wantNote)
			}
			if rec.Attempts != tt.wantCalls {
				t.Errorf("attempts %d, want %d", rec.Attempts, tt.wantCalls)
			}
		})
	}
}

func TestMergedDuplicatesShareTheOutcome(t *testing.T) {
	p := csvPlan(t, "child_account_id,active", []string{"1000,false", "1001,false", "1000,false"})
	c := &scriptClient{}
	res, err := New(p, c, fastConfig(Config{Workers: 1, Rate: 1000})).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.calls) != 1 || c.calls[0].Get("child_account_id") != "1000;1001" {
		t.Fatalf("calls %v", c.calls)
	}
	for i, rec := range res.Records {
		if rec.Status != report.Applied || rec.Request != 1 {
			t.Errorf("row %d: %+v", i, rec)
		}
	}
	if res.Records[2].Line != 4 {
		t.Errorf("line of the duplicate: %d", res.Records[2].Line)
	}
}

func TestServerPauseIsCapped(t *testing.T) {
	p := csvPlan(t, "child_account_id,active", []string{"1000,false"})
	c := &scriptClient{script: []error{&voximplant.APIError{Code: 416, Msg: "repeat after 3600 seconds", RetryAfter: time.Hour}}}
	start := time.Now()
	res, err := New(p, c, fastConfig(Config{Workers: 1, Rate: 1000, MaxPause: 50 * time.Millisecond})).Run(context.Background())
	if err != nil || res.Records[0].Status != report.Applied {
		t.Fatalf("err %v, record %+v", err, res.Records[0])
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("an hour's Retry-After paused the run for %v", took)
	}
}

func TestEachDecidedListsPrefilledAndInvalidRows(t *testing.T) {
	src := "child_account_id,active\n1000,false\n12a,false\n1001,false\n"
	p, err := plan.Load("t.csv", strings.NewReader(src), plan.Options{Format: "csv", SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	r := New(p, &scriptClient{}, Config{Prefill: func(i int, rec *report.Record) {
		if i == 2 {
			rec.Status = report.Skipped
		}
	}})
	var got []string
	r.EachDecided(func(i int, rec *report.Record) { got = append(got, fmt.Sprintf("%d:%s", i, rec.Status)) })
	if strings.Join(got, " ") != "1:invalid 2:skipped" {
		t.Errorf("decided rows %v", got)
	}
	if c := r.StatusCounts(); c[report.NotAttempted] != 1 || c[report.Invalid] != 1 || c[report.Skipped] != 1 {
		t.Errorf("status counts %v", c)
	}
}

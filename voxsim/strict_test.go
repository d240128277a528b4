package voxsim

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestGetChildrenAccountsStrict covers the reads of the default simulator,
// as strict as the current reference, and the switches that reproduce what
// the real API may do instead.
func TestGetChildrenAccountsStrict(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		body string
		want []int64
		code int
	}{
		{"no selector", Config{}, "", nil, 134},
		{"count only", Config{}, "count=10&offset=5", nil, 134},
		{"all", Config{}, "child_account_id=all", nil, 101},
		{"all, invalid ignored", Config{}, "child_account_id=all&ignore_invalid_accounts=true", nil, 101},
		{"bad count before the selector", Config{}, "count=x", nil, 101},
		{"ids", Config{}, "child_account_id=1002;1001", []int64{1001, 1002}, 0},
		{"one name", Config{}, "child_account_name=child-1007", []int64{1007}, 0},
		{"name list", Config{}, "child_account_name=child-1007;child-1003;nobody", []int64{1003, 1007}, 0},
		{"email list", Config{}, "child_account_email=CHILD-1008@example.test;child-1001@example.test", []int64{1001, 1008}, 0},
		{"name list and ids", Config{}, "child_account_name=child-1007;child-1003&child_account_id=1003", []int64{1003}, 0},
		{"name prefix is no match", Config{}, "child_account_name=child-100", []int64{}, 0},
		{"name list refused", Config{RefuseReadLists: true}, "child_account_name=child-1007;child-1003", nil, 101},
		{"email list refused", Config{RefuseReadLists: true}, "child_account_email=a@example.test;b@example.test", nil, 101},
		{"one name with lists refused", Config{RefuseReadLists: true}, "child_account_name=child-1007", []int64{1007}, 0},
		{"id list with lists refused", Config{RefuseReadLists: true}, "child_account_id=1001;1002", []int64{1001, 1002}, 0},
		{"substring names", Config{SubstringNames: true}, "child_account_name=child-102", span(1020, 1029), 0},
		{"substring name list", Config{SubstringNames: true}, "child_account_name=1049;1001", []int64{1001, 1049}, 0},
		{"max list applies to names", Config{MaxList: 2}, "child_account_name=child-1001;child-1002;child-1003", nil, 101},
		{"all with ListAll", Config{ListAll: true}, "child_account_id=all&count=2", []int64{1000, 1001}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := start(t, tt.cfg)
			a := e.form("GetChildrenAccounts", tt.body)
			if a.code() != tt.code {
				t.Fatalf("code %d, want %d (%s)", a.code(), tt.code, a.Raw)
			}
			if tt.code != 0 {
				return
			}
			if got := ids(t, a); !slices.Equal(got, tt.want) {
				t.Fatalf("ids %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOmitOptional(t *testing.T) {
	e := start(t, Config{OmitOptional: 5})
	a := e.form("GetChildrenAccounts", "child_account_id=1005;1006&count=2")
	var res []map[string]any
	if err := json.Unmarshal(a.Result, &res); err != nil || len(res) != 2 {
		t.Fatalf("result %s: %v", a.Result, err)
	}
	var keys []string
	for k := range res[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"account_email", "account_id", "account_name", "active"}; !slices.Equal(keys, want) {
		t.Errorf("account 1005 has %v, want only %v", keys, want)
	}
	if len(res[1]) != 14 || res[1]["support_robokassa"] != false {
		t.Errorf("account 1006 has %d fields, want all 14: %v", len(res[1]), res[1])
	}
}

func TestErrorsEnvelope(t *testing.T) {
	e := start(t, Config{ErrorsEnvelope: true})
	a := e.form("SetChildAccountInfo", "child_account_id=99999&active=false")
	want := `{"errors":[{"code":194,"msg":"Invalid child_account_id","field_name":"child_account_id"}]}`
	if a.Raw != want || a.Error != nil {
		t.Errorf("answer %s, want %s", a.Raw, want)
	}
	if a := e.form("SetChildAccountInfo", "child_account_id=1000&active=false"); a.Raw != `{"result":1}` {
		t.Errorf("a success is %s", a.Raw)
	}
}

func TestResendRate(t *testing.T) {
	e := start(t, Config{ResendRate: 1})
	a := e.form("SetChildAccountInfo", "child_account_id=1000&active=false")
	if a.code() != 484 || !strings.Contains(a.Error.Msg, "resend") {
		t.Fatalf("answer %s, want 484", a.Raw)
	}
	if e.account(1000).Applications != 0 {
		t.Error("a request answered 484 was applied")
	}
	if st := e.s.Stats(); st.ByOutcome["484"] != 1 {
		t.Errorf("outcomes %v", st.ByOutcome)
	}
	if _, err := New(Config{ResendRate: 1.5}); err == nil {
		t.Error("resend rate 1.5 accepted")
	}
	if _, err := New(Config{OmitOptional: -1}); err == nil {
		t.Error("omit optional -1 accepted")
	}
}

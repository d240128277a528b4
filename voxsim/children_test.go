package voxsim

import (
	"encoding/json"
	"slices"
	"sort"
	"testing"
)

// ids decodes the account ids of a GetChildrenAccounts result.
func ids(t *testing.T, a *answer) []int64 {
	t.Helper()
	var res []struct {
		AccountID int64 `json:"account_id"`
	}
	if err := json.Unmarshal(a.Result, &res); err != nil {
		t.Fatalf("result %s: %v", a.Result, err)
	}
	out := []int64{}
	for _, r := range res {
		out = append(out, r.AccountID)
	}
	return out
}

func span(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// TestGetChildrenAccounts pins the reads of the lenient simulator
// (Config.ListAll), which lists every child without a selector; the
// strict default is TestGetChildrenAccountsStrict's.
func TestGetChildrenAccounts(t *testing.T) {
	e := start(t, Config{Accounts: 50, ListAll: true})
	tests := []struct {
		name  string
		body  string
		want  []int64
		total int
		code  int
	}{
		{"default page", "", span(1000, 1019), 50, 0},
		{"count and offset", "count=5&offset=45", span(1045, 1049), 50, 0},
		{"last page cut", "count=10&offset=47", span(1047, 1049), 50, 0},
		{"offset past end", "offset=100", []int64{}, 50, 0},
		{"count zero", "count=0", []int64{}, 50, 0},
		{"ids, unknown ones absent", "child_account_id=1003;1001;99999;1001", []int64{1001, 1003}, 2, 0},
		{"ids all", "child_account_id=all&count=2", []int64{1000, 1001}, 50, 0},
		{"ids paged", "child_account_id=1001;1002;1003;1004&count=2&offset=1", []int64{1002, 1003}, 4, 0},
		{"malformed id", "child_account_id=1001;x", nil, 0, 194},
		{"malformed id ignored", "child_account_id=1001;x&ignore_invalid_accounts=true", []int64{1001}, 1, 0},
		{"name", "child_account_name=child-1007", []int64{1007}, 1, 0},
		{"unknown name", "child_account_name=child-7", []int64{}, 0, 0},
		{"email", "child_account_email=child-1008@example.test", []int64{1008}, 1, 0},
		{"ids and name", "child_account_id=1007;1008&child_account_name=child-1008", []int64{1008}, 1, 0},
		{"ids and other name", "child_account_id=1007&child_account_name=child-1008", []int64{}, 0, 0},
		{"bad count", "count=abc", nil, 0, 101},
		{"negative offset", "offset=-1", nil, 0, 101},
		{"bad ignore flag", "ignore_invalid_accounts=maybe", nil, 0, 101},
		{"output flags accepted", "brief_output=true&medium_output=false&count=1", []int64{1000}, 50, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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
			if a.TotalCount != tt.total || a.Count != len(tt.want) {
				t.Fatalf("total_count %d count %d, want %d %d", a.TotalCount, a.Count, tt.total, len(tt.want))
			}
		})
	}
}

func TestGetChildrenAccountsFields(t *testing.T) {
	e := start(t, Config{Accounts: 3})
	if a := e.form("SetChildAccountInfo", `child_account_id=1001&new_child_account_email=o%27neil%26j%C3%BCrgen@example.org&min_balance_to_notify=12.5&location=Asia/Tokyo&can_use_restricted=true&support_invoice=1`); a.code() != 0 {
		t.Fatalf("set: %s", a.Raw)
	}
	a := e.form("GetChildrenAccounts", "child_account_id=1001")
	var res []map[string]any
	if err := json.Unmarshal(a.Result, &res); err != nil || len(res) != 1 {
		t.Fatalf("result %s: %v", a.Result, err)
	}
	var keys []string
	for k := range res[0] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"account_email", "account_id", "account_name", "account_notifications", "active", "frozen",
		"language_code", "location", "min_balance_to_notify", "news_notifications", "support_bank_card",
		"support_invoice", "support_robokassa", "tariff_changing_notifications"}
	if !slices.Equal(keys, want) {
		t.Fatalf("fields %v\nwant   %v", keys, want)
	}
	var info Account // the AccountInfo fields decode into Account
	if err := json.Unmarshal(a.Result[1:len(a.Result)-1], &info); err != nil {
		t.Fatal(err)
	}
	wantInfo := initial(1001)
	wantInfo.AccountEmail, wantInfo.MinBalanceToNotify, wantInfo.Location, wantInfo.SupportInvoice =
		"o'neil&jürgen@example.org", 12.5, "Asia/Tokyo", true
	if info != wantInfo {
		t.Fatalf("got  %+v\nwant %+v", info, wantInfo)
	}
}

package voxsim

import (
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// changedIDs lists the ids of the accounts changed so far.
func changedIDs(s *Server) []int64 {
	var ids []int64
	for _, a := range s.ChangedAccounts() {
		ids = append(ids, a.AccountID)
	}
	return ids
}

func TestSetChildAccountInfoSelectors(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []int64
	}{
		{"ids", "child_account_id=1000;1002&active=false", []int64{1000, 1002}},
		{"one id with leading zero", "child_account_id=01003&active=false", []int64{1003}},
		{"duplicate ids", "child_account_id=1001;1001&active=false", []int64{1001}},
		{"all", "child_account_id=all&active=false", []int64{1000, 1001, 1002, 1003, 1004, 1005}},
		{"names", "child_account_name=child-1001;child-1003&active=false", []int64{1001, 1003}},
		{"emails", "child_account_email=child-1004@example.test;CHILD-1005@Example.Test&active=false", []int64{1004, 1005}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := start(t, Config{Accounts: 6})
			if a := e.form("SetChildAccountInfo", tt.body); a.code() != 0 || string(a.Result) != "1" {
				t.Fatalf("answer %s", a.Raw)
			}
			if got := changedIDs(e.s); !slices.Equal(got, tt.want) {
				t.Fatalf("changed %v, want %v", got, tt.want)
			}
			for _, a := range e.s.Accounts() {
				changed := slices.Contains(tt.want, a.AccountID)
				if a.Active == changed || (a.Applications == 1) != changed {
					t.Errorf("account %d: active %v, applications %d", a.AccountID, a.Active, a.Applications)
				}
			}
		})
	}
}

func TestSetChildAccountInfoRejectsWholeRequest(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		code  int
		field string
	}{
		{"unknown id in list", "child_account_id=1000;99999&active=false", 194, "child_account_id"},
		{"id below range", "child_account_id=999&active=false", 194, "child_account_id"},
		{"id not a number", "child_account_id=1000;abc&active=false", 194, "child_account_id"},
		{"empty item", "child_account_id=1000;;1001&active=false", 194, "child_account_id"},
		{"trailing separator", "child_account_id=1000;&active=false", 194, "child_account_id"},
		{"all in a list", "child_account_id=all;1000&active=false", 194, "child_account_id"},
		{"unknown name", "child_account_name=child-1000;child-9&active=false", 198, "child_account_name"},
		{"non-canonical name", "child_account_name=child-01000&active=false", 198, "child_account_name"},
		{"unknown email", "child_account_email=child-1000@example.test;nobody@example.test&active=false", 199, "child_account_email"},
		{"no selector", "active=false", 134, "child_account_id"},
		{"two selectors", "child_account_id=1000&child_account_name=child-1000&active=false", 101, ""},
		{"bad language", "child_account_id=1000&active=false&language_code=xx", 202, "language_code"},
		{"language in upper case", "child_account_id=1000&language_code=EN", 202, "language_code"},
		{"bad new email", "child_account_id=1000&new_child_account_email=not-an-email", 201, "new_child_account_email"},
		{"new email with name", "child_account_id=1000&new_child_account_email=A+%3Ca%40b.test%3E", 201, "new_child_account_email"},
		{"new email without dot", "child_account_id=1000&new_child_account_email=a@localhost", 201, "new_child_account_email"},
		{"password too short", "child_account_id=1000&new_child_account_password=Ab1!", 523, "new_child_account_password"},
		{"password without uppercase", "child_account_id=1000&new_child_account_password=lower123!", 464, "new_child_account_password"},
		{"password without digit", "child_account_id=1000&new_child_account_password=NoDigits!!", 523, "new_child_account_password"},
		{"password without special", "child_account_id=1000&new_child_account_password=NoSpecial12", 523, "new_child_account_password"},
		{"password with space", "child_account_id=1000&new_child_account_password=Has+space1!", 524, "new_child_account_password"},
		{"bad boolean", "child_account_id=1000&active=yes", 101, "active"},
		{"boolean in upper case", "child_account_id=1000&news_notifications=TRUE", 101, "news_notifications"},
		{"bad boolean after others", "child_account_id=1000&active=false&can_use_restricted=2", 101, "can_use_restricted"},
		{"unknown location", "child_account_id=1000&location=Mars/Base", 101, "location"},
		{"location Local", "child_account_id=1000&location=Local", 101, "location"},
		{"location path", "child_account_id=1000&location=../../etc/passwd", 101, "location"},
		{"decimal comma", "child_account_id=1000&min_balance_to_notify=1,5", 101, "min_balance_to_notify"},
		{"decimal inf", "child_account_id=1000&min_balance_to_notify=inf", 101, "min_balance_to_notify"},
		{"decimal hex", "child_account_id=1000&min_balance_to_notify=0x10", 101, "min_balance_to_notify"},
		{"decimal out of range", "child_account_id=1000&min_balance_to_notify=1e999", 101, "min_balance_to_notify"},
		{"bad escape", "child_account_id=1000&active=%zz", 101, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := start(t, Config{Accounts: 10})
			a := e.form("SetChildAccountInfo", tt.body)
			if a.code() != tt.code {
				t.Fatalf("code %d, want %d (%s)", a.code(), tt.code, a.Raw)
			}
			if a.Error.FieldName != tt.field {
				t.Errorf("field_name %q, want %q", a.Error.FieldName, tt.field)
			}
			if a.Error.Msg == "" || strings.Contains(a.Raw, "space1") || strings.Contains(a.Raw, "lower123") {
				t.Errorf("message %q", a.Raw)
			}
			if got := changedIDs(e.s); len(got) != 0 {
				t.Fatalf("accounts changed: %v", got)
			}
			if got := e.account(1000); got != initial(1000) {
				t.Fatalf("account 1000 is %+v", got)
			}
		})
	}
}

func TestSetChildAccountInfoApplies(t *testing.T) {
	e := start(t, Config{Accounts: 3})
	v := url.Values{
		"child_account_id":              {"1001"},
		"new_child_account_email":       {"new.one@example.org"},
		"new_child_account_password":    {"Secret-123"},
		"account_notifications":         {"0"},
		"tariff_changing_notifications": {"false"},
		"news_notifications":            {"1"},
		"active":                        {"false"},
		"language_code":                 {"no"},
		"location":                      {"Etc/GMT-8"},
		"min_balance_to_notify":         {"-1.5e2"},
		"support_robokassa":             {"true"},
		"support_bank_card":             {"1"},
		"support_invoice":               {"true"},
		"can_use_restricted":            {"true"},
		"unknown_parameter":             {"ignored"},
	}
	if a := e.set(v); a.code() != 0 {
		t.Fatalf("answer %s", a.Raw)
	}
	want := Account{AccountID: 1001, AccountName: "child-1001", AccountEmail: "new.one@example.org",
		LanguageCode: "no", Location: "Etc/GMT-8", MinBalanceToNotify: -150, NewsNotifications: true,
		SupportRobokassa: true, SupportBankCard: true, SupportInvoice: true, CanUseRestricted: true,
		Applications: 1, PasswordChanges: 1}
	if got := e.account(1001); got != want {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	// A second change keeps what it does not set.
	if a := e.form("SetChildAccountInfo", "child_account_id=1001&location=America/Los_Angeles&active=true&language_code=iw"); a.code() != 0 {
		t.Fatalf("answer %s", a.Raw)
	}
	want.Location, want.Active, want.LanguageCode, want.Applications = "America/Los_Angeles", true, "iw", 2
	if got := e.account(1001); got != want {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	st := e.s.Stats()
	if st.AccountsChanged != 1 || st.Applications != 2 || st.PasswordChanges != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestSetChildAccountInfoRequestShapes(t *testing.T) {
	mp := func(kv ...string) func(t *testing.T, e *env) *answer {
		return func(t *testing.T, e *env) *answer {
			body, ct := multipartBody(t, kv...)
			return e.do("SetChildAccountInfo", body, ct, "")
		}
	}
	tests := []struct {
		name string
		send func(t *testing.T, e *env) *answer
		want []int64
		code int
	}{
		{"url-encoded with raw semicolons", func(t *testing.T, e *env) *answer {
			return e.form("SetChildAccountInfo", "child_account_id=1000;1001;1002&active=false")
		}, []int64{1000, 1001, 1002}, 0},
		{"url-encoded with escaped semicolons", func(t *testing.T, e *env) *answer {
			return e.form("SetChildAccountInfo", "child_account_id=1000%3B1001&active=false")
		}, []int64{1000, 1001}, 0},
		{"multipart", mp("child_account_id", "1001;1003", "active", "false"), []int64{1001, 1003}, 0},
		{"multipart with empty parameters", mp("child_account_id", "1002", "child_account_name", "", "language_code", "", "active", "false"), []int64{1002}, 0},
		{"query only", func(t *testing.T, e *env) *answer {
			return e.do("SetChildAccountInfo", nil, "", "child_account_id=1000;1003&active=false")
		}, []int64{1000, 1003}, 0},
		{"query and body", func(t *testing.T, e *env) *answer {
			return e.do("SetChildAccountInfo", strings.NewReader("active=false"), "application/x-www-form-urlencoded", "child_account_id=1003")
		}, []int64{1003}, 0},
		{"empty parameters count as absent", func(t *testing.T, e *env) *answer {
			return e.form("SetChildAccountInfo", "child_account_id=1001&child_account_email=&new_child_account_password=&location=&active=false&&")
		}, []int64{1001}, 0},
		{"body that is no form", func(t *testing.T, e *env) *answer {
			return e.do("SetChildAccountInfo", strings.NewReader("child_account_id=1000&active=false"), "text/plain", "")
		}, nil, 134},
		{"multipart without boundary", func(t *testing.T, e *env) *answer {
			return e.do("SetChildAccountInfo", strings.NewReader("x"), "multipart/form-data", "")
		}, nil, 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := start(t, Config{Accounts: 4})
			a := tt.send(t, e)
			if a.code() != tt.code {
				t.Fatalf("code %d, want %d (%s)", a.code(), tt.code, a.Raw)
			}
			if got := changedIDs(e.s); !slices.Equal(got, tt.want) {
				t.Fatalf("changed %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPasswordHistory(t *testing.T) {
	e := start(t, Config{Accounts: 4})
	e.setSteps([]setStep{
		{"child_account_id=1000&new_child_account_password=First-pass1", 0},
		{"child_account_id=1000&new_child_account_password=First-pass1", 535},
		{"child_account_id=1000&new_child_account_password=Second-pass2", 0},
		{"child_account_id=1000&new_child_account_password=First-pass1", 535},
		{"child_account_id=1001&new_child_account_password=First-pass1", 0},
		{"child_account_id=1002;1000&new_child_account_password=Second-pass2", 535},
		{"child_account_id=all&new_child_account_password=Second-pass2", 535},
		{"child_account_id=1002;1003&new_child_account_password=Third-pass3", 0},
		{"child_account_id=all&new_child_account_password=Fourth-pass4", 0},
	})
	want := map[int64]int{1000: 3, 1001: 2, 1002: 2, 1003: 2}
	for _, a := range e.s.Accounts() {
		if a.PasswordChanges != want[a.AccountID] {
			t.Errorf("account %d: %d password changes, want %d", a.AccountID, a.PasswordChanges, want[a.AccountID])
		}
	}
	var raw []map[string]any
	e.getJSON("/_sim/accounts", &raw)
	for _, m := range raw {
		for k, v := range m {
			if strings.Contains(k, "pass") && k != "password_changes" || strings.Contains(k, "hash") {
				t.Errorf("account exposes %s", k)
			}
			if s, ok := v.(string); ok && strings.Contains(s, "-pass") {
				t.Errorf("account exposes a password in %s", k)
			}
		}
	}
}

func TestEmailChanges(t *testing.T) {
	e := start(t, Config{Accounts: 5})
	e.setSteps([]setStep{
		{"child_account_id=1000&new_child_account_email=x@example.org", 0},
		{"child_account_email=x@example.org&active=false", 0},                // found by the new address
		{"child_account_email=child-1000@example.test&active=false", 199},    // not by the old one
		{"child_account_id=1001&new_child_account_email=X@Example.org", 128}, // taken, case-insensitively
		{"child_account_id=1001&new_child_account_email=child-1000@example.test", 0},
		{"child_account_id=1000&new_child_account_email=child-1000@example.test", 128},
		{"child_account_id=1000&new_child_account_email=x@example.org", 0}, // its own address
		{"child_account_id=1002&new_child_account_email=sim@example.test", 128},
		{"child_account_id=1002;1003&new_child_account_email=y@example.org", 128},
		{"child_account_id=1002&new_child_account_email=child-1002@example.test", 0},
		{"child_account_email=child-1002@example.test&active=false", 0},
		{"child_account_id=1001&new_child_account_email=child-1001@example.test", 0}, // back to the initial
		{"child_account_id=1004&new_child_account_email=child-1000@example.test", 0}, // freed again
		{"child_account_email=child-1001@example.test&active=false", 0},
	})
	want := map[int64]string{1000: "x@example.org", 1001: "child-1001@example.test",
		1002: "child-1002@example.test", 1003: "child-1003@example.test", 1004: "child-1000@example.test"}
	for _, a := range e.s.Accounts() {
		if a.AccountEmail != want[a.AccountID] {
			t.Errorf("account %d: email %q, want %q", a.AccountID, a.AccountEmail, want[a.AccountID])
		}
	}
	a := e.form("GetChildrenAccounts", "child_account_email=X@example.org")
	if a.code() != 0 || a.Count != 1 || !strings.Contains(string(a.Result), `"account_id":1000`) {
		t.Fatalf("lookup by new email: %s", a.Raw)
	}
}

func TestSetChildAccountInfoRejectsAllWithOneEmail(t *testing.T) {
	e := start(t, Config{Accounts: 1})
	if a := e.form("SetChildAccountInfo", "child_account_id=all&new_child_account_email=only@example.org"); a.code() != 0 {
		t.Fatalf("one account under all: %s", a.Raw)
	}
	want := initial(1000)
	want.AccountEmail, want.Applications = "only@example.org", 1
	if got := e.account(1000); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v", got)
	}
}

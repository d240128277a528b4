package voxsim

import "testing"

// TestUnkeptAcceptsWithoutKeeping: with Config.Unkept, a change to an
// account whose id is a multiple of it is answered result 1 and counted,
// but a read shows the old values; other accounts keep their change.
func TestUnkeptAcceptsWithoutKeeping(t *testing.T) {
	e := start(t, Config{Accounts: 6, Unkept: 1002})
	if a := e.form("SetChildAccountInfo", "child_account_id=1001;1002&active=false&language_code=de"); a.code() != 0 || string(a.Result) != "1" {
		t.Fatalf("answer %s", a.Raw)
	}
	kept, _ := e.s.Account(1001)
	unkept, _ := e.s.Account(1002)
	if kept.Active || kept.LanguageCode != "de" {
		t.Errorf("account 1001 did not keep its change: %+v", kept)
	}
	if !unkept.Active || unkept.LanguageCode != "en" || unkept.Applications != 1 {
		t.Errorf("account 1002 kept the change or was not counted: %+v", unkept)
	}
	if st := e.s.Stats(); st.Applications != 2 {
		t.Errorf("applications %d, want 2", st.Applications)
	}
}

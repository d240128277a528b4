package voximplant

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/voxbatch/voxbatch/voxsim"
)

// TestAgainstVoxsim runs the client against the project's simulator, which
// verifies tokens and parameters independently of this package.
func TestAgainstVoxsim(t *testing.T) {
	s, err := voxsim.New(voxsim.Config{Accounts: 10, Key: rsaKey(t), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	endpoint, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	path := filepath.Join(t.TempDir(), "credentials.json")
	if err := s.WriteCredentials(path); err != nil {
		t.Fatal(err)
	}
	creds, err := LoadCredentials(path)
	if err != nil {
		t.Fatal(err)
	}
	if w := creds.Warning(); w != "" {
		t.Errorf("warning for a 0600 file: %s", w)
	}
	c, err := New(creds, Config{Endpoint: endpoint, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	ctx := context.Background()
	accts := s.Accounts()
	if len(accts) != 10 {
		t.Fatalf("%d accounts, want 10", len(accts))
	}
	id := func(i int) string { return strconv.FormatInt(accts[i].AccountID, 10) }
	acct := func(i int) voxsim.Account {
		a, ok := s.Account(accts[i].AccountID)
		if !ok {
			t.Fatalf("account %s gone", id(i))
		}
		return a
	}

	steps := []struct {
		name   string
		params url.Values
		code   int // expected APIError code, 0 for success
		class  Class
	}{
		{"ids", url.Values{"child_account_id": {id(0) + ";" + id(1)}, "active": {"false"}}, 0, 0},
		{"names", url.Values{"child_account_name": {accts[2].AccountName + ";" + accts[3].AccountName}, "language_code": {"de"}}, 0, 0},
		{"emails", url.Values{"child_account_email": {accts[4].AccountEmail}, "min_balance_to_notify": {"12.5"}, "location": {""}}, 0, 0},
		{"all", url.Values{"child_account_id": {"all"}, "support_invoice": {"true"}}, 0, 0},
		{"unknown id", url.Values{"child_account_id": {strconv.FormatInt(voxsim.FirstID+1000, 10)}, "active": {"true"}}, 194, RowData},
		{"bad language", url.Values{"child_account_id": {id(5)}, "language_code": {"xx"}}, 202, RowData},
	}
	for _, st := range steps {
		err := c.SetChildAccountInfo(ctx, st.params)
		if st.code == 0 {
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			continue
		}
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != st.code {
			t.Fatalf("%s: error %v, want api error %d", st.name, err, st.code)
		}
		if v := Classify(err); v.Class != st.class || v.Unknown {
			t.Errorf("%s: Classify = %+v, want %v, known", st.name, v, st.class)
		}
	}
	if acct(0).Active || acct(1).Active || !acct(2).Active {
		t.Error("active=false not applied to exactly accounts 0 and 1")
	}
	if acct(2).LanguageCode != "de" || acct(3).LanguageCode != "de" || acct(4).LanguageCode == "de" {
		t.Error("language_code not applied by name")
	}
	if acct(4).MinBalanceToNotify != 12.5 {
		t.Errorf("min_balance_to_notify by email = %v", acct(4).MinBalanceToNotify)
	}
	for i := range accts {
		if !acct(i).SupportInvoice {
			t.Errorf("account %s: support_invoice not set by all", id(i))
		}
	}

	got, err := c.GetChildrenAccounts(ctx, url.Values{"child_account_id": {id(0) + ";" + id(2)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Result) != 2 {
		t.Fatalf("GetChildrenAccounts = %+v", got)
	}
	for _, a := range got.Result {
		want := acct(0)
		if a.AccountID == accts[2].AccountID {
			want = acct(2)
		}
		if a.AccountID != want.AccountID || a.Active != want.Active || a.LanguageCode != Some(want.LanguageCode) ||
			a.AccountEmail != want.AccountEmail || !strings.EqualFold(a.AccountName, want.AccountName) {
			t.Errorf("GetChildrenAccounts gave %+v, simulator holds %+v", a, want)
		}
	}

	// Concurrent requests share one token the simulator accepts.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.SetChildAccountInfo(ctx, url.Values{"child_account_id": {id(i % 10)}, "news_notifications": {"true"}}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := c.tokens.mintCount(); n != 1 {
		t.Errorf("%d mints, want 1", n)
	}
}

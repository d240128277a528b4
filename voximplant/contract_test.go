package voximplant

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/voxbatch/voxbatch/voxsim"
)

// simClient starts a simulator of cfg and returns it with a client of it.
// With otherKey the client holds the credentials of another simulator
// (another key id).
func simClient(t *testing.T, cfg voxsim.Config, otherKey bool) (*voxsim.Server, *Client) {
	t.Helper()
	cfg.Key = rsaKey(t)
	s, err := voxsim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	endpoint, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	credsOf := s
	if otherKey {
		if credsOf, err = voxsim.New(voxsim.Config{Accounts: 1, Key: rsaKey(t)}); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "credentials.json")
	if err := credsOf.WriteCredentials(path); err != nil {
		t.Fatal(err)
	}
	creds, err := LoadCredentials(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(creds, Config{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return s, c
}

// TestContractIssue12: the client and the simulator, written apart, agree
// on each point of issue 12: reads that name accounts, optional fields,
// the codes the API documents and the errors envelope.
func TestContractIssue12(t *testing.T) {
	ctx := context.Background()
	type step struct {
		name   string
		cfg    voxsim.Config
		other  bool // credentials of another key id
		method string
		params url.Values
		code   int
		class  Class
		whole  bool
		ids    []int64 // accounts answered, for a successful read
		raw    bool    // sent as is, past GetChildrenAccounts' own check
	}
	get, set := "GetChildrenAccounts", "SetChildAccountInfo"
	steps := []step{
		{name: "a read naming no account", method: get, params: url.Values{"count": {"10"}}, code: CodeRequiredParamEmpty, class: RowData, raw: true},
		{name: "a read of all", method: get, params: url.Values{"child_account_id": {"all"}}, code: CodeInvalidArguments, class: RowData, raw: true},
		{name: "an id list read", method: get, params: url.Values{"child_account_id": {"1003;1001"}, "count": {"2"}}, ids: []int64{1001, 1003}},
		{name: "a name list read", method: get, params: url.Values{"child_account_name": {"child-1004;child-1002"}, "count": {"2"}}, ids: []int64{1002, 1004}},
		{name: "a name list refused", cfg: voxsim.Config{RefuseReadLists: true}, method: get,
			params: url.Values{"child_account_name": {"child-1004;child-1002"}}, code: CodeInvalidArguments, class: RowData},
		{name: "an email list refused", cfg: voxsim.Config{RefuseReadLists: true}, method: get,
			params: url.Values{"child_account_email": {"child-1004@example.test;child-1002@example.test"}}, code: CodeInvalidArguments, class: RowData},
		{name: "a name by substring", cfg: voxsim.Config{Accounts: 20, SubstringNames: true}, method: get,
			params: url.Values{"child_account_name": {"child-101"}}, ids: []int64{1010, 1011, 1012, 1013, 1014, 1015, 1016, 1017, 1018, 1019}},
		{name: "a wrong key id", other: true, method: set, params: url.Values{"child_account_id": {"1000"}, "active": {"false"}},
			code: CodeInvalidKeyID, class: Fatal},
		{name: "a wrong key id, reading", other: true, method: get, params: url.Values{"child_account_id": {"1000"}},
			code: CodeInvalidKeyID, class: Fatal},
		{name: "a probable re-send", cfg: voxsim.Config{ResendRate: 1}, method: set,
			params: url.Values{"child_account_id": {"1000"}, "active": {"false"}}, code: CodeProbableResend, class: Transient},
		{name: "the errors envelope", cfg: voxsim.Config{ErrorsEnvelope: true}, method: set,
			params: url.Values{"child_account_id": {"99999"}, "active": {"false"}}, code: CodeInvalidAccountID, class: RowData},
		{name: "the errors envelope, reading", cfg: voxsim.Config{ErrorsEnvelope: true}, method: get,
			params: url.Values{}, code: CodeRequiredParamEmpty, class: RowData, raw: true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.cfg.Accounts == 0 {
				st.cfg.Accounts = 10
			}
			_, c := simClient(t, st.cfg, st.other)
			var err error
			var res *ChildrenAccounts
			switch {
			case st.raw:
				_, err = c.post(ctx, st.method, st.params)
			case st.method == get:
				res, err = c.GetChildrenAccounts(ctx, st.params)
			default:
				err = c.SetChildAccountInfo(ctx, st.params)
			}
			if st.code == 0 {
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, a := range res.Result {
					got = append(got, a.AccountID)
				}
				if len(got) != len(st.ids) || res.TotalCount != len(st.ids) {
					t.Fatalf("read %v (total %d), want %v", got, res.TotalCount, st.ids)
				}
				for i := range got {
					if got[i] != st.ids[i] {
						t.Fatalf("read %v, want %v", got, st.ids)
					}
				}
				return
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.Code != st.code {
				t.Fatalf("error %v, want api error %d", err, st.code)
			}
			if v := Classify(err); v.Class != st.class || v.Whole != st.whole || v.Unknown {
				t.Errorf("Classify = %+v, want %v", v, st.class)
			}
		})
	}
}

// TestContractOptionalFields: accounts the simulator answers without their
// optional fields decode with those fields unknown, the others with them
// known.
func TestContractOptionalFields(t *testing.T) {
	s, c := simClient(t, voxsim.Config{Accounts: 10, OmitOptional: 5}, false)
	res, err := c.GetChildrenAccounts(context.Background(), url.Values{"child_account_id": {"1004;1005"}, "count": {"2"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Result) != 2 {
		t.Fatalf("result %+v", res)
	}
	full, bare := res.Result[0], res.Result[1]
	want, _ := s.Account(1004)
	if !full.SupportRobokassa.Set || full.SupportRobokassa.Value != want.SupportRobokassa || full.LanguageCode != Some(want.LanguageCode) ||
		full.MinBalanceToNotify != Some(want.MinBalanceToNotify) || !full.Frozen.Set {
		t.Errorf("account 1004 decoded as %+v, the simulator holds %+v", full, want)
	}
	if bare.AccountID != 1005 || bare.AccountName != "child-1005" || !bare.Active || bare.SupportRobokassa.Set ||
		bare.LanguageCode.Set || bare.Location.Set || bare.MinBalanceToNotify.Set || bare.AccountNotifications.Set {
		t.Errorf("account 1005 decoded as %+v, want only the required fields", bare)
	}
}

// TestReadMustNameAccounts: the client itself refuses, sending nothing, a
// read the simulator (and the API) would refuse: no selector, or
// child_account_id=all.
func TestReadMustNameAccounts(t *testing.T) {
	s, c := simClient(t, voxsim.Config{Accounts: 10}, false)
	for _, q := range []url.Values{nil, {"count": {"1000"}}, {"child_account_id": {"all"}}, {"child_account_name": {""}}} {
		_, err := c.GetChildrenAccounts(context.Background(), q)
		if !errors.Is(err, ErrReadSelector) || Classify(err).Class != Fatal {
			t.Errorf("read %v: error %v, want ErrReadSelector, fatal", q, err)
		}
	}
	if n := s.Stats().Requests; n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

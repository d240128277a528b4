package cli

import (
	"context"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/voxbatch/voxbatch/batch"
	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/voximplant"
	"github.com/voxbatch/voxbatch/voxsim"
)

// pvSim serves a simulator of n accounts in this process and sets the
// state the preview plan expects: account 1001 already inactive, 1004
// already German. Its statistics start at zero. It returns the server, the
// endpoint and a credentials file.
func pvSim(t *testing.T, n int) (*voxsim.Server, string, string) {
	t.Helper()
	return pvSimConfig(t, voxsim.Config{Accounts: n})
}

// pvSimConfig is pvSim with a simulator of cfg (strict by default, as the
// API's reference).
func pvSimConfig(t *testing.T, cfg voxsim.Config) (*voxsim.Server, string, string) {
	t.Helper()
	cfg.Seed = 1
	s, endpoint, creds := startInProcessSim(t, cfg)
	c, err := voximplant.LoadCredentials(creds)
	if err != nil {
		t.Fatal(err)
	}
	client, err := voximplant.New(c, voximplant.Config{Endpoint: endpoint, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []url.Values{{"child_account_id": {"1001"}, "active": {"false"}}, {"child_account_id": {"1004"}, "language_code": {"de"}}} {
		if err := client.SetChildAccountInfo(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	s.ResetStats()
	return s, endpoint, creds
}

const pvPlan = "testdata/preview-plan.csv"

func TestPreviewGolden(t *testing.T) {
	s, endpoint, creds := pvSim(t, 1000)
	for _, tt := range []struct {
		golden string
		args   []string
	}{
		{"preview-plan.txt", []string{"run", "--dry-run", "--preview", pvPlan}},
		{"preview-plan.json", []string{"run", pvPlan, "--dry-run", "--preview", "--output", "json"}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			e, out, errb := testEnv(map[string]string{"VOXIMPLANT_CREDENTIALS": creds})
			args := append(tt.args, "--endpoint", endpoint, "--rate", "1000")
			if code := dispatch(context.Background(), e, args); code != exitOK {
				t.Fatalf("exit %d: %s", code, errb)
			}
			golden(t, tt.golden, out.Bytes())
		})
	}
	// Each preview reads by name: an id list, a name list that comes back
	// short and the missing name alone, an email list (4 reads).
	st := s.Stats()
	if st.ByMethod["SetChildAccountInfo"] != 0 || st.ByMethod["GetChildrenAccounts"] != 2*4 || st.AccountsChanged != 2 {
		t.Errorf("a preview changed something or read too much: %+v", st)
	}
}

// TestPreviewReadsByNameAndEmail previews name and email rows among many
// children: the name alone, the emails in a list that comes back short,
// then the missing email alone.
func TestPreviewReadsByNameAndEmail(t *testing.T) {
	s, endpoint, creds := pvSim(t, 3000)
	plan := filepath.Join(t.TempDir(), "p.yaml")
	os.WriteFile(plan, []byte(`accounts:
  - child_account_name: child-2500
    active: false
  - child_account_email: Child-1004@Example.TEST
    language_code: de
  - child_account_email: nobody@example.test
    active: false
`), 0o644)
	e, out, errb := testEnv(nil)
	code := dispatch(context.Background(), e, []string{"run", "--dry-run", "--preview", plan, "--credentials", creds,
		"--endpoint", endpoint, "--rate", "1000", "--output", "json"})
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	for _, want := range []string{`"change": 1`, `"unchanged": 1`, `"missing": 1`, `"account": "child-2500"`,
		`"from": true`, `"to": false`, `"account": "nobody@example.test",` + "\n      \"selector\": \"child_account_email\",\n      \"state\": \"missing\""} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("preview lacks %q:\n%s", want, out)
		}
	}
	if st := s.Stats(); st.ByMethod["GetChildrenAccounts"] != 3 || st.ByMethod["SetChildAccountInfo"] != 0 {
		t.Errorf("requests by method %v, want 3 reads", st.ByMethod)
	}
}

func TestSkipUnchanged(t *testing.T) {
	s, endpoint, creds := pvSim(t, 1000)
	dir := t.TempDir()
	reportPath := filepath.Join(dir, "report.csv")
	args := []string{"run", pvPlan, "--skip-unchanged", "--credentials", creds, "--endpoint", endpoint,
		"--report", reportPath, "--rate", "1000"}
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, args); code != exitRowsFailed {
		t.Fatalf("exit %d, want 1 (two accounts do not exist)\n%s", code, errb)
	}
	want := map[string]string{"2": "applied", "3": "unchanged", "4": "applied", "5": "failed", "6": "applied",
		"7": "applied", "8": "unchanged", "9": "applied", "10": "failed"}
	check := func(rows []map[string]string, want map[string]string) {
		t.Helper()
		if len(rows) != len(want) {
			t.Fatalf("%d report rows, want %d", len(rows), len(want))
		}
		for _, r := range rows {
			if r["status"] != want[r["line"]] {
				t.Errorf("line %s: %s, want %s", r["line"], r["status"], want[r["line"]])
			}
		}
	}
	check(readReport(t, reportPath), want)
	st := s.Stats()
	// Reads: one id list, a name list and its missing name, an email list.
	// Sends: ids 1000;99999 fail and are split (3 requests); child-1002,
	// nobody, the password row and 1005 go alone (4).
	if st.ByMethod["GetChildrenAccounts"] != 4 || st.ByMethod["SetChildAccountInfo"] != 7 {
		t.Errorf("requests by method %v", st.ByMethod)
	}
	if a, _ := s.Account(1001); a.Applications != 1 {
		t.Errorf("account 1001 was sent a change it already had: %+v", a)
	}
	journal, _ := os.ReadFile(reportPath + ".state")
	if !strings.Contains(string(journal), "\n1 U ") || !strings.Contains(string(journal), "\n6 U ") {
		t.Errorf("the journal lacks the unchanged rows:\n%s", journal)
	}
	digestLine := strings.SplitN(string(journal), "\n", 2)[0]

	// A rerun resumes: nothing is read or sent again.
	s.ResetStats()
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, args); code != exitRowsFailed {
		t.Fatalf("rerun: exit %d\n%s", code, errb)
	}
	if st := s.Stats(); st.Requests != 0 {
		t.Errorf("the rerun sent %v", st.ByMethod)
	}
	for k, v := range want {
		if v == "applied" {
			want[k] = "skipped"
		}
	}
	check(readReport(t, reportPath), want)

	// The digest is the plan's, as without the flag.
	p, err := plan.LoadFile(pvPlan, nil, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(digestLine, " "+p.Digest+" ") {
		t.Errorf("journal header %q does not carry the plan's digest %s", digestLine, p.Digest)
	}
}

const pvStrictPlan = "testdata/preview-strict.csv"

// TestPreviewStrict previews a plan that mixes an "all" row, ids (three
// lists of --chunk-size 2), names and emails against a simulator as strict
// as the reference, some of whose accounts come without their optional
// fields. Before issue 12 it aborted: a bare listing was answered 134.
func TestPreviewStrict(t *testing.T) {
	s, endpoint, creds := pvSimConfig(t, voxsim.Config{Accounts: 1000, OmitOptional: 5})
	for _, tt := range []struct {
		golden string
		args   []string
	}{
		{"preview-strict.txt", []string{"run", "--dry-run", "--preview", pvStrictPlan}},
		{"preview-strict.json", []string{"run", pvStrictPlan, "--dry-run", "--preview", "--output", "json"}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			e, out, errb := testEnv(map[string]string{"VOXIMPLANT_CREDENTIALS": creds})
			args := append(tt.args, "--endpoint", endpoint, "--rate", "1000", "--allow-all", "--chunk-size", "2")
			if code := dispatch(context.Background(), e, args); code != exitOK {
				t.Fatalf("exit %d: %s", code, errb)
			}
			golden(t, tt.golden, out.Bytes())
		})
	}
	// Each preview: 3 id lists, a name list, an email list that comes back
	// short and the missing email alone. Every read named its accounts.
	st := s.Stats()
	if st.ByMethod["GetChildrenAccounts"] != 2*6 || st.ByOutcome["ok"] != st.Requests || st.MaxList > 2 {
		t.Errorf("reads %v, outcomes %v, longest list %d", st.ByMethod, st.ByOutcome, st.MaxList)
	}
}

// TestSkipUnchangedStrict runs --skip-unchanged on the same plan against
// the strict simulator: rows already in the desired state are skipped, and
// rows whose field the answer left out are sent (a missing
// support_robokassa is unknown, not false).
func TestSkipUnchangedStrict(t *testing.T) {
	s, endpoint, creds := pvSimConfig(t, voxsim.Config{Accounts: 1000, OmitOptional: 5})
	reportPath := filepath.Join(t.TempDir(), "report.csv")
	e, _, errb := testEnv(nil)
	code := dispatch(context.Background(), e, []string{"run", pvStrictPlan, "--skip-unchanged", "--allow-all", "--chunk-size", "2",
		"--credentials", creds, "--endpoint", endpoint, "--report", reportPath, "--rate", "1000"})
	if code != exitRowsFailed {
		t.Fatalf("exit %d, want 1 (nobody@example.test does not exist)\n%s", code, errb)
	}
	want := map[string]string{"2": "applied", "3": "applied", "4": "unchanged", "5": "applied", "6": "applied",
		"7": "applied", "8": "unchanged", "9": "applied", "10": "applied", "11": "applied", "12": "failed"}
	rows := readReport(t, reportPath)
	if len(rows) != len(want) {
		t.Fatalf("%d report rows, want %d", len(rows), len(want))
	}
	for _, r := range rows {
		if r["status"] != want[r["line"]] {
			t.Errorf("line %s: %s, want %s", r["line"], r["status"], want[r["line"]])
		}
	}
	if a, _ := s.Account(1005); !a.Active || a.SupportRobokassa || a.Applications != 2 {
		t.Errorf("account 1005 (answered without its optional fields) was not sent its row: %+v", a)
	}
	if a, _ := s.Account(1006); a.Applications != 1 {
		t.Errorf("account 1006 was sent a change it already had: %+v", a)
	}
	if st := s.Stats(); st.ByOutcome["134"] != 0 || st.ByOutcome["101"] != 0 {
		t.Errorf("outcomes %v: a read did not name its accounts", st.ByOutcome)
	}
}

// TestPreviewWrongKeyID: a wrong key_id stops the preview at once, exit 3,
// with a hint that names key_id.
func TestPreviewWrongKeyID(t *testing.T) {
	s, endpoint, _ := pvSimConfig(t, voxsim.Config{Accounts: 100})
	other, err := voxsim.New(voxsim.Config{Accounts: 1})
	if err != nil {
		t.Fatal(err)
	}
	creds := filepath.Join(t.TempDir(), "other.json")
	if err := other.WriteCredentials(creds); err != nil {
		t.Fatal(err)
	}
	e, _, errb := testEnv(nil)
	code := dispatch(context.Background(), e, []string{"run", "--dry-run", "--preview", pvPlan, "--credentials", creds,
		"--endpoint", endpoint, "--rate", "1000", "--workers", "4"})
	if code != exitAborted || !strings.Contains(errb.String(), "433") || !strings.Contains(errb.String(), "key_id") {
		t.Errorf("exit %d, want 3 with a hint on key_id:\n%s", code, errb)
	}
	if n := s.Stats().Requests; n > 4 {
		t.Errorf("%d reads with a wrong key id, want at most one per worker", n)
	}
}

// TestSimStrictnessFlags: every switch of issue 12 is a flag of sim and
// demo.
func TestSimStrictnessFlags(t *testing.T) {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	var c voxsim.Config
	registerSimFaults(fs, &c)
	err := fs.Parse([]string{"--resend-rate", "0.25", "--errors-envelope", "--list-all", "--refuse-read-lists",
		"--substring-names", "--omit-optional", "7"})
	if err != nil {
		t.Fatal(err)
	}
	want := voxsim.Config{ResendRate: 0.25, ErrorsEnvelope: true, ListAll: true, RefuseReadLists: true, SubstringNames: true, OmitOptional: 7}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("config %+v\nwant   %+v", c, want)
	}
}

// TestRunHintsOfIssue12: the fatal codes of issue 12 stop with exit 3 and
// a hint: 433 names key_id, 492 the forbidden parameter.
func TestRunHintsOfIssue12(t *testing.T) {
	abort := func(ae *voximplant.APIError) error { return &batch.AbortError{Reason: "fatal error", Err: ae} }
	for _, tt := range []struct {
		err  error
		hint string
	}{
		{abort(&voximplant.APIError{Code: voximplant.CodeInvalidKeyID, Msg: "Invalid key id"}), "key_id"},
		{abort(&voximplant.APIError{Code: voximplant.CodeParamForbidden, Msg: "forbidden", FieldName: "support_invoice"}), "the parameter support_invoice"},
		{abort(&voximplant.APIError{Code: voximplant.CodeParamForbidden, Msg: "support_invoice is forbidden"}), "the parameter the message names"},
		{abort(&voximplant.APIError{Code: voximplant.CodeMultipleSelectors, Msg: "only one"}), "bug in voxbatch"},
		{abort(&voximplant.APIError{Code: voximplant.CodeMissingCommand, Msg: "missing cmd"}), "bug in voxbatch"},
	} {
		var ce *cliError
		if !errors.As(withRunHint(tt.err), &ce) || ce.code != exitAborted || !strings.Contains(ce.hint, tt.hint) {
			t.Errorf("%v: %+v, want exit 3 and a hint with %q", tt.err, ce, tt.hint)
		}
	}
}

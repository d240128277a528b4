package cli

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	s, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: n, Seed: 1})
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
	st := s.Stats()
	if st.ByMethod["SetChildAccountInfo"] != 0 || st.ByMethod["GetChildrenAccounts"] != 2 || st.AccountsChanged != 2 {
		t.Errorf("a preview changed something or read too much: %+v", st)
	}
}

// TestPreviewReadsByNameAndEmail previews name and email rows among more
// children than one page holds: each takes a read of its own.
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
	// A first page (1000 of 3000), then the two accounts it did not hold.
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
	// Ids 1000;99999 fail and are split (3 requests); child-1002, nobody,
	// the password row and 1005 go alone (4).
	if st.ByMethod["GetChildrenAccounts"] != 1 || st.ByMethod["SetChildAccountInfo"] != 7 {
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

package batch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voximplant"
	"github.com/voxbatch/voxbatch/voxsim"
)

// startSim serves a simulator on loopback and returns it with a client that
// holds its credentials. Simulators share one RSA key unless cfg has one.
func startSim(t *testing.T, cfg voxsim.Config) (*voxsim.Server, *voximplant.Client) {
	t.Helper()
	if cfg.Key == nil {
		cfg.Key = sharedKey(t)
	}
	s, err := voxsim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	endpoint, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clientFor(t, s.CredentialsJSON(), endpoint)
}

func clientFor(t *testing.T, credsJSON []byte, endpoint string) *voximplant.Client {
	t.Helper()
	path := filepath.Join(t.TempDir(), "credentials.json")
	if err := os.WriteFile(path, credsJSON, 0o600); err != nil {
		t.Fatal(err)
	}
	creds, err := voximplant.LoadCredentials(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := voximplant.New(creds, voximplant.Config{Endpoint: endpoint, Timeout: 5 * time.Second, Workers: 16})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// csvPlan builds and loads a plan of rows "id,active" for the given ids.
func csvPlan(t *testing.T, header string, lines []string) *plan.Plan {
	t.Helper()
	src := header + "\n" + strings.Join(lines, "\n") + "\n"
	p, err := plan.Load("test.csv", strings.NewReader(src), plan.Options{Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func disablePlan(t *testing.T, ids []int) *plan.Plan {
	lines := make([]string, len(ids))
	for i, id := range ids {
		lines[i] = fmt.Sprintf("%d,false", id)
	}
	return csvPlan(t, "child_account_id,active", lines)
}

func idRange(from, n int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = from + i
	}
	return ids
}

// fastConfig keeps backoff short so that tests with faults finish quickly.
func fastConfig(c Config) Config {
	c.BackoffBase = time.Millisecond
	c.BackoffMax = 20 * time.Millisecond
	return c
}

func countStatus(recs []report.Record) map[report.Status]int {
	m := map[report.Status]int{}
	for _, r := range recs {
		m[r.Status]++
	}
	return m
}

func TestRunAppliesEveryRow(t *testing.T) {
	s, client := startSim(t, voxsim.Config{Accounts: 10000})
	p := disablePlan(t, idRange(1000, 10000))
	var outcomes int
	r := New(p, client, fastConfig(Config{Workers: 8, Rate: 2000, Burst: 1, ChunkSize: 50,
		OnOutcome: func(int, *report.Record) { outcomes++ }}))
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := countStatus(res.Records); got[report.Applied] != 10000 {
		t.Fatalf("statuses %v", got)
	}
	if outcomes != 10000 {
		t.Errorf("OnOutcome called %d times", outcomes)
	}
	for _, a := range s.Accounts() {
		if a.Active {
			t.Fatalf("account %d still active", a.AccountID)
		}
	}
	st := s.Stats()
	if st.Requests != 200 || res.Stats.Requests != 200 {
		t.Errorf("requests: sim %d, runner %d, want 200 (10000/50)", st.Requests, res.Stats.Requests)
	}
	if st.MaxConcurrency > 8 {
		t.Errorf("max concurrency %d > workers 8", st.MaxConcurrency)
	}
}

func TestRunLimitsRateAndConcurrency(t *testing.T) {
	s, client := startSim(t, voxsim.Config{Accounts: 600, Latency: 20 * time.Millisecond})
	p := disablePlan(t, idRange(1000, 600))
	r := New(p, client, fastConfig(Config{Workers: 3, Rate: 20, ChunkSize: 10}))
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.MaxConcurrency > 3 {
		t.Errorf("max concurrency %d > 3 workers", st.MaxConcurrency)
	}
	// The pacer's window lets at most 20 requests start in any 1.02 s,
	// which absorbs the arrivals' scheduling jitter at the server.
	if st.MaxPerSecond > 20 {
		t.Errorf("max requests in one second %d > rate 20", st.MaxPerSecond)
	}
	if st.MaxPerSecond < 15 {
		t.Errorf("max requests in one second %d: the limiter is far below its rate", st.MaxPerSecond)
	}
}

func TestRunSurvivesFaultsAndDrops(t *testing.T) {
	s, client := startSim(t, voxsim.Config{Accounts: 3000, FaultRate: 0.05, DropRate: 0.02, Seed: 7})
	p := disablePlan(t, idRange(1000, 3000))
	r := New(p, client, fastConfig(Config{Workers: 8, Rate: 2000, ChunkSize: 20, MaxAttempts: 10}))
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := countStatus(res.Records); got[report.Applied] != 3000 {
		t.Fatalf("statuses %v", got)
	}
	if res.Stats.Retries == 0 {
		t.Error("no retries under 7% faults")
	}
	for _, a := range s.Accounts() {
		if a.Active {
			t.Fatalf("account %d still active", a.AccountID)
		}
	}
}

func TestRunBisectsUnknownAccounts(t *testing.T) {
	s, client := startSim(t, voxsim.Config{Accounts: 1000})
	ids := idRange(1000, 1000)
	bad := map[int]bool{}
	for _, at := range []int{17, 333, 334, 901} {
		ids[at] = 90000 + at
		bad[90000+at] = true
	}
	p := disablePlan(t, ids)
	r := New(p, client, fastConfig(Config{Workers: 4, Rate: 2000, ChunkSize: 100}))
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range res.Records {
		if bad[ids[i]] {
			if rec.Status != report.Failed || rec.ErrorCode != 194 {
				t.Errorf("row %d (%d): %s %d, want failed 194", i, ids[i], rec.Status, rec.ErrorCode)
			}
		} else if rec.Status != report.Applied {
			t.Errorf("row %d (%d): %s, want applied", i, ids[i], rec.Status)
		}
	}
	// 10 chunks of 100; 3 hold bad rows. Each bisection of n=100 with k
	// bad rows costs at most about 2k·log2(n) extra requests.
	if n := s.Stats().Requests; n > 10+3*2*2*7 {
		t.Errorf("%d requests for 4 bad rows in 10 chunks", n)
	}
}

func TestRunStopsOnAuthFailure(t *testing.T) {
	s, err := voxsim.New(voxsim.Config{Accounts: 2000})
	if err != nil {
		t.Fatal(err)
	}
	endpoint, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	// Credentials of another simulator with this one's key id: the
	// signature does not verify, code 100. (Another key id is 433:
	// TestWrongKeyID.)
	other, err := voxsim.New(voxsim.Config{Accounts: 1, KeyID: s.KeyID()})
	if err != nil {
		t.Fatal(err)
	}
	client := clientFor(t, other.CredentialsJSON(), endpoint)
	p := disablePlan(t, idRange(1000, 2000))
	r := New(p, client, fastConfig(Config{Workers: 4, Rate: 2000, ChunkSize: 10}))
	res, err := r.Run(context.Background())
	var ae *AbortError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *AbortError", err)
	}
	if res.Stats.Requests > 4 {
		t.Errorf("%d requests after a fatal auth error; want at most one per worker", res.Stats.Requests)
	}
	st := countStatus(res.Records)
	if st[report.NotAttempted] != 2000 {
		t.Errorf("statuses %v, want all not_attempted", st)
	}
	withCode := 0
	for _, rec := range res.Records {
		if rec.ErrorCode == 100 {
			withCode++
		}
	}
	if withCode < 10 {
		t.Errorf("%d rows carry code 100, want at least the failing request's 10", withCode)
	}
}

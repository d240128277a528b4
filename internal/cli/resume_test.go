package cli

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/voxbatch/voxbatch/voxsim"
)

var (
	simKeyOnce sync.Once
	simKey     *rsa.PrivateKey
)

// startInProcessSim serves a simulator in this process and writes its
// credentials; it returns the endpoint and the credentials path. The
// simulators of these tests share one RSA key, made once, unless cfg has
// its own.
func startInProcessSim(t *testing.T, cfg voxsim.Config) (*voxsim.Server, string, string) {
	t.Helper()
	simKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		simKey = k
	})
	if cfg.Key == nil {
		cfg.Key = simKey
	}
	s, err := voxsim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	creds := filepath.Join(t.TempDir(), "creds.json")
	if err := s.WriteCredentials(creds); err != nil {
		t.Fatal(err)
	}
	endpoint, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, endpoint, creds
}

func TestResumeRefusesAnotherPlanAndALockedJournal(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 100})
	dir := t.TempDir()
	planA := filepath.Join(dir, "a.csv")
	os.WriteFile(planA, []byte("child_account_id,active\n1000,false\n1001,false\n"), 0o644)
	planB := filepath.Join(dir, "b.csv")
	os.WriteFile(planB, []byte("child_account_id,active\n1000,false\n1001,true\n"), 0o644)
	reportPath := filepath.Join(dir, "report.csv")
	args := func(p string, extra ...string) []string {
		return append([]string{"run", p, "--credentials", creds, "--endpoint", endpoint, "--report", reportPath}, extra...)
	}
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, args(planA)); code != exitOK {
		t.Fatalf("first run: exit %d\n%s", code, errb)
	}
	before, _ := os.ReadFile(reportPath)

	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, args(planB)); code != exitMismatch {
		t.Fatalf("other plan on the same journal: exit %d\n%s", code, errb)
	}
	if !strings.Contains(errb.String(), "--fresh") {
		t.Errorf("no --fresh hint:\n%s", errb)
	}
	if after, _ := os.ReadFile(reportPath); string(after) != string(before) {
		t.Error("a refused run overwrote the report")
	}

	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, args(planB, "--fresh")); code != exitOK {
		t.Fatalf("--fresh: exit %d\n%s", code, errb)
	}
	old, _ := filepath.Glob(reportPath + ".state.*.old")
	if len(old) != 1 {
		t.Errorf("old journal kept as %v", old)
	}

	// A second run while the first holds the journal.
	j, err := os.OpenFile(reportPath+".state", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := syscall.Flock(int(j.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	for _, extra := range [][]string{nil, {"--fresh"}} {
		e, _, errb = testEnv(nil)
		if code := dispatch(context.Background(), e, args(planB, extra...)); code != exitMismatch || !strings.Contains(errb.String(), "locked") {
			t.Fatalf("locked journal %v: exit %d\n%s", extra, code, errb)
		}
	}
	if _, err := os.Stat(reportPath + ".state"); err != nil {
		t.Errorf("--fresh moved a journal in use: %v", err)
	}
}

func TestResumeWithReportOnStdout(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 100})
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("plan.csv", []byte("child_account_id,active\n1000,false\n1001,false\n"), 0o644)
	for _, want := range []string{"applied", "skipped"} {
		e, out, errb := testEnv(nil)
		if code := dispatch(context.Background(), e, []string{"run", "plan.csv", "--credentials", creds, "--endpoint", endpoint, "--report", "-"}); code != exitOK {
			t.Fatalf("exit %d\n%s", code, errb)
		}
		if n := strings.Count(out.String(), ","+want+","); n != 2 {
			t.Errorf("stdout report has %d %s rows:\n%s", n, want, out)
		}
	}
	states, _ := filepath.Glob("voxbatch-*.state")
	if len(states) != 1 || len(states[0]) != len("voxbatch-")+12+len(".state") {
		t.Errorf("journal files %v", states)
	}
}

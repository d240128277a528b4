package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/voxsim"
)

// The operator's workflow issue: messages that say a thing once.

func TestNotAppliedSaysItOnce(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 3})
	dir := t.TempDir()
	planPath := filepath.Join(dir, "plan.csv")
	os.WriteFile(planPath, []byte("child_account_id,active\n1000,false\n99999,false\n"), 0o644)
	e, _, errb := testEnv(nil)
	code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
		"--report", filepath.Join(dir, "r.csv")})
	if code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	msg := errb.String()
	if !strings.Contains(msg, "1 of 2 rows not applied (failed 1)") || strings.Contains(msg, "some rows were not applied") {
		t.Errorf("the error says it twice or not at all:\n%s", msg)
	}
}

func TestErrorsShowControlCharactersEscaped(t *testing.T) {
	var b strings.Builder
	printError(&b, errors.New("api error 1: proxy says \x1b[31mred\x1b[0m\u202e"))
	if strings.ContainsAny(b.String(), "\x1b\u202e") || !strings.Contains(b.String(), `\x1b[31mred`) {
		t.Errorf("printed %q", b.String())
	}
}

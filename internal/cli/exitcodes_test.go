package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/voxsim"
)

// TestRunExitCodes runs whole commands against the simulator and checks the
// exit code each outcome maps to.
func TestRunExitCodes(t *testing.T) {
	s, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 100})
	other, err := voxsim.New(voxsim.Config{Accounts: 1})
	if err != nil {
		t.Fatal(err)
	}
	wrongCreds := filepath.Join(t.TempDir(), "wrong.json")
	if err := other.WriteCredentials(wrongCreds); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	good := write("good.csv", "child_account_id,active\n1000,false\n1001,false\n")
	mixed := write("mixed.csv", "child_account_id,active\n1002,false\n99999,false\n1003,false\n")
	tests := []struct {
		name string
		args []string
		want int
		hint string
	}{
		{"all applied", []string{"run", good, "--credentials", creds}, exitOK, ""},
		{"unknown account", []string{"run", mixed, "--credentials", creds}, exitRowsFailed, "1 of 3 rows not applied (failed 1)"},
		{"auth failure", []string{"run", good, "--credentials", wrongCreds, "--fresh"}, exitAborted, "hint: check the credentials"},
		{"threshold", []string{"run", mixed, "--credentials", creds, "--max-failures", "1", "--chunk-size", "1", "--workers", "1", "--fresh"}, exitAborted, "a plain rerun then sends the rows not yet tried, and the failed ones only with --retry-failed"},
		{"summary path unwritable", []string{"run", good, "--credentials", creds, "--fresh", "--summary", filepath.Join(dir, "no", "such", "dir", "s.json")}, exitUsage, "--summary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Stats().Requests
			e, _, errb := testEnv(nil)
			args := append(tt.args, "--endpoint", endpoint, "--report", filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".csv"))
			if code := dispatch(context.Background(), e, args); code != tt.want {
				t.Fatalf("exit %d, want %d\n%s", code, tt.want, errb)
			}
			if !strings.Contains(errb.String(), tt.hint) {
				t.Errorf("stderr lacks %q:\n%s", tt.hint, errb)
			}
			if tt.want == exitUsage && s.Stats().Requests != before {
				t.Errorf("a usage error sent %d requests", s.Stats().Requests-before)
			}
		})
	}
}

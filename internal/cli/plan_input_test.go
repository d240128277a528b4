package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlanInputProblems runs validate and a dry run on plans with the
// mistakes of issue 11 that the plan itself shows: conflicts, control
// characters, no rows, UTF-16.
func TestPlanInputProblems(t *testing.T) {
	utf16 := func(s string) string {
		var b strings.Builder
		for _, c := range []byte(s) {
			b.WriteByte(c)
			b.WriteByte(0)
		}
		return b.String()
	}
	tests := []struct {
		name, plan string
		args       []string
		code       int
		contains   []string
	}{
		{"conflict", "child_account_id,active\n1005,true\n1005,false\n", []string{"validate"}, exitUsage, []string{
			`p.csv:2: child_account_id: account "1005" conflicts with line 3 (different active)`,
			`p.csv:3: child_account_id: account "1005" conflicts with line 2 (different active)`,
			"2 problems in"}},
		{"conflict skipped", "child_account_id,active\n1005,true\n1005,false\n7,false\n", []string{"validate", "--skip-invalid"}, exitRowsFailed, []string{
			`p.csv:2: child_account_id: account "1005" conflicts with line 3 (different active) (invalid, skipped)`,
			`p.csv:3: child_account_id: account "1005" conflicts with line 2 (different active) (invalid, skipped)`,
			"rows: 3 (valid 1, invalid 2,", "requests: 1"}},
		{"conflict in a dry run", "child_account_id,active\n1005,true\n1005,false\n7,false\n", []string{"run", "--dry-run", "--skip-invalid"}, exitRowsFailed, []string{
			"#1 SetChildAccountInfo child_account_id=7 active=false  (line 4)\n", "groups: 1, requests: 1"}},
		{"all conflicts", "child_account_id,active\nall,false\n1011,true\n", []string{"validate", "--allow-all"}, exitUsage, []string{
			`p.csv:2: child_account_id: account "all" conflicts with line 3 (different active)`,
			`p.csv:3: child_account_id: conflicts with line 2, whose "all" sets every child account (different active)`}},
		{"all agrees", "child_account_id,active\nall,false\n1011,false\n", []string{"validate", "--allow-all"}, exitOK, []string{
			"rows: 2 (valid 2,"}},
		{"no rows", "child_account_id,active\n", []string{"validate", "--skip-invalid"}, exitUsage, []string{
			"p.csv: the plan has no rows"}},
		{"control character", "child_account_name,active\n\"shop\x1b[2J\u202e\",true\n", []string{"validate"}, exitUsage, []string{
			`child_account_name: "shop\x1b[2J\u202e" contains a control character (U+001B at byte 5)`}},
		{"utf-16", utf16("child_account_id,active\n1,true\n"), []string{"validate"}, exitUsage, []string{
			"the plan looks like UTF-16 text without a byte-order mark; save it as UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p.csv")
			if err := os.WriteFile(path, []byte(tt.plan), 0o644); err != nil {
				t.Fatal(err)
			}
			e, out, errb := testEnv(nil)
			code := dispatch(context.Background(), e, append(tt.args, path))
			all := out.String() + errb.String()
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, all)
			}
			for _, c := range tt.contains {
				if !strings.Contains(all, c) {
					t.Errorf("output lacks %q:\n%s", c, all)
				}
			}
			if strings.ContainsAny(all, "\x00\x1b\u202e") {
				t.Errorf("a control character reached the output: %q", all)
			}
		})
	}
}

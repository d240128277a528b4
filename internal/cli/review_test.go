package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
)

// reviewWrite writes a plan file into dir.
func reviewWrite(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// reviewOut runs a dry run of planPath that writes a review file, and
// returns the file's path.
func reviewOut(t *testing.T, planPath string, extra ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "review.json")
	e, out, errb := testEnv(nil)
	args := append([]string{"run", "--dry-run", planPath, "--review-out", path}, extra...)
	if code := dispatch(context.Background(), e, args); code != exitOK {
		t.Fatalf("dry run with --review-out: exit %d\n%s", code, errb)
	}
	if !strings.Contains(out.String(), "review file: "+path) {
		t.Errorf("the dry run does not name the review file:\n%s", out)
	}
	return path
}

func TestReviewFile(t *testing.T) {
	path := reviewOut(t, pvPlan, "--chunk-size", "2")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "review-plan.json", got)
	s := string(got)
	if strings.Contains(s, "Secret-Pass-1") {
		t.Fatal("the review file holds a password")
	}
	for _, want := range []string{`"new_child_account_password": "(set)"`, `"new_child_account_password": "***"`, `"chunk_size": 2`} {
		if !strings.Contains(s, want) {
			t.Errorf("review file lacks %s", want)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("review file mode %v (%v)", fi.Mode(), err)
	}
}

func TestExpectDigest(t *testing.T) {
	p, err := plan.LoadFile(pvPlan, nil, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, endpoint, creds := pvSim(t, 1000)
	wrong := "sha256:" + strings.Repeat("0", 64)
	tests := []struct {
		name string
		args []string
		vars map[string]string
		code int
	}{
		{"mismatch before credentials are needed", []string{"run", pvPlan, "--expect-digest", wrong}, nil, exitMismatch},
		{"mismatch with credentials", []string{"run", pvPlan, "--expect-digest", wrong, "--credentials", creds, "--endpoint", endpoint}, nil, exitMismatch},
		{"mismatch from the environment", []string{"run", pvPlan, "--credentials", creds, "--endpoint", endpoint, "--skip-unchanged"},
			map[string]string{"VOXBATCH_EXPECT_DIGEST": wrong}, exitMismatch},
		{"mismatch in a dry run", []string{"run", "--dry-run", pvPlan, "--expect-digest", wrong}, nil, exitMismatch},
		{"mismatch in a preview", []string{"run", "--dry-run", "--preview", pvPlan, "--expect-digest", wrong, "--credentials", creds, "--endpoint", endpoint}, nil, exitMismatch},
		{"match", []string{"run", "--dry-run", pvPlan, "--expect-digest", p.Digest}, nil, exitOK},
		{"match in capitals", []string{"run", "--dry-run", pvPlan, "--expect-digest", strings.ToUpper(p.Digest)}, nil, exitOK},
		{"not a digest", []string{"run", "--dry-run", pvPlan, "--expect-digest", "sha256:abc"}, nil, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			e, out, errb := testEnv(tt.vars)
			args := append(tt.args, "--report", filepath.Join(dir, "report.csv"), "--rate", "1000")
			if code := dispatch(context.Background(), e, args); code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out, errb)
			}
			if tt.code != exitMismatch {
				return
			}
			for _, want := range []string{"has digest " + p.Digest + ", not the expected " + wrong + "; nothing was sent", "voxbatch: hint: ", "--review"} {
				if !strings.Contains(errb.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, errb)
				}
			}
			if out.Len() != 0 {
				t.Errorf("output of a refused run:\n%s", out)
			}
			if files, _ := os.ReadDir(dir); len(files) != 0 {
				t.Errorf("a refused run left %v", files)
			}
			if st := s.Stats(); st.Requests != 0 {
				t.Errorf("a refused run sent %v", st.ByMethod)
			}
		})
	}
}

func TestReviewNamesWhatChanged(t *testing.T) {
	dir := t.TempDir()
	base := reviewWrite(t, dir, "base.csv", "child_account_id,active,location\n1000,false,\n1001,false,\n1002,false,Europe/Oslo\n1003,false,\n")
	review := reviewOut(t, base)
	many := func(n, from int, active string) string {
		var b strings.Builder
		b.WriteString("child_account_id,active\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "%d,%s\n", from+i, active)
		}
		return b.String()
	}
	bigReview := reviewOut(t, reviewWrite(t, dir, "big.csv", many(30, 1000, "false")))
	tests := []struct {
		name    string
		plan    string
		review  string
		extra   []string
		code    int
		golden  string
		wantAll []string
	}{
		{name: "value changed, rows added and removed", review: review, code: exitMismatch, golden: "review-diff.txt",
			plan: "child_account_id,active,location\n1000,false,\n1001,true,\n1002,false,\n1005,false,\n1006,false,\n"},
		{name: "reordered", review: review, code: exitMismatch, wantAll: []string{"the same rows in another order"},
			plan: "child_account_id,active,location\n1001,false,\n1000,false,\n1002,false,Europe/Oslo\n1003,false,\n"},
		{name: "long lists are cut short", review: bigReview, code: exitMismatch,
			plan: many(15, 1000, "true") + strings.TrimPrefix(many(27, 1015, "false"), "child_account_id,active\n"),
			wantAll: []string{"line 2 (child_account_id 1000): active false → true", "… and 5 more changed rows",
				"12 rows added: line 32 (child_account_id 1030), line 33 (child_account_id 1031), ",
				"line 41 (child_account_id 1039), … (12 in all)"}},
		{name: "same plan in another form passes", review: review, code: exitOK,
			plan: "active,child_account_id,location\nfalse,1000,\nno,1001,\nfalse,1002,Europe/Oslo\nfalse,1003,\n"},
		{name: "same plan, other chunk size: a warning", review: review, code: exitOK, extra: []string{"--chunk-size", "3"},
			plan:    "child_account_id,active,location\n1000,false,\n1001,false,\n1002,false,Europe/Oslo\n1003,false,\n",
			wantAll: []string{"chunk size differs from the review"}},
		{name: "review and --expect-digest disagree", review: review, code: exitUsage, extra: []string{"--expect-digest", "sha256:" + strings.Repeat("a", 64)},
			plan: "child_account_id,active\n1000,false\n", wantAll: []string{"is not the digest of the review file"}},
		{name: "not a review file", review: base, code: exitUsage, plan: "child_account_id,active\n1000,false\n",
			wantAll: []string{"not a voxbatch review file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			planPath := reviewWrite(t, t.TempDir(), "plan.csv", tt.plan)
			e, _, errb := testEnv(nil)
			args := append([]string{"run", "--dry-run", planPath, "--review", tt.review}, tt.extra...)
			if code := dispatch(context.Background(), e, args); code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", code, tt.code, errb)
			}
			got := strings.ReplaceAll(errb.String(), filepath.Dir(planPath), "$PLANDIR")
			got = strings.ReplaceAll(got, filepath.Dir(tt.review), "$REVIEWDIR")
			if tt.golden != "" {
				golden(t, tt.golden, []byte(got))
			}
			for _, want := range tt.wantAll {
				if !strings.Contains(got, want) {
					t.Errorf("stderr lacks %q:\n%s", want, got)
				}
			}
		})
	}
}

func TestReviewFlagCombinations(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--preview"}, "--preview goes with --dry-run"},
		{[]string{"--dry-run", "--skip-unchanged"}, "--skip-unchanged is for a real run"},
		{[]string{"--review-out", "r.json"}, "--review-out goes with --dry-run"},
		{[]string{"--dry-run", "--review", filepath.Join(t.TempDir(), "none.json")}, "--review: "},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			e, _, errb := testEnv(nil)
			if code := dispatch(context.Background(), e, append([]string{"run", pvPlan}, tt.args...)); code != exitUsage {
				t.Fatalf("exit %d, want 2\n%s", code, errb)
			}
			if !strings.Contains(errb.String(), tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, errb)
			}
		})
	}
	e, out, _ := testEnv(nil)
	dispatch(context.Background(), e, []string{"run", "-h"})
	for _, want := range []string{"--preview", "--skip-unchanged", "--review-out FILE", "--review FILE", "--expect-digest sha256:HEX",
		"env VOXBATCH_EXPECT_DIGEST", "--review review.json"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("run help lacks %q", want)
		}
	}
}

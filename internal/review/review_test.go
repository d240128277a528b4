package review

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
)

func TestCompare(t *testing.T) {
	row := func(line int, acct string, change map[string]string) Row {
		return Row{Line: line, Selector: "child_account_email", Account: acct, Change: change}
	}
	inv := Row{Line: 9, Invalid: "x"}
	off := map[string]string{"active": "false"}
	tests := []struct {
		name     string
		old, cur []Row
		want     string
	}{
		{"email case is no change", []Row{row(2, "A@x.test", off)}, []Row{row(2, "a@X.test", off)},
			"  no row differs from the review file: it may come from another voxbatch version, or have been edited"},
		{"a second row for an account", []Row{row(2, "a@x.test", off)}, []Row{row(2, "a@x.test", off), row(3, "a@x.test", off)},
			"  1 row added: line 3 (child_account_email a@x.test)"},
		{"rows added and removed name their accounts", []Row{row(2, "a@x.test", off), row(3, "b@x.test", off), row(4, "c d@x.test", off)},
			[]Row{row(2, "a@x.test", off), row(3, "e@x.test", off), row(4, "f@x.test", off)},
			"  2 rows added: line 3 (child_account_email e@x.test), line 4 (child_account_email f@x.test)\n" +
				`  2 rows removed: line 3 (child_account_email b@x.test), line 4 (child_account_email "c d@x.test") of the reviewed plan`},
		{"invalid rows", []Row{row(2, "a@x.test", off)}, []Row{row(2, "a@x.test", off), inv},
			"  invalid rows: 0 in the review (none), 1 now (line 9)"},
		{"password set and value quoted", []Row{row(2, "a@x.test", map[string]string{"location": "Etc/GMT"})},
			[]Row{row(2, "a@x.test", map[string]string{"new_child_account_password": "(set)", "location": "a b"})},
			`  line 2 (child_account_email a@x.test): new_child_account_password (not set) → (set), location Etc/GMT → "a b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Compare(tt.old, tt.cur).String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestCompareLongLists: the rows added or removed are listed up to
// maxListed, then counted.
func TestCompareLongLists(t *testing.T) {
	var old, cur []Row
	for i := range 12 {
		old = append(old, Row{Line: i + 2, Selector: "child_account_id", Account: fmt.Sprint(1000 + i), Change: map[string]string{"active": "false"}})
		cur = append(cur, Row{Line: i + 2, Selector: "child_account_id", Account: fmt.Sprint(2000 + i), Change: map[string]string{"active": "false"}})
	}
	got := Compare(old, cur).String()
	for _, want := range []string{
		"  12 rows added: line 2 (child_account_id 2000), line 3 (child_account_id 2001), ",
		", line 11 (child_account_id 2009), … (12 in all)\n",
		"  12 rows removed: line 2 (child_account_id 1000), ",
		", line 11 (child_account_id 1009), … (12 in all) of the reviewed plan",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "2010") || strings.Contains(got, "1010") {
		t.Errorf("lists more than %d rows:\n%s", maxListed, got)
	}
}

func TestNormalizeDigest(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	for in, want := range map[string]string{
		"sha256:" + hex:                          "sha256:" + hex,
		" SHA256:" + strings.ToUpper(hex) + "\n": "sha256:" + hex,
		"sha256:" + hex[:63]:                     "",
		"md5:" + hex:                             "",
		"sha256:" + hex[:63] + "g":               "",
	} {
		got, ok := NormalizeDigest(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormalizeDigest(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	p, err := plan.Load("plan.csv", strings.NewReader("child_account_id,active,new_child_account_password\n1000,false,\n1001,true,Secret-Pass-1\n1000,false,\n"), plan.Options{Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	set := Settings{ChunkSize: 2, AllowAll: true}
	reqs := plan.Chunk(p, nil, set.ChunkSize)
	path := filepath.Join(t.TempDir(), "review.json")
	if err := Write(path, New(p, set, p.Summarize(set.ChunkSize), reqs)); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "Secret-Pass-1") {
		t.Fatal("the review file holds the password")
	}
	f, err := Read(path, MaxSize(len(p.Rows)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Digest != p.Digest || f.Settings != set || len(f.Rows) != 3 || f.Rows[2].DuplicateOf != 2 {
		t.Fatalf("read back %+v", f)
	}
	if f.Rows[1].Change["new_child_account_password"] != PasswordSet {
		t.Errorf("row 2 change %v", f.Rows[1].Change)
	}
	if d := Compare(f.Rows, Rows(p)); d.String() != "  no row differs from the review file: it may come from another voxbatch version, or have been edited" {
		t.Errorf("the plan differs from its own review:\n%s", d)
	}
	if len(f.Requests) != len(reqs) || f.Requests[0].Method != "SetChildAccountInfo" {
		t.Errorf("requests %+v", f.Requests)
	}
}

func TestReadRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"not-json.json":  "child_account_id,active\n",
		"no-digest.json": `{"voxbatch_review": 1}`,
		"version-2.json": `{"voxbatch_review": 2, "digest": "sha256:` + strings.Repeat("0", 64) + `"}`,
	} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(content), 0o644)
		if _, err := Read(path, MaxSize(1)); !errors.Is(err, ErrNotReview) {
			t.Errorf("%s: %v, want ErrNotReview", name, err)
		}
	}
	if _, err := Read(filepath.Join(dir, "none.json"), MaxSize(1)); err == nil || errors.Is(err, ErrNotReview) {
		t.Errorf("a missing file: %v", err)
	}
}

func TestText(t *testing.T) {
	if got := Quote("a b"); got != `"a b"` {
		t.Errorf("Quote: %s", got)
	}
	if got := Quote("Europe/Oslo"); got != "Europe/Oslo" {
		t.Errorf("Quote: %s", got)
	}
	if got := Quote("a\x1b[2Jb\u202e"); got != `"a\x1b[2Jb\u202e"` {
		t.Errorf("Quote of control characters: %s", got)
	}
	if got := Plural(1, "row") + ", " + Plural(2, "row"); got != "1 row, 2 rows" {
		t.Errorf("Plural: %s", got)
	}
	many := make([]int, 12)
	for i := range many {
		many[i] = i + 2
	}
	for _, tt := range []struct {
		lines []int
		want  string
	}{{nil, "none"}, {[]int{7}, "line 7"}, {[]int{40, 41}, "lines 40, 41"},
		{many, "lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, … (12 in all)"}} {
		if got := LineList(tt.lines); got != tt.want {
			t.Errorf("LineList(%v) = %q, want %q", tt.lines, got, tt.want)
		}
	}
}

func TestReadIsBounded(t *testing.T) {
	if _, err := Read("/dev/zero", MaxSize(10)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("/dev/zero: %v, want ErrTooLarge", err)
	}
}

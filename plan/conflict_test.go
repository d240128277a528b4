package plan_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
)

// rowProblems returns the problem of each row of p, "" for a valid row.
func rowProblems(p *plan.Plan) []string {
	var out []string
	for _, r := range p.Rows {
		if r.Err == nil {
			out = append(out, "")
		} else {
			out = append(out, r.Err.Error())
		}
	}
	return out
}

// TestConflictNeverSent: every row of an account given two changes is
// invalid, each naming the others' lines; none is sent, not even the first.
func TestConflictNeverSent(t *testing.T) {
	const csv = "child_account_id,active\n1005,true\n1005,false\n7,true\n"
	p := mustLoad(t, "p.csv", csv, plan.Options{SkipInvalid: true})
	want := []string{
		`p.csv:2: child_account_id: account "1005" conflicts with line 3 (different active)`,
		`p.csv:3: child_account_id: account "1005" conflicts with line 2 (different active)`,
		"",
	}
	if got := rowProblems(p); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows\n got %q\nwant %q", got, want)
	}
	for _, r := range p.Rows[:2] {
		if r.Valid() || r.Change != nil || !errors.Is(r.Err, plan.ErrConflict) {
			t.Errorf("row %+v is not invalid", r)
		}
		if r.Kind != plan.ByID || r.Account != "1005" {
			t.Errorf("row %+v lost its selector: the report names it", r)
		}
	}
	reqs := plan.Chunk(p, nil, 50)
	if len(reqs) != 1 || fmt.Sprint(reqs[0].Accounts(p)) != "[7]" {
		t.Errorf("requests %+v, want one for account 7", reqs)
	}
	if s := p.Summarize(50); s.Valid != 1 || s.Invalid != 2 {
		t.Errorf("summary %+v", s)
	}

	// without SkipInvalid: a validation error naming both lines
	_, err := load(t, "p.csv", csv, plan.Options{})
	ve := validationError(t, err)
	if got := problemLines(ve); ve.Count != 2 || fmt.Sprint(got) != fmt.Sprint(want[:2]) {
		t.Errorf("problems (count %d)\n got %q\nwant %q", ve.Count, got, want[:2])
	}
}

// TestConflictManyRows: merged duplicates fall with their first row, each
// row names the lines whose change differs from its own, and a long list
// is cut.
func TestConflictManyRows(t *testing.T) {
	const csv = "child_account_id,active,language_code\n" +
		"5,true,en\n" + // line 2
		"5,false,en\n" + // line 3
		"5,true,en\n" + // line 4: merged into line 2 until the conflict
		"005,false,de\n" + // line 5
		"6,true,en\n" // line 6
	p := mustLoad(t, "p.csv", csv, plan.Options{SkipInvalid: true})
	want := []string{
		`p.csv:2: child_account_id: account "5" conflicts with lines 3 and 5 (different active, language_code)`,
		`p.csv:3: child_account_id: account "5" conflicts with lines 2, 4 and 5 (different active, language_code)`,
		`p.csv:4: child_account_id: account "5" conflicts with lines 3 and 5 (different active, language_code)`,
		`p.csv:5: child_account_id: account "5" conflicts with lines 2, 3 and 4 (different active, language_code)`,
		"",
	}
	if got := rowProblems(p); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows\n got %q\nwant %q", got, want)
	}
	if d := p.Dups(0); d != nil || p.Rows[2].Dup != -1 {
		t.Errorf("an invalid row keeps merged rows: %v, Dup %d", d, p.Rows[2].Dup)
	}

	var b strings.Builder
	b.WriteString("child_account_name,active\nshop,true\n")
	for range 20 {
		b.WriteString("shop,false\n")
	}
	p = mustLoad(t, "p.csv", b.String(), plan.Options{SkipInvalid: true})
	if got, want := rowProblems(p)[0], `p.csv:2: child_account_name: account "shop" conflicts with lines 3, 4, 5, 6, 7 and 15 more (different active)`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	_, err := load(t, "p.csv", b.String(), plan.Options{MaxErrors: 3})
	if ve := validationError(t, err); ve.Count != 21 || len(ve.Errors) != 3 || ve.Errors[0].Line != 2 || ve.Errors[2].Line != 4 {
		t.Errorf("capped list: count %d, %q", ve.Count, problemLines(ve))
	}
}

// TestConflictWithAll: "all" changes every child account, so a row of any
// selector kind that sets one of its parameters to another value
// conflicts with it; the same values, or other parameters, do not.
func TestConflictWithAll(t *testing.T) {
	tests := []struct {
		name, csv string
		want      []string // the problem of each row, "" for a valid one
	}{
		{"other value", "child_account_id,active\nall,false\n1011,true\n", []string{
			`p.csv:2: child_account_id: account "all" conflicts with line 3 (different active)`,
			`p.csv:3: child_account_id: conflicts with line 2, whose "all" sets every child account (different active)`,
		}},
		{"same value", "child_account_id,active\nall,false\n1011,false\n", []string{"", ""}},
		{"other parameter", "child_account_id,child_account_name,active,language_code\nall,,false,\n,shop,,en\n", []string{"", ""}},
		{"any kind, any order", "child_account_id,child_account_email,child_account_name,active,language_code,location\n" +
			",a@example.com,,false,de,\n" + // line 2: conflicts (language_code)
			"ALL,,,false,en,\n" + // line 3
			",,shop,,en,UTC\n" + // line 4: the same language, another parameter
			"12,,,true,,UTC\n" + // line 5: conflicts (active)
			"12,,,true,,UTC\n" + // line 6: merged into line 5, conflicts with it
			"all,,,false,en,\n", // line 7: merged into line 3
			[]string{
				`p.csv:2: child_account_email: conflicts with line 3, whose "all" sets every child account (different language_code)`,
				`p.csv:3: child_account_id: account "all" conflicts with lines 2, 5 and 6 (different active, language_code)`,
				"",
				`p.csv:5: child_account_id: conflicts with line 3, whose "all" sets every child account (different active)`,
				`p.csv:6: child_account_id: conflicts with line 3, whose "all" sets every child account (different active)`,
				`p.csv:7: child_account_id: account "all" conflicts with lines 2, 5 and 6 (different active, language_code)`,
			}},
		{"two alls", "child_account_id,active\nall,false\nall,true\n5,true\n", []string{
			`p.csv:2: child_account_id: account "all" conflicts with line 3 (different active)`,
			`p.csv:3: child_account_id: account "all" conflicts with line 2 (different active)`,
			"",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := plan.Options{AllowAll: true, SkipInvalid: true}
			p := mustLoad(t, "p.csv", tt.csv, opts)
			if got := rowProblems(p); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("rows\n got %q\nwant %q", got, tt.want)
			}
			bad := 0
			for _, w := range tt.want {
				if w != "" {
					bad++
				}
			}
			opts.SkipInvalid = false
			_, err := load(t, "p.csv", tt.csv, opts)
			if bad == 0 {
				if err != nil {
					t.Errorf("no conflict, yet %v", err)
				}
				return
			}
			if ve := validationError(t, err); ve.Count != bad || !errors.Is(err, plan.ErrConflict) {
				t.Errorf("count %d, want %d: %v", ve.Count, bad, err)
			}
		})
	}
}

// TestConflictDigest: rows made invalid by a conflict count in the digest
// as any invalid row does, wherever the conflict is found.
func TestConflictDigest(t *testing.T) {
	opts := plan.Options{AllowAll: true, SkipInvalid: true}
	for _, tt := range []struct{ conflict, invalid string }{
		{"1005,true\n7,true\n1005,false\n", "x,true\n7,true\nx,true\n"},
		{"all,false\n7,true\n8,false\n", "x,true\nx,true\n8,false\n"},
	} {
		a := mustLoad(t, "p.csv", "child_account_id,active\n"+tt.conflict, opts)
		b := mustLoad(t, "p.csv", "child_account_id,active\n"+tt.invalid, opts)
		if a.Digest != b.Digest {
			t.Errorf("%q: digest %s, want %s (as %q)", tt.conflict, a.Digest, b.Digest, tt.invalid)
		}
	}
}

// TestMixedKinds: a plan naming accounts by ID and by name (or email) may
// name one account twice, which only the API can tell.
func TestMixedKinds(t *testing.T) {
	tests := []struct {
		name, csv string
		want      bool
	}{
		{"ids", "child_account_id,child_account_name,active\n1,,true\n2,,false\n", false},
		{"names", "child_account_id,child_account_name,active\n,a,true\n,b,false\n", false},
		{"ids and a name", "child_account_id,child_account_name,active\n1,,true\n,b,false\n", true},
		{"all and names", "child_account_id,child_account_name,active\nall,,true\n,b,true\n", false},
		{"an invalid name", "child_account_id,child_account_name,active\n1,,true\n,b,maybe\n", false},
		{"names and emails", "child_account_email,child_account_name,active\na@b.io,,true\n,b,false\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLoad(t, "p.csv", tt.csv, plan.Options{AllowAll: true, SkipInvalid: true})
			if got := p.MixesKinds(); got != tt.want {
				t.Errorf("MixesKinds() = %v, want %v", got, tt.want)
			}
			if got := p.Summarize(50).MixedKinds; got != tt.want {
				t.Errorf("Summary.MixedKinds = %v, want %v", got, tt.want)
			}
		})
	}
}

package plan_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
)

func TestZoneSuggestions(t *testing.T) {
	tests := []struct{ in, want string }{
		{"europe/berlin", `"europe/berlin" is not an IANA time zone; did you mean "Europe/Berlin"? (zone names are case-sensitive)`},
		{"UTC", ""},
		{"utc", `"utc" is not an IANA time zone; did you mean "UTC"? (zone names are case-sensitive)`},
		{"UTC+3", `"UTC+3" is not an IANA time zone; did you mean "Etc/GMT-3"? (the sign of Etc/GMT zones is inverted, ` +
			`POSIX style: Etc/GMT-3 is 3 hours ahead of UTC)`},
		{"GMT-05:00", `"GMT-05:00" is not an IANA time zone; did you mean "Etc/GMT+5"? (the sign of Etc/GMT zones is inverted, ` +
			`POSIX style: Etc/GMT+5 is 5 hours behind UTC)`},
		{"UTC+1", `"UTC+1" is not an IANA time zone; did you mean "Etc/GMT-1"? (the sign of Etc/GMT zones is inverted, ` +
			`POSIX style: Etc/GMT-1 is 1 hour ahead of UTC)`},
		{"UTC+0", `"UTC+0" is not an IANA time zone; did you mean "UTC"?`},
		{"UTC+05:30", `"UTC+05:30" is not an IANA time zone; no Etc/GMT zone is UTC+05:30: name the zone of a place that has it ` +
			`(e.g. Asia/Kolkata for UTC+05:30)`},
		{"UTC-13", `"UTC-13" is not an IANA time zone; no time zone is UTC-13:00 (offsets run from UTC-12 to UTC+14)`},
		{"Europe/Berln", `"Europe/Berln" is not an IANA time zone; did you mean "Europe/Berlin"?`},
		{"Asia/Tokio", `"Asia/Tokio" is not an IANA time zone; did you mean "Asia/Tokyo"?`},
		{"America/New York", `"America/New York" is not an IANA time zone; did you mean "America/New_York"?`},
		{"berlin", `"berlin" is not an IANA time zone; did you mean "Europe/Berlin"?`},
		// an abbreviation is not a typo: PST is one edit from EST
		{"PST", `"PST" is not an IANA time zone (e.g. America/Los_Angeles, Etc/GMT-8)`},
		{"Mars/Olympus", `"Mars/Olympus" is not an IANA time zone (e.g. America/Los_Angeles, Etc/GMT-8)`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := load(t, "p.csv", "child_account_id,location\n1,"+tt.in+"\n", plan.Options{})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			ve := validationError(t, err)
			if len(ve.Errors) != 1 || !errors.Is(err, plan.ErrLocation) {
				t.Fatalf("got %v", err)
			}
			if got := ve.Errors[0].Err.Error(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestZoneSuggestionShared: rows with one refused zone share its problem,
// checked once.
func TestZoneSuggestionShared(t *testing.T) {
	p := mustLoad(t, "p.csv", "child_account_id,location\n1,europe/berlin\n2,europe/berlin\n", plan.Options{SkipInvalid: true})
	if a, b := p.Rows[0].Err, p.Rows[1].Err; a == nil || b == nil || a.Err != b.Err {
		t.Errorf("rows 1 and 2: %v, %v; want one shared problem", a, b)
	}
}

func TestLoadFileDirectory(t *testing.T) {
	for _, name := range []string{"dir.csv", "dir.yaml"} {
		path := filepath.Join(t.TempDir(), name)
		if err := os.Mkdir(path, 0o755); err != nil {
			t.Fatal(err)
		}
		_, err := plan.LoadFile(path, nil, plan.Options{})
		if err == nil {
			t.Fatalf("%s: a directory loaded", name)
		}
		msg := err.Error()
		if strings.Count(msg, path) != 1 || strings.Count(msg, "is a directory") != 1 {
			t.Errorf("%s: %q; want the path and the problem once", name, msg)
		}
	}
}

// TestInvalidRowsKeepSelector: an invalid row whose selector could be read
// keeps its Kind and Account, for the report; it is never sent.
func TestInvalidRowsKeepSelector(t *testing.T) {
	csv := "child_account_id,child_account_name,active,language_code\n" +
		"1000,,maybe,\n" + // line 2: a bad value
		"1001,,false,\n" + // line 3: valid
		",bob,true,\n" + // line 4: conflicts with line 5
		",bob,false,\n" + // line 5
		"12a,,false,\n" + // line 6: a bad selector: none to keep
		"1002,,,xx\n" // line 7: a bad value
	p := mustLoad(t, "p.csv", csv, plan.Options{SkipInvalid: true})
	want := []struct {
		kind    plan.SelectorKind
		account string
		valid   bool
	}{
		{plan.ByID, "1000", false}, {plan.ByID, "1001", true}, {plan.ByName, "bob", false},
		{plan.ByName, "bob", false}, {0, "12a", false}, {plan.ByID, "1002", false},
	}
	for i, w := range want {
		r := &p.Rows[i]
		if r.Kind != w.kind || r.Account != w.account || r.Valid() != w.valid || (r.Err == nil) != w.valid {
			t.Errorf("line %d: Kind %v, Account %q, Valid %v, Err %v; want %v %q %v", r.Line, r.Kind, r.Account, r.Valid(), r.Err, w.kind, w.account, w.valid)
		}
	}
	reqs := plan.Chunk(p, nil, 50)
	if len(reqs) != 1 || fmt.Sprint(reqs[0].Accounts(p)) != "[1001]" {
		t.Errorf("requests %+v, want one for account 1001", reqs)
	}
	s := p.Summarize(50)
	if s.Valid != 1 || s.Invalid != 5 || s.Requests != 1 || s.ByKind[plan.ByName] != 0 || s.MixedKinds {
		t.Errorf("summary %+v", s)
	}
	if p.MixesKinds() {
		t.Error("MixesKinds counts invalid rows")
	}
}

// TestInvalidRowsKeepDigest: a plan's digest does not depend on what an
// invalid row keeps.
func TestInvalidRowsKeepDigest(t *testing.T) {
	a := mustLoad(t, "p.csv", "child_account_id,active\n1,maybe\n2,false\n", plan.Options{SkipInvalid: true})
	b := mustLoad(t, "p.csv", "child_account_id,active\nx,false\n2,false\n", plan.Options{SkipInvalid: true})
	if a.Digest != b.Digest {
		t.Errorf("digests %s and %s: an invalid row is a marker", a.Digest, b.Digest)
	}
}

func TestParseBool(t *testing.T) {
	for in, want := range map[string]bool{
		"true": true, "TRUE": true, "Yes": true, "on": true, "1": true, " yes ": true,
		"false": false, "No": false, "OFF": false, "0": false,
	} {
		if v, ok := plan.ParseBool(in); !ok || v != want {
			t.Errorf("ParseBool(%q) = %v, %v; want %v, true", in, v, ok, want)
		}
	}
	for _, in := range []string{"", "y", "2", "enable", "truee"} {
		if v, ok := plan.ParseBool(in); ok || v {
			t.Errorf("ParseBool(%q) = %v, %v; want false, false", in, v, ok)
		}
	}
}

func TestClosest(t *testing.T) {
	flags := []string{"chunk-size", "dry-run", "skip-invalid", "max-errors", "report"}
	tests := []struct{ name, want string }{
		{"chunk-siz", "chunk-size"},
		{"dryrun", "dry-run"},
		{"skip-invlaid", "skip-invalid"},
		{"reprot", "report"}, // 2 edits: the least allowed for a short name
		{"rpt", ""},          // 3 edits from report
		{"verbose", ""},
		{"chunk-size", "chunk-size"},
		{"", ""},
		{strings.Repeat("x", 100), ""},
	}
	for _, tt := range tests {
		if got := plan.Closest(tt.name, flags); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := plan.Closest("max-error", nil); got != "" {
		t.Errorf("no candidates: %q", got)
	}
}

// TestSkippable: a ValidationError is skippable only when --skip-invalid
// would load the plan.
func TestSkippable(t *testing.T) {
	tests := []struct {
		name, file, content string
		max                 int
		want                bool
	}{
		{"a bad value", "p.csv", "child_account_id,active\n1,maybe\n2,false\n", 0, true},
		{"a conflict", "p.csv", "child_account_id,active\n1,true\n1,false\n", 0, true},
		{"a bad selector", "p.csv", "child_account_id,active\nx,true\n", 0, true},
		{"a cell without a header", "p.csv", "child_account_id,active\n1,true,x\n", 0, true},
		{"an unknown column", "p.csv", "child_account_id,activ\n1,true\n", 0, false},
		{"an unknown column, and a bad row", "p.csv", "child_account_id,activ,active\n1,true,maybe\n", 0, false},
		{"an unknown column past the list", "p.csv", "child_account_id,active,x,y\n1,maybe\n", 1, false},
		{"no selector column", "p.csv", "active\ntrue\n", 0, false},
		{"no rows", "p.csv", "child_account_id,active\n", 0, false},
		{"a CSV syntax error", "p.csv", "child_account_id,active\n1,\"tr\"ue\n", 0, false},
		{"a bad default", "p.yaml", "defaults:\n  active: maybe\naccounts:\n  - child_account_id: 1\n", 0, false},
		{"a bad YAML row", "p.yaml", "accounts:\n  - child_account_id: 1\n    activ: true\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.file, tt.content, plan.Options{MaxErrors: tt.max})
			ve := validationError(t, err)
			if got := ve.Skippable(); got != tt.want {
				t.Errorf("Skippable() = %v, want %v\n%v", got, tt.want, ve)
			}
			if _, err := load(t, tt.file, tt.content, plan.Options{SkipInvalid: true}); (err == nil) != tt.want {
				t.Errorf("with SkipInvalid: %v; Skippable says %v", err, tt.want)
			}
		})
	}
}

package plan_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
)

func TestYAMLRows(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []row
	}{
		{"types by parameter", `
accounts:
  - child_account_id: 7
    language_code: no
    active: no
    min_balance_to_notify: 1e1
`, []row{{3, plan.ByID, "7", "active=false language_code=no min_balance_to_notify=10", -1}}},
		{"defaults fill what rows do not set", `
defaults:
  active: off
  language_code: de
accounts:
  - child_account_id: 1
  - child_account_id: 2
    active: on
  - child_account_name: "shop: eu"
    language_code: ""
`, []row{
			{6, plan.ByID, "1", "active=false language_code=de", -1},
			{7, plan.ByID, "2", "active=true language_code=de", -1},
			{9, plan.ByName, "shop: eu", "active=false language_code=de", -1},
		}},
		{"top-level list, null and tilde unset", `
- child_account_email: a@example.com
  active: true
  location: ~
  language_code:
`, []row{{2, plan.ByEmail, "a@example.com", "active=true", -1}}},
		{"anchors and aliases", `
defaults:
  location: &tz Europe/Berlin
accounts:
  - &base
    child_account_id: 1
    location: *tz
    active: false
  - child_account_id: 2
    location: *tz
  - *base
`, []row{
			{5, plan.ByID, "1", "active=false location=Europe/Berlin", -1}, // the line of the anchor
			{9, plan.ByID, "2", "location=Europe/Berlin", -1},
			{5, plan.ByID, "1", "active=false location=Europe/Berlin", 0},
		}},
		{"crlf and keys spelled loosely", "accounts:\r\n  - Child Account ID: 3\r\n    Active: TRUE\r\n", []row{{2, plan.ByID, "3", "active=true", -1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLoad(t, "p.yaml", tt.yaml, plan.Options{})
			if got := rowsOf(p); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("rows\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestYAMLProblems(t *testing.T) {
	tests := []struct {
		name, yaml string
		opts       plan.Options
		want       error
		msgs       []string
	}{
		{"line of the offending value", `
accounts:
  - child_account_id: 1
    active: true
  - child_account_id: 2
    language_code: xx
    location: Europe/Nowhere
`, plan.Options{}, plan.ErrLanguage, []string{
			`p.yaml:6: language_code: "xx" is not a language code in the API's list`,
			`p.yaml:7: location: "Europe/Nowhere" is not an IANA time zone (e.g. America/Los_Angeles, Etc/GMT-8)`,
		}},
		{"unknown key", `
accounts:
  - child_account_id: 1
    activ: false
`, plan.Options{}, plan.ErrUnknownColumn, []string{
			`p.yaml:4: key "activ": unknown parameter; did you mean "active"?`,
		}},
		{"key twice", `
accounts:
  - child_account_id: 1
    active: false
    Active: true
`, plan.Options{}, plan.ErrSyntax, []string{
			`p.yaml:5: active: set twice (also on line 4)`,
		}},
		{"list value", `
accounts:
  - child_account_id: [1, 2]
    active: false
`, plan.Options{}, plan.ErrSyntax, []string{
			`p.yaml:3: child_account_id: a list or mapping where a single value belongs`,
			`p.yaml:3: no selector: set one of child_account_id, child_account_name or child_account_email`,
		}},
		{"row not a mapping", `
accounts:
  - 12
  - child_account_id: 13
`, plan.Options{}, plan.ErrSyntax, []string{
			`p.yaml:3: an account must be a mapping of parameter: value`,
			`p.yaml:4: no change: the row sets nothing besides its selector`,
		}},
		{"selector as default", `
defaults:
  child_account_id: 1
accounts: []
`, plan.Options{SkipInvalid: true}, plan.ErrSyntax, []string{
			`p.yaml:3: child_account_id: a selector cannot be a default`,
		}},
		{"bad default", `
defaults:
  active: perhaps
  new_child_account_password: weak
accounts:
  - child_account_id: 1
`, plan.Options{SkipInvalid: true}, plan.ErrBool, []string{
			`p.yaml:3: active: "perhaps" is not a boolean (use true/false, yes/no, on/off or 1/0)`,
			`p.yaml:4: new_child_account_password: too weak: needs at least 8 characters, an uppercase letter, a digit and a special character`,
		}},
		{"unknown key in defaults", `
defaults:
  langauge: en
accounts: []
`, plan.Options{SkipInvalid: true}, plan.ErrUnknownColumn, []string{
			`p.yaml:3: key "langauge": unknown parameter; did you mean "language_code"?`,
		}},
		{"unknown top-level key", `
acounts:
  - child_account_id: 1
`, plan.Options{}, plan.ErrSyntax, []string{
			`p.yaml:2: key "acounts": unknown key; a plan is a mapping with defaults: (optional) and accounts: (a list of rows)`,
			`p.yaml:2: no accounts: a plan is a mapping with defaults: (optional) and accounts: (a list of rows)`,
		}},
		{"accounts not a list", "accounts: 5\n", plan.Options{}, plan.ErrSyntax, []string{
			`p.yaml:1: accounts: not a list; a plan is a mapping with defaults: (optional) and accounts: (a list of rows)`,
		}},
		{"scalar document", "hello\n", plan.Options{}, plan.ErrSyntax, []string{
			`p.yaml:1: a plan is a mapping with defaults: (optional) and accounts: (a list of rows)`,
		}},
		{"syntax error", "accounts:\n  - child_account_id: 1\n   active: [\n", plan.Options{}, plan.ErrSyntax, nil},
		{"two documents", "accounts: []\n---\naccounts: []\n", plan.Options{}, plan.ErrSyntax, []string{
			`p.yaml:2: a second YAML document; a plan is one document`,
		}},
		{"empty", "", plan.Options{}, plan.ErrSyntax, []string{
			`p.yaml: empty plan: a plan is a mapping with defaults: (optional) and accounts: (a list of rows)`,
		}},
		{"conflict names both lines", `
accounts:
  - child_account_name: shop
    active: false
  - child_account_name: shop
    active: true
`, plan.Options{}, plan.ErrConflict, []string{
			`p.yaml:3: child_account_name: account "shop" conflicts with line 5 (different active)`,
			`p.yaml:5: child_account_name: account "shop" conflicts with line 3 (different active)`,
		}},
		{"empty accounts", "accounts: []\n", plan.Options{SkipInvalid: true}, plan.ErrNoRows, []string{
			`p.yaml: the plan has no rows`,
		}},
		{"null accounts", "defaults:\n  active: true\naccounts:\n", plan.Options{}, plan.ErrNoRows, []string{
			`p.yaml: the plan has no rows`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ve := loadFails(t, "p.yaml", tt.yaml, tt.opts, tt.want)
			if tt.msgs != nil {
				if got := problemLines(ve); fmt.Sprint(got) != fmt.Sprint(tt.msgs) {
					t.Errorf("problems\n got %q\nwant %q", got, tt.msgs)
				}
			}
		})
	}
}

func TestYAMLSyntaxErrorLine(t *testing.T) {
	_, err := load(t, "p.yaml", "accounts:\n  - child_account_id: 1\n    active: \"open\n", plan.Options{})
	ve := validationError(t, err)
	if ve.Errors[0].Line == 0 || !errors.Is(err, plan.ErrSyntax) {
		t.Errorf("syntax error without a line: %v", err)
	}
}

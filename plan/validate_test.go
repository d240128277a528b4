package plan_test

import (
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
)

// TestValidationRules checks each rule on a one-row (or few-row) CSV plan:
// the problem's sentinel and its exact message.
func TestValidationRules(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		opts plan.Options
		want error
		msg  string // the first problem, in full
	}{
		{"bool", "child_account_id,active\n1,maybe\n", plan.Options{}, plan.ErrBool,
			`plan.csv:2: active: "maybe" is not a boolean (use true/false, yes/no, on/off or 1/0)`},
		{"bool 2", "child_account_id,support_invoice\n1,tru\n", plan.Options{}, plan.ErrBool,
			`plan.csv:2: support_invoice: "tru" is not a boolean (use true/false, yes/no, on/off or 1/0)`},
		{"language", "child_account_id,language_code\n1,xx\n", plan.Options{}, plan.ErrLanguage,
			`plan.csv:2: language_code: "xx" is not a language code in the API's list`},
		{"language three letters", "child_account_id,language_code\n1,eng\n", plan.Options{}, plan.ErrLanguage,
			`plan.csv:2: language_code: "eng" is not a language code in the API's list`},
		{"location", "child_account_id,location\n1,Mars/Olympus\n", plan.Options{}, plan.ErrLocation,
			`plan.csv:2: location: "Mars/Olympus" is not an IANA time zone (e.g. America/Los_Angeles, Etc/GMT-8)`},
		{"location Local", "child_account_id,location\n1,Local\n", plan.Options{}, plan.ErrLocation,
			`plan.csv:2: location: "Local" is not an IANA time zone (e.g. America/Los_Angeles, Etc/GMT-8)`},
		{"new email", "child_account_id,new_child_account_email\n1,bob@\n", plan.Options{}, plan.ErrEmail,
			`plan.csv:2: new_child_account_email: "bob@" is not an email address`},
		{"new email display name", "child_account_id,new_child_account_email\n1,Bob <bob@example.com>\n", plan.Options{}, plan.ErrEmail,
			`plan.csv:2: new_child_account_email: "Bob <bob@example.com>" is not an email address (write the address alone, without a name)`},
		{"password weak", "child_account_id,new_child_account_password\n1,Passw0rdx\n", plan.Options{}, plan.ErrPassword,
			`plan.csv:2: new_child_account_password: too weak: needs a special character`},
		{"password upper", "child_account_id,new_child_account_password\n1,passw0rd!\n", plan.Options{}, plan.ErrPassword,
			`plan.csv:2: new_child_account_password: too weak: needs an uppercase letter`},
		{"password short", "child_account_id,new_child_account_password\n1,aB1!\n", plan.Options{}, plan.ErrPassword,
			`plan.csv:2: new_child_account_password: too weak: needs at least 8 characters`},
		{"password spaces", "child_account_id,new_child_account_password\n1,\" Passw0rd!\"\n", plan.Options{}, plan.ErrPassword,
			`plan.csv:2: new_child_account_password: must not contain spaces`},
		{"decimal", "child_account_id,min_balance_to_notify\n1,ten\n", plan.Options{}, plan.ErrDecimal,
			`plan.csv:2: min_balance_to_notify: "ten" is not a decimal number`},
		{"decimal comma", "child_account_id;min_balance_to_notify\n1;10,5\n", plan.Options{}, plan.ErrDecimal,
			`plan.csv:2: min_balance_to_notify: "10,5" is not a decimal number (use a dot as the decimal separator)`},
		{"decimal NaN", "child_account_id,min_balance_to_notify\n1,NaN\n", plan.Options{}, plan.ErrDecimal,
			`plan.csv:2: min_balance_to_notify: "NaN" is not a decimal number`},
		{"decimal Inf", "child_account_id,min_balance_to_notify\n1,1e999\n", plan.Options{}, plan.ErrDecimal,
			`plan.csv:2: min_balance_to_notify: "1e999" is not a decimal number`},
		{"decimal hex", "child_account_id,min_balance_to_notify\n1,0x10\n", plan.Options{}, plan.ErrDecimal,
			`plan.csv:2: min_balance_to_notify: "0x10" is not a decimal number`},
		{"id letters", "child_account_id,active\n12a,true\n", plan.Options{}, plan.ErrID,
			`plan.csv:2: child_account_id: "12a" is not a positive integer or "all"`},
		{"id zero", "child_account_id,active\n0,true\n", plan.Options{}, plan.ErrID,
			`plan.csv:2: child_account_id: "0" is not a positive integer or "all"`},
		{"id negative", "child_account_id,active\n-3,true\n", plan.Options{}, plan.ErrID,
			`plan.csv:2: child_account_id: "-3" is not a positive integer or "all"`},
		{"id too large", "child_account_id,active\n99999999999999999999,true\n", plan.Options{}, plan.ErrID,
			`plan.csv:2: child_account_id: "99999999999999999999" is not a positive integer or "all"`},
		{"all refused", "child_account_id,active\nall,false\n", plan.Options{}, plan.ErrAll,
			`plan.csv:2: child_account_id: "all" selects every child account (hint: use --allow-all)`},
		{"selector semicolon", "child_account_name,active\n\"a;b\",false\n", plan.Options{}, plan.ErrSelector,
			`plan.csv:2: child_account_name: "a;b" contains ";": one account per row`},
		{"id semicolon", "child_account_id,active\n\"1;2\",false\n", plan.Options{}, plan.ErrSelector,
			`plan.csv:2: child_account_id: "1;2" contains ";": one account per row`},
		{"selector email", "child_account_email,active\nnot-an-address,false\n", plan.Options{}, plan.ErrEmail,
			`plan.csv:2: child_account_email: "not-an-address" is not an email address`},
		{"no selector", "child_account_id,active\n,false\n", plan.Options{}, plan.ErrSelector,
			`plan.csv:2: no selector: set one of child_account_id, child_account_name or child_account_email`},
		{"two selectors", "child_account_id,child_account_name,active\n1,shop,false\n", plan.Options{}, plan.ErrSelector,
			`plan.csv:2: sets both child_account_id and child_account_name: a row names its account one way`},
		{"no change", "child_account_id,active\n1,\n", plan.Options{}, plan.ErrNoChange,
			`plan.csv:2: no change: the row sets nothing besides its selector`},
		{"unknown column", "child_account_id,activ\n1,false\n", plan.Options{}, plan.ErrUnknownColumn,
			`plan.csv:1: column "activ": unknown column; did you mean "active"?`},
		{"unknown column 2", "child_account_id,langauge\n1,en\n", plan.Options{}, plan.ErrUnknownColumn,
			`plan.csv:1: column "langauge": unknown column; did you mean "language_code"?`},
		{"repeated column", "child_account_id,active,Active\n1,false,false\n", plan.Options{}, plan.ErrSyntax,
			`plan.csv:1: column "Active": the same column as column 2 (active)`},
		{"no selector column", "active\nfalse\n", plan.Options{}, plan.ErrSelector,
			`plan.csv:1: no selector column: the header needs child_account_id, child_account_name or child_account_email`},
		{"conflict", "child_account_id,active,language_code\n7,false,en\n8,false,en\n07,true,en\n", plan.Options{}, plan.ErrConflict,
			`plan.csv:2: child_account_id: account "7" conflicts with line 4 (different active)`},
		{"conflict email any case", "child_account_email,active\na@example.com,false\nA@Example.COM,true\n", plan.Options{}, plan.ErrConflict,
			`plan.csv:2: child_account_email: account "a@example.com" conflicts with line 3 (different active)`},
		{"conflict all", "child_account_id,active\nall,false\nALL,true\n", plan.Options{AllowAll: true}, plan.ErrConflict,
			`plan.csv:2: child_account_id: account "all" conflicts with line 3 (different active)`},
		{"one new email for two accounts", "child_account_id,new_child_account_email\n7,a@example.com\n8,A@example.com\n7,a@example.com\n", plan.Options{}, plan.ErrConflict,
			`plan.csv:3: new_child_account_email: "A@example.com" is also given to another account on line 2; an address belongs to one account`},
		{"new email given twice, then the account again", "child_account_id,new_child_account_email\n7,a@example.com\n8,a@example.com\n8,b@example.com\n", plan.Options{}, plan.ErrConflict,
			`plan.csv:3: new_child_account_email: "a@example.com" is also given to another account on line 2; an address belongs to one account`},
		{"cell without header", "child_account_id,active\n1,false,oops\n", plan.Options{}, plan.ErrSyntax,
			`plan.csv:2: column 3: a value in a column without a header`},
		{"bare quote", "child_account_name,active\nBob \"the\" Builder,false\n", plan.Options{}, plan.ErrSyntax,
			`plan.csv:2: bare " in non-quoted-field (quote a value that holds a quote, and double the quotes inside it: "say ""hi""")`},
		{"invalid utf-8", "child_account_name,active\nshop\xff,false\n", plan.Options{}, plan.ErrSyntax,
			`plan.csv:2: child_account_name: not valid UTF-8 (save the plan as UTF-8)`},
		{"utf-16", "\xff\xfec\x00h\x00", plan.Options{}, plan.ErrSyntax,
			`plan.csv: the file is UTF-16; save the plan as CSV UTF-8`},
		{"bad quote after a sep line", "SEP=|\nchild_account_name|active\n\"a|true\n", plan.Options{}, plan.ErrSyntax,
			`plan.csv:3: extraneous or missing " in quoted-field (quote a value that holds a quote, and double the quotes inside it: "say ""hi""")`},
		{"unsupported sep line", "sep=x\nchild_account_name|active\n", plan.Options{}, plan.ErrSyntax,
			`plan.csv:1: the "sep=" line names a delimiter other than , ; | or tab`},
		{"empty file", "", plan.Options{}, plan.ErrSyntax,
			`plan.csv: empty plan: no header line`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ve := loadFails(t, "plan.csv", tt.csv, tt.opts, tt.want)
			if got := ve.Errors[0].Error(); got != tt.msg {
				t.Errorf("first problem:\n got %s\nwant %s", got, tt.msg)
			}
			if tt.want == plan.ErrUnknownColumn && ve.Count != 1 {
				t.Errorf("an unknown column gives more problems than itself:\n%v", ve)
			}
		})
	}
}

func TestValidValues(t *testing.T) {
	tests := []struct {
		name, column, value string
		want                string // normalized
	}{
		{"bool yes", "active", "Yes", "true"},
		{"bool on", "active", "ON", "true"},
		{"bool 1", "active", "1", "true"},
		{"bool off", "can_use_restricted", "off", "false"},
		{"bool 0", "support_bank_card", "0", "false"},
		{"bool FALSE", "tariff_changing_notifications", "FALSE", "false"},
		{"language no", "language_code", "no", "no"},
		{"language upper", "language_code", "EN", "en"},
		{"language old code in", "language_code", "in", "in"},
		{"language old code iw", "language_code", "iw", "iw"},
		{"language old code ji", "language_code", "ji", "ji"},
		{"location", "location", "America/Los_Angeles", "America/Los_Angeles"},
		{"location Etc minus", "location", "Etc/GMT-8", "Etc/GMT-8"},
		{"location Etc plus", "location", "Etc/GMT+10", "Etc/GMT+10"},
		{"location UTC", "location", "UTC", "UTC"},
		{"decimal", "min_balance_to_notify", "10.50", "10.5"},
		{"decimal exponent", "min_balance_to_notify", "1e3", "1000"},
		{"decimal plus", "min_balance_to_notify", "+7", "7"},
		{"decimal negative zero", "min_balance_to_notify", "-0", "0"},
		{"decimal negative", "min_balance_to_notify", "-2.25", "-2.25"},
		{"email", "new_child_account_email", "new.owner+tag@mail.example.org", "new.owner+tag@mail.example.org"},
		{"email idn", "new_child_account_email", "jörg@bücher.de", "jörg@bücher.de"},
		{"password", "new_child_account_password", "Tr0ub4dor&3", "Tr0ub4dor&3"},
		{"password unicode", "new_child_account_password", "Пароль1!x", "Пароль1!x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLoad(t, "plan.csv", "child_account_id,"+tt.column+"\n5,"+tt.value+"\n", plan.Options{})
			c := p.Rows[0].Change
			param := c.Params()[0]
			if param.String() != tt.column {
				t.Fatalf("param %s, want %s", param, tt.column)
			}
			if got, _ := c.Get(param); got != tt.want {
				t.Errorf("value %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSelectors(t *testing.T) {
	tests := []struct {
		name, csv string
		opts      plan.Options
		kind      plan.SelectorKind
		account   string
	}{
		{"id", "child_account_id,active\n 0042 ,false\n", plan.Options{}, plan.ByID, "42"},
		{"all", "child_account_id,active\nAll,false\n", plan.Options{AllowAll: true}, plan.ByID, "all"},
		{"name", "child_account_name,active\n  shop eu 1 ,false\n", plan.Options{}, plan.ByName, "shop eu 1"},
		{"email", "child_account_email,active\nOps@Example.com,false\n", plan.Options{}, plan.ByEmail, "Ops@Example.com"},
		{"other columns empty", "child_account_id,child_account_name,child_account_email,active\n,,a@b.io,false\n",
			plan.Options{}, plan.ByEmail, "a@b.io"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLoad(t, "p.csv", tt.csv, tt.opts)
			r := p.Rows[0]
			if r.Kind != tt.kind || r.Account != tt.account || r.Dup != -1 || r.Line != 2 || !r.Valid() {
				t.Errorf("row %+v, want kind %v account %q", r, tt.kind, tt.account)
			}
		})
	}
}

// TestPasswordNeverShown loads plans whose password is wrong in every way
// and checks that no message and no String shows it.
func TestPasswordNeverShown(t *testing.T) {
	secrets := []string{"short1!", "nouppercase1!", "NOLOWER1!", "NoDigits!!", "NoSpecial11", "Has Space1!", "Fine-Passw0rd"}
	var b strings.Builder
	b.WriteString("child_account_id,new_child_account_password,active\n")
	for i, s := range secrets {
		b.WriteString(strings.Repeat("1", i+1) + "," + s + ",true\n")
	}
	// the same account with another password: a conflict, both rows invalid
	b.WriteString("1111111,Other-Passw0rd,true\n")
	b.WriteString("42,Third-Passw0rd,true\n")
	_, err := load(t, "p.csv", b.String(), plan.Options{})
	ve := validationError(t, err)
	if ve.Count != len(secrets)+1 { // six weak ones and the two rows of the conflict
		t.Errorf("count %d, want %d:\n%v", ve.Count, len(secrets), err)
	}
	text := err.Error()
	for _, re := range ve.Errors {
		if re.Value != "" && re.Field == "new_child_account_password" {
			t.Errorf("RowError.Value holds a password: %q", re.Value)
		}
	}
	p := mustLoad(t, "p.csv", b.String(), plan.Options{SkipInvalid: true})
	for _, r := range p.Rows {
		if r.Err != nil {
			text += "\n" + r.Err.Error()
		} else {
			text += "\n" + r.Change.String()
			for _, kv := range r.Change.Redacted() {
				text += kv.Value
			}
		}
	}
	for _, s := range append(secrets, "Other-Passw0rd", "Third-Passw0rd") {
		if strings.Contains(text, s) {
			t.Errorf("password %q shown in:\n%s", s, text)
		}
	}
	if !strings.Contains(text, "new_child_account_password=***") {
		t.Errorf("redacted change missing from:\n%s", text)
	}
}

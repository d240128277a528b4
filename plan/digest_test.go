package plan_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
)

func loadFile(t *testing.T, path string, opts plan.Options) *plan.Plan {
	t.Helper()
	p, err := plan.LoadFile(path, nil, opts)
	if err != nil {
		t.Fatalf("LoadFile(%s): %v", path, err)
	}
	return p
}

// TestDigestSameRows loads the same rows written three ways: plain CSV,
// Excel-style CSV (BOM, ';', CRLF, quotes, other column order and
// spelling, other spellings of the values) and YAML with defaults.
func TestDigestSameRows(t *testing.T) {
	base := loadFile(t, "testdata/basic.csv", plan.Options{})
	if !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(base.Digest) {
		t.Fatalf("digest %q is not sha256:<64 hex>", base.Digest)
	}
	for _, path := range []string{"testdata/excel.csv", "testdata/basic.yaml"} {
		t.Run(path, func(t *testing.T) {
			p := loadFile(t, path, plan.Options{})
			if p.Digest != base.Digest {
				t.Errorf("digest %s, want %s (as basic.csv)", p.Digest, base.Digest)
			}
			if got, want := rowsOf(p), rowsOf(base); len(got) != len(want) {
				t.Fatalf("%d rows, want %d", len(got), len(want))
			} else {
				for i := range got {
					got[i].line, want[i].line = 0, 0
					if got[i] != want[i] {
						t.Errorf("row %d: %v, want %v", i, got[i], want[i])
					}
				}
			}
		})
	}
}

// TestDigestChanges checks that a change to any value of any row changes the
// digest, and that a password and reformatting do not.
func TestDigestChanges(t *testing.T) {
	const head = "child_account_id,child_account_name,active,language_code,min_balance_to_notify,new_child_account_password\n"
	const rows = "1,,true,en,5,\n,shop,false,,,\n2,,,,,Passw0rd!\n"
	base := mustLoad(t, "p.csv", head+rows, plan.Options{})
	same := []struct{ name, csv string }{
		{"spaces and case", "Child Account ID , child_account_name,ACTIVE,language_code,min_balance_to_notify,new_child_account_password\n 01 ,,YES,EN,5.0,\n, shop ,no,,,\n2,,,,,Passw0rd!\n"},
		{"another password", head + "1,,true,en,5,\n,shop,false,,,\n2,,,,,0therPass!\n"},
		{"columns reordered", "active,child_account_name,child_account_id,min_balance_to_notify,language_code,new_child_account_password\ntrue,,1,5,en,\nfalse,shop,,,,\n,,2,,,Passw0rd!\n"},
		{"crlf semicolons bom", "\ufeff" + "child_account_id;child_account_name;active;language_code;min_balance_to_notify;new_child_account_password\r\n1;;true;en;5;\r\n;shop;false;;;\r\n2;;;;;Passw0rd!\r\n"},
	}
	for _, tt := range same {
		t.Run("same/"+tt.name, func(t *testing.T) {
			if p := mustLoad(t, "p.csv", tt.csv, plan.Options{}); p.Digest != base.Digest {
				t.Errorf("digest changed: %s, want %s", p.Digest, base.Digest)
			}
		})
	}
	other := []struct{ name, csv string }{
		{"id", "3,,true,en,5,\n,shop,false,,,\n2,,,,,Passw0rd!\n"},
		{"name", "1,,true,en,5,\n,shop2,false,,,\n2,,,,,Passw0rd!\n"},
		{"bool", "1,,false,en,5,\n,shop,false,,,\n2,,,,,Passw0rd!\n"},
		{"language", "1,,true,de,5,\n,shop,false,,,\n2,,,,,Passw0rd!\n"},
		{"decimal", "1,,true,en,5.5,\n,shop,false,,,\n2,,,,,Passw0rd!\n"},
		{"a value unset", "1,,true,,5,\n,shop,false,,,\n2,,,,,Passw0rd!\n"},
		{"no password", "1,,true,en,5,\n,shop,false,,,\n2,,true,,,\n"},
		{"row order", ",shop,false,,,\n1,,true,en,5,\n2,,,,,Passw0rd!\n"},
		{"a row more", "1,,true,en,5,\n,shop,false,,,\n2,,,,,Passw0rd!\n9,,true,,,\n"},
		{"a duplicate row more", "1,,true,en,5,\n,shop,false,,,\n2,,,,,Passw0rd!\n1,,true,en,5,\n"},
		{"selector kind", "1,,true,en,5,\n,shop,false,,,\n,2,,,,Passw0rd!\n"},
	}
	for _, tt := range other {
		t.Run("other/"+tt.name, func(t *testing.T) {
			if p := mustLoad(t, "p.csv", head+tt.csv, plan.Options{}); p.Digest == base.Digest {
				t.Error("digest did not change")
			}
		})
	}
}

// TestDigestInvalidRows checks that an invalid row kept under SkipInvalid
// holds its place: any invalid row there gives the same digest, and one
// fewer row another.
func TestDigestInvalidRows(t *testing.T) {
	const head = "child_account_id,active\n"
	a := mustLoad(t, "p.csv", head+"1,true\n2,bad\n3,true\n", plan.Options{SkipInvalid: true})
	b := mustLoad(t, "p.csv", head+"1,true\nx,true\n3,true\n", plan.Options{SkipInvalid: true})
	c := mustLoad(t, "p.csv", head+"1,true\n3,true\n", plan.Options{SkipInvalid: true})
	if a.Digest != b.Digest {
		t.Error("two invalid rows in one place give different digests")
	}
	if a.Digest == c.Digest {
		t.Error("an invalid row does not count in the digest")
	}
}

func TestLoadFile(t *testing.T) {
	stdin, err := os.Open("testdata/basic.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	p, err := plan.LoadFile("-", stdin, plan.Options{Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Source != "<stdin>" || p.Digest != loadFile(t, "testdata/basic.csv", plan.Options{}).Digest {
		t.Errorf("stdin plan: source %q digest %s", p.Source, p.Digest)
	}
	_, err = plan.LoadFile("-", stdin, plan.Options{Format: "yaml"})
	if _, ok := err.(*plan.ValidationError); ok {
		// the rest of stdin is empty: a validation error naming <stdin>
		if got := err.Error(); got[:8] != "<stdin>:" {
			t.Errorf("stdin error %q does not name <stdin>", got)
		}
	} else {
		t.Errorf("empty stdin: got %v", err)
	}

	for _, tt := range []struct {
		path string
		opts plan.Options
	}{
		{"testdata/basic.txt", plan.Options{}},
		{"-", plan.Options{}},
		{"testdata/basic.csv", plan.Options{Format: "xml"}},
	} {
		_, err := plan.LoadFile(tt.path, stdin, tt.opts)
		if !errorsIs(err, plan.ErrFormat) {
			t.Errorf("LoadFile(%s, %+v): got %v, want ErrFormat", tt.path, tt.opts, err)
		}
	}
	if _, err := plan.LoadFile("testdata/missing.csv", nil, plan.Options{}); !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("missing file: got %v", err)
	}
	// the format option wins over the extension
	if _, err := plan.LoadFile("testdata/basic.yaml", nil, plan.Options{Format: "csv"}); !errorsIs(err, plan.ErrUnknownColumn) {
		t.Errorf("YAML read as CSV: got %v", err)
	}
}

package plan_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/voxbatch/voxbatch/plan"
)

// controls are the characters no plan value may hold.
var controls = []string{"\x00", "\x01", "\t", "\n", "\r", "\x1b", "\x1f", "\x7f",
	"\u0080", "\u0085", "\u009b", "\u009f", "\u200e", "\u200f",
	"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}

// TestControlCharacters: a control character in any value is refused,
// naming the column and line, and the message shows it escaped.
func TestControlCharacters(t *testing.T) {
	for _, c := range controls {
		t.Run(strconv.QuoteToASCII(c), func(t *testing.T) {
			for _, tt := range []struct{ name, content string }{
				{"p.csv", "child_account_name,active\n\"shop" + c + "x\",true\n"},
				{"p.csv", "child_account_id,location\n7,\"Europe/" + c + "Berlin\"\n"},
				{"p.csv", "child_account_id,active\n\"1" + c + "2\",true\n"},
				{"p.csv", "child_account_email,active\n\"a" + c + "@b.io\",true\n"},

				{"p.yaml", "accounts:\n  - child_account_name: " + strconv.Quote("shop"+c+"x") + "\n    active: true\n"},
				{"p.yaml", "defaults:\n  location: " + strconv.Quote("U"+c+"TC") + "\naccounts:\n  - child_account_id: 1\n"},
			} {
				p, err := load(t, tt.name, tt.content, plan.Options{SkipInvalid: true})
				if err == nil && p.Rows[0].Err != nil { // a row's problem; a default's fails the plan
					err = p.Rows[0].Err
				}
				if !errors.Is(err, plan.ErrControl) {
					t.Errorf("%s %q: got %v, want ErrControl", tt.name, tt.content, err)
					continue
				}
				msg := err.Error()
				var ve *plan.ValidationError
				if errors.As(err, &ve) {
					msg = ve.Errors[0].Error()
				}
				if strings.Contains(msg, c) || !strings.Contains(msg, strconv.Quote(c)[1:len(strconv.Quote(c))-1]) {
					t.Errorf("%s: the message does not show %q escaped: %s", tt.name, c, msg)
				}
			}
			// every rule, whatever it takes, refuses them first
			_, err := load(t, "p.csv", "child_account_id,active,language_code,min_balance_to_notify,new_child_account_email\n"+
				"7,\"t"+c+"rue\",\"e"+c+"n\",\"1"+c+"0\",\"a"+c+"@b.io\"\n", plan.Options{})
			ve := validationError(t, err)
			for _, re := range ve.Errors {
				if !errors.Is(re, plan.ErrControl) {
					t.Errorf("%v", re)
				}
			}
			if ve.Count != 4 {
				t.Errorf("%d problems: %v", ve.Count, err)
			}
		})
	}
	for _, tt := range []struct{ csv, msg string }{
		{"child_account_name,active\n\"shop\x1b[31mred\",true\n",
			`p.csv:2: child_account_name: "shop\x1b[31mred" contains a control character (U+001B at byte 5)`},
		{"child_account_id,location\n7,Europe/\u202eBerlin\n",
			`p.csv:2: location: "Europe/\u202eBerlin" contains a control character (U+202E at byte 8)`},
		{"child_account_id,new_child_account_password\n7,\"Pass\x1bw0rd!\"\n",
			`p.csv:2: new_child_account_password: contains a control character (U+001B)`},
		{"child_account_id,activ\x1be\n7,true\n",
			`p.csv:1: column "activ\x1be": unknown column; did you mean "active"?`},
		{"child_account_id,\u202eactive\n7,true\n",
			`p.csv:1: column "\u202eactive": unknown column; did you mean "active"?`},
	} {
		_, err := load(t, "p.csv", tt.csv, plan.Options{})
		if ve := validationError(t, err); ve.Errors[0].Error() != tt.msg {
			t.Errorf("got  %s\nwant %s", ve.Errors[0], tt.msg)
		}
	}
	_, err := load(t, "p.yaml", "accounts:\n  - child_account_id: 1\n    \"act\\eive\": true\n", plan.Options{})
	if want := `p.yaml:3: key "act\x1bive": unknown parameter; did you mean "active"?`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestTextAccepted: text that merely looks unusual is not a control
// character.
func TestTextAccepted(t *testing.T) {
	for _, s := range []string{"Jörg’s shop", "Магазин", "a\u00a0b", "\u00bfqué?", "x\u2010y", "x\u2070", "日本", "😀"} {
		p := mustLoad(t, "p.csv", "child_account_name,active\n"+s+",true\n", plan.Options{})
		if p.Rows[0].Account != s {
			t.Errorf("account %q, want %q", p.Rows[0].Account, s)
		}
	}
}

// TestValueLength: no value over plan.MaxValueLen bytes, no email over
// plan.MaxEmailLen characters; the message gives the length, not the value.
func TestValueLength(t *testing.T) {
	name := strings.Repeat("n", plan.MaxValueLen)
	mustLoad(t, "p.csv", "child_account_name,active\n"+name+",true\n", plan.Options{})
	_, err := load(t, "p.csv", "child_account_name,active\n"+name+"n,true\n", plan.Options{})
	want := `p.csv:2: child_account_name: "` + name[:60] + `"… is 1025 bytes long; a value has at most 1024`
	if ve := validationError(t, err); !errors.Is(err, plan.ErrTooLong) || ve.Errors[0].Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	_, err = load(t, "p.csv", "child_account_id,new_child_account_password\n1,"+strings.Repeat("Aa1!", 300)+"\n", plan.Options{})
	if want := "p.csv:2: new_child_account_password: the value is 1200 bytes long; a value has at most 1024"; err == nil || !strings.HasPrefix(err.Error(), want+"\n") {
		t.Errorf("got %v, want %s", err, want)
	}

	// 254 characters: a local part of 64, a domain of 189
	email := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61)
	if len(email) != plan.MaxEmailLen {
		t.Fatalf("test email of %d characters", len(email))
	}
	mustLoad(t, "p.csv", "child_account_email,active\n"+email+",true\n", plan.Options{})
	mustLoad(t, "p.csv", "child_account_id,new_child_account_email\n1,"+email+"\n", plan.Options{})
	long := email + "d"
	for _, tt := range []struct{ csv, msg string }{
		{"child_account_email,active\n" + long + ",true\n",
			`p.csv:2: child_account_email: "` + long[:60] + `"… is 255 characters long; an email address has at most 254`},
		{"child_account_id,new_child_account_email\n1," + long + "\n",
			`p.csv:2: new_child_account_email: "` + long[:60] + `"… is 255 characters long; an email address has at most 254`},
	} {
		_, err := load(t, "p.csv", tt.csv, plan.Options{})
		if ve := validationError(t, err); !errors.Is(err, plan.ErrTooLong) || ve.Errors[0].Error() != tt.msg {
			t.Errorf("got  %v\nwant %s", err, tt.msg)
		}
	}
}

// TestHugeCell: a cell of many megabytes is refused without being copied:
// Load allocates little more than a bare encoding/csv read of the file,
// and neither the error nor the plan keeps the cell.
func TestHugeCell(t *testing.T) {
	const size = 16 << 20
	var b bytes.Buffer
	b.WriteString("child_account_name,active\n")
	b.WriteString(strings.Repeat("x", size))
	b.WriteString(",true\n7,false\n")
	data := b.Bytes()

	csvRead := allocated(func() {
		r := csv.NewReader(bytes.NewReader(data))
		r.ReuseRecord = true
		for {
			if _, err := r.Read(); err == io.EOF {
				break
			}
		}
	})
	var p *plan.Plan
	load := allocated(func() {
		var err error
		p, err = plan.Load("p.csv", bytes.NewReader(data), plan.Options{SkipInvalid: true})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("Load allocated %d MB, a bare CSV read %d MB", load>>20, csvRead>>20)
	if load > csvRead+size/4 {
		t.Errorf("Load allocated %d MB, a bare CSV read %d MB: the cell is copied", load>>20, csvRead>>20)
	}
	re := p.Rows[0].Err
	if re == nil {
		t.Fatal("a huge cell is accepted")
	}
	if !errors.Is(re, plan.ErrTooLong) || len(re.Error()) > 200 || len(re.Value) > plan.MaxValueLen || len(p.Rows[0].Account) > plan.MaxValueLen {
		t.Errorf("error %.300q, value of %d bytes, account of %d bytes", re.Error(), len(re.Value), len(p.Rows[0].Account))
	}
	if !p.Rows[1].Valid() {
		t.Errorf("the next row: %v", p.Rows[1].Err)
	}
}

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestNoRows: a plan of no rows is a mistake, not a run that does nothing.
func TestNoRows(t *testing.T) {
	for _, tt := range []struct{ name, content string }{
		{"p.csv", "child_account_id,active\n"},
		{"p.csv", "\ufeffchild_account_id;active\r\n;\r\n\r\n"},
		{"p.yaml", "accounts: []\n"},
		{"p.yaml", "accounts:\n"},
		{"p.yaml", "defaults:\n  active: false\naccounts: []\n"},
		{"p.yaml", "[]\n"},
	} {
		for _, opts := range []plan.Options{{}, {SkipInvalid: true}} {
			_, err := load(t, tt.name, tt.content, opts)
			if ve := validationError(t, err); !errors.Is(err, plan.ErrNoRows) || ve.Errors[0].Error() != tt.name+": the plan has no rows" {
				t.Errorf("%s %q: got %v", tt.name, tt.content, err)
			}
		}
	}
}

// TestNumbersFinite: min_balance_to_notify is a finite number, in CSV and
// in YAML's own spellings.
func TestNumbersFinite(t *testing.T) {
	for _, v := range []string{"NaN", "nan", "Inf", "+Inf", "-Inf", "Infinity", "1e400", "-1e400", "1e309", ".inf", "-.inf", ".nan", "0x1p3"} {
		_, err := load(t, "p.csv", "child_account_id,min_balance_to_notify\n1,"+v+"\n", plan.Options{})
		if !errors.Is(err, plan.ErrDecimal) {
			t.Errorf("CSV %q: got %v", v, err)
		}
		_, err = load(t, "p.yaml", "accounts:\n  - child_account_id: 1\n    min_balance_to_notify: "+v+"\n", plan.Options{})
		if !errors.Is(err, plan.ErrDecimal) {
			t.Errorf("YAML %q: got %v", v, err)
		}
	}
	p := mustLoad(t, "p.csv", "child_account_id,min_balance_to_notify\n1,1e308\n", plan.Options{})
	if v, _ := p.Rows[0].Change.Get(plan.MinBalanceToNotify); len(v) != 309 {
		t.Errorf("1e308 normalized to %d digits", len(v))
	}
}

// utf16Bytes encodes s in UTF-16, little or big endian, with no BOM.
func utf16Bytes(s string, big bool) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		if big {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return b
}

// TestUTF16: UTF-16 without a byte-order mark is named, not read as
// strange columns; YAML with a byte-order mark is read, CSV refused.
func TestUTF16(t *testing.T) {
	const csvPlan = "child_account_id,active\n1,true\n"
	const yamlPlan = "accounts:\n  - child_account_id: 1\n    active: true\n"
	for _, big := range []bool{false, true} {
		for name, content := range map[string]string{"p.csv": csvPlan, "p.yaml": yamlPlan} {
			_, err := load(t, name, string(utf16Bytes(content, big)), plan.Options{SkipInvalid: true})
			want := name + ": the plan looks like UTF-16 text without a byte-order mark; save it as UTF-8"
			if ve := validationError(t, err); ve.Count != 1 || ve.Errors[0].Error() != want {
				t.Errorf("%s (big endian %v): got %v", name, big, err)
			}
		}
		_, err := load(t, "p.csv", string(utf16Bytes("\ufeff"+csvPlan, big)), plan.Options{})
		if !errors.Is(err, plan.ErrSyntax) || !strings.Contains(err.Error(), "the file is UTF-16") {
			t.Errorf("CSV with a BOM: got %v", err)
		}
		p := mustLoad(t, "p.yaml", string(utf16Bytes("\ufeff"+yamlPlan, big)), plan.Options{})
		if p.Digest != mustLoad(t, "p.yaml", yamlPlan, plan.Options{}).Digest {
			t.Error("a UTF-16 YAML plan with a BOM reads otherwise than in UTF-8")
		}
	}
	// a plan of one short line is not taken for UTF-16
	if _, err := load(t, "p.csv", "a,b", plan.Options{}); errors.Is(err, plan.ErrSyntax) {
		t.Errorf("short plan: %v", err)
	}
}

// TestQuotedFieldOverLines: a line end inside a quoted value is refused,
// and the lines after it keep their numbers.
func TestQuotedFieldOverLines(t *testing.T) {
	p := mustLoad(t, "p.csv", "child_account_name,active\n\"multi\nline\",true\n12x,false\n", plan.Options{SkipInvalid: true})
	got := rowsOf(p)
	want := []row{{2, 0, "multi\nline", "", -1}, {4, plan.ByName, "12x", "active=false", -1}}
	if fmt.Sprint(got) != fmt.Sprint(want) || !errors.Is(p.Rows[0].Err, plan.ErrControl) {
		t.Errorf("rows\n got %v\nwant %v (%v)", got, want, p.Rows[0].Err)
	}
}

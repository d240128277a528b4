package plan

import (
	"bufio"
	"errors"
	"strings"
	"testing"
)

func TestValidEmail(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"a@example.com", true},
		{"first.last+tag@sub.example.co.uk", true},
		{"o'neil@example.ie", true},
		{"ünï@exämple.de", true},
		{"a@localhost", false},
		{"@example.com", false},
		{"a@", false},
		{"a@@example.com", false},
		{"a@b@example.com", false},
		{".a@example.com", false},
		{"a.@example.com", false},
		{"a..b@example.com", false},
		{"a b@example.com", false},
		{"a@exa mple.com", false},
		{"a@-example.com", false},
		{"a@example-.com", false},
		{"a@example..com", false},
		{"a@example.com.", false},
		{"Bob <a@example.com>", false},
		{"a@example.com;b@example.com", false},
		{"(c)a@example.com", false},
		{strings.Repeat("x", 65) + "@example.com", false},
		{"a@" + strings.Repeat("x", 64) + ".com", false},
		{"a\xff@example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := validEmail(tt.in); got != tt.want {
				t.Errorf("validEmail(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		in, want string // want "" for a good password
	}{
		{"Abcdef1!", ""},
		{"Äbcdéf1-", ""},
		{"Abc1!", "too weak: needs at least 8 characters"},
		{"abcdefg1!", "too weak: needs an uppercase letter"},
		{"ABCDEFG1!", "too weak: needs a lowercase letter"},
		{"Abcdefgh!", "too weak: needs a digit"},
		{"Abcdefgh1", "too weak: needs a special character"},
		{"Abcd efg1!", "must not contain spaces"},
		{"Abcd\tefg1!", "must not contain spaces"},
		{"Abcd\x00efg1!", "contains a control character or invalid UTF-8"},
		{"Abcd\xffefg1!", "contains a control character or invalid UTF-8"},
		{"", "too weak: needs at least 8 characters, an uppercase letter, a lowercase letter, a digit and a special character"},
		{"ab 1", "must not contain spaces; too weak: needs at least 8 characters, an uppercase letter and a special character"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			err := checkPassword(tt.in)
			if tt.want == "" {
				if err != nil {
					t.Errorf("rejected a good password: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tt.want || !errors.Is(err, ErrPassword) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestNormDecimal(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "0"}, {"10", "10"}, {"010.500", "10.5"}, {"1e2", "100"}, {"1E-2", "0.01"},
		{".5", "0.5"}, {"-.5", "-0.5"}, {"+3", "3"}, {"-0.0", "0"},
		{"", ""}, {"1,5", ""}, {"1.2.3", ""}, {"e5", ""}, {"inf", ""}, {"Infinity", ""}, {"1_000", ""}, {"0x1p3", ""}, {"1e400", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := normDecimal(tt.in)
			if tt.want == "" {
				if !errors.Is(err, ErrDecimal) {
					t.Errorf("normDecimal(%q) = %q, %v; want ErrDecimal", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("normDecimal(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseID(t *testing.T) {
	tests := []struct {
		in, want string
		n        uint64
	}{
		{"1", "1", 1}, {"007", "7", 7}, {"ALL", "all", 0}, {"9223372036854775807", "9223372036854775807", 1<<63 - 1},
		{"9223372036854775808", "", 0}, {"0", "", 0}, {"000", "", 0}, {"", "", 0}, {"1.0", "", 0}, {"+1", "", 0}, {"1e3", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, n, err := parseID(tt.in)
			if tt.want == "" {
				if !errors.Is(err, ErrID) {
					t.Errorf("parseID(%q) = %q, %d, %v; want ErrID", tt.in, got, n, err)
				}
				return
			}
			if err != nil || got != tt.want || n != tt.n {
				t.Errorf("parseID(%q) = %q, %d, %v; want %q, %d", tt.in, got, n, err, tt.want, tt.n)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct{ in, want string }{
		{"activ", "active"},
		{"Actve", "active"},
		{"langauge", "language_code"},
		{"lang", "language_code"},
		{"id", "child_account_id"},
		{"account id", "child_account_id"},
		{"email", "child_account_email"},
		{"password", "new_child_account_password"},
		{"timezone", "location"},
		{"min balance", "min_balance_to_notify"},
		{strings.Repeat("z", 500), "child_account_id"}, // bounded work, some answer
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := suggest(tt.in); got != tt.want {
				t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestQuoteShortensLongValues(t *testing.T) {
	long := strings.Repeat("é", 100)
	q := quote(long)
	if len(q) > maxQuoted+10 || !strings.HasSuffix(q, "…") || strings.Contains(q, `\x`) {
		t.Errorf("quote of a long value: %s", q)
	}
	if got := quote("ab"); got != `"ab"` {
		t.Errorf("quote(ab) = %s", got)
	}
}

func TestEstimateRows(t *testing.T) {
	line := "1234567,false,,,\n"
	content := strings.Repeat(line, 100000)
	br := bufio.NewReaderSize(strings.NewReader(content), 64<<10)
	br.Peek(br.Size())
	n := estimateRows(br, int64(len(content)))
	if n < 100000 || n > 110000 {
		t.Errorf("estimate %d for 100000 rows", n)
	}
	if n := estimateRows(br, 10); n != 0 {
		t.Errorf("estimate %d for a plan smaller than the buffer", n)
	}
	if n := sizeOf(strings.NewReader(content)); n != int64(len(content)) {
		t.Errorf("sizeOf = %d", n)
	}
	if n := sizeOf(bufio.NewReader(strings.NewReader(content))); n != -1 {
		t.Errorf("sizeOf of a stream = %d", n)
	}
}

func TestIDIndex(t *testing.T) {
	var x idIndex
	ids := []uint64{5, 9, 12, 7, 12, 20, 7, 3, 20, 30, 1}
	want := []int32{-1, -1, -1, -1, 2, -1, 3, -1, 5, -1, -1}
	for i, id := range ids {
		prev, ok := x.firstOf(id, int32(i))
		if !ok {
			prev = -1
		}
		if prev != want[i] {
			t.Errorf("id %d at %d: first %d, want %d", id, i, prev, want[i])
		}
	}
}

func TestDupsWithoutIndex(t *testing.T) {
	p := &Plan{Rows: []Row{{Dup: -1}, {Dup: 0}, {Dup: -1}, {Dup: 0}}}
	if got := p.Dups(0); len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Errorf("Dups(0) = %v", got)
	}
	if got := p.Dups(2); got != nil {
		t.Errorf("Dups(2) = %v", got)
	}
}

func TestRowErrorForms(t *testing.T) {
	tests := []struct {
		e    RowError
		want string
	}{
		{RowError{File: "p.csv", Line: 3, Field: "active", Err: ErrBool}, "p.csv:3: active: not a boolean"},
		{RowError{File: "p.csv", Line: 3, Err: ErrNoChange}, "p.csv:3: no change"},
		{RowError{File: "<stdin>", Err: ErrSyntax}, "<stdin>: malformed plan"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

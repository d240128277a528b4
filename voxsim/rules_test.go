package voxsim

import (
	"strings"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true}, {"10", 10, true}, {"-1.5", -1.5, true}, {"+2.", 2, true}, {".5", 0.5, true},
		{"1e3", 1000, true}, {"1.5E-1", 0.15, true},
		{"", 0, false}, {".", 0, false}, {"-", 0, false}, {"1e", 0, false}, {"1e+", 0, false},
		{"1,5", 0, false}, {"0x10", 0, false}, {"inf", 0, false}, {"NaN", 0, false}, {"1_000", 0, false},
		{" 1", 0, false}, {"1 ", 0, false}, {"1e400", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseDecimal(tt.in)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("parseDecimal(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestValidEmail(t *testing.T) {
	tests := map[string]bool{
		"a@example.org": true, "first.last+tag@sub.example.org": true,
		"": false, "a": false, "a@b": false, "@example.org": false, "a@.org": false, "a@example.": false,
		"A <a@example.org>": false, "<a@example.org>": false, "a@@example.org": false, "a b@example.org": false,
		strings.Repeat("a", 250) + "@x.org": false,
	}
	for in, want := range tests {
		if got := validEmail(in); got != want {
			t.Errorf("validEmail(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"Abcdef1!", 0}, {"Ünïcödé1!", 0}, {"Passwort-1€", 0},
		{"Abcde1!", 523}, {"abcdef1!", 464}, {"ABCDEF1!", 523}, {"Abcdefg!", 523}, {"Abcdefg1", 523},
		{"Abc def1!", 524}, {"Abcdef1!\t", 524}, {"12345678", 464},
	}
	for _, tt := range tests {
		got := 0
		if e := checkPassword(tt.in); e != nil {
			got = e.code
			if strings.Contains(e.Error(), tt.in) {
				t.Errorf("error %q shows the password", e.Error())
			}
		}
		if got != tt.want {
			t.Errorf("checkPassword(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestValidLanguage(t *testing.T) {
	for _, code := range strings.Fields(languageCodes) {
		if !validLanguage(code) {
			t.Errorf("%q rejected", code)
		}
	}
	if n := len(strings.Fields(languageCodes)); n != 142 {
		t.Errorf("%d codes, the reference lists 142", n)
	}
	for _, code := range []string{"", "e", "eng", "EN", "En", "xx", "q1", "a ", "zz"} {
		if validLanguage(code) {
			t.Errorf("%q accepted", code)
		}
	}
}

func TestZoneTable(t *testing.T) {
	var z zoneTable
	if names := z.names(); len(names) != 1 || names[zoneDefault] != "Etc/GMT" {
		t.Fatalf("empty table %v", names)
	}
	for _, name := range []string{"Etc/GMT", "Etc/GMT+10", "America/Los_Angeles", "UTC"} {
		i, ok := z.lookup(name)
		if !ok || z.names()[i] != name {
			t.Errorf("lookup(%q) = %d, %v", name, i, ok)
		}
		if j, _ := z.lookup(name); j != i {
			t.Errorf("lookup(%q) not stable", name)
		}
	}
	if i, _ := z.lookup("Etc/GMT"); i != zoneDefault {
		t.Errorf("Etc/GMT at %d", i)
	}
	for range maxInvalidZones + 1 {
		if _, ok := z.lookup("Nowhere/" + strings.Repeat("x", len(z.invalid)+1)); ok {
			t.Fatal("invalid zone accepted")
		}
	}
	if len(z.invalid) > maxInvalidZones {
		t.Fatalf("%d invalid names cached", len(z.invalid))
	}
	for _, name := range []string{"", "Local", "Mars/Base", "/etc/localtime"} {
		if _, ok := z.lookup(name); ok {
			t.Errorf("lookup(%q) accepted", name)
		}
	}
}

func TestAppendString(t *testing.T) {
	tests := map[string]string{
		"plain": `"plain"`, `q"uote`: `"q\"uote"`, "a&b": `"a\u0026b"`, "jü": `"jü"`, "tab\t": `"tab\t"`,
	}
	for in, want := range tests {
		if got := string(appendString(nil, in)); got != want {
			t.Errorf("appendString(%q) = %s, want %s", in, got, want)
		}
	}
}

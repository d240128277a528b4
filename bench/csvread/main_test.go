package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCount(t *testing.T) {
	n, err := count(strings.NewReader("a,b\n1,2\n\"3\",4,5\n"))
	if err != nil || n != 3 {
		t.Errorf("count = %d, %v; want 3 records", n, err)
	}
	if _, err := count(strings.NewReader("a,\"b\n")); err == nil {
		t.Error("an unterminated quote read without error")
	}
}

func TestCsvread(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.csv")
	os.WriteFile(path, []byte("a\n1\n2\n"), 0o644)
	var out, errb strings.Builder
	if code := csvread([]string{path}, &out, &errb); code != 0 || out.String() != "3 records\n" {
		t.Errorf("exit %d, out %q, err %q", code, out.String(), errb.String())
	}
	if code := csvread(nil, &out, &errb); code != 2 {
		t.Errorf("no file: exit %d", code)
	}
	if code := csvread([]string{path + ".missing"}, &out, &errb); code != 1 {
		t.Errorf("missing file: exit %d", code)
	}
}

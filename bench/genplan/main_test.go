package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/plan/plantest"
)

func TestRunWritesALoadablePlan(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.csv")
	if err := run(path, plantest.Config{Rows: 250, Start: 1000}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(data), "\n"); lines != 251 {
		t.Errorf("%d lines, want a header and 250 rows", lines)
	}
	p, err := plan.LoadFile(path, nil, plan.Options{})
	if err != nil {
		t.Fatalf("the generated plan does not load: %v", err)
	}
	if len(p.Rows) != 250 {
		t.Errorf("%d rows", len(p.Rows))
	}
	if err := run(filepath.Join(t.TempDir(), "no", "dir", "p.csv"), plantest.Config{Rows: 1}); err == nil {
		t.Error("no error for a path that cannot be created")
	}
}

func TestGenplanFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "semi.csv")
	if code := genplan([]string{"-rows", "3", "-semicolon", "-crlf", "-o", path}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), ";") || strings.Count(string(data), "\r\n") != 4 {
		t.Errorf("plan %q", data)
	}
	if code := genplan([]string{"-rows", "x"}); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
	if code := genplan([]string{"-o", filepath.Join(t.TempDir(), "no", "p.csv"), "-rows", "1"}); code != 1 {
		t.Errorf("unwritable output: exit %d", code)
	}
}

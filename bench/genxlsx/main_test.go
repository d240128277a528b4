package main

import (
	"path/filepath"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
)

func TestGenxlsx(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.xlsx")
	if code := genxlsx([]string{"-rows", "30", "-o", path}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	p, err := plan.LoadFile(path, nil, plan.Options{})
	if err != nil || len(p.Rows) != 30 {
		t.Fatalf("%v", err)
	}
	if code := genxlsx([]string{"-rows", "1"}); code != 2 {
		t.Errorf("no -o: exit %d", code)
	}
	if code := genxlsx([]string{"-o", filepath.Join(t.TempDir(), "no", "p.xlsx")}); code != 1 {
		t.Errorf("a folder that does not exist: exit %d", code)
	}
}

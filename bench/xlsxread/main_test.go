package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan/plantest"
)

func TestXlsxread(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := plantest.WriteXLSX(f, plantest.Config{Rows: 25}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var out, errb strings.Builder
	if code := xlsxread([]string{path}, &out, &errb); code != 0 || out.String() != "26 rows\n" {
		t.Errorf("exit %d, out %q, err %q", code, out.String(), errb.String())
	}
	os.WriteFile(path, []byte("not a zip"), 0o644)
	if code := xlsxread([]string{path}, &out, &errb); code != 1 {
		t.Errorf("not a workbook: exit %d", code)
	}
	if code := xlsxread(nil, &out, &errb); code != 2 {
		t.Errorf("no file: exit %d", code)
	}
}

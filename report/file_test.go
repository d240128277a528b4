package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func encoded(t *testing.T, f Format, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, f, n, sampleRecord); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteFile(t *testing.T) {
	tests := []struct {
		name     string
		old      []byte // nil: no file before
		oldMode  os.FileMode
		f        Format
		wantMode os.FileMode
	}{
		{name: "new csv", f: CSV, wantMode: 0o644},
		{name: "new jsonl", f: JSONL, wantMode: 0o644},
		{name: "replace keeps mode", old: []byte("streamed rows\n"), oldMode: 0o600, f: CSV, wantMode: 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "report."+string(tt.f))
			if tt.old != nil {
				if err := os.WriteFile(path, tt.old, tt.oldMode); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFile(path, tt.f, 5000, sampleRecord); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, encoded(t, tt.f, 5000)) {
				t.Error("file content differs from Encode")
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.wantMode {
				t.Errorf("mode %v, want %v", fi.Mode().Perm(), tt.wantMode)
			}
			if names := dirNames(t, dir); len(names) != 1 {
				t.Errorf("directory holds %q, want the report alone", names)
			}
		})
	}
}

// failingTemp is a real temporary file whose writes fail after limit bytes.
type failingTemp struct {
	*os.File
	w failWriter
}

func (f *failingTemp) Write(p []byte) (int, error) {
	if _, err := f.w.Write(p); err != nil {
		return 0, err
	}
	return f.File.Write(p)
}

func TestWriteFileFailureKeepsOld(t *testing.T) {
	old := []byte("line,selector\nold,report\n")
	tests := []struct {
		name   string
		create func(dir, pattern string) (tempFile, error)
		want   error
	}{
		{"write fails", func(dir, pattern string) (tempFile, error) {
			f, err := os.CreateTemp(dir, pattern)
			return &failingTemp{File: f, w: failWriter{limit: 100 << 10}}, err
		}, errDiskFull},
		{"create fails", func(string, string) (tempFile, error) { return nil, os.ErrPermission }, os.ErrPermission},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "report.csv")
			if err := os.WriteFile(path, old, 0o644); err != nil {
				t.Fatal(err)
			}
			err := writeFile(path, CSV, 10000, sampleRecord, tt.create)
			if !errors.Is(err, tt.want) {
				t.Fatalf("writeFile = %v, want %v", err, tt.want)
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, old) {
				t.Errorf("old report changed: %q, %v", got, err)
			}
			if names := dirNames(t, dir); len(names) != 1 {
				t.Errorf("directory holds %q, want the old report alone", names)
			}
		})
	}
}

// TestWriteFileRenameFails: path is a non-empty directory, so the rename
// fails after the temporary file is complete.
func TestWriteFileRenameFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.csv")
	if err := os.MkdirAll(filepath.Join(path, "inside"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, CSV, 10, sampleRecord); err == nil {
		t.Fatal("WriteFile over a directory succeeded")
	}
	if names := dirNames(t, dir); len(names) != 1 || names[0] != "report.csv" {
		t.Errorf("directory holds %q, want report.csv alone", names)
	}
}

func TestFinalize(t *testing.T) {
	t.Run("stdout", func(t *testing.T) {
		var out bytes.Buffer
		if err := Finalize(Stdout, &out, JSONL, 100, sampleRecord); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), encoded(t, JSONL, 100)) {
			t.Error("stdout differs from Encode")
		}
	})
	t.Run("stdout fails", func(t *testing.T) {
		err := Finalize(Stdout, &failWriter{}, CSV, 10, sampleRecord)
		if !errors.Is(err, errDiskFull) {
			t.Errorf("Finalize = %v, want the write error", err)
		}
	})
	t.Run("after stream", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "r.csv")
		s, err := Create(path, CSV)
		if err != nil {
			t.Fatal(err)
		}
		for i := 99; i >= 0; i-- { // completion order differs from plan order
			if err := s.Write(sampleRecord(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := Finalize(path, &out, CSV, 100, sampleRecord); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, encoded(t, CSV, 100)) {
			t.Error("final report is not in plan order")
		}
		if out.Len() != 0 {
			t.Error("Finalize to a file wrote to stdout")
		}
	})
}

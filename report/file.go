package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// bufSize is the write buffer of every report writer.
const bufSize = 64 << 10

// encoder writes records of one format into a buffered writer.
type encoder interface {
	header() error          // CSV header row; nothing for JSON Lines
	encode(r *Record) error // one row, buffered
	flush() error           // buffered bytes to the underlying writer
}

// rowWriter is what both encoders share: a row is appended to a reused
// buffer and written with one call, and flush hands the buffered rows on.
type rowWriter struct {
	w   *bufio.Writer
	buf []byte
}

func newRowWriter(w *bufio.Writer) rowWriter {
	return rowWriter{w: w, buf: make([]byte, 0, 512)}
}

// write writes the row b, which becomes the buffer of the next row. A row
// that does not fit in what the buffer has left is not split: the buffered
// rows go first, so that every write to the file ends at the end of a row.
func (rw *rowWriter) write(b []byte) error {
	rw.buf = b
	if len(b) > rw.w.Available() && rw.w.Buffered() > 0 {
		if err := rw.w.Flush(); err != nil {
			return err
		}
	}
	_, err := rw.w.Write(b)
	return err
}

func (rw *rowWriter) flush() error { return rw.w.Flush() }

func newEncoder(w io.Writer, f Format) (encoder, error) {
	bw := bufio.NewWriterSize(w, bufSize)
	switch f {
	case CSV:
		return &csvEncoder{newRowWriter(bw)}, nil
	case JSONL:
		return &jsonEncoder{newRowWriter(bw)}, nil
	case XLSX:
		return nil, fmt.Errorf("%w %q: a workbook is written whole (Encode, WriteFile), not streamed", ErrFormat, string(f))
	}
	return nil, fmt.Errorf("%w %q: use csv, jsonl or xlsx", ErrFormat, string(f))
}

// Encode writes a complete report to w: the CSV header if f is CSV, then
// rec(0) .. rec(n-1) in that order; or, for XLSX, a workbook of them. It
// does not close w.
func Encode(w io.Writer, f Format, n int, rec func(i int) Record) error {
	if f == XLSX {
		return encodeXLSX(w, n, rec)
	}
	enc, err := newEncoder(w, f)
	if err != nil {
		return err
	}
	if err := enc.header(); err != nil {
		return err
	}
	var r Record // one variable: &r escapes through the interface
	for i := range n {
		r = rec(i)
		if err := enc.encode(&r); err != nil {
			return err
		}
	}
	return enc.flush()
}

// Finalize writes the final report, rec(0) .. rec(n-1) in plan order, to
// path: to stdout if path is "-" (see Encode), otherwise atomically with
// WriteFile. It is the last step of a run:
//
//	s, _ := Create(path, f)  // start of the run
//	s.Write(rec)             // as each row is decided, in completion order
//	s.Close()                // the run is over
//	Finalize(path, os.Stdout, f, n, rec) // the same rows again, in plan order
//
// Streaming to "-" cannot be rewritten, so with "-" call only Finalize (or
// only the stream), never both.
func Finalize(path string, stdout io.Writer, f Format, n int, rec func(i int) Record) error {
	if path == Stdout {
		if err := Encode(stdout, f, n, rec); err != nil {
			return fmt.Errorf("write report to stdout: %w", err)
		}
		return nil
	}
	return WriteFile(path, f, n, rec)
}

// WriteFile writes a complete report (see Encode) to path atomically: it
// writes a temporary file in the same directory, syncs it to disk and
// renames it over path. If anything fails, path is left as it was and the
// temporary file is removed. The new file keeps the mode of the file it
// replaces, or gets 0644. Close any Stream on path before calling it.
func WriteFile(path string, f Format, n int, rec func(i int) Record) error {
	return writeFile(path, f, n, rec, createTemp)
}

// tempFile is the part of *os.File that writeFile uses; tests substitute it.
type tempFile interface {
	io.Writer
	Name() string
	Chmod(mode os.FileMode) error
	Sync() error
	Close() error
}

func createTemp(dir, pattern string) (tempFile, error) { return os.CreateTemp(dir, pattern) }

func writeFile(path string, f Format, n int, rec func(i int) Record,
	create func(dir, pattern string) (tempFile, error)) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		mode = fi.Mode().Perm()
	}
	tmp, err := create(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(fmt.Errorf("write report %s: %w", path, err), cleanup(tmp))
		}
	}()
	if err := Encode(tmp, f, n, rec); err != nil {
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// cleanup closes and removes a temporary file after a failure. Closing an
// already closed file is not worth reporting.
func cleanup(tmp tempFile) error {
	_ = tmp.Close()
	if err := os.Remove(tmp.Name()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove temporary report: %w", err)
	}
	return nil
}

// syncDir makes a rename in dir durable. It is best effort: some file
// systems refuse to sync a directory, and the rename has happened anyway.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

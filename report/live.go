package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// The live report of a run, and what a killed run leaves behind.

// Tidy readies the report at path for a new run; the caller must hold the
// report's lock. It removes the temporary files that an interrupted run
// left beside it (".<base>.tmp-*": a final rewrite or a live report cut
// short, or the CSV a workbook's run streamed), and cuts a torn last row,
// which a run killed in the middle of a write leaves, so that a reader
// never sees half a row. Every row a report holds ends with its only
// newline: the encoders write none inside a row whose cells hold no
// control characters, and the runner gives them none. A workbook (.xlsx)
// is only ever replaced whole: it is left as it is.
func Tidy(path string) error {
	if path == Stdout {
		return nil
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	stale, err := filepath.Glob(filepath.Join(dir, "."+escapeGlob(base)+".tmp-*"))
	if err != nil {
		return err
	}
	for _, f := range stale {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove a temporary report: %w", err)
		}
	}
	if isWorkbook(path) {
		return nil
	}
	return cutTornRow(path)
}

// escapeGlob escapes the characters filepath.Match gives a meaning.
func escapeGlob(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', '\\':
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return string(b)
}

// cutTornRow truncates the regular file at path just after its last
// newline, if it does not end with one.
func cutTornRow(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("repair report: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
		return err
	}
	end, err := lastNewline(f, fi.Size())
	if err != nil {
		return fmt.Errorf("repair report %s: %w", path, err)
	}
	if end == fi.Size() {
		return nil
	}
	if err := f.Truncate(end); err != nil {
		return fmt.Errorf("repair report %s: %w", path, err)
	}
	return nil
}

// lastNewline returns the offset just past the last '\n' of f (of size
// size), or 0 if there is none, reading from the end.
func lastNewline(f io.ReaderAt, size int64) (int64, error) {
	buf := make([]byte, 64<<10)
	for end := size; end > 0; {
		start := max(end-int64(len(buf)), 0)
		chunk := buf[:end-start]
		if _, err := f.ReadAt(chunk, start); err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

// CreateLive starts the live report of a run at path (not "-"). When no
// file is at path, the rows stream to path itself, so that a killed first
// run leaves them there. When a report is there, they stream to a
// temporary file beside it instead: the report at path never goes from
// complete to partial, and Finalize replaces it at the end. Call Tidy
// first; after Finalize, RemoveTemp removes the temporary file.
//
// A workbook (XLSX) cannot be appended to: its rows stream as CSV to a
// temporary file beside it, ".<name>.tmp-live-*.csv", and only Finalize
// writes the workbook. A run killed before that leaves the workbook at
// path as it was (or none) and its rows in that CSV; the journal holds
// every outcome, and the rerun's Finalize writes the workbook whole.
func CreateLive(path string, f Format) (*Stream, error) {
	if f == XLSX {
		return createLiveTemp(path, CSV, ".csv")
	}
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return Create(path, f)
	}
	return createLiveTemp(path, f, "")
}

// createLiveTemp streams format f to a new temporary file beside path,
// named ".<base>.tmp-live-*" and suffix, which Tidy removes.
func createLiveTemp(path string, f Format, suffix string) (*Stream, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-live-*"+suffix)
	if err != nil {
		return nil, fmt.Errorf("create report: %w", err)
	}
	s, err := newStream(tmp, tmp, tmp.Name(), f, FlushInterval, time.Now)
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	s.temp = tmp.Name()
	return s, nil
}

// RemoveTemp removes the temporary file a Stream of CreateLive wrote, if it
// wrote one; call it after Close.
func (s *Stream) RemoveTemp() error {
	if s == nil || s.temp == "" {
		return nil
	}
	if err := os.Remove(s.temp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove the live report: %w", err)
	}
	return nil
}

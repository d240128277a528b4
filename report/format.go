package report

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Format is a report file format.
type Format string

// The report formats.
const (
	// CSV is RFC 4180 CSV with a header row, cells escaped against formula
	// injection.
	CSV Format = "csv"
	// JSONL is JSON Lines: one JSON object per row, raw values.
	JSONL Format = "jsonl"
	// XLSX is an Excel workbook: one sheet, the header row frozen with an
	// autofilter, every cell a value (never a formula). It is written
	// whole: a Stream cannot write it, CreateLive streams CSV beside it.
	XLSX Format = "xlsx"
)

// Stdout is the report path that means standard output.
const Stdout = "-"

// ErrFormat is wrapped by the errors of FormatFor: the report format could
// not be told from the explicit name or the file name. It is a usage error.
var ErrFormat = errors.New("unknown report format")

// FormatFor returns the format of the report at path. A non-empty explicit
// format ("csv", "jsonl" or "xlsx", any case) wins; otherwise the extension
// decides (".csv", ".jsonl" or ".xlsx", any case), and "-" (standard
// output) means CSV. Anything else is an error wrapping ErrFormat that
// names the allowed values.
func FormatFor(path, explicit string) (Format, error) {
	if explicit != "" {
		switch f := Format(strings.ToLower(explicit)); f {
		case CSV, JSONL, XLSX:
			return f, nil
		}
		return "", fmt.Errorf("%w %q: use csv, jsonl or xlsx", ErrFormat, explicit)
	}
	if path == Stdout {
		return CSV, nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return CSV, nil
	case ".jsonl":
		return JSONL, nil
	case ".xlsx":
		return XLSX, nil
	}
	return "", fmt.Errorf("report %q: %w: name it .csv, .jsonl or .xlsx, or use - for stdout", path, ErrFormat)
}

// isWorkbook reports whether path names a workbook report.
func isWorkbook(path string) bool { return strings.EqualFold(filepath.Ext(path), ".xlsx") }

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
)

// Stdout is the report path that means standard output.
const Stdout = "-"

// ErrFormat is wrapped by the errors of FormatFor: the report format could
// not be told from the explicit name or the file name. It is a usage error.
var ErrFormat = errors.New("unknown report format")

// FormatFor returns the format of the report at path. A non-empty explicit
// format ("csv" or "jsonl", any case) wins; otherwise the extension decides
// (".csv" or ".jsonl", any case), and "-" (standard output) means CSV.
// Anything else is an error wrapping ErrFormat that names the allowed values.
func FormatFor(path, explicit string) (Format, error) {
	if explicit != "" {
		switch f := Format(strings.ToLower(explicit)); f {
		case CSV, JSONL:
			return f, nil
		}
		return "", fmt.Errorf("%w %q: use csv or jsonl", ErrFormat, explicit)
	}
	if path == Stdout {
		return CSV, nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return CSV, nil
	case ".jsonl":
		return JSONL, nil
	}
	return "", fmt.Errorf("report %q: %w: name it .csv or .jsonl, or use - for stdout", path, ErrFormat)
}

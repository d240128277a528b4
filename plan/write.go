package plan

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// This file writes plans: the undo plan of a run and the export of a
// plan's current values are plans that voxbatch writes and reads back.

// Table is a plan as a grid of cells, for WriteTable.
type Table struct {
	// Header names the columns as the API names its parameters: the
	// selector columns the rows use, then the parameters.
	Header []string
	// Rows hold a cell per column. A row names its account in one
	// selector column; an empty cell leaves a parameter unchanged.
	Rows [][]string
	// Notes are said of the plan as a whole (what it could not hold).
	// YAML writes them as comments at the top; CSV and XLSX, which a plan
	// holds no comments in, leave them out: say them elsewhere too.
	Notes []string
}

// ErrTable is wrapped by the errors of WriteTable for a table that is not
// a plan: an unknown column, a password column, a row of another width.
var ErrTable = errors.New("not a plan table")

// TableFormat tells the format WriteTable writes to path by its
// extension: "csv" (also for "-", standard output), "yaml" (.yaml, .yml)
// or "xlsx"; anything else is an error wrapping ErrFormat.
func TableFormat(path string) (string, error) {
	if path == "-" {
		return "csv", nil
	}
	if f := formatOfExt(path); f != "" {
		return f, nil
	}
	return "", fmt.Errorf("%s: %w: name a .csv, .yaml, .yml or .xlsx file, or - for stdout", path, ErrFormat)
}

// WriteTable writes t as a plan to path, in the format its extension
// names (see TableFormat), or as CSV to stdout when path is "-". A file is
// written whole or not at all: a temporary file beside it is synced and
// renamed over it.
//
// What it writes loads back with Load as the values written: values
// that a plan takes (validated and normalized, as Load makes them) give
// the same rows and digest. A CSV cell that a spreadsheet would take for a
// formula (one starting with =, +, - or @: a name, an email, a negative
// balance) is written after a space: a spreadsheet shows it as text, and
// Load, which trims the spaces around a value, reads the value itself.
// YAML quotes what YAML would read otherwise. A table with a column that
// is not a plan's, with new_child_account_password (voxbatch never writes
// a password), or with a row of another width is refused (ErrTable).
func WriteTable(path string, stdout io.Writer, t *Table) error {
	if _, err := TableFormat(path); err != nil {
		return err
	}
	if err := t.check(); err != nil {
		return err
	}
	if path == "-" {
		return encodeCSV(stdout, t, false)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx":
		return writeTableXLSX(path, t)
	case ".yaml", ".yml":
		return writeAtomic(path, func(w io.Writer) error { return encodeYAML(w, t) })
	}
	return writeAtomic(path, func(w io.Writer) error { return encodeCSV(w, t, true) })
}

// check refuses a table that is not a plan.
func (t *Table) check() error {
	if len(t.Header) == 0 {
		return fmt.Errorf("%w: no columns", ErrTable)
	}
	for _, h := range t.Header {
		c, ok := lookupColumn(h)
		switch {
		case !ok:
			return fmt.Errorf("%w: column %s is not a plan's", ErrTable, quote(h))
		case c.sel == 0 && c.param.Secret():
			return fmt.Errorf("%w: column %s: voxbatch never writes a password", ErrTable, c)
		}
	}
	for i, row := range t.Rows {
		if len(row) != len(t.Header) {
			return fmt.Errorf("%w: row %d has %d cells for %d columns", ErrTable, i+1, len(row), len(t.Header))
		}
	}
	return nil
}

// inertCell is cell as a CSV plan holds it: after a space when a
// spreadsheet would take it for a formula.
func inertCell(cell string) string {
	if cell != "" {
		switch cell[0] {
		case '=', '+', '-', '@', '\t', '\r':
			return " " + cell
		}
	}
	return cell
}

// encodeCSV writes t as CSV: comma-separated, LF line ends, a UTF-8 BOM
// first when bom is set and a cell is not ASCII (so that a spreadsheet
// does not read the file in a legacy code page).
func encodeCSV(w io.Writer, t *Table, bom bool) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if bom && !t.ascii() {
		bw.Write(bomUTF8)
	}
	cw := csv.NewWriter(bw)
	if err := cw.Write(t.Header); err != nil {
		return err
	}
	rec := make([]string, len(t.Header))
	for _, row := range t.Rows {
		for i, cell := range row {
			rec[i] = inertCell(cell)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// ascii tells whether every cell of t is ASCII.
func (t *Table) ascii() bool {
	for _, row := range t.Rows {
		for _, cell := range row {
			for i := 0; i < len(cell); i++ {
				if cell[i] >= utf8.RuneSelf {
					return false
				}
			}
		}
	}
	return true
}

// encodeYAML writes t in the shape readYAML reads: a mapping whose
// accounts: lists one mapping per row, with the row's non-empty cells.
// Values are plain where YAML reads them as written, quoted otherwise;
// the loader reads every value by its parameter's type, so a plain
// `no` stays the text "no".
func encodeYAML(w io.Writer, t *Table) error {
	accounts := &yaml.Node{Kind: yaml.SequenceNode}
	for _, row := range t.Rows {
		m := &yaml.Node{Kind: yaml.MappingNode}
		for i, cell := range row {
			if cell == "" {
				continue
			}
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: t.Header[i]}, yamlValue(cell))
		}
		if len(m.Content) > 0 {
			accounts.Content = append(accounts.Content, m)
		}
	}
	root := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "accounts"}, accounts}}
	if len(t.Notes) > 0 {
		lines := make([]string, len(t.Notes))
		for i, n := range t.Notes {
			lines[i] = "# " + EscapeControls(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(n))
		}
		root.HeadComment = strings.Join(lines, "\n")
	}
	if len(accounts.Content) == 0 {
		accounts.Style = yaml.FlowStyle // accounts: []
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := yaml.NewEncoder(bw)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// yamlValue is the node of a value: without a tag, so that YAML writes it
// plain when it can and quotes it when plain text would read otherwise
// (": ", a leading "-", "#", "*" ...). A plain ~ reads as no value at all:
// it is quoted.
func yamlValue(v string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: v}
	if v == "~" {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// writeAtomic writes path through a temporary file in its directory,
// synced and renamed over it; on failure path is left as it was. The file
// keeps the mode of the file it replaces, or gets 0644.
func writeAtomic(path string, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	if err := write(tmp); err != nil {
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
	return os.Rename(tmp.Name(), path)
}

// NormalizeValue checks v as a value of parameter p and returns it as a
// plan holds it (normalized as Load normalizes it), or the problem, which
// unwraps to a sentinel such as ErrLanguage. It is for values that come
// from elsewhere than a plan (an account as the API returns it) and go
// into one.
func NormalizeValue(p Param, v string) (string, error) {
	if p >= NumParams {
		return "", fmt.Errorf("%w: parameter %s", ErrUnknownColumn, strconv.Itoa(int(p)))
	}
	var b builder
	n, err := b.norm(p, strings.TrimSpace(v))
	if err != nil {
		return "", err
	}
	return n, nil
}

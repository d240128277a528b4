package plan

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Row is one account line of a plan.
type Row struct {
	Index   int       // position in the plan, 0-based, counting every row (invalid ones too)
	Line    int       // line in the plan file (YAML: line of the row's mapping)
	Account string    // canonical selector value: an ID without leading zeros, "all", a name or an email as written
	Change  *Change   // the change to apply; nil for an invalid row
	Err     *RowError // the row's first problem; non-nil only for an invalid row kept under SkipInvalid
	Dup     int32     // -1, or Index of the first row naming the same account with the identical change (merged)
	// Kind is the row's selector. An invalid row keeps it, and its
	// Account, when its selector could be read (it is then invalid for
	// another reason); else Kind is 0. Only Valid tells a row to send.
	Kind SelectorKind
}

// Valid reports whether the row can be sent: it has a selector and a
// change and no problem.
func (r *Row) Valid() bool { return r.Kind != 0 && r.Change != nil && r.Err == nil }

// Plan is a loaded, validated plan.
type Plan struct {
	Source string // file name as given, "<stdin>" for "-"
	Sheet  string // the sheet a workbook plan was read from; empty for CSV and YAML
	Rows   []Row  // every row in plan order
	Digest string // "sha256:<64 hex>", see Load

	dups map[int32][]int32 // primary row -> rows merged into it; built by Load
}

// Dups returns the indexes of the rows merged into row i (rows whose Dup is
// i), in plan order; usually none.
func (p *Plan) Dups(i int) []int {
	var d []int32
	if p.dups != nil {
		d = p.dups[int32(i)]
	} else { // a Plan not made by Load
		for j := range p.Rows {
			if p.Rows[j].Dup == int32(i) {
				d = append(d, int32(j))
			}
		}
	}
	if len(d) == 0 {
		return nil
	}
	out := make([]int, len(d))
	for k, j := range d {
		out[k] = int(j)
	}
	return out
}

// MixesKinds reports whether the valid rows name accounts by more than one
// selector kind ("all" aside, which conflicts or not by itself). Then two
// rows may name one account, by its ID and by its name say, which only the
// API can tell: such a plan must be resolved (names and emails read as
// IDs) before it is sent. Summary.MixedKinds says the same.
func (p *Plan) MixesKinds() bool {
	var byKind [ByEmail + 1]int
	for i := range p.Rows {
		r := &p.Rows[i]
		if r.Valid() && (r.Kind != ByID || r.Account != "all") {
			if byKind[r.Kind]++; mixed(byKind) {
				return true
			}
		}
	}
	return false
}

// mixed reports whether rows of more than one kind are counted.
func mixed(byKind [ByEmail + 1]int) bool {
	n := 0
	for k := ByID; k <= ByEmail; k++ {
		if byKind[k] > 0 {
			n++
		}
	}
	return n > 1
}

// Options control Load.
type Options struct {
	Format      string // "csv", "yaml", "xlsx", or "" to decide by the file extension (.csv, .yaml, .yml, .xlsx)
	Sheet       string // the sheet of a workbook plan, in any case; "" for the first. Only for xlsx.
	AllowAll    bool   // accept child_account_id "all", which selects every child account
	SkipInvalid bool   // keep invalid rows (Err set) instead of failing the load
	MaxErrors   int    // at most this many problems in a ValidationError's Errors; 0 means 100, < 0 no limit
}

// DefaultMaxErrors is the number of problems a ValidationError lists when
// Options.MaxErrors is 0.
const DefaultMaxErrors = 100

// StdinName is the name of a plan read from standard input.
const StdinName = "<stdin>"

// LoadFile loads the plan at path, or from stdin when path is "-" (named
// "<stdin>" in messages; Options.Format must then be set). See Load.
func LoadFile(path string, stdin io.Reader, opts Options) (*Plan, error) {
	if path == "-" {
		return Load(StdinName, stdin, opts)
	}
	if _, err := planFormat(path, opts.Format); err != nil {
		return nil, err // before opening: a wrong file is not read at all
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	defer f.Close()
	return Load(path, f, opts)
}

// Load reads a plan in CSV, YAML or an Excel workbook (.xlsx) from r and
// checks every row; name is the plan's name in messages and Plan.Source.
// A workbook is read from its sheet opts.Sheet, or its first; its
// problems name the sheet (RowError.Sheet) and its rows' Line is their
// row number in the sheet.
//
// When rows are invalid it returns a *ValidationError listing every
// problem, unless opts.SkipInvalid is set: then invalid rows are kept with
// Err set and Change nil (and their Kind and Account when the selector
// could be read), and only problems of the file as a whole
// (a bad header, a malformed file, bad YAML defaults, no rows) fail the
// load. The rows of a conflict are all invalid (see the package comment). I/O
// errors and an unknown format are returned wrapped, not as a
// *ValidationError.
//
// Plan.Digest is a SHA-256 over the normalized rows in plan order: each
// row's selector kind, canonical account and change, a password reduced to
// the fact that it is set, and a fixed marker for an invalid row. The same
// rows give the same digest whether written as CSV, YAML or a workbook, in
// any column order, with or without extra spaces, a BOM or CRLF line ends.
func Load(name string, r io.Reader, opts Options) (*Plan, error) {
	format, err := planFormat(name, opts.Format)
	if err != nil {
		return nil, err
	}
	if opts.Sheet != "" && format != "xlsx" {
		return nil, fmt.Errorf("%s: %w: a sheet (%s) is named, but the plan is %s, not a workbook", name, ErrFormat, quote(opts.Sheet), format)
	}
	b := newBuilder(name, opts)
	var sheet string // the workbook's sheet read
	switch format {
	case "csv":
		err = readCSV(b, r)
	case "xlsx":
		sheet, err = readXLSX(b, r, opts.Sheet)
	default:
		err = readYAML(b, r)
	}
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe) && pe.Path == name:
		return nil, err // it names the plan: "read dir.csv: is a directory", not twice
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	p, err := b.finish()
	if sheet != "" {
		nameSheet(sheet, p, err)
	}
	return p, err
}

// nameSheet gives every problem of a workbook plan its sheet: those of
// the ValidationError err, and, when the plan loaded, its invalid rows'.
func nameSheet(sheet string, p *Plan, err error) {
	var ve *ValidationError
	if errors.As(err, &ve) {
		for _, re := range ve.Errors {
			re.Sheet = sheet
		}
	}
	if p == nil {
		return
	}
	p.Sheet = sheet
	for i := range p.Rows {
		if re := p.Rows[i].Err; re != nil {
			re.Sheet = sheet
		}
	}
}

func planFormat(name, format string) (string, error) {
	switch strings.ToLower(format) {
	case "csv":
		return "csv", nil
	case "yaml", "yml":
		return "yaml", nil
	case "xlsx":
		return "xlsx", nil
	case "":
	default:
		return "", fmt.Errorf("%s: %w %s: want csv, yaml or xlsx", name, ErrFormat, quote(format))
	}
	if f := formatOfExt(name); f != "" {
		return f, nil
	}
	if strings.EqualFold(filepath.Ext(name), ".xls") {
		return "", fmt.Errorf("%s: %w: an old binary Excel workbook (.xls) is not read; "+
			"save it as an Excel Workbook (.xlsx) or as CSV UTF-8", name, ErrFormat)
	}
	return "", fmt.Errorf("%s: %w: name a .csv, .yaml, .yml or .xlsx file, or give the format", name, ErrFormat)
}

// formatOfExt is the plan format a file name's extension names, in any
// case ("" for none): the one rule that reading and writing plans share.
func formatOfExt(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return "csv"
	case ".yaml", ".yml":
		return "yaml"
	case ".xlsx":
		return "xlsx"
	}
	return ""
}

package plan

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Sentinel errors. Every *RowError unwraps to one of them, so callers can
// branch with errors.Is on a *RowError or on a whole *ValidationError.
var (
	ErrUnknownColumn = errors.New("unknown column")
	ErrSelector      = errors.New("invalid selector")
	ErrNoChange      = errors.New("no change")
	ErrBool          = errors.New("not a boolean")
	ErrLanguage      = errors.New("not a language code")
	ErrLocation      = errors.New("not a time zone")
	ErrEmail         = errors.New("not an email address")
	ErrPassword      = errors.New("password rejected")
	ErrDecimal       = errors.New("not a decimal number")
	ErrID            = errors.New("not an account id")
	ErrAll           = errors.New("all refused")
	ErrConflict      = errors.New("conflicting rows")
	ErrControl       = errors.New("control character") // a control or bidirectional character in a value
	ErrTooLong       = errors.New("value too long")    // over MaxValueLen bytes, or an email over MaxEmailLen characters
	ErrNoRows        = errors.New("no rows")           // a plan without a row; Load returns it in a *ValidationError
	// ErrSyntax is a plan that cannot be read as CSV or YAML, or whose
	// structure is wrong (a column twice, a YAML list where a value belongs).
	ErrSyntax = errors.New("malformed plan")
	// ErrFormat is a plan whose format cannot be told or is not supported.
	// Load returns it wrapped, not inside a *ValidationError.
	ErrFormat = errors.New("unknown plan format")
	// ErrWorkbook is a .xlsx plan that cannot be read as a workbook of
	// rows: an old binary .xls, a file that is not a zip, a
	// password-protected workbook, a sheet that is missing or is a chart,
	// a damaged part. Load returns it in a *ValidationError, as a problem
	// of the plan as a whole.
	ErrWorkbook = errors.New("unreadable workbook")
)

// RowError is one problem in a plan, at a line of the plan file or a row
// of a workbook's sheet.
//
// Error renders "FILE:LINE: field: problem", or for a workbook
// "FILE:SHEET!ROW: field: problem" (book.xlsx:Disable!5: language_code: …),
// the sheet's name quoted as Excel quotes it in a reference when it holds
// other than letters, digits, '_' and '.' ('Q3 plan'!5). The line (row) is
// left out when it is 0 (the problem concerns the whole file or sheet) and
// the field when it is empty (the problem concerns the whole row). The
// problem quotes the offending value, except a password's, which no
// RowError ever holds.
type RowError struct {
	File  string // the plan's name, "<stdin>" for standard input
	Sheet string // the sheet of a workbook plan (.xlsx); empty for CSV and YAML
	Line  int    // line in the plan file (the row in the sheet), 1-based; 0 for the whole file
	Field string // API name of the column or key, or a description such as `column "activ"`
	Value string // the offending value as written (its first MaxValueLen bytes); empty for a secret or a row-level problem
	Err   error  // the problem; unwraps to a sentinel such as ErrLanguage
}

// Error implements error.
func (e *RowError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Sheet != "" {
		b.WriteByte(':')
		b.WriteString(sheetRef(e.Sheet))
	}
	if e.Line > 0 {
		if e.Sheet != "" {
			b.WriteByte('!')
		} else {
			b.WriteByte(':')
		}
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the problem.
func (e *RowError) Unwrap() error { return e.Err }

// sheetRef is a sheet's name as a reference shows it: as it is when it
// holds only letters, digits, '_' and '.' and does not start with a digit,
// else in single quotes with a quote inside doubled, as Excel writes
// 'Q3 plan'!A1; control characters escaped either way.
func sheetRef(name string) string {
	plain := true
	for i, r := range name {
		if !(unicode.IsLetter(r) || r == '_' || r == '.' || (i > 0 && unicode.IsDigit(r))) {
			plain = false
			break
		}
	}
	name = EscapeControls(name)
	if plain {
		return name
	}
	return "'" + strings.ReplaceAll(name, "'", "''") + "'"
}

// problem is a message for people that unwraps to a sentinel.
type problem struct {
	msg  string
	kind error
}

func (p *problem) Error() string { return p.msg }
func (p *problem) Unwrap() error { return p.kind }

func newProblem(kind error, msg string) error { return &problem{msg: msg, kind: kind} }

// ValidationError reports every problem found in a plan. Error renders
// one problem per line, then a count line such as "3 problems in plan.csv".
type ValidationError struct {
	File   string      // the plan's name
	Errors []*RowError // the first problems found (rows in file order), at most Options.MaxErrors
	Count  int         // every problem found, including those not in Errors

	whole bool // a problem is the plan's as a whole, not a row's
}

// Skippable reports whether Options.SkipInvalid would load the plan: every
// problem is a row's, and the row would be kept as invalid. It is false
// when a problem concerns the plan as a whole (its header, its syntax or
// encoding, YAML defaults, a plan without rows): no option skips those,
// and the rows' problems, if any, wait until they are fixed.
func (e *ValidationError) Skippable() bool { return !e.whole && e.Count > 0 }

// Error implements error.
func (e *ValidationError) Error() string {
	var b strings.Builder
	for _, re := range e.Errors {
		b.WriteString(re.Error())
		b.WriteByte('\n')
	}
	b.WriteString(strconv.Itoa(e.Count))
	if e.Count == 1 {
		b.WriteString(" problem in ")
	} else {
		b.WriteString(" problems in ")
	}
	b.WriteString(e.File)
	if len(e.Errors) < e.Count {
		b.WriteString(" (first ")
		b.WriteString(strconv.Itoa(len(e.Errors)))
		b.WriteString(" shown)")
	}
	return b.String()
}

// Unwrap returns the problems in Errors, so that errors.Is and errors.As
// look into them.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Errors))
	for i, re := range e.Errors {
		errs[i] = re
	}
	return errs
}

// problems collects the problems of one Load, keeping at most max.
type problems struct {
	file  string
	max   int // < 0: no limit
	list  []*RowError
	count int
	fatal bool // a problem that SkipInvalid cannot skip (header, structure, defaults)
}

func (ps *problems) add(re *RowError) {
	ps.count++
	if ps.max < 0 || len(ps.list) < ps.max {
		ps.list = append(ps.list, re)
	}
}

// keeps reports whether a problem added after pending others would be kept
// in the list, not only counted: a costly message is built only then.
func (ps *problems) keeps(pending int) bool {
	return ps.max < 0 || len(ps.list)+pending < ps.max
}

// skip counts a problem that the list would not keep, without building it.
func (ps *problems) skip(fatal bool) {
	ps.count++
	ps.fatal = ps.fatal || fatal
}

// merge adds problems found once the rows were read (conflicts), keeping
// the list in line order and within its limit.
func (ps *problems) merge(extra []*RowError) {
	if len(extra) == 0 {
		return
	}
	ps.count += len(extra)
	slices.SortStableFunc(extra, func(a, b *RowError) int { return a.Line - b.Line })
	n := len(ps.list) + len(extra)
	if ps.max >= 0 {
		n = min(n, ps.max)
	}
	list := make([]*RowError, 0, n)
	i, j := 0, 0
	for len(list) < n {
		if j == len(extra) || i < len(ps.list) && ps.list[i].Line <= extra[j].Line {
			list = append(list, ps.list[i])
			i++
		} else {
			list = append(list, extra[j])
			j++
		}
	}
	ps.list = list
}

// addFatal records a problem of the plan as a whole.
func (ps *problems) addFatal(line int, field, value string, err error) {
	ps.fatal = true
	ps.add(&RowError{File: ps.file, Line: line, Field: field, Value: shownValue(value), Err: err})
}

func (ps *problems) err() error {
	if ps.count == 0 {
		return nil
	}
	return &ValidationError{File: ps.file, Errors: ps.list, Count: ps.count, whole: ps.fatal}
}

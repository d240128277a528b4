package plan

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"io/fs"
	"strconv"
	"strings"
)

// The CSV reader: encoding/csv with a reused record, the header mapped to
// columns once, each record copied into one reused rawRow. It is the hot
// path of a large plan, hence no reflection and no per-row maps.

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// colRole says what to do with the cells of one CSV column.
type colRole uint8

const (
	roleIgnore  colRole = iota // an unknown or repeated column, reported once in the header
	roleUnnamed                // no header: its cells must be empty
	roleSel
	roleParam
)

type csvColumn struct {
	role colRole
	col  column
}

func readCSV(b *builder, r io.Reader) error {
	size := sizeOf(r)
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		br.Discard(len(bomUTF8))
	case bytes.HasPrefix(head, bomUTF16LE), bytes.HasPrefix(head, bomUTF16BE):
		b.ps.addFatal(0, "", "", newProblem(ErrSyntax, "the file is UTF-16; save the plan as CSV UTF-8"))
		return nil
	case looksUTF16(head):
		b.ps.addFatal(0, "", "", newProblem(ErrSyntax, utf16Message))
		return nil
	}
	comma, skip, err := sepLine(br)
	if err != nil {
		return err
	}
	if skip == 1 && comma == 0 {
		b.ps.addFatal(1, "", "", newProblem(ErrSyntax, `the "sep=" line names a delimiter other than , ; | or tab`))
		return nil
	}
	if skip == 0 {
		if comma, err = sniffComma(br); err != nil {
			return err
		}
	}
	b.expect(estimateRows(br, size))
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		b.ps.addFatal(0, "", "", newProblem(ErrSyntax, "empty plan: no header line"))
		return nil
	}
	if err != nil {
		return csvError(b, err, skip)
	}
	headLine, _ := cr.FieldPos(0)
	headLine += skip
	cols, ok := b.mapHeader(header, headLine)
	if !ok {
		return nil
	}
	return b.readRows(cr, cols, skip)
}

// readRows reads the records after the header; skip is added to the line
// numbers the CSV reader counts.
func (b *builder) readRows(cr *csv.Reader, cols []csvColumn, skip int) error {
	var raw rawRow
	mapped := mappedColumns(cols)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return csvError(b, err, skip)
		}
		line, _ := cr.FieldPos(0)
		if b.fill(&raw, rec, cols, mapped, line+skip) {
			continue // a row of empty cells, as spreadsheets leave at the end
		}
		b.add(&raw)
	}
}

// mappedColumns returns the indexes of the columns of a selector or a
// parameter.
func mappedColumns(cols []csvColumn) []int {
	var mapped []int
	for i, c := range cols {
		if c.role == roleSel || c.role == roleParam {
			mapped = append(mapped, i)
		}
	}
	return mapped
}

// fill readies raw for the record rec on line, the cells under the header
// cols (mapped: mappedColumns(cols)), and reports whether every cell is
// empty. Cells are trimmed of spaces, but for a password's.
func (b *builder) fill(raw *rawRow, rec []string, cols []csvColumn, mapped []int, line int) bool {
	// raw is reused, not zeroed (it is large): every mapped column
	// is written below, an empty cell as an empty field
	raw.line, raw.given, raw.pre, raw.more, raw.broken = line, false, nil, 0, false
	empty := true
	n := min(len(rec), len(cols)) // the cells under a header: a header may be far longer than a row
	for i := range n {
		s := rec[i]
		if c := cols[i]; c.role != roleParam || c.col.param != NewChildAccountPassword {
			s = strings.TrimSpace(s) // a password is taken as written: its rule rejects spaces
		}
		switch c := cols[i]; c.role {
		case roleSel:
			raw.sel[c.col.sel] = field{s, line}
		case roleParam:
			raw.val[c.col.param] = field{s, line}
			raw.given = raw.given || s != ""
		case roleUnnamed:
			if s != "" {
				raw.pre = append(raw.pre, unnamedCell(b.file, line, i))
			}
		case roleIgnore:
			// the column is reported in the header; its value may be
			// the row's change, so no "no change" for the row
			raw.given = raw.given || s != ""
		}
		empty = empty && s == ""
	}
	if n < len(cols) {
		shortRow(raw, cols, mapped, n)
	}
	for i := len(cols); i < len(rec); i++ { // cells beyond the header
		if strings.TrimSpace(rec[i]) != "" {
			raw.pre = append(raw.pre, unnamedCell(b.file, line, i))
			empty = false
		}
	}
	return empty
}

// shortRow empties the fields of raw whose columns a row of n cells stops
// short of.
func shortRow(raw *rawRow, cols []csvColumn, mapped []int, n int) {
	for _, i := range mapped {
		if i < n {
			continue
		}
		if c := cols[i]; c.role == roleSel {
			raw.sel[c.col.sel] = field{"", raw.line}
		} else {
			raw.val[c.col.param] = field{"", raw.line}
		}
	}
}

func unnamedCell(file string, line, i int) *RowError {
	return &RowError{File: file, Line: line, Field: "column " + strconv.Itoa(i+1),
		Err: newProblem(ErrSyntax, "a value in a column without a header")}
}

// csvError turns a CSV syntax error into a problem of the plan; other
// errors are I/O errors and returned.
func csvError(b *builder, err error, skip int) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	msg := pe.Err.Error()
	if errors.Is(pe.Err, csv.ErrBareQuote) || errors.Is(pe.Err, csv.ErrQuote) {
		msg += ` (quote a value that holds a quote, and double the quotes inside it: "say ""hi""")`
	}
	b.ps.addFatal(pe.Line+skip, "", "", newProblem(ErrSyntax, msg))
	return nil
}

// mapHeader maps each column of the header to its parameter, reporting
// unknown and repeated columns. It returns false when the rows cannot be
// read at all (no selector column).
func (b *builder) mapHeader(header []string, line int) ([]csvColumn, bool) {
	cols := make([]csvColumn, len(header))
	seen := map[column]int{}
	hasSel := false
	for i, h := range header {
		name := strings.TrimSpace(h)
		if name == "" {
			cols[i].role = roleUnnamed
			continue
		}
		c, ok := lookupColumn(name)
		switch {
		case !ok && !b.ps.keeps(0):
			b.ps.skip(true) // a suggestion costs: only for problems shown
		case !ok:
			b.ps.addFatal(line, "column "+quote(name), "", newProblem(ErrUnknownColumn,
				"unknown column; did you mean "+quote(suggest(name))+"?"))
		case seen[c] > 0:
			b.ps.addFatal(line, "column "+quote(name), "", newProblem(ErrSyntax,
				"the same column as column "+strconv.Itoa(seen[c])+" ("+c.String()+")"))
		default:
			seen[c] = i + 1
			cols[i] = csvColumn{role: roleParam, col: c}
			if c.sel != 0 {
				cols[i].role = roleSel
				hasSel = true
			}
		}
	}
	if !hasSel {
		b.ps.addFatal(line, "", "", newProblem(ErrSelector,
			"no selector column: the header needs child_account_id, child_account_name or child_account_email"))
	}
	return cols, hasSel
}

// sizeOf returns the size of what r holds when it can tell (a file, a
// bytes or strings reader), else -1.
func sizeOf(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	case interface{ Len() int }:
		return int64(v.Len())
	}
	return -1
}

// maxEstimate caps the rows estimateRows guesses: 4Mi rows, about 230 MB.
const maxEstimate = 1 << 22

// estimateRows guesses the number of rows of a plan of size bytes from the
// lines in its first, buffered part, so that the rows need not be copied
// again and again as they grow. It errs a little high, and is 0 when it
// cannot tell.
func estimateRows(br *bufio.Reader, size int64) int {
	buf, _ := br.Peek(br.Buffered())
	lines := bytes.Count(buf, []byte{'\n'})
	if size <= int64(len(buf)) || lines == 0 {
		return 0
	}
	n := size/int64(len(buf))*int64(lines) + size%int64(len(buf))*int64(lines)/int64(len(buf))
	// a row takes at least 4 bytes ("1,1\n"); and past maxEstimate rows
	// the guess may be a file built to fool it: let the rows grow
	return int(min(n+n/16+16, size/4+1, maxEstimate))
}

// sepLine reads the "sep=;" line Excel writes and reads in front of the
// header, if there is one. It returns the delimiter it names (0 for one
// that is not supported) and 1, the line to add to the line numbers the
// CSV reader counts; or 0, 0 when there is no such line.
func sepLine(br *bufio.Reader) (rune, int, error) {
	head, err := br.Peek(4)
	if err != nil || !strings.EqualFold(string(head), "sep=") {
		if errors.Is(err, io.EOF) {
			err = nil
		}
		return 0, 0, err
	}
	line, err := br.ReadSlice('\n')
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, 0, err
	}
	switch sep := strings.TrimRight(string(line[4:]), "\r\n"); sep {
	case ",", ";", "|", "\t":
		return rune(sep[0]), 1, nil
	}
	return 0, 1, nil
}

// sniffComma picks the delimiter of the header line: ';' when it has more
// semicolons than commas outside quotes (as Excel writes in many locales),
// else ','.
func sniffComma(br *bufio.Reader) (rune, error) {
	buf, err := br.Peek(br.Size())
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, err
	}
	commas, semis := 0, 0
	quoted := false
	for _, c := range buf {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			return pick(commas, semis), nil
		case c == ',':
			commas++
		case c == ';':
			semis++
		}
	}
	return pick(commas, semis), nil
}

func pick(commas, semis int) rune {
	if semis > commas {
		return ';'
	}
	return ','
}

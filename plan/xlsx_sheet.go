package plan

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The rows of a worksheet, read from its XML by their cells' types. The
// parts of a cell this reads (ECMA-376 §18.3.1.4): the reference r="B5",
// the type t (s: shared string, inlineStr, str: a formula's text, b:
// boolean, e: error, d: ISO date, n or none: number), the formula <f> and
// the cached value <v> or the inline text <is>.

// Excel's largest sheet.
const (
	maxSheetRows = 1 << 20
	maxSheetCols = 1 << 14
)

// errNoCache is a formula cell whose workbook was saved without the
// formula's value (by a program that does not calculate): voxbatch does
// not calculate either.
var errNoCache = newProblem(ErrSyntax, "a formula without a saved value; open the workbook in Excel "+
	"and save it, or paste the values in place of the formula")

// sheetReader reads the rows of a worksheet's XML one at a time.
type sheetReader struct {
	d    *xml.Decoder
	sst  []string // the shared strings
	size int      // bytes of XML
	dim  int      // last row of the sheet's <dimension>, 0 if none

	row   int       // number of the row read last, 1-based
	cells []string  // its cells by column, 0-based: "" for an empty or unreadable cell; no trailing empty cells
	bad   []badCell // its cells that cannot be read
	text  []byte
}

// badCell is a cell that cannot be read, and why.
type badCell struct {
	col int // 0-based
	err error
}

func newSheetReader(part []byte, sst []string) *sheetReader {
	return &sheetReader{d: xml.NewDecoder(bytes.NewReader(part)), sst: sst, size: len(part)}
}

// estimate is about the number of rows of the sheet, from its dimension,
// which a damaged or hostile file may overstate: at most one row per 16
// bytes of XML.
func (s *sheetReader) estimate() int {
	return min(s.dim, s.size/16+1, maxSheetRows)
}

// readSheet reads the header, the sheet's first row with a cell, then the
// rows under it, as the CSV reader does: the same header mapping, the same
// filling of a row. A cell that cannot be read makes its row invalid.
func (b *builder) readSheet(s *sheetReader) error {
	for {
		ok, err := s.next()
		if err != nil {
			return err
		}
		if !ok {
			b.ps.addFatal(0, "", "", newProblem(ErrSyntax, "empty sheet: no header row"))
			return nil
		}
		if len(s.cells) > 0 || len(s.bad) > 0 {
			break
		}
	}
	for _, c := range s.bad {
		b.ps.addFatal(s.row, "column "+strconv.Itoa(c.col+1), "", c.err)
	}
	if len(s.bad) > 0 {
		return nil
	}
	cols, ok := b.mapHeader(s.cells, s.row)
	if !ok {
		return nil
	}
	b.expect(s.estimate())
	mapped := mappedColumns(cols)
	var raw rawRow
	for {
		ok, err := s.next()
		if err != nil || !ok {
			return err
		}
		empty := b.fill(&raw, s.cells, cols, mapped, s.row)
		if len(s.bad) > 0 {
			b.badCells(&raw, s.bad, cols)
			empty = false
		}
		if !empty {
			b.add(&raw)
		}
	}
}

// badCells adds the problems of the cells of raw that cannot be read. A
// selector that cannot be read leaves the row without one: it is broken.
func (b *builder) badCells(raw *rawRow, bad []badCell, cols []csvColumn) {
	for _, c := range bad {
		name := "column " + strconv.Itoa(c.col+1)
		if c.col < len(cols) {
			switch cc := cols[c.col]; cc.role {
			case roleIgnore:
				continue // the header's problem already
			case roleSel:
				name, raw.broken = cc.col.String(), true
			case roleParam:
				name, raw.given = cc.col.String(), true
			}
		}
		if len(raw.pre) == 0 || b.ps.keeps(len(raw.pre)) {
			raw.pre = append(raw.pre, &RowError{File: b.file, Line: raw.line, Field: name, Err: c.err})
		} else {
			raw.more++
		}
	}
}

// next reads the next row; it returns false after the last.
func (s *sheetReader) next() (bool, error) {
	for {
		tok, err := s.d.RawToken()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				return true, s.readRow(t)
			case "dimension":
				s.dim = dimensionRows(attrValue(t, "ref"))
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				return false, nil
			}
		}
	}
}

// readRow reads the cells of the row that start opens.
func (s *sheetReader) readRow(start xml.StartElement) error {
	if r := attrValue(start, "r"); r != "" {
		n, err := strconv.Atoi(r)
		if err != nil || n < 1 || n > maxSheetRows {
			return fmt.Errorf("row number %s", quote(r))
		}
		s.row = n
	} else {
		s.row++
	}
	s.cells, s.bad = s.cells[:0], s.bad[:0]
	col := -1
	for {
		tok, err := s.d.RawToken()
		if err != nil {
			return unexpected(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "c" {
				if col, err = s.readCell(t, col+1); err != nil {
					return err
				}
			}
		case xml.EndElement:
			if t.Name.Local == "row" {
				for len(s.cells) > 0 && s.cells[len(s.cells)-1] == "" {
					s.cells = s.cells[:len(s.cells)-1]
				}
				return nil
			}
		}
	}
}

// readCell reads the cell that start opens, in column col (0-based) unless
// its reference says another; it returns the column.
func (s *sheetReader) readCell(start xml.StartElement, col int) (int, error) {
	typ := ""
	for _, a := range start.Attr {
		switch a.Name.Local {
		case "r":
			c, err := refColumn(a.Value)
			if err != nil {
				return 0, err
			}
			col = c
		case "t":
			typ = a.Value
		}
	}
	if col >= maxSheetCols {
		return 0, fmt.Errorf("row %d has more than %d columns", s.row, maxSheetCols)
	}
	hasV, hasF, err := s.cellContent()
	if err != nil {
		return 0, err
	}
	v, bad := s.value(typ, hasV, hasF)
	for len(s.cells) <= col {
		s.cells = append(s.cells, "")
	}
	s.cells[col] = v
	if bad != nil {
		s.bad = append(s.bad, badCell{col, bad})
	}
	return col, nil
}

// cellContent reads a cell up to its end into s.text: the text of its <v>,
// or of the <t> of its inline string (phonetic runs left out). It reports
// whether the cell has a <v> and an <f>.
func (s *sheetReader) cellContent() (hasV, hasF bool, err error) {
	s.text = s.text[:0]
	in := false // in a <v>, or in a <t> outside <rPh>
	phonetic := 0
	for {
		tok, err := s.d.RawToken()
		if err != nil {
			return false, false, unexpected(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				hasV, in = true, true
			case "f":
				hasF = true
			case "t":
				in = phonetic == 0
			case "rPh":
				phonetic++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v", "t":
				in = false
			case "rPh":
				phonetic--
			case "c":
				return hasV, hasF, nil
			}
		case xml.CharData:
			if in {
				s.text = append(s.text, t...)
			}
		}
	}
}

// value is the cell's value as a plan reads it, by the cell's type typ: a
// number in its shortest form (an integer without ".0" or an exponent),
// a boolean as true or false, text as it is; or why it cannot be read.
func (s *sheetReader) value(typ string, hasV, hasF bool) (string, error) {
	if hasF && !hasV && typ != "inlineStr" {
		return "", errNoCache
	}
	switch typ {
	case "s":
		if len(s.text) == 0 {
			return "", nil
		}
		i, ok := index(s.text)
		if !ok || i >= len(s.sst) {
			return "", newProblem(ErrSyntax, "the cell refers to shared string "+quote(string(s.text))+
				", which the workbook does not have")
		}
		return s.sst[i], nil
	case "inlineStr":
		return unescapeXstring(string(s.text)), nil
	case "str", "d":
		return string(s.text), nil
	case "b":
		switch string(s.text) {
		case "1":
			return "true", nil
		case "0":
			return "false", nil
		case "":
			return "", nil
		}
		return "", newProblem(ErrSyntax, "a boolean cell holds "+quote(string(s.text)))
	case "e":
		if hasF {
			return "", newProblem(ErrSyntax, "the formula's value is the error "+quote(string(s.text)))
		}
		return "", newProblem(ErrSyntax, "the cell holds the error "+quote(string(s.text)))
	}
	return number(s.text), nil
}

// number is a number cell's value in its shortest form: 1E+3 and 1000.0
// are 1000, an integer stays exact whatever its length.
func number(t []byte) string {
	t = bytes.TrimSpace(t)
	digits := len(t) > 0
	for i, c := range t {
		if (c < '0' || c > '9') && (c != '-' || i > 0 || len(t) == 1) {
			digits = false
			break
		}
	}
	if digits {
		return string(t)
	}
	v, err := strconv.ParseFloat(string(t), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return string(t) // as written: the column's rule refuses it
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// index parses a shared string's index.
func index(t []byte) (int, bool) {
	n := 0
	for _, c := range bytes.TrimSpace(t) {
		if c < '0' || c > '9' || n > math.MaxInt32/10 {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// refColumn returns the 0-based column of a cell reference such as "AB12".
func refColumn(ref string) (int, error) {
	col, i := 0, 0
	for ; i < len(ref) && i < 4; i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
	}
	if i == 0 || col > maxSheetCols {
		return 0, fmt.Errorf("cell reference %s", quote(ref))
	}
	return col - 1, nil
}

// dimensionRows is the last row of a dimension such as "A1:E200001".
func dimensionRows(ref string) int {
	_, last, _ := strings.Cut(ref, ":")
	if last == "" {
		last = ref
	}
	last = strings.TrimLeft(last, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz$")
	n, err := strconv.Atoi(strings.TrimPrefix(last, "$"))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func attrValue(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// unexpected is an end of the XML inside an element.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readSST reads a table of shared strings: the text of each <si>, its
// rich text runs joined and its phonetic runs left out.
func readSST(d *xml.Decoder) ([]string, error) {
	var sst []string
	var text []byte
	in, inSI, phonetic := false, false, 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return sst, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				text, inSI = text[:0], true
			case "t":
				in = inSI && phonetic == 0
			case "rPh":
				phonetic++
			case "sst":
				if n, err := strconv.Atoi(attrValue(t, "uniqueCount")); err == nil && n > 0 {
					sst = make([]string, 0, min(n, maxSheetRows))
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				sst, inSI = append(sst, unescapeXstring(string(text))), false
			case "t":
				in = false
			case "rPh":
				phonetic--
			}
		case xml.CharData:
			if in {
				text = append(text, t...)
			}
		}
	}
}

// unescapeXstring decodes the escapes of ST_Xstring (ECMA-376 §22.9.2.19):
// _xHHHH_ is the character U+HHHH, which XML could not hold (_x005F_ is an
// underscore, so that "_x0041_" itself can be written).
func unescapeXstring(s string) string {
	i := strings.Index(s, "_x")
	if i < 0 {
		return s
	}
	var b strings.Builder
	for i >= 0 {
		b.WriteString(s[:i])
		s = s[i:]
		r, ok := xEscape(s)
		if ok {
			b.WriteRune(r)
			s = s[7:]
		} else {
			b.WriteString("_x")
			s = s[2:]
		}
		i = strings.Index(s, "_x")
	}
	b.WriteString(s)
	return b.String()
}

// xEscape decodes "_xHHHH_" at the start of s.
func xEscape(s string) (rune, bool) {
	if len(s) < 7 || s[6] != '_' {
		return 0, false
	}
	n, err := strconv.ParseUint(s[2:6], 16, 16)
	if err != nil || !utf8.ValidRune(rune(n)) {
		return 0, false
	}
	return rune(n), true
}

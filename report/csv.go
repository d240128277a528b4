package report

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// csvEncoder appends each record to a reused buffer and writes it in one
// call. Its quoting is byte for byte that of encoding/csv's Writer with the
// default settings (comma, "\n" line ends); the tests hold it to that.
type csvEncoder struct{ rowWriter }

func (e *csvEncoder) header() error {
	b := e.buf[:0]
	for i, c := range columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, c...)
	}
	b = append(b, '\n')
	return e.write(b)
}

func (e *csvEncoder) encode(r *Record) error {
	b := e.buf[:0]
	b = appendCSVInt(b, r.Line, false)
	b = append(b, ',')
	b = appendCSVCell(b, r.Selector)
	b = append(b, ',')
	b = appendCSVCell(b, r.Account)
	b = append(b, ',')
	b = appendCSVCell(b, string(r.Status))
	b = append(b, ',')
	b = appendCSVInt(b, r.ErrorCode, true)
	b = append(b, ',')
	b = appendCSVCell(b, r.ErrorMessage)
	b = append(b, ',')
	b = appendCSVInt(b, r.HTTPStatus, true)
	b = append(b, ',')
	b = appendCSVInt(b, r.Attempts, false)
	b = append(b, ',')
	b = appendCSVInt(b, r.Request, true)
	b = append(b, ',')
	if !r.StartedAt.IsZero() {
		b = appendTime(b, r.StartedAt)
	}
	b = append(b, ',')
	if !r.FinishedAt.IsZero() {
		b = appendTime(b, r.FinishedAt)
	}
	b = append(b, '\n')
	return e.write(b)
}

// appendCSVInt appends v as a CSV cell: nothing for a zero that means
// "absent", and a negative number escaped like any cell starting with '-'.
func appendCSVInt(b []byte, v int, zeroEmpty bool) []byte {
	if v == 0 && zeroEmpty {
		return b
	}
	if v < 0 {
		b = append(b, '\'')
	}
	return strconv.AppendInt(b, int64(v), 10)
}

// needsEscape reports whether EscapeCell would prefix s.
func needsEscape(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// EscapeCell returns s made safe against CSV (formula) injection as OWASP
// recommends: a cell that starts with '=', '+', '-', '@', a tab or a
// carriage return gets a leading single quote, so that a spreadsheet shows
// it as text instead of evaluating it. Other cells are returned unchanged.
// The escape is not undone when reading: a reader sees the quote.
func EscapeCell(s string) string {
	if needsEscape(s) {
		return "'" + s
	}
	return s
}

// appendCSVCell appends EscapeCell(s) as a CSV field, quoted when
// encoding/csv would quote it: it holds a comma, a quote, CR or LF, starts
// with white space, or is `\.`.
func appendCSVCell(b []byte, s string) []byte {
	escape := needsEscape(s)
	quote := s == `\.`
	for i := 0; i < len(s) && !quote; i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			quote = true
		}
	}
	if !quote && !escape && s != "" {
		r := rune(s[0])
		if r >= utf8.RuneSelf {
			r, _ = utf8.DecodeRuneInString(s)
		}
		quote = unicode.IsSpace(r)
	}
	if !quote {
		if escape {
			b = append(b, '\'')
		}
		return append(b, s...)
	}
	b = append(b, '"')
	if escape {
		b = append(b, '\'')
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

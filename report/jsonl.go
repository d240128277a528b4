package report

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// jsonEncoder writes one JSON object per line, keys in column order. It is
// hand-written because encoding/json would reflect over every record.
type jsonEncoder struct{ rowWriter }

func (e *jsonEncoder) header() error { return nil }

func (e *jsonEncoder) encode(r *Record) error {
	b := e.buf[:0]
	b = append(b, `{"line":`...)
	b = strconv.AppendInt(b, int64(r.Line), 10)
	b = append(b, `,"selector":`...)
	b = appendJSONString(b, r.Selector)
	b = append(b, `,"account":`...)
	b = appendJSONString(b, r.Account)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(r.Status))
	b = append(b, `,"error_code":`...)
	b = appendJSONInt(b, r.ErrorCode)
	b = append(b, `,"error_message":`...)
	b = appendJSONString(b, r.ErrorMessage)
	b = append(b, `,"http_status":`...)
	b = appendJSONInt(b, r.HTTPStatus)
	b = append(b, `,"attempts":`...)
	b = strconv.AppendInt(b, int64(r.Attempts), 10)
	b = append(b, `,"request":`...)
	b = appendJSONInt(b, r.Request)
	b = append(b, `,"started_at":`...)
	b = appendJSONTime(b, r.StartedAt)
	b = append(b, `,"finished_at":`...)
	b = appendJSONTime(b, r.FinishedAt)
	b = append(b, "}\n"...)
	return e.write(b)
}

// appendJSONInt appends v, or null for zero ("absent").
func appendJSONInt(b []byte, v int) []byte {
	if v == 0 {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(v), 10)
}

// appendJSONTime appends t as a quoted TimeLayout string, or null if zero.
func appendJSONTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = appendTime(b, t)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Like encoding/json it turns
// invalid UTF-8 into U+FFFD and escapes U+2028 and U+2029; unlike it, it
// leaves '<', '>' and '&' alone.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

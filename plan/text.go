package plan

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file holds the rules every plan value obeys whatever its parameter
// (a length, no control characters), and the one way a message shows a
// value.

// MaxValueLen is the longest plan value Load accepts, in bytes. No
// parameter of SetChildAccountInfo takes more.
const MaxValueLen = 1024

// MaxEmailLen is the longest email address Load accepts, in characters
// (RFC 5321's limit of a path).
const MaxEmailLen = 254

const maxQuoted = 60 // longest value quoted in full in a message

// quote quotes a value or a header name for a message, shortened when it
// is long. It escapes what a terminal would act on or hide rather than
// show: control characters, bidirectional controls and invalid UTF-8
// appear as \x1b, \u202e, \xff; other text (accents, Cyrillic) as it is.
// Every message of the package shows a value or a name through it.
func quote(s string) string {
	if len(s) > maxQuoted {
		return strconv.Quote(clip(s, maxQuoted)) + "…"
	}
	return strconv.Quote(s)
}

// clip returns s cut to at most n bytes, at the start of a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// shownValue is what a RowError keeps of a value it quotes: a copy, cut to
// MaxValueLen, so that an error never holds a huge cell or the whole CSV
// record the value is a part of.
func shownValue(s string) string {
	return strings.Clone(clip(s, MaxValueLen))
}

// checkText applies the rules of every value: at most MaxValueLen bytes,
// and no control character (see ControlAt). A secret's message does not
// quote it. It is a byte scan: it runs on every cell of a plan.
func checkText(s string, secret bool) error {
	if len(s) > MaxValueLen {
		msg := "is " + strconv.Itoa(len(s)) + " bytes long; a value has at most " + strconv.Itoa(MaxValueLen)
		if secret {
			return newProblem(ErrTooLong, "the value "+msg)
		}
		return newProblem(ErrTooLong, quote(s)+" "+msg)
	}
	i, r := ControlAt(s)
	if i < 0 {
		return nil
	}
	code := fmt.Sprintf("U+%04X", r)
	if secret {
		return newProblem(ErrControl, "contains a control character ("+code+")")
	}
	return newProblem(ErrControl, quote(s)+" contains a control character ("+code+" at byte "+strconv.Itoa(i+1)+")")
}

// EscapeControls returns s with every control character (see ControlAt)
// written as its Go escape (\x1b, \u202e), and the rest as it is: what a
// message shows of text from outside (an API's answer, a file) so that a
// terminal shows it rather than acts on it.
func EscapeControls(s string) string {
	i, _ := ControlAt(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for s = s[i:]; s != ""; {
		i, r := ControlAt(s)
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		q := strconv.QuoteRuneToASCII(r)
		b.WriteString(q[1 : len(q)-1])
		s = s[i+utf8.RuneLen(r):]
	}
	return b.String()
}

// ControlAt returns the byte offset and the code point of the first
// control character in s, or -1. Control characters are C0 (tab and line
// ends included), DEL, C1, the bidirectional embeddings, overrides and
// isolates U+202A–U+202E and U+2066–U+2069, and the marks U+200E and
// U+200F: a terminal acts on them, or shows text in another order than it
// is sent.
func ControlAt(s string) (int, rune) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			continue
		}
		switch {
		case c < 0x20 || c == 0x7f:
			return i, rune(c)
		case c == 0xC2: // U+0080–U+00BF
			if i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9F {
				return i, rune(s[i+1])
			}
		case c == 0xE2: // U+2000–U+2FFF
			if i+2 < len(s) && (s[i+1] == 0x80 || s[i+1] == 0x81) && s[i+2]&0xC0 == 0x80 {
				r := 0x2000 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F)
				if r == 0x200E || r == 0x200F || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 {
					return i, r
				}
			}
		}
	}
	return -1, 0
}

// looksUTF16 reports whether a plan begins as ASCII text in UTF-16 without
// a byte-order mark would: every other byte NUL.
func looksUTF16(head []byte) bool {
	if len(head) < 4 {
		return false
	}
	le := head[0] != 0 && head[1] == 0 && head[2] != 0 && head[3] == 0
	be := head[0] == 0 && head[1] != 0 && head[2] == 0 && head[3] != 0
	return le || be
}

const utf16Message = "the plan looks like UTF-16 text without a byte-order mark; save it as UTF-8"

// lineList names plan lines for a message: "line 3", "lines 3 and 5",
// "lines 3, 5, 7, 9, 11 and 20 more". lines are sorted; total counts them
// all, those not in lines included.
func lineList(lines []int, total int) string {
	const shown = 5
	lines = lines[:min(len(lines), shown)]
	if total == 1 {
		return "line " + strconv.Itoa(lines[0])
	}
	items := make([]string, len(lines), len(lines)+1)
	for i, l := range lines {
		items[i] = strconv.Itoa(l)
	}
	if total > len(lines) {
		items = append(items, strconv.Itoa(total-len(lines))+" more")
	}
	return "lines " + joinAnd(items)
}

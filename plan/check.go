package plan

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the rules of the API reference for single values. Each
// check returns the value normalized the way it is sent and digested, or a
// problem that unwraps to a sentinel.

// parseBool reads true/false, 1/0, yes/no, on/off in any case, returning
// "true" or "false".
func parseBool(s string) (string, bool) {
	switch s {
	case "true", "1":
		return "true", true
	case "false", "0":
		return "false", true
	}
	switch {
	case strings.EqualFold(s, "true"), strings.EqualFold(s, "yes"), strings.EqualFold(s, "on"):
		return "true", true
	case strings.EqualFold(s, "false"), strings.EqualFold(s, "no"), strings.EqualFold(s, "off"):
		return "false", true
	}
	return "", false
}

// ParseBool reads a boolean in the words a plan takes: true/false,
// yes/no, on/off or 1/0, in any case, with spaces around ignored. ok is
// false for anything else.
func ParseBool(s string) (v, ok bool) {
	norm, ok := parseBool(strings.TrimSpace(s))
	return norm == "true", ok
}

func boolProblem(s string) error {
	return newProblem(ErrBool, quote(s)+" is not a boolean (use true/false, yes/no, on/off or 1/0)")
}

// languageCodes is the list of SetChildAccountInfo's reference, old codes
// in, iw and ji included.
const languageCodes = "aa ab af am ar as ay az ba be bg bh bi bn bo br ca co cs cy da de dz el en eo es et eu " +
	"fa fi fj fo fr fy ga gd gl gn gu ha hi he hr hu hy ia id ie ik in is it iu iw ja ji jw ka kk kl km kn " +
	"ko ks ku ky la ln lo lt lv mg mi mk ml mn mo mr ms mt my na ne nl no oc om or pa pl ps pt qu rm rn ro " +
	"ru rw sa sd sg sh si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ug uk " +
	"ur uz vi vo wo xh yi yo za zh zu"

// languages maps a two-letter code, indexed by its letters, to the code.
var languages = func() (t [26 * 26]string) {
	for _, c := range strings.Fields(languageCodes) {
		t[int(c[0]-'a')*26+int(c[1]-'a')] = c
	}
	return t
}()

// checkLanguage accepts a code of the reference's list in any case and
// returns it in lower case.
func checkLanguage(s string) (string, error) {
	if len(s) == 2 {
		a, b := s[0]|0x20, s[1]|0x20 // ASCII lower case; other bytes fail the range test
		if a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z' {
			if c := languages[int(a-'a')*26+int(b-'a')]; c != "" {
				return c, nil
			}
		}
	}
	return "", newProblem(ErrLanguage, quote(s)+" is not a language code in the API's list")
}

// maxCached bounds each per-value cache, so that a plan of a million
// distinct bad values does not grow it without end.
const maxCached = 4096

// decimals caches normalized decimals per distinct value.
type decimals struct{ norm map[string]string }

func (d *decimals) check(s string) (string, error) {
	if v, ok := d.norm[s]; ok {
		return v, nil
	}
	v, err := normDecimal(s)
	if err == nil && len(d.norm) < maxCached {
		if d.norm == nil {
			d.norm = make(map[string]string)
		}
		k := strings.Clone(s)
		if v == s {
			v = k
		}
		d.norm[k] = v
	}
	return v, err
}

// checkEmail accepts a bare address (no display name, no comments):
// a local part of atext and dots, one @, a domain of at least two
// labels. Non-ASCII UTF-8 is allowed on both sides.
func checkEmail(s string) error {
	if len(s) > MaxEmailLen {
		if n := utf8.RuneCountInString(s); n > MaxEmailLen {
			return newProblem(ErrTooLong, quote(s)+" is "+strconv.Itoa(n)+" characters long; an email address has at most "+
				strconv.Itoa(MaxEmailLen))
		}
	}
	if validEmail(s) {
		return nil
	}
	msg := quote(s) + " is not an email address"
	if strings.ContainsAny(s, "<>") {
		msg += " (write the address alone, without a name)"
	}
	return newProblem(ErrEmail, msg)
}

func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at > 64 || len(s)-at-1 > 253 || !utf8.ValidString(s) {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for i := 0; i < len(local); i++ {
		if c := local[i]; c < 0x80 && !isAlnum(c) && !strings.ContainsRune(".!#$%&'*+-/=?^_`{|}~", rune(c)) {
			return false
		}
	}
	labels := 0
	for label := range strings.SplitSeq(domain, ".") {
		labels++
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; c < 0x80 && !isAlnum(c) && c != '-' {
				return false
			}
		}
	}
	return labels >= 2
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// checkPassword applies the reference's policy: at least 8 characters,
// an uppercase and a lowercase letter, a digit and a special character, no
// spaces. Its messages never include the password.
func checkPassword(s string) error {
	var n int
	var upper, lower, digit, special, space, bad bool
	for _, r := range s {
		n++
		switch {
		case r == utf8.RuneError:
			bad = true
		case unicode.IsSpace(r):
			space = true
		case unicode.IsControl(r):
			bad = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			// a letter without case or another script's digit: neither kind
		default:
			special = true
		}
	}
	var msgs []string
	if bad {
		msgs = append(msgs, "contains a control character or invalid UTF-8")
	}
	if space {
		msgs = append(msgs, "must not contain spaces")
	}
	var needs []string
	if n < 8 {
		needs = append(needs, "at least 8 characters")
	}
	if !upper {
		needs = append(needs, "an uppercase letter")
	}
	if !lower {
		needs = append(needs, "a lowercase letter")
	}
	if !digit {
		needs = append(needs, "a digit")
	}
	if !special {
		needs = append(needs, "a special character")
	}
	if len(needs) > 0 {
		msgs = append(msgs, "too weak: needs "+joinAnd(needs))
	}
	if len(msgs) == 0 {
		return nil
	}
	return newProblem(ErrPassword, strings.Join(msgs, "; "))
}

// joinAnd joins "a", "b", "c" as "a, b and c".
func joinAnd(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// normDecimal reads a decimal number (digits, an optional sign, point and
// exponent; no hex, no Inf or NaN) and returns its shortest plain form:
// "010.50" and "1.05e1" both become "10.5". The result is s itself when s
// is already in that form, so the common case does not allocate.
func normDecimal(s string) (string, error) {
	ok := s != ""
	for i := 0; i < len(s) && ok; i++ {
		c := s[i]
		ok = c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'
	}
	var f float64
	if ok {
		var err error
		f, err = strconv.ParseFloat(s, 64)
		ok = err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	}
	if !ok {
		msg := quote(s) + " is not a decimal number"
		if strings.Contains(s, ",") {
			msg += " (use a dot as the decimal separator)"
		}
		return "", newProblem(ErrDecimal, msg)
	}
	if f == 0 {
		f = 0 // no "-0"
	}
	var buf [32]byte
	out := strconv.AppendFloat(buf[:0], f, 'f', -1, 64)
	if string(out) == s {
		return s, nil
	}
	return string(out), nil
}

// parseID reads a child_account_id: a positive integer (leading zeros
// dropped) or "all" in any case. It returns the canonical text and the
// number, 0 for "all".
func parseID(s string) (string, uint64, error) {
	if strings.EqualFold(s, "all") {
		return "all", 0, nil
	}
	digits := s
	for len(digits) > 1 && digits[0] == '0' {
		digits = digits[1:]
	}
	var n uint64
	ok := digits != "" && len(digits) <= 19
	for i := 0; i < len(digits) && ok; i++ {
		c := digits[i]
		ok = c >= '0' && c <= '9'
		n = n*10 + uint64(c-'0')
	}
	if !ok || n == 0 || n > math.MaxInt64 {
		return "", 0, newProblem(ErrID, quote(s)+` is not a positive integer or "all"`)
	}
	return digits, n, nil
}

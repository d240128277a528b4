package voxsim

import (
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // time zones validate without a system zoneinfo
	"unicode"
)

// languageCodes is the list of language_code values in the
// SetChildAccountInfo reference, old codes in, iw and ji included.
const languageCodes = "aa ab af am ar as ay az ba be bg bh bi bn bo br ca co cs cy da de dz el en eo es et eu fa " +
	"fi fj fo fr fy ga gd gl gn gu ha hi he hr hu hy ia id ie ik in is it iu iw ja ji jw ka kk kl km kn ko " +
	"ks ku ky la ln lo lt lv mg mi mk ml mn mo mr ms mt my na ne nl no oc om or pa pl ps pt qu rm rn ro ru " +
	"rw sa sd sg sh si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ug uk ur " +
	"uz vi vo wo xh yi yo za zh zu"

// validLanguage reports whether s is one of languageCodes, exactly.
func validLanguage(s string) bool {
	if len(s) != 2 || s[0] < 'a' || s[0] > 'z' || s[1] < 'a' || s[1] > 'z' {
		return false
	}
	for k := 0; k+2 <= len(languageCodes); k += 3 {
		if languageCodes[k:k+2] == s {
			return true
		}
	}
	return false
}

// parseBool accepts the booleans the official clients send.
func parseBool(s string) (v, ok bool) {
	switch s {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// parseDecimal accepts a plain decimal number: an optional sign, digits with
// an optional fraction, an optional exponent. Not hex, inf, nan or "_".
func parseDecimal(s string) (float64, bool) {
	k := 0
	if k < len(s) && (s[k] == '+' || s[k] == '-') {
		k++
	}
	digits := 0
	for ; k < len(s) && s[k] >= '0' && s[k] <= '9'; k++ {
		digits++
	}
	if k < len(s) && s[k] == '.' {
		k++
		for ; k < len(s) && s[k] >= '0' && s[k] <= '9'; k++ {
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if k < len(s) && (s[k] == 'e' || s[k] == 'E') {
		k++
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		start := k
		for ; k < len(s) && s[k] >= '0' && s[k] <= '9'; k++ {
		}
		if k == start {
			return 0, false
		}
	}
	if k != len(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// validEmail accepts a bare address (no display name, no angle brackets)
// whose domain has a dot.
func validEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// checkPassword applies the reference's password rules: no spaces (524), an
// uppercase letter (464), and at least 8 characters with a lowercase letter,
// a digit and a special character (523). The value never enters an error.
func checkPassword(pw string) *apiError {
	var n int
	var upper, lower, digit, special bool
	for _, r := range pw {
		n++
		switch {
		case unicode.IsSpace(r):
			return errPasswordSpaces
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsLetter(r):
			// a letter without case counts as neither
		default:
			special = true
		}
	}
	switch {
	case !upper:
		return errPasswordUpper
	case n < 8 || !lower || !digit || !special:
		return errPasswordWeak
	}
	return nil
}

// zoneTable interns the valid location names, so that an account holds a
// 2-byte index and a known name is checked without loading it again.
type zoneTable struct {
	mu      sync.RWMutex
	list    []string
	index   map[string]uint16
	invalid map[string]struct{}
}

// zoneDefault is the index of the initial location, Etc/GMT.
const (
	zoneDefault     = 0
	zoneDefaultName = "Etc/GMT"
	maxInvalidZones = 4096
)

// lookup returns the index of the IANA time zone name, loading it on first
// use.
func (z *zoneTable) lookup(name string) (uint16, bool) {
	z.mu.RLock()
	i, ok := z.index[name]
	_, bad := z.invalid[name]
	z.mu.RUnlock()
	if ok || bad {
		return i, ok
	}
	_, err := time.LoadLocation(name)
	valid := err == nil && name != "" && name != "Local" && len(name) <= 64
	z.mu.Lock()
	defer z.mu.Unlock()
	z.initLocked()
	if i, ok := z.index[name]; ok {
		return i, true
	}
	if !valid || len(z.list) == 1<<16 {
		if len(z.invalid) >= maxInvalidZones {
			clear(z.invalid)
		}
		z.invalid[name] = struct{}{}
		return 0, false
	}
	i = uint16(len(z.list))
	z.list = append(z.list, name)
	z.index[name] = i
	return i, true
}

func (z *zoneTable) initLocked() {
	if z.index == nil {
		z.list = []string{zoneDefaultName}
		z.index = map[string]uint16{zoneDefaultName: zoneDefault}
		z.invalid = make(map[string]struct{})
	}
}

// names returns the table: index to name. The slice is shared; do not modify.
func (z *zoneTable) names() []string {
	z.mu.RLock()
	l := z.list
	z.mu.RUnlock()
	if l == nil {
		return []string{zoneDefaultName}
	}
	return l[:len(l):len(l)]
}

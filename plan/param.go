package plan

import (
	"strconv"
	"strings"
)

// Param is a non-selector parameter of SetChildAccountInfo. The constants
// are in the order of the API reference, which is also the order in which a
// Change lists, sends and digests them.
type Param uint8

// The parameters a plan row may change.
const (
	NewChildAccountEmail Param = iota
	NewChildAccountPassword
	AccountNotifications
	TariffChangingNotifications
	NewsNotifications
	Active
	LanguageCode
	Location
	MinBalanceToNotify
	SupportRobokassa
	SupportBankCard
	SupportInvoice
	CanUseRestricted
	NumParams // the number of parameters; not a parameter
)

var paramNames = [NumParams]string{
	"new_child_account_email",
	"new_child_account_password",
	"account_notifications",
	"tariff_changing_notifications",
	"news_notifications",
	"active",
	"language_code",
	"location",
	"min_balance_to_notify",
	"support_robokassa",
	"support_bank_card",
	"support_invoice",
	"can_use_restricted",
}

// String returns the parameter's API name, e.g. "new_child_account_email".
func (p Param) String() string {
	if p < NumParams {
		return paramNames[p]
	}
	return "param(" + strconv.Itoa(int(p)) + ")"
}

// IsBool reports whether the parameter is a boolean, sent as "true" or
// "false".
func (p Param) IsBool() bool {
	switch p {
	case AccountNotifications, TariffChangingNotifications, NewsNotifications, Active,
		SupportRobokassa, SupportBankCard, SupportInvoice, CanUseRestricted:
		return true
	}
	return false
}

// Secret reports whether the parameter's value must never be shown: in an
// error, a log line, a report, a dry-run or the digest.
func (p Param) Secret() bool { return p == NewChildAccountPassword }

// SelectorKind says how a row names its account: the API's three selector
// parameters. The zero value marks a row whose selector could not be
// read.
type SelectorKind uint8

// The selector kinds.
const (
	ByID SelectorKind = iota + 1
	ByName
	ByEmail
)

// String returns the selector's API parameter name, e.g.
// "child_account_id", or "" for the zero value.
func (k SelectorKind) String() string {
	switch k {
	case ByID:
		return "child_account_id"
	case ByName:
		return "child_account_name"
	case ByEmail:
		return "child_account_email"
	}
	return ""
}

// A column is what one CSV column or YAML key holds: a selector or a Param.
type column struct {
	sel   SelectorKind // non-zero for a selector
	param Param
}

// columnName is the API name of the column.
func (c column) String() string {
	if c.sel != 0 {
		return c.sel.String()
	}
	return c.param.String()
}

// knownColumns lists every name a CSV header or YAML key may use, in the
// reference's order.
var knownColumns = func() []string {
	names := []string{ByID.String(), ByName.String(), ByEmail.String()}
	return append(names, paramNames[:]...)
}()

// lookupColumn maps a header or key, as written, to its column. Matching
// ignores case and surrounding spaces and treats spaces and hyphens as
// underscores, so "Child Account ID" names child_account_id.
func lookupColumn(name string) (column, bool) {
	n := normalizeName(name)
	for k := ByID; k <= ByEmail; k++ {
		if n == k.String() {
			return column{sel: k}, true
		}
	}
	for p := Param(0); p < NumParams; p++ {
		if n == paramNames[p] {
			return column{param: p}, true
		}
	}
	return column{}, false
}

func normalizeName(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return '_'
		}
		return r
	}, n)
}

// suggest returns the known column closest to an unknown name: by edit
// distance to the whole name, or (one step further) to its beginning or
// end, so that "langauge" suggests language_code and "id"
// child_account_id.
func suggest(name string) string {
	n := normalizeName(name)
	if s, ok := meanings[n]; ok {
		return s
	}
	best, bestD := "", -1
	for _, k := range knownColumns {
		d := editDistance(n, k)
		if len(n) < len(k) {
			d = min(d, editDistance(n, k[:len(n)])+1, editDistance(n, k[len(k)-len(n):])+1)
		}
		if bestD < 0 || d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// meanings are names people write for a parameter that no spelling
// distance would find; they are suggested, never accepted.
var meanings = map[string]string{
	"timezone":  "location",
	"time_zone": "location",
	"tz":        "location",
	"enabled":   "active",
	"status":    "active",
	"locale":    "language_code",
	"lang":      "language_code",
	"balance":   "min_balance_to_notify",
}

// Closest returns the candidate at the smallest edit distance from name
// (the first of those at the same distance), or "" when none is close
// enough: at most a third of name's length, and at least 2, edits away.
// It compares bytes as written: lower both sides to ignore case.
func Closest(name string, candidates []string) string {
	if i := closest(name, candidates, max(2, len(name)/3)); i >= 0 {
		return candidates[i]
	}
	return ""
}

// closest returns the index of the candidate at the smallest edit
// distance from name, if that is at most limit; else -1. A name longer
// than editDistance reads has none.
func closest(name string, candidates []string, limit int) int {
	if len(name) > maxEditLen {
		return -1
	}
	best, bestD := -1, limit+1
	for i, c := range candidates {
		if d := len(c) - len(name); d >= bestD || -d >= bestD {
			continue // the distance is at least the difference in length
		}
		if d := editDistance(name, c); d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// maxEditLen is the most of a name editDistance reads.
const maxEditLen = 64

// editDistance is the Levenshtein distance between a and b, in bytes
// (the names it compares are ASCII).
func editDistance(a, b string) int {
	if len(a) > maxEditLen {
		a = a[:maxEditLen] // a header cell can be anything; bound the work
	}
	var bufs [2][32]int // the known names are shorter: no allocation
	prev, cur := bufs[0][:0], bufs[1][:0]
	if len(b) >= len(bufs[0]) {
		prev, cur = make([]int, 0, len(b)+1), make([]int, 0, len(b)+1)
	}
	prev, cur = prev[:len(b)+1], cur[:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

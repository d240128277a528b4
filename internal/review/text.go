package review

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/voxbatch/voxbatch/plan"
)

// The words a reviewer reads, shared by the diff and the command layer's
// dry run and preview so that both describe rows alike.

// Quote quotes a value that would not read as one word: empty, or with
// spaces, quotes or "=". A value with control characters (an escape
// sequence, a bidirectional override) is quoted with them escaped, so that
// a reviewer's terminal shows what would be sent.
func Quote(v string) string {
	switch {
	case hasControl(v):
		return strconv.QuoteToASCII(v)
	case v == "" || strings.ContainsAny(v, " \t\"'="):
		return strconv.Quote(v)
	}
	return v
}

// hasControl reports control characters (plan.ControlAt).
func hasControl(s string) bool {
	i, _ := plan.ControlAt(s)
	return i >= 0
}

// Plural is "1 row", "2 rows".
func Plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// LineList renders "line 7", "lines 40, 41", or the first maxListed lines
// and the count.
func LineList(lines []int) string {
	switch len(lines) {
	case 0:
		return "none"
	case 1:
		return fmt.Sprintf("line %d", lines[0])
	}
	var b strings.Builder
	b.WriteString("lines ")
	for i, l := range lines {
		if i == maxListed {
			fmt.Fprintf(&b, ", … (%d in all)", len(lines))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, l)
	}
	return b.String()
}

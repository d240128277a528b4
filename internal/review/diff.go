package review

import (
	"fmt"
	"slices"
	"strings"

	"github.com/voxbatch/voxbatch/plan"
)

// maxListed is how many changed rows, or lines, a mismatch message lists
// before it abbreviates.
const maxListed = 10

// Diff is what changed between the rows of a review file and a plan: the
// body of the message of a refused --review.
type Diff struct {
	changed    []string // "line 12 (child_account_id 1011): active false → true"
	added      []*Row   // rows of the plan
	removed    []*Row   // rows of the reviewed plan
	invalidWas []int
	invalidNow []int
	reordered  bool
}

// rowKey names the account a row targets; "" for an invalid row.
func rowKey(r *Row) string {
	if r.Invalid != "" {
		return ""
	}
	if r.Selector == plan.ByEmail.String() {
		return r.Selector + " " + strings.ToLower(r.Account)
	}
	return r.Selector + " " + r.Account
}

// Compare matches the rows of the plan (cur) to those of the review (old)
// by the account they target, the n-th row for an account to the n-th, and
// tells which were added, removed or changed.
func Compare(old, cur []Row) *Diff {
	d := &Diff{}
	byKey := map[string][]*Row{}
	for i := range old {
		if r := &old[i]; r.Invalid != "" {
			d.invalidWas = append(d.invalidWas, r.Line)
		} else {
			byKey[rowKey(r)] = append(byKey[rowKey(r)], r)
		}
	}
	seen := map[string]int{}
	for i := range cur {
		r := &cur[i]
		if r.Invalid != "" {
			d.invalidNow = append(d.invalidNow, r.Line)
			continue
		}
		k := rowKey(r)
		n := seen[k]
		seen[k]++
		if n >= len(byKey[k]) {
			d.added = append(d.added, r)
			continue
		}
		if c := changeDiff(byKey[k][n].Change, r.Change); c != "" {
			d.changed = append(d.changed, rowName(r)+": "+c)
		}
	}
	for k, rows := range byKey {
		d.removed = append(d.removed, rows[min(seen[k], len(rows)):]...)
	}
	slices.SortFunc(d.removed, func(a, b *Row) int { return a.Line - b.Line })
	if len(d.changed)+len(d.added)+len(d.removed) == 0 && len(d.invalidWas) == len(d.invalidNow) {
		d.reordered = len(old) == len(cur) && !sameOrder(old, cur)
	}
	return d
}

// rowName is "line 12 (child_account_id 1011)".
func rowName(r *Row) string {
	return fmt.Sprintf("line %d (%s %s)", r.Line, Quote(r.Selector), Quote(r.Account))
}

// rowList names rows by line and account, the first maxListed of them and
// the count: "line 5 (child_account_id 1004), line 6 (child_account_id
// 1005)".
func rowList(rows []*Row) string {
	var b strings.Builder
	for i, r := range rows {
		if i == maxListed {
			fmt.Fprintf(&b, ", … (%d in all)", len(rows))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(rowName(r))
	}
	return b.String()
}

func sameOrder(a, b []Row) bool {
	for i := range a {
		if rowKey(&a[i]) != rowKey(&b[i]) {
			return false
		}
	}
	return true
}

// changeDiff describes how a row's change differs, parameters in API
// order: "active false → true, location (not set) → Europe/Oslo".
func changeDiff(was, now map[string]string) string {
	var parts []string
	for prm := plan.Param(0); prm < plan.NumParams; prm++ {
		name := prm.String()
		ov, oset := was[name]
		nv, nset := now[name]
		if oset == nset && ov == nv {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s → %s", name, reviewValue(ov, oset), reviewValue(nv, nset)))
	}
	return strings.Join(parts, ", ")
}

func reviewValue(v string, set bool) string {
	switch {
	case !set:
		return "(not set)"
	case v == PasswordSet:
		return v
	}
	return Quote(v)
}

// String renders the difference, one indented line per item, long lists
// cut short.
func (d *Diff) String() string {
	var lines []string
	for i, c := range d.changed {
		if i == maxListed {
			lines = append(lines, fmt.Sprintf("  … and %d more changed rows", len(d.changed)-maxListed))
			break
		}
		lines = append(lines, "  "+c)
	}
	if n := len(d.added); n > 0 {
		lines = append(lines, fmt.Sprintf("  %s added: %s", Plural(n, "row"), rowList(d.added)))
	}
	if n := len(d.removed); n > 0 {
		lines = append(lines, fmt.Sprintf("  %s removed: %s of the reviewed plan", Plural(n, "row"), rowList(d.removed)))
	}
	if len(d.invalidWas) != len(d.invalidNow) { // lines alone shift when rows are added
		lines = append(lines, fmt.Sprintf("  invalid rows: %d in the review (%s), %d now (%s)",
			len(d.invalidWas), LineList(d.invalidWas), len(d.invalidNow), LineList(d.invalidNow)))
	}
	if d.reordered {
		lines = append(lines, "  the same rows in another order")
	}
	if len(lines) == 0 {
		lines = append(lines, "  no row differs from the review file: it may come from another voxbatch version, or have been edited")
	}
	return strings.Join(lines, "\n")
}

package plan

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// This file settles conflicts once every row is read: which row of two
// is right is a guess, so every row of a conflicting account is invalid,
// and none is sent.

// conflictRow is a row naming the account of an earlier row with another
// change.
type conflictRow struct {
	idx    int32
	change *Change   // the change the row asks for, which it does not get
	re     *RowError // its problem, without a message until settleConflicts
}

// conflict records that row idx, whose problem is re, asks for change c
// for the account of the earlier row first.
func (b *builder) conflict(first, idx int32, c *Change, re *RowError) {
	if b.conflicts == nil {
		b.conflicts = map[int32][]conflictRow{}
	}
	b.conflicts[first] = append(b.conflicts[first], conflictRow{idx, c, re})
}

// settleConflicts makes every row of a conflicting account invalid, each
// naming the lines of the others, and then applies checkAll. It reports
// whether a row that was valid so far became invalid.
func (b *builder) settleConflicts() bool {
	var extra []*RowError
	for _, first := range slices.Sorted(maps.Keys(b.conflicts)) {
		extra = b.settleAccount(first, b.conflicts[first], extra)
	}
	extra = b.checkAll(extra)
	b.ps.merge(extra)
	return len(extra) > 0
}

// settleAccount settles the rows of the account of row first: first, the
// rows merged into it, and the rows cs that conflict with it.
func (b *builder) settleAccount(first int32, cs []conflictRow, extra []*RowError) []*RowError {
	rows := b.plan.Rows
	fc := rows[first].Change
	type member struct {
		line   int
		change *Change
	}
	ms := []member{{rows[first].Line, fc}}
	for _, d := range b.plan.dups[first] {
		ms = append(ms, member{rows[d].Line, fc})
	}
	for _, c := range cs {
		ms = append(ms, member{rows[c.idx].Line, c.change})
	}
	slices.SortStableFunc(ms, func(a, b member) int { return a.line - b.line })
	size := map[*Change]int{}
	var differ uint16 // the parameters on which the rows do not all agree
	for _, m := range ms {
		size[m.change]++
		differ |= diffMask(fc, m.change)
	}
	type key struct {
		acc    string // as the row writes it: emails differ in case
		change *Change
	}
	msgs := map[key]error{}
	errFor := func(acc string, c *Change) error {
		if e, ok := msgs[key{acc, c}]; ok {
			return e
		}
		var lines []int
		for _, m := range ms {
			if m.change != c {
				if lines = append(lines, m.line); len(lines) == 5 { // as many as lineList shows
					break
				}
			}
		}
		e := newProblem(ErrConflict, "account "+quote(acc)+" conflicts with "+lineList(lines, len(ms)-size[c])+
			" (different "+paramList(differ)+")")
		msgs[key{acc, c}] = e
		return e
	}
	for _, c := range cs {
		c.re.Err = errFor(c.re.Value, c.change)
	}
	return b.invalidate(first, func(r *Row) error { return errFor(r.Account, fc) }, extra)
}

// checkAll settles the valid "all" row, if there is one, against the
// other rows. "all" changes every child account, so a row of any selector
// kind that sets a parameter the "all" row also sets, to another value,
// conflicts with it: both are made invalid. A row that sets the same
// values, or other parameters only, does not conflict.
func (b *builder) checkAll(extra []*RowError) []*RowError {
	if b.allRow == 0 || !b.plan.Rows[b.allRow-1].Valid() {
		return extra
	}
	rows := b.plan.Rows
	a := b.allRow - 1
	ac := rows[a].Change
	masks := map[*Change]uint16{}
	var hits []int32
	var lines []int
	var union uint16
	for i := range rows {
		r := &rows[i]
		if !r.Valid() || int32(i) == a || r.Dup == a {
			continue
		}
		m, ok := masks[r.Change]
		if !ok {
			m = overlapMask(ac, r.Change)
			masks[r.Change] = m
		}
		if m != 0 {
			hits = append(hits, int32(i))
			lines = append(lines, r.Line)
			union |= m
		}
	}
	if len(hits) == 0 {
		return extra
	}
	slices.Sort(lines)
	allErr := newProblem(ErrConflict, `account "all" conflicts with `+lineList(lines, len(lines))+
		" (different "+paramList(union)+")")
	extra = b.invalidate(a, func(*Row) error { return allErr }, extra)
	// one problem per change, not per row: a million rows may conflict
	errs := map[*Change]error{}
	allLine := strconv.Itoa(rows[a].Line)
	errFor := func(r *Row) error {
		e, ok := errs[r.Change]
		if !ok {
			e = newProblem(ErrConflict, "conflicts with line "+allLine+`, whose "all" sets every child account (different `+
				paramList(masks[r.Change])+")")
			errs[r.Change] = e
		}
		return e
	}
	for _, i := range hits {
		if rows[i].Valid() { // a row merged into an earlier hit is done with it
			extra = b.invalidate(i, errFor, extra)
		}
	}
	return extra
}

// invalidate makes row i, a valid row, and the rows merged into it
// invalid, each with the problem errFor gives it (called before the row
// changes). They keep their Kind and Account, which the report shows.
func (b *builder) invalidate(i int32, errFor func(*Row) error, extra []*RowError) []*RowError {
	for _, j := range append([]int32{i}, b.plan.dups[i]...) {
		r := &b.plan.Rows[j]
		re := &RowError{File: b.file, Line: r.Line, Field: r.Kind.String(), Value: r.Account, Err: errFor(r)}
		r.Err, r.Change, r.Dup = re, nil, -1
		extra = append(extra, re)
	}
	delete(b.plan.dups, i)
	return extra
}

// redigest computes the digest again from the rows, once conflicts made
// rows invalid that were fed to it as valid.
func (b *builder) redigest() {
	b.h.Reset()
	b.dbuf = append(b.dbuf[:0], digestVersion...)
	for i := range b.plan.Rows {
		r := &b.plan.Rows[i]
		b.dbuf = appendRowDigest(b.dbuf, r, r.Account)
		if len(b.dbuf) >= 32<<10 {
			b.h.Write(b.dbuf)
			b.dbuf = b.dbuf[:0]
		}
	}
}

// diffMask returns the parameters on which two changes differ: set by one
// only, or to different values.
func diffMask(a, c *Change) uint16 {
	var m uint16
	for p := range NumParams {
		va, oka := a.Get(p)
		vc, okc := c.Get(p)
		if oka != okc || va != vc {
			m |= 1 << p
		}
	}
	return m
}

// overlapMask returns the parameters both changes set, to different
// values.
func overlapMask(a, c *Change) uint16 {
	return diffMask(a, c) & a.set & c.set
}

// paramList names the parameters of a mask, in API order.
func paramList(m uint16) string {
	var names []string
	for p := range NumParams {
		if m&(1<<p) != 0 {
			names = append(names, p.String())
		}
	}
	return strings.Join(names, ", ")
}

package plan

import "slices"

// Resolve settles a plan that MixesKinds once the command layer has read
// which account each name and email row reaches: id(i) is the account ID
// of row i, "" when it is not known (the row is then left as it is: it
// fails when sent if no account has that name or email).
//
// Rows of different selector kinds that reach one account with the same
// change are merged: the later ones become duplicates of the first
// (Row.Dup), so that the change is sent once, which matters for a
// password. With different changes they conflict, as rows of one kind do:
// which one is right is a guess, so every row of that account is invalid,
// each naming the lines of the others. Without skipInvalid Resolve returns
// those problems in a *ValidationError, at most maxErrors of them, and
// changes nothing; with it, it makes the rows invalid (Row.Err) and returns
// nil. The digest stays: it names the plan as written.
func (p *Plan) Resolve(id func(i int) string, skipInvalid bool, maxErrors int) error {
	groups := map[string][]int32{}
	var order []string
	for i := range p.Rows {
		r := &p.Rows[i]
		if !r.Valid() || r.Dup >= 0 || (r.Kind == ByID && r.Account == "all") {
			continue
		}
		acc := r.Account
		if r.Kind != ByID {
			acc = id(i)
		}
		if acc == "" {
			continue
		}
		if _, seen := groups[acc]; !seen {
			order = append(order, acc)
		}
		groups[acc] = append(groups[acc], int32(i))
	}
	var conflicts [][]int32
	for _, acc := range order {
		rows := groups[acc]
		if len(rows) < 2 {
			continue
		}
		if same := slices.IndexFunc(rows, func(j int32) bool { return p.Rows[j].Change != p.Rows[rows[0]].Change }) < 0; same {
			p.merge(rows)
			continue
		}
		conflicts = append(conflicts, rows)
	}
	errs, rows := p.conflictProblems(conflicts, id)
	if len(errs) == 0 {
		return nil
	}
	if skipInvalid {
		for k, j := range rows {
			r := &p.Rows[j]
			r.Err, r.Change, r.Dup = errs[k], nil, -1
			delete(p.dups, j)
		}
		return nil
	}
	slices.SortFunc(errs, func(a, b *RowError) int { return a.Line - b.Line })
	return &ValidationError{File: p.Source, Errors: errs[:min(len(errs), max(maxErrors, 1))], Count: len(errs)}
}

// merge makes rows[1:], and the rows merged into them, duplicates of
// rows[0].
func (p *Plan) merge(rows []int32) {
	if p.dups == nil {
		p.dups = map[int32][]int32{}
	}
	first := rows[0]
	for _, j := range rows[1:] {
		moved := append([]int32{j}, p.dups[j]...)
		for _, k := range moved {
			p.Rows[k].Dup = first
		}
		p.dups[first] = append(p.dups[first], moved...)
		delete(p.dups, j)
	}
	slices.Sort(p.dups[first])
}

// conflictProblems returns the problem of every row of each conflicting
// account (the rows given, and the rows merged into them), and those rows,
// in the same order.
func (p *Plan) conflictProblems(conflicts [][]int32, id func(int) string) ([]*RowError, []int32) {
	var errs []*RowError
	var all []int32
	for _, rows := range conflicts {
		var members []int32
		var differ uint16
		for _, j := range rows {
			members = append(members, j)
			for _, d := range p.Dups(int(j)) {
				members = append(members, int32(d))
			}
			differ |= diffMask(p.Rows[rows[0]].Change, p.Rows[j].Change)
		}
		for _, j := range members {
			r := &p.Rows[j]
			var lines []int
			for _, k := range members {
				if p.Rows[k].Change != r.Change {
					lines = append(lines, p.Rows[k].Line)
				}
			}
			slices.Sort(lines)
			acc := r.Account
			if r.Kind != ByID {
				acc = id(int(j))
			}
			err := newProblem(ErrConflict, "account "+quote(acc)+" (read from the API) is also changed by "+
				lineList(lines, len(lines))+" (different "+paramList(differ)+")")
			errs = append(errs, &RowError{File: p.Source, Sheet: p.Sheet, Line: r.Line, Field: r.Kind.String(), Value: r.Account, Err: err})
			all = append(all, j)
		}
	}
	return errs, all
}

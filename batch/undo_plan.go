package batch

import (
	"fmt"
	"strings"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
)

// UndoPlan is the undo plan of a run, and what it could not hold.
type UndoPlan struct {
	// Table is the plan to write (plan.WriteTable): a row per row applied
	// whose values before are known, with the same selector. Its Notes
	// say what it leaves out.
	Table *plan.Table
	// Rows is the number of rows of Table.
	Rows int
	// NotUndoable counts the rows applied whose change, or part of it, an
	// undo cannot restore: a new password or email, can_use_restricted
	// (which the API does not return), a child_account_id=all row (whose
	// accounts are not listed, so not read).
	NotUndoable int
	// NoPrior counts the rows applied whose values before were never read:
	// sent by a run without --undo-out, or their account was not found.
	NoPrior int
	// Unknown counts the values the API left out of its answer: their cells
	// are empty, and a row with no value known is left out.
	Unknown int
}

// maxNotes bounds the notes of an undo plan: beyond them, a count.
const maxNotes = 100

// undoApplied tells the statuses of a row whose change the API accepted:
// by this run, by an earlier one (skipped), or read back otherwise
// (mismatch: setting the values back is what an undo does anyway).
func undoApplied(st report.Status) bool {
	return st == report.Applied || st == report.Skipped || st == report.Mismatch
}

// Plan makes the undo plan of a run of the plan from the status of each
// row (status(i); the records of Result.Records at the end of a run, the
// journal's before it): for every row applied, one row with the same
// selector and account that sets the parameters it changed back to the
// values read before it was first sent. Rows not applied are left out,
// and so are rows merged into another (the other row stands for them).
// Validating and running the plan restores those values.
func (u *Undo) Plan(status func(i int) report.Status) *UndoPlan {
	up := &UndoPlan{}
	var notes noteList
	var rows []tableRow
	for i := range u.plan.Rows {
		row := &u.plan.Rows[i]
		if !row.Valid() || row.Dup >= 0 || !undoApplied(status(i)) {
			continue
		}
		if values := u.rowValues(i, up, &notes); values != nil {
			rows = append(rows, tableRow{i, values})
		}
	}
	up.Table = buildTable(u.plan, rows)
	up.Rows = len(up.Table.Rows)
	up.Table.Notes = append([]string{fmt.Sprintf("undo plan of %s (%s): %d rows set back the values read before the run changed them",
		u.plan.Source, u.plan.Digest, up.Rows)}, notes.lines()...)
	return up
}

// tableRow is a row of a plan voxbatch writes: plan row i's selector and
// the values to set.
type tableRow struct {
	i      int
	values []priorValue
}

// buildTable lays rows out as a plan: a column per selector kind and per
// parameter some row has a known value of (child_account_id alone for no
// rows), cells empty where a row has no value.
func buildTable(p *plan.Plan, rows []tableRow) *plan.Table {
	var kinds [plan.ByEmail + 1]bool
	var params [plan.NumParams]bool
	for _, tr := range rows {
		kinds[p.Rows[tr.i].Kind] = true
		for _, v := range tr.values {
			params[v.param] = params[v.param] || v.known
		}
	}
	if len(rows) == 0 {
		kinds[plan.ByID] = true
	}
	t := &plan.Table{}
	col := map[string]int{}
	for k := plan.ByID; k <= plan.ByEmail; k++ {
		if kinds[k] {
			col[k.String()] = len(t.Header)
			t.Header = append(t.Header, k.String())
		}
	}
	for q := range plan.NumParams {
		if params[q] {
			col[q.String()] = len(t.Header)
			t.Header = append(t.Header, q.String())
		}
	}
	for _, tr := range rows {
		cells := make([]string, len(t.Header))
		row := &p.Rows[tr.i]
		cells[col[row.Kind.String()]] = row.Account
		for _, v := range tr.values {
			if v.known {
				cells[col[v.param.String()]] = v.value
			}
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// rowValues returns the values row i (applied) sets back, and counts and
// notes what it cannot: nil when it has nothing to set back.
func (u *Undo) rowValues(i int, up *UndoPlan, notes *noteList) []priorValue {
	row := &u.plan.Rows[i]
	where := fmt.Sprintf("line %d (%s %s)", row.Line, row.Kind, row.Account)
	if isAll(row) {
		up.NotUndoable++
		notes.add(where + ": every child account was changed; the API does not list them, so their values were not read")
		return nil
	}
	var lost []string
	for _, p := range row.Change.Params() {
		if !restorable(p) {
			lost = append(lost, p.String())
		}
	}
	if len(lost) > 0 {
		up.NotUndoable++
		notes.add(where + ": " + strings.Join(lost, ", ") + " cannot be undone")
	}
	if len(lost) == len(row.Change.Params()) {
		return nil
	}
	u.mu.Lock()
	enc := u.priors[i]
	u.mu.Unlock()
	values, err := decodePrior(enc)
	if err != nil {
		up.NoPrior++
		notes.add(where + ": its values before were not read (sent without --undo-out, or the account was not found); left out")
		return nil
	}
	var unknown []string
	for _, v := range values {
		if !v.known {
			unknown = append(unknown, v.param.String())
		}
	}
	up.Unknown += len(unknown)
	switch {
	case len(unknown) == len(values):
		notes.add(where + ": the API's answer left out " + strings.Join(unknown, ", ") + "; nothing known to set back, left out")
		return nil
	case len(unknown) > 0:
		notes.add(where + ": the API's answer left out " + strings.Join(unknown, ", ") + "; left empty (unchanged by the undo)")
	}
	return values
}

// noteList gathers notes up to maxNotes, and counts the others.
type noteList struct {
	notes []string
	more  int
}

func (n *noteList) add(s string) {
	if len(n.notes) < maxNotes {
		n.notes = append(n.notes, s)
	} else {
		n.more++
	}
}

func (n *noteList) lines() []string {
	if n.more > 0 {
		return append(n.notes, fmt.Sprintf("and %d more such notes", n.more))
	}
	return n.notes
}

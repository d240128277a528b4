package batch

import (
	"context"
	"fmt"
	"strings"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/voximplant"
)

// Export is the current state of a plan's accounts, as a plan: running it
// changes nothing.
type Export struct {
	// Table holds a row per account read, with the row's selector and the
	// current values of the parameters the row sets; its Notes say what it
	// leaves out.
	Table *plan.Table
	// Rows is the number of rows of Table.
	Rows int
	// Missing counts the rows whose account was not found: left out.
	Missing int
	// NotReadable counts the rows that set a parameter the API does not
	// return (a password, can_use_restricted) or that is not exported (a
	// new email: the account's email is its selector, not a setting), or
	// that select every child account (child_account_id=all, not listed):
	// those parameters, or rows, are left out.
	NotReadable int
	// Unknown counts the values the API left out of its answer: empty
	// cells, and a row with none known is left out.
	Unknown int
	// Requests is the number of GetChildrenAccounts requests sent.
	Requests int
}

// ReadExport reads, as ReadPreview does (named reads, cfg's pace and
// retries; cfg.Todo selects the rows, nil: all), the accounts of p's valid
// rows, and returns their current values of the parameters each row sets,
// as a plan with the same selectors. Rows merged into another are one row.
// It changes nothing. Errors are ReadPreview's: *AbortError, or
// ErrInterrupted when ctx is cancelled.
func ReadExport(ctx context.Context, p *plan.Plan, client Client, cfg Config) (*Export, error) {
	cfg.defaults()
	at := newAttempter(client, &cfg, 0x3c6ef372fe94f82b)
	var rows []int
	for i := range p.Rows {
		row := &p.Rows[i]
		if row.Valid() && row.Dup < 0 && (cfg.Todo == nil || cfg.Todo(i)) {
			rows = append(rows, i)
		}
	}
	found, err := readAccounts(ctx, at, p, rows, 0)
	ex := &Export{Requests: int(at.requests.Load())}
	switch {
	case ctx.Err() != nil:
		return nil, ErrInterrupted
	case err != nil:
		return nil, &AbortError{Reason: "reading the current state", Err: err}
	}
	var notes noteList
	var out []tableRow
	for _, i := range rows {
		if values := ex.rowValues(p, i, found(i), &notes); values != nil {
			out = append(out, tableRow{i, values})
		}
	}
	ex.Table = buildTable(p, out)
	ex.Rows = len(ex.Table.Rows)
	ex.Table.Notes = append([]string{fmt.Sprintf("export of %s (%s): the current values of its parameters for %d accounts",
		p.Source, p.Digest, ex.Rows)}, notes.lines()...)
	return ex, nil
}

// rowValues returns the current values of row i's parameters in account
// a (nil: not found), and counts and notes what it leaves out: nil when
// nothing of the row is known.
func (ex *Export) rowValues(p *plan.Plan, i int, acc *voximplant.AccountInfo, notes *noteList) []priorValue {
	row := &p.Rows[i]
	where := fmt.Sprintf("line %d (%s %s)", row.Line, row.Kind, row.Account)
	switch {
	case isAll(row):
		ex.NotReadable++
		notes.add(where + ": every child account; the API does not list them, so none was read")
		return nil
	case acc == nil:
		ex.Missing++
		notes.add(where + ": no such account; left out")
		return nil
	}
	var lost []string
	for _, q := range row.Change.Params() {
		if !restorable(q) {
			lost = append(lost, q.String())
		}
	}
	if len(lost) > 0 {
		ex.NotReadable++
		notes.add(where + ": " + strings.Join(lost, ", ") + " not exported (the API does not return it, or it names the account)")
	}
	values := priorOf(row.Change, acc)
	var unknown []string
	for _, v := range values {
		if !v.known {
			unknown = append(unknown, v.param.String())
		}
	}
	ex.Unknown += len(unknown)
	switch {
	case len(values) == 0:
		return nil
	case len(unknown) == len(values):
		notes.add(where + ": the API's answer left out " + strings.Join(unknown, ", ") + "; left out")
		return nil
	case len(unknown) > 0:
		notes.add(where + ": the API's answer left out " + strings.Join(unknown, ", ") + "; left empty")
	}
	return values
}

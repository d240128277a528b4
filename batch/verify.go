package batch

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voximplant"
)

// Verification is what Runner.Verify found, in report rows (a row merged
// into another counts with it).
type Verification struct {
	// Verified rows: every parameter they set was read back with the value
	// wanted.
	Verified int
	// Mismatch rows: some parameter was read back with another value.
	Mismatch int
	// NotVerified rows: some parameter cannot be read back (a password, a
	// new email, can_use_restricted, a field the answer left out, the
	// accounts of child_account_id=all) or the account was not found,
	// and none differed. They are never counted as verified.
	NotVerified int
	// Requests is the number of GetChildrenAccounts requests of the reads.
	Requests int
}

// verifiable tells the rows Verify reads back: applied by this run, or by
// an earlier run of its journal (skipped).
func verifiable(st report.Status) bool { return st == report.Applied || st == report.Skipped }

// Verify reads back, after Run, every account whose row is applied (by
// this run or an earlier one: skipped) and compares each parameter the row
// sets with the value it wants, as the preview compares them. A row whose
// value differs becomes mismatch: its record (and those merged into it)
// says which parameter, the value wanted and the value found, the journal
// records it (a rerun sends it again only with --retry-failed) and
// StatusCounts counts it. The reads go through the run's pacer and count
// in its Stats. An error (the reads failed or were interrupted) stops the
// reads: the rows of the batches compared before it keep what they were
// found to be (mismatch or not), the others stay as they were.
func (r *Runner) Verify(ctx context.Context) (*Verification, error) {
	p := r.plan
	v := &Verification{}
	before := r.at.requests.Load()
	var rows []int
	r.mu.Lock()
	for i := range p.Rows {
		row := &p.Rows[i]
		if !row.Valid() || row.Dup >= 0 || !verifiable(r.recs[i].Status) {
			continue
		}
		if isAll(row) || len(restorableParams(row.Change)) == 0 {
			v.NotVerified += 1 + len(p.Dups(i))
			continue
		}
		rows = append(rows, i)
	}
	r.mu.Unlock()
	// Read in batches of whole id lists, so that the accounts read are
	// not all held at once.
	batch := r.cfg.ChunkSize * r.cfg.Workers * 8
	for len(rows) > 0 {
		n := min(batch, len(rows))
		found, err := readAccounts(ctx, r.at, p, rows[:n], 0)
		v.Requests = int(r.at.requests.Load() - before)
		if err != nil {
			if ctx.Err() != nil {
				return v, ErrInterrupted
			}
			return v, &AbortError{Reason: "reading the accounts back (--verify)", Err: err}
		}
		r.compareRows(v, rows[:n], found)
		rows = rows[n:]
	}
	if j := r.cfg.Journal; j != nil && v.Mismatch > 0 {
		if err := j.Write(); err != nil {
			return v, &AbortError{Reason: "journal", Err: err}
		}
	}
	return v, nil
}

// compareRows compares the rows read back with their accounts (found),
// counts them in v, and makes those that differ mismatch.
func (r *Runner) compareRows(v *Verification, rows []int, found func(i int) *voximplant.AccountInfo) {
	p := r.plan
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, i := range rows {
		n := 1 + len(p.Dups(i))
		msg, ok, complete := compareBack(p.Rows[i].Change, found(i))
		switch {
		case !ok:
			v.Mismatch += n
			r.mismatch(i, msg)
			for _, d := range p.Dups(i) {
				r.mismatch(d, msg)
			}
		case complete:
			v.Verified += n
		default:
			v.NotVerified += n
		}
	}
}

// mismatch makes row i's record mismatch with msg, and journals it; r.mu
// is held.
func (r *Runner) mismatch(i int, msg string) {
	rec := &r.recs[i]
	r.byStatus[rec.Status]--
	r.byStatus[report.Mismatch]++
	rec.Status, rec.ErrorCode, rec.ErrorMessage = report.Mismatch, 0, oneLine(msg)
	if j := r.cfg.Journal; j != nil {
		j.Record(i, rec)
	}
}

// compareBack compares change c with account a as read back. ok is false
// when some parameter differs, msg then naming each one with the value
// wanted and the value found; complete is false when some parameter could
// not be compared (it cannot be read back, or the answer left it out) or
// the account was not found.
func compareBack(c *plan.Change, a *voximplant.AccountInfo) (msg string, ok, complete bool) {
	if a == nil {
		return "", true, false
	}
	complete = true
	var diffs []string
	for _, p := range c.Params() {
		if !restorable(p) {
			complete = false
			continue
		}
		want, _ := c.Get(p)
		fc, differ := diffField(p, want, a)
		switch {
		case fc.Absent:
			complete = false
		case differ:
			diffs = append(diffs, fmt.Sprintf("%s: wanted %s, found %s", p, showValue(fc.To), showValue(fc.From)))
		}
	}
	if len(diffs) == 0 {
		return "", true, complete
	}
	return "read back after the run: " + strings.Join(diffs, "; "), false, complete
}

// showValue renders a typed value (FieldChange.From, To) for a message:
// text quoted, numbers and booleans bare.
func showValue(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

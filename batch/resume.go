package batch

import (
	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
)

// Resume decides, from what earlier runs of the same plan recorded, which
// rows a run sends and what the others show in its report. Use its Todo
// and Prefill as Config.Todo and Config.Prefill.
type Resume struct {
	Earlier     *Earlier
	RetryFailed bool // send rows that failed before again
	// Password, when set (PlanPasswords), gives the plan's passwords: a
	// row whose password was edited since it was sent is sent again.
	Password func(row int) (string, bool)
}

// PlanPasswords gives row i's new_child_account_password, if it sets one.
func PlanPasswords(p *plan.Plan) func(row int) (string, bool) {
	return func(i int) (string, bool) {
		row := &p.Rows[i]
		if !row.Valid() {
			return "", false
		}
		return row.Change.Get(plan.NewChildAccountPassword)
	}
}

// edited reports whether row i sets a password other than the one an
// earlier run sent.
func (rs *Resume) edited(i int) bool {
	if rs.Password == nil {
		return false
	}
	pw, ok := rs.Password(i)
	return ok && rs.Earlier.PasswordEdited(i, pw)
}

// Todo reports whether row i is still to be sent: rows applied (or found
// unchanged) before are not, rows that failed before, or were applied and
// read back with other values (mismatch), only with RetryFailed, unless
// the row's password was edited since: then it is sent.
func (rs *Resume) Todo(i int) bool {
	if rs.edited(i) {
		return true
	}
	switch rs.Earlier.Status(i) {
	case report.Applied, report.Unchanged:
		return false
	case report.Failed, report.Mismatch:
		return rs.RetryFailed
	}
	return true
}

// Unknown reports whether row i was in flight when an earlier run stopped,
// so that its change may have been applied; not for a row whose password
// was edited since, which the lost request did not carry.
func (rs *Resume) Unknown(i int) bool { return rs.Earlier.Sent(i) && !rs.edited(i) }

// Prefill gives rows that will not be sent their earlier outcome: applied
// rows become skipped, keeping their original times; failed and mismatch
// rows (without RetryFailed) keep their outcome.
func (rs *Resume) Prefill(i int, rec *report.Record) {
	if rs.Todo(i) {
		return
	}
	e, ok := rs.Earlier.Get(i)
	if !ok {
		return
	}
	setOutcome(rec, &e)
	if e.Status == report.Applied {
		rec.Status = report.Skipped
	}
}

// Counts tells how many rows earlier runs applied (or found unchanged) and
// how many failed (or were read back with other values).
func (rs *Resume) Counts() (done, failed int) {
	for i := range rs.Earlier.entries {
		switch rs.Earlier.Status(i) {
		case report.Applied, report.Unchanged:
			done++
		case report.Failed, report.Mismatch:
			failed++
		}
	}
	return done, failed
}

package batch

// The preview reads the current state of the accounts a plan targets before
// anything is sent. `run --dry-run --preview` shows it; `run
// --skip-unchanged` composes its Todo and Prefill with the resume's, so that
// accounts already in the desired state are left out of the run, and
// records them in the journal, so that a resumed run neither sends nor
// reads them again.

import (
	"strconv"
	"strings"
	"time"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voximplant"
)

// DefaultPageSize is the number of accounts one GetChildrenAccounts request
// asks for when a preview lists every child account.
const DefaultPageSize = 1000

// State is what a preview found for one account: whether the run would
// change it.
type State uint8

// The states of a previewed account.
const (
	StateChange    State = iota + 1 // some parameter differs (a password or can_use_restricted always does)
	StateUnchanged                  // the account is already in the desired state
	StateMissing                    // no such account: the run would fail the row
)

func (s State) String() string {
	switch s {
	case StateChange:
		return "change"
	case StateUnchanged:
		return "unchanged"
	case StateMissing:
		return "missing"
	}
	return ""
}

// FieldChange is one parameter a row would change. Values are typed: bool
// for booleans, float64 for min_balance_to_notify, string otherwise. From is
// nil when the API does not return the current value (the password,
// can_use_restricted); To is nil for the password, which is never shown.
type FieldChange struct {
	Param    plan.Param
	From, To any
}

// Diff compares the change a row asks for with the account as read and
// returns the parameters that differ, in API order. Emails, language codes
// and locations compare without regard to case, min_balance_to_notify
// numerically, booleans as booleans. A password and can_use_restricted, which
// the API does not return, always count as changes.
func Diff(c *plan.Change, a *voximplant.AccountInfo) []FieldChange {
	var out []FieldChange
	for _, p := range c.Params() {
		v, _ := c.Get(p)
		var cur any
		differ := true
		switch {
		case p.Secret():
			out = append(out, FieldChange{Param: p})
			continue
		case p == plan.CanUseRestricted:
			out = append(out, FieldChange{Param: p, To: v == "true"})
			continue
		case p == plan.MinBalanceToNotify:
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				differ = f != a.MinBalanceToNotify
				out = appendIf(out, differ, FieldChange{Param: p, From: a.MinBalanceToNotify, To: f})
				continue
			}
			cur = strconv.FormatFloat(a.MinBalanceToNotify, 'f', -1, 64)
		case p.IsBool():
			b := boolField(a, p)
			out = appendIf(out, b != (v == "true"), FieldChange{Param: p, From: b, To: v == "true"})
			continue
		case p == plan.NewChildAccountEmail:
			cur, differ = a.AccountEmail, !strings.EqualFold(a.AccountEmail, v)
		case p == plan.LanguageCode:
			cur, differ = a.LanguageCode, !strings.EqualFold(a.LanguageCode, v)
		case p == plan.Location:
			cur, differ = a.Location, !strings.EqualFold(a.Location, v)
		}
		out = appendIf(out, differ, FieldChange{Param: p, From: cur, To: v})
	}
	return out
}

func appendIf(out []FieldChange, cond bool, fc FieldChange) []FieldChange {
	if cond {
		return append(out, fc)
	}
	return out
}

// boolField is the current value of boolean parameter p.
func boolField(a *voximplant.AccountInfo, p plan.Param) bool {
	switch p {
	case plan.Active:
		return a.Active
	case plan.AccountNotifications:
		return a.AccountNotifications
	case plan.TariffChangingNotifications:
		return a.TariffChangingNotifications
	case plan.NewsNotifications:
		return a.NewsNotifications
	case plan.SupportRobokassa:
		return a.SupportRobokassa
	case plan.SupportBankCard:
		return a.SupportBankCard
	case plan.SupportInvoice:
		return a.SupportInvoice
	}
	return false
}

// AccountState is what a preview found for one account a row targets.
type AccountState struct {
	Row     int    // index of the (primary) plan row
	Account string // the row's selector value; for an "all" row, the child's id
	State   State
	Changes []FieldChange // with StateChange: what differs, in API order
}

// Preview is the current state of the accounts a plan targets, compared
// with what the plan asks. Make it with ReadPreview.
type Preview struct {
	// Accounts holds one entry per previewed primary row in plan order, and
	// for an "all" row one per child account in id order. Rows merged into
	// an earlier row (plan.Row.Dup) share that row's entry.
	Accounts []AccountState
	// Requests is the number of GetChildrenAccounts requests sent, retries
	// included.
	Requests int
	// Listed tells that every child account was listed (page by page)
	// rather than read by selector, because that took fewer requests or
	// the plan has an "all" row.
	Listed bool
	// Started and Finished bound the reads.
	Started, Finished time.Time

	plan   *plan.Plan
	states []State // by primary row; 0 = not previewed
}

// Counts returns the number of entries in each state.
func (pv *Preview) Counts() map[State]int {
	m := map[State]int{StateChange: 0, StateUnchanged: 0, StateMissing: 0}
	for i := range pv.Accounts {
		m[pv.Accounts[i].State]++
	}
	return m
}

// RowState is the state of plan row i (a merged row's is that of the row it
// was merged into; an "all" row is unchanged only if every child is), and
// whether the row was previewed.
func (pv *Preview) RowState(i int) (State, bool) {
	if i < 0 || i >= len(pv.states) {
		return 0, false
	}
	if d := pv.plan.Rows[i].Dup; d >= 0 {
		i = int(d)
	}
	return pv.states[i], pv.states[i] != 0
}

// Todo reports whether row i is still to be sent: false only for rows found
// unchanged. Compose it with other Todo functions for Config.Todo.
func (pv *Preview) Todo(i int) bool {
	st, _ := pv.RowState(i)
	return st != StateUnchanged
}

// Prefill gives rows found unchanged their record (status unchanged, no
// attempt, the time of the reads); it leaves other rows alone. Compose it
// with other Prefill functions for Config.Prefill.
func (pv *Preview) Prefill(i int, rec *report.Record) {
	if pv.Todo(i) {
		return
	}
	setOutcome(rec, &report.Record{Status: report.Unchanged, StartedAt: pv.Started, FinishedAt: pv.Finished})
}

// Journal records every row found unchanged (merged rows included) in j and
// writes it, so that a resumed run neither sends nor reads them again.
func (pv *Preview) Journal(j *Journal) error {
	for i := range pv.plan.Rows {
		if !pv.Todo(i) {
			var rec report.Record
			pv.Prefill(i, &rec)
			j.Record(i, &rec)
		}
	}
	return j.Write()
}

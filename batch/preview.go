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

// DefaultPageSize is the count of a read by one name or email (and of each
// further page of it): one account is expected, but should the API's filter
// match more (older references said it matched a part of the name), a page
// holds a few.
const DefaultPageSize = 20

// State is what a preview found for one account: whether the run would
// change it.
type State uint8

// The states of a previewed account.
const (
	StateChange    State = iota + 1 // some parameter differs or is unknown (a password or can_use_restricted always is)
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
// nil when the current value is not known: the API never returns it (the
// password, can_use_restricted), or Absent. To is nil for the password,
// which is never shown.
type FieldChange struct {
	Param    plan.Param
	From, To any
	// Absent: the account's answer left the field out (the API's schema
	// makes it optional), or no account was read (an "all" row), so its
	// current value is unknown and counts as a change.
	Absent bool
}

// Diff compares the change a row asks for with the account as read and
// returns the parameters that differ, in API order. Emails, language codes
// and locations compare without regard to case, min_balance_to_notify
// numerically, booleans as booleans. A password and can_use_restricted, which
// the API does not return, always count as changes, and so does a field the
// answer left out (FieldChange.Absent): a missing support_robokassa is not
// false. A nil account (an "all" row, whose accounts are not read) makes
// every parameter a change from an unknown value.
func Diff(c *plan.Change, a *voximplant.AccountInfo) []FieldChange {
	var out []FieldChange
	for _, p := range c.Params() {
		v, _ := c.Get(p)
		switch {
		case p.Secret():
			out = append(out, FieldChange{Param: p})
		case p == plan.CanUseRestricted:
			out = append(out, FieldChange{Param: p, To: v == "true"})
		default:
			if fc, differ := diffField(p, v, a); differ {
				out = append(out, fc)
			}
		}
	}
	return out
}

// diffField compares parameter p, set to v by the plan, with account a
// (nil: not read) and tells whether it differs.
func diffField(p plan.Param, v string, a *voximplant.AccountInfo) (FieldChange, bool) {
	fc := FieldChange{Param: p, To: v}
	var to any = v
	switch {
	case p.IsBool():
		to = v == "true"
	case p == plan.MinBalanceToNotify:
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			to = f
		}
	}
	fc.To = to
	cur, ok := currentValue(p, a)
	if !ok {
		fc.Absent = true
		return fc, true
	}
	fc.From = cur
	switch cur := cur.(type) {
	case string:
		return fc, !strings.EqualFold(cur, v)
	case float64:
		if f, isNum := to.(float64); isNum {
			return fc, f != cur
		}
		fc.From = strconv.FormatFloat(cur, 'f', -1, 64)
		return fc, true
	}
	return fc, cur != to // booleans
}

// currentValue is the value of parameter p in account a, typed as in
// FieldChange, and whether the answer held it.
func currentValue(p plan.Param, a *voximplant.AccountInfo) (any, bool) {
	if a == nil {
		return nil, false
	}
	var o any
	switch p {
	case plan.Active:
		return a.Active, true
	case plan.NewChildAccountEmail:
		return a.AccountEmail, true
	case plan.LanguageCode:
		o = a.LanguageCode
	case plan.Location:
		o = a.Location
	case plan.MinBalanceToNotify:
		o = a.MinBalanceToNotify
	case plan.AccountNotifications:
		o = a.AccountNotifications
	case plan.TariffChangingNotifications:
		o = a.TariffChangingNotifications
	case plan.NewsNotifications:
		o = a.NewsNotifications
	case plan.SupportRobokassa:
		o = a.SupportRobokassa
	case plan.SupportBankCard:
		o = a.SupportBankCard
	case plan.SupportInvoice:
		o = a.SupportInvoice
	}
	switch o := o.(type) {
	case voximplant.Opt[string]:
		return o.Value, o.Set
	case voximplant.Opt[float64]:
		return o.Value, o.Set
	case voximplant.Opt[bool]:
		return o.Value, o.Set
	}
	return nil, false
}

// AccountState is what a preview found for one account a row targets.
type AccountState struct {
	Row       int    // index of the (primary) plan row
	Account   string // the row's selector value
	AccountID int64  // the id of the account read; 0 when missing
	State     State
	Changes   []FieldChange // with StateChange: what differs, in API order
	// Unlisted marks an "all" row: it changes every child account, which
	// the API does not list, so none was read. Its State is StateChange and
	// its Changes are every parameter, from an unknown value.
	Unlisted bool
}

// Preview is the current state of the accounts a plan targets, compared
// with what the plan asks. Make it with ReadPreview.
type Preview struct {
	// Accounts holds one entry per previewed primary row in plan order (an
	// "all" row's is Unlisted). Rows merged into an earlier row
	// (plan.Row.Dup) share that row's entry.
	Accounts []AccountState
	// Requests is the number of GetChildrenAccounts requests sent, retries
	// included.
	Requests int
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
// was merged into; an "all" row's is StateChange), and whether the row was
// previewed.
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

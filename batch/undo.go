package batch

// The undo of a run: before a request is first sent, the values its
// accounts hold of the parameters it changes are read (the reads of a
// preview, on the run's pacer) and journaled; at the end, every row
// applied gets a row of the undo plan that sets them back.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/voximplant"
)

// restorable tells the parameters an undo sets back and a verification
// reads back: every one the API returns. A password is never returned (nor
// read, nor journaled); a new email is not restored, since the account's
// selector may be that email, and the API asks a password to change it
// (537); can_use_restricted is not returned.
func restorable(p plan.Param) bool {
	return !p.Secret() && p != plan.NewChildAccountEmail && p != plan.CanUseRestricted
}

// restorableParams returns the parameters of c that restorable allows, in
// API order.
func restorableParams(c *plan.Change) []plan.Param {
	var out []plan.Param
	for _, p := range c.Params() {
		if restorable(p) {
			out = append(out, p)
		}
	}
	return out
}

// priorValue is one parameter's value before a change; known is false
// when the API's answer left the field out.
type priorValue struct {
	param plan.Param
	value string
	known bool
}

// paramByName maps an API parameter name to its Param.
var paramByName = func() map[string]plan.Param {
	m := make(map[string]plan.Param, plan.NumParams)
	for p := range plan.NumParams {
		m[p.String()] = p
	}
	return m
}()

// encodePrior writes values as a P line holds them: "name=value" for a
// known value (query-escaped), "name" alone for one the API left out,
// joined by "&". It has no space and no line break.
func encodePrior(values []priorValue) string {
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(v.param.String())
		if v.known {
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v.value))
		}
	}
	return b.String()
}

// errPrior is a P line voxbatch did not write.
var errPrior = errors.New("bad values line")

// decodePrior reads what encodePrior wrote. A parameter that an undo does
// not restore (a password above all) is refused.
func decodePrior(s string) ([]priorValue, error) {
	if s == "" {
		return nil, errPrior
	}
	var out []priorValue
	for item := range strings.SplitSeq(s, "&") {
		name, raw, known := strings.Cut(item, "=")
		p, ok := paramByName[name]
		if !ok || !restorable(p) {
			return nil, errPrior
		}
		v := priorValue{param: p, known: known}
		if known {
			var err error
			if v.value, err = url.QueryUnescape(raw); err != nil {
				return nil, errPrior
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// valueOf is the value of parameter p in account a as a plan writes it
// (normalized), and whether the answer held it. A value a plan would
// refuse (a language code not in the reference's list, say) counts as not
// held: an undo plan must load.
func valueOf(p plan.Param, a *voximplant.AccountInfo) (string, bool) {
	cur, ok := currentValue(p, a)
	if !ok {
		return "", false
	}
	var s string
	switch cur := cur.(type) {
	case bool:
		s = strconv.FormatBool(cur)
	case float64:
		s = strconv.FormatFloat(cur, 'f', -1, 64)
	case string:
		s = cur
	}
	v, err := plan.NormalizeValue(p, s)
	return v, err == nil
}

// priorOf is what account a holds of the restorable parameters of c.
func priorOf(c *plan.Change, a *voximplant.AccountInfo) []priorValue {
	ps := restorableParams(c)
	out := make([]priorValue, len(ps))
	for k, p := range ps {
		out[k].param = p
		out[k].value, out[k].known = valueOf(p, a)
	}
	return out
}

// Undo holds, by row, what the accounts had before a run (and the earlier
// runs of its journal) changed them, and makes the undo plan. Set it as
// Config.Undo. It is safe for concurrent use.
type Undo struct {
	plan *plan.Plan

	mu     sync.Mutex
	priors []string // by row: encodePrior; "" when none was read
	intern map[string]string
}

// NewUndo makes the Undo of a run of p, holding what earlier runs of its
// journal (earlier; nil for none) read before they sent their rows: a
// resumed run adds to the undo plan and never reads a row again.
func NewUndo(p *plan.Plan, earlier *Earlier) *Undo {
	u := &Undo{plan: p, priors: make([]string, len(p.Rows)), intern: map[string]string{}}
	for i := range p.Rows {
		if enc, ok := earlier.Prior(i); ok {
			u.set(i, enc)
		}
	}
	return u
}

// set records row i's values before it was sent, unless it has some.
func (u *Undo) set(i int, enc string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.priors[i] != "" {
		return
	}
	if s, ok := u.intern[enc]; ok {
		enc = s
	} else {
		u.intern[enc] = enc
	}
	u.priors[i] = enc
}

func (u *Undo) has(i int) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.priors[i] != ""
}

// capture reads through at what the accounts of rows (primary rows of one
// request) hold of the parameters their change sets, records it, and
// writes it to j and syncs it before returning. Rows read before (by this
// run or an earlier one) are not read again: what was read before the
// first send is what an undo restores, even if that send was applied and
// never journaled. Rows whose change an undo cannot restore, "all" rows
// and missing accounts record nothing.
func (u *Undo) capture(ctx context.Context, at *attempter, j *Journal, rows []int32) error {
	var todo []int
	for _, row := range rows {
		i := int(row)
		r := &u.plan.Rows[i]
		if !u.has(i) && !isAll(r) && len(restorableParams(r.Change)) > 0 {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	found, err := readAccounts(ctx, at, u.plan, todo, 0)
	if err != nil {
		return err
	}
	for _, i := range todo {
		a := found(i)
		if a == nil {
			continue // the request will meet the missing account too
		}
		enc := encodePrior(priorOf(u.plan.Rows[i].Change, a))
		u.set(i, enc)
		if j != nil {
			j.RecordPrior(i, enc)
		}
	}
	if j == nil {
		return nil
	}
	if err := j.Sync(); err != nil {
		return fmt.Errorf("journal the values before the change: %w", err)
	}
	return nil
}

// capture runs Config.Undo's reads for req before it is first sent, and
// tells whether to send it: not when the run stopped meanwhile (the rows
// stay not_attempted), nor when the reads or the journal failed, which
// stops the run: a row sent without its values could not be undone.
func (r *Runner) capture(ctx context.Context, req *plan.Request) bool {
	u := r.cfg.Undo
	if u == nil {
		return true
	}
	err := u.capture(ctx, r.at, r.cfg.Journal, req.Rows)
	switch {
	case err == nil:
		return true
	case ctx.Err() != nil:
		return false
	}
	r.abort(&AbortError{Reason: "reading the values to undo (--undo-out)", Err: err})
	return false
}

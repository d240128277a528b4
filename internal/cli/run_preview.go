package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/voxbatch/voxbatch/batch"
	"github.com/voxbatch/voxbatch/internal/review"
	"github.com/voxbatch/voxbatch/plan"
)

// The live preview (`run --dry-run --preview`) reads the current state of
// every account the plan targets and shows, per account, what will change,
// which rows change nothing and which accounts do not exist. A password
// shows as "(will be changed)". can_use_restricted, which the API does not
// return, shows as "unknown → VALUE" and counts as a change, like a
// password: neither can be known to be in the desired state already. A
// field the API's answer left out shows as "? → VALUE" and counts as a
// change too. An "all" row is not read (the API does not list child
// accounts): it shows as a change of every child account.

// willChange stands for a new password in the preview.
const willChange = "(will be changed)"

// unlistedNote explains the entry of an "all" row.
const unlistedNote = "every child account will change; the API does not list child accounts, so their current state was not read"

// previewJSON is the document of `run --dry-run --preview --output json`.
type previewJSON struct {
	Digest   string           `json:"digest"`
	Summary  previewSummary   `json:"summary"`
	Accounts []previewAccount `json:"accounts"`
	Invalid  []dryRunInvalid  `json:"invalid,omitempty"`
}

type previewSummary struct {
	Change    int `json:"change"`
	Unchanged int `json:"unchanged"`
	Missing   int `json:"missing"`
	// AllChildren: an "all" row changes every child account (one of
	// Change), which the API does not list.
	AllChildren bool `json:"all_children,omitempty"`
}

type previewAccount struct {
	Line           int                      `json:"line"`
	DuplicateLines []int                    `json:"duplicate_lines,omitempty"`
	Account        string                   `json:"account"`
	Selector       string                   `json:"selector"`
	All            bool                     `json:"all,omitempty"` // a child_account_id=all row: every child account, unread
	State          string                   `json:"state"`
	Note           string                   `json:"note,omitempty"`
	Changes        map[string]previewChange `json:"changes,omitempty"`
}

// previewChange holds typed values; From is null when the current value is
// not known (the API does not return it, the answer left it out, or an
// "all" row's accounts were not read).
type previewChange struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// preview is `run --dry-run --preview`: the reads and what they show. It
// sends no change.
func (s *session) preview(ctx context.Context) error {
	client, err := s.newClient()
	if err != nil {
		return err
	}
	s.logger.Debug("reading the current state of the targeted accounts")
	pv, err := batch.ReadPreview(ctx, s.plan, client, s.opts.batchConfig(s.logger), 0)
	if err != nil {
		return withRunHint(err)
	}
	if err := s.resolve(ctx, client, nil, pv); err != nil {
		return err
	}
	c := pv.Counts()
	closing := fmt.Sprintf("preview: %d to change, %d unchanged, %d missing (read with %s)",
		c[batch.StateChange], c[batch.StateUnchanged], c[batch.StateMissing], review.Plural(pv.Requests, "GetChildrenAccounts request"))
	if hasUnlisted(pv) {
		closing += "; every child account will change, and the API does not list them"
	}
	return s.showDry("preview", func() any { return previewDoc(s.plan, pv) },
		func(w io.Writer) { writePreviewText(w, s.plan, pv) }, closing)
}

// hasUnlisted tells whether the preview holds an "all" row.
func hasUnlisted(pv *batch.Preview) bool {
	for i := range pv.Accounts {
		if pv.Accounts[i].Unlisted {
			return true
		}
	}
	return false
}

// previewValue renders a typed value for people; nil is a value the API
// never returns.
func previewValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "unknown"
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		return review.Quote(v)
	}
	return fmt.Sprint(v)
}

// describeChanges renders "active: true → false, new_child_account_password: (will be changed)".
func describeChanges(fcs []batch.FieldChange) string {
	parts := make([]string, len(fcs))
	for i, fc := range fcs {
		if fc.Param.Secret() {
			parts[i] = fc.Param.String() + ": " + willChange
			continue
		}
		from := previewValue(fc.From)
		if fc.Absent {
			from = "?"
		}
		parts[i] = fmt.Sprintf("%s: %s → %s", fc.Param, from, previewValue(fc.To))
	}
	return strings.Join(parts, ", ")
}

// accountLabel is "line 9  child_account_id 1000", with merged rows' lines
// and, for an "all" row, what it means.
func accountLabel(p *plan.Plan, as *batch.AccountState) string {
	row := &p.Rows[as.Row]
	s := fmt.Sprintf("line %d  %s %s", row.Line, row.Kind, as.Account)
	if as.Unlisted {
		s += " (" + unlistedNote + ")"
	}
	if dups := p.Dups(as.Row); len(dups) > 0 {
		lines := make([]int, len(dups))
		for i, d := range dups {
			lines[i] = p.Rows[d].Line
		}
		s += fmt.Sprintf(" (also %s)", review.LineList(lines))
	}
	return s
}

// writePreviewText prints the accounts in three groups, each in plan order:
// those that will change (and how), those already in the desired state, and
// those that do not exist.
func writePreviewText(w io.Writer, p *plan.Plan, pv *batch.Preview) {
	c := pv.Counts()
	groups := []struct {
		st    batch.State
		title string
	}{
		{batch.StateChange, "will change"},
		{batch.StateUnchanged, "unchanged, already in the desired state"},
		{batch.StateMissing, "missing, no such account; the run would fail these rows"},
	}
	for _, g := range groups {
		if c[g.st] == 0 {
			continue
		}
		fmt.Fprintf(w, "%s (%d):\n", g.title, c[g.st])
		for i := range pv.Accounts {
			as := &pv.Accounts[i]
			if as.State != g.st {
				continue
			}
			if g.st == batch.StateChange {
				fmt.Fprintf(w, "  %s: %s\n", accountLabel(p, as), describeChanges(as.Changes))
			} else {
				fmt.Fprintf(w, "  %s\n", accountLabel(p, as))
			}
		}
	}
	if len(pv.Accounts) == 0 {
		fmt.Fprintln(w, "no account to preview")
	}
	for _, row := range p.Rows {
		if row.Err != nil {
			fmt.Fprintf(w, "skipped invalid row: %v\n", row.Err)
		}
	}
}

// previewDoc is the document of `run --dry-run --preview --output json`.
func previewDoc(p *plan.Plan, pv *batch.Preview) any {
	c := pv.Counts()
	doc := previewJSON{Digest: p.Digest, Accounts: make([]previewAccount, 0, len(pv.Accounts)),
		Summary: previewSummary{Change: c[batch.StateChange], Unchanged: c[batch.StateUnchanged], Missing: c[batch.StateMissing],
			AllChildren: hasUnlisted(pv)}}
	for i := range pv.Accounts {
		as := &pv.Accounts[i]
		row := &p.Rows[as.Row]
		pa := previewAccount{Line: row.Line, Account: as.Account, Selector: row.Kind.String(),
			All: as.Unlisted, State: as.State.String()}
		if as.Unlisted {
			pa.Note = unlistedNote
		}
		for _, d := range p.Dups(as.Row) {
			pa.DuplicateLines = append(pa.DuplicateLines, p.Rows[d].Line)
		}
		if len(as.Changes) > 0 {
			pa.Changes = make(map[string]previewChange, len(as.Changes))
			for _, fc := range as.Changes {
				ch := previewChange{From: fc.From, To: fc.To}
				if fc.Param.Secret() {
					ch.To = willChange
				}
				pa.Changes[fc.Param.String()] = ch
			}
		}
		doc.Accounts = append(doc.Accounts, pa)
	}
	doc.Invalid = invalidRows(p)
	return doc
}

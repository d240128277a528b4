package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/voxbatch/voxbatch/batch"
	"github.com/voxbatch/voxbatch/plan"
)

// The live preview (`run --dry-run --preview`) reads the current state of
// every account the plan targets and shows, per account, what will change,
// which rows change nothing and which accounts do not exist. A password
// shows as "(will be changed)". can_use_restricted, which the API does not
// return, shows as "unknown → VALUE" and counts as a change, like a
// password: neither can be known to be in the desired state already.

// willChange stands for a new password in the preview.
const willChange = "(will be changed)"

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
}

type previewAccount struct {
	Line           int                      `json:"line"`
	DuplicateLines []int                    `json:"duplicate_lines,omitempty"`
	Account        string                   `json:"account"`
	Selector       string                   `json:"selector"`
	All            bool                     `json:"all,omitempty"` // an account of a child_account_id=all row
	State          string                   `json:"state"`
	Changes        map[string]previewChange `json:"changes,omitempty"`
}

// previewChange holds typed values; From is null when the API does not
// return the current value.
type previewChange struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// readConfig is the pace and retry settings of a run, for its reads.
func readConfig(opts *runOptions, logger *slog.Logger) batch.Config {
	return batch.Config{Workers: opts.workers, Rate: opts.rate, Burst: opts.burst, MaxAttempts: opts.maxAttempts,
		ChunkSize: opts.plan.chunkSize, Logger: logger}
}

// runPreview is `run --dry-run --preview`: the digest pin, the review file,
// then the reads and the preview. It sends no change.
func runPreview(ctx context.Context, e *env, opts *runOptions, p *plan.Plan) error {
	logger := newLogger(e.stderr, opts.logFormat, opts.logLevel)
	if err := pinDigest(opts, p, logger); err != nil {
		return err
	}
	s := p.Summarize(opts.plan.chunkSize)
	if err := writeReviewOut(opts, p, s); err != nil {
		return err
	}
	if opts.report != "" {
		if err := writeDryRunReport(opts.report, p, plan.Chunk(p, nil, opts.plan.chunkSize)); err != nil {
			return err
		}
	}
	client, err := newClient(e, opts, logger)
	if err != nil {
		return err
	}
	logger.Debug("reading the current state of the targeted accounts")
	pv, err := batch.ReadPreview(ctx, p, client, readConfig(opts, logger), 0)
	if err != nil {
		return withRunHint(err)
	}
	if opts.output == "json" {
		if err := writePreviewJSON(e.stdout, p, pv); err != nil {
			return fmt.Errorf("write preview: %w", err)
		}
	} else {
		writePreviewText(e.stdout, p, pv)
		fmt.Fprintln(e.stdout)
		printPlanSummary(e, p, s)
		if opts.reviewOut != "" {
			fmt.Fprintf(e.stdout, "review file: %s\n", opts.reviewOut)
		}
		c := pv.Counts()
		fmt.Fprintf(e.stdout, "preview: %d to change, %d unchanged, %d missing (read with %s)\n",
			c[batch.StateChange], c[batch.StateUnchanged], c[batch.StateMissing], plural(pv.Requests, "GetChildrenAccounts request"))
		fmt.Fprintln(e.stdout, "dry run: nothing was sent")
	}
	if s.Invalid > 0 {
		return invalidRowsError(s.Invalid)
	}
	return nil
}

// previewValue renders a typed value for people.
func previewValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "unknown"
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		return quoteIfNeeded(v)
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
		parts[i] = fmt.Sprintf("%s: %s → %s", fc.Param, previewValue(fc.From), previewValue(fc.To))
	}
	return strings.Join(parts, ", ")
}

// accountLabel is "line 9  child_account_id 1000", with merged rows' lines
// and the "all" marker.
func accountLabel(p *plan.Plan, as *batch.AccountState) string {
	row := &p.Rows[as.Row]
	s := fmt.Sprintf("line %d  %s %s", row.Line, row.Kind, as.Account)
	if row.Account != as.Account {
		s += " (all)"
	}
	if dups := p.Dups(as.Row); len(dups) > 0 {
		lines := make([]int, len(dups))
		for i, d := range dups {
			lines[i] = p.Rows[d].Line
		}
		s += fmt.Sprintf(" (also %s)", lineList(lines))
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

func writePreviewJSON(w io.Writer, p *plan.Plan, pv *batch.Preview) error {
	c := pv.Counts()
	doc := previewJSON{Digest: p.Digest, Accounts: make([]previewAccount, 0, len(pv.Accounts)),
		Summary: previewSummary{Change: c[batch.StateChange], Unchanged: c[batch.StateUnchanged], Missing: c[batch.StateMissing]}}
	for i := range pv.Accounts {
		as := &pv.Accounts[i]
		row := &p.Rows[as.Row]
		pa := previewAccount{Line: row.Line, Account: as.Account, Selector: row.Kind.String(),
			All: row.Account != as.Account, State: as.State.String()}
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
	return writeIndentedJSON(w, doc)
}

// skipUnchanged is the first step of `run --skip-unchanged`: it reads the
// current state of the rows still to do (todo: the resume's, so that rows
// decided by an earlier run are not read again), journals the rows found
// already in the desired state, and returns the preview whose Todo and
// Prefill the run composes with the resume's.
func skipUnchanged(ctx context.Context, p *plan.Plan, client batch.Client, opts *runOptions, todo func(int) bool,
	journal *batch.Journal, logger *slog.Logger) (*batch.Preview, error) {
	cfg := readConfig(opts, logger)
	cfg.Todo = todo
	logger.Info("reading the current state of the accounts still to do")
	pv, err := batch.ReadPreview(ctx, p, client, cfg, 0)
	if err != nil {
		return nil, err
	}
	if err := pv.Journal(journal); err != nil {
		return nil, fmt.Errorf("journal the unchanged rows: %w", err)
	}
	c := pv.Counts()
	logger.Info("read the current state", "to_change", c[batch.StateChange], "unchanged", c[batch.StateUnchanged],
		"missing", c[batch.StateMissing], "requests", pv.Requests)
	return pv, nil
}

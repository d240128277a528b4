package batch

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/voximplant"
)

// ReadPreview reads, with GetChildrenAccounts, the current state of every
// account that the valid primary rows for which cfg.Todo is true (nil: all)
// target, and compares it with each row's change.
//
// Every read names its accounts, as the API's reference requires; none
// lists every child, none sends child_account_id=all:
//   - ids go in ";" lists of at most cfg.ChunkSize, count set to the
//     list's length;
//   - names and emails go one per read (pages of pageSize, 0:
//     DefaultPageSize), unless a first list read of their kind returned
//     exactly the listed accounts: then they go in lists like ids. A list
//     refused or answered short falls back to one read per account it did
//     not return.
//
// An "all" row is not read: its entry is Unlisted, a change of every child
// account. Accounts match their rows exactly (ids; names and emails without
// regard to case), whatever else the API's filters return.
//
// Every read waits on one rate limiter (cfg.Rate, cfg.Burst) with at most
// cfg.Workers in flight, and follows the runner's conventions: transient
// errors retried up to cfg.MaxAttempts with backoff, throttling honoured
// with a shared pause, one token renewal. An id list refused as row data is
// split down to single ids, and an id, name or email still refused counts as
// missing. Any other failure (a code not known to be about one row
// included) stops the reads with *AbortError, and cancellation of ctx with
// ErrInterrupted.
func ReadPreview(ctx context.Context, p *plan.Plan, client Client, cfg Config, pageSize int) (*Preview, error) {
	cfg.defaults()
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	rd := newReader(newAttempter(client, &cfg, 0x2545f4914f6cdd1d), p, pageSize)
	for i := range p.Rows {
		row := &p.Rows[i]
		if row.Valid() && row.Dup < 0 && (cfg.Todo == nil || cfg.Todo(i)) {
			rd.add(i)
		}
	}
	pv := &Preview{plan: p, states: make([]State, len(p.Rows)), Started: cfg.Now()}
	err := rd.read(ctx)
	pv.Requests, pv.Finished = int(rd.at.requests.Load()), cfg.Now()
	switch {
	case ctx.Err() != nil:
		return nil, ErrInterrupted
	case err != nil:
		return nil, &AbortError{Reason: "reading the current state", Err: err}
	}
	rd.compare(pv)
	return pv, nil
}

// readAccounts reads, through at (the reads of a run share its pacer and
// counters), the accounts that rows (valid primary rows) target, the way
// ReadPreview reads them, and returns the account read for each of them:
// nil for a missing account and an "all" row, which is not read.
func readAccounts(ctx context.Context, at *attempter, p *plan.Plan, rows []int, pageSize int) (func(i int) *voximplant.AccountInfo, error) {
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	rd := newReader(at, p, pageSize)
	for _, i := range rows {
		rd.add(i)
	}
	if err := rd.read(ctx); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err // reads not started are not missing accounts
	}
	return func(i int) *voximplant.AccountInfo {
		row := &p.Rows[i]
		if isAll(row) {
			return nil
		}
		return rd.found[key(row.Kind, row.Account)]
	}, nil
}

// reader gathers the accounts a preview needs.
type reader struct {
	at       *attempter // the reads' own: pacer, retries, counters
	cfg      *Config
	plan     *plan.Plan
	rows     []int // primary rows to preview, "all" rows included
	pageSize int

	ids   []string       // distinct ids targeted, in plan order
	texts [2]textTargets // names and emails
	want  map[string]bool

	mu    sync.Mutex
	found map[string]*voximplant.AccountInfo // by the keys of want
}

// textTargets are the distinct names (or emails) a preview reads, in plan
// order.
type textTargets struct {
	kind   plan.SelectorKind
	values []string
	// lists: a first list read returned exactly the listed accounts, so
	// the others go in lists too. Set by the probe, read after it.
	lists bool
}

// newReader makes a reader of p's accounts; add gives it the rows to read.
func newReader(at *attempter, p *plan.Plan, pageSize int) *reader {
	return &reader{at: at, cfg: at.cfg, plan: p, pageSize: pageSize, want: map[string]bool{},
		found: map[string]*voximplant.AccountInfo{},
		texts: [2]textTargets{{kind: plan.ByName}, {kind: plan.ByEmail}}}
}

// add makes the reader read the account of row i, a valid primary row.
func (rd *reader) add(i int) {
	row := &rd.plan.Rows[i]
	rd.rows = append(rd.rows, i)
	if isAll(row) {
		return
	}
	k := key(row.Kind, row.Account)
	if rd.want[k] {
		return
	}
	rd.want[k] = true
	switch row.Kind {
	case plan.ByID:
		rd.ids = append(rd.ids, row.Account)
	case plan.ByName:
		rd.texts[0].values = append(rd.texts[0].values, row.Account)
	case plan.ByEmail:
		rd.texts[1].values = append(rd.texts[1].values, row.Account)
	}
}

// isAll tells a child_account_id=all row.
func isAll(row *plan.Row) bool { return row.Kind == plan.ByID && row.Account == "all" }

// key names a target in reader.want and reader.found.
func key(k plan.SelectorKind, account string) string {
	switch k {
	case plan.ByName:
		return "n:" + strings.ToLower(account)
	case plan.ByEmail:
		return "e:" + strings.ToLower(account)
	}
	return "i:" + account
}

// keyOf is the key under which kind k finds account a.
func keyOf(k plan.SelectorKind, a *voximplant.AccountInfo) string {
	switch k {
	case plan.ByName:
		return key(k, a.AccountName)
	case plan.ByEmail:
		return key(k, a.AccountEmail)
	}
	return key(k, strconv.FormatInt(a.AccountID, 10))
}

// task is one read (or a few, for a split id list).
type task func(ctx context.Context) error

// read reads every target in three rounds: the id lists and, for names and
// emails, a first list that tells whether the API answers lists exactly;
// then the other lists of the kinds that passed; then one read per name or
// email not found yet.
func (rd *reader) read(ctx context.Context) error {
	size := rd.cfg.ChunkSize
	var first, more []task
	for _, ids := range chunks(rd.ids, size) {
		first = append(first, func(ctx context.Context) error { return rd.readIDs(ctx, ids) })
	}
	for k := range rd.texts {
		tt := &rd.texts[k]
		if len(tt.values) > 1 {
			probe := tt.values[:min(size, len(tt.values))]
			first = append(first, func(ctx context.Context) (err error) {
				tt.lists, err = rd.readList(ctx, tt.kind, probe)
				return err
			})
		}
	}
	if err := rd.parallel(ctx, first); err != nil {
		return err
	}
	for k := range rd.texts {
		tt := &rd.texts[k]
		if !tt.lists {
			continue
		}
		for _, list := range chunks(tt.values[min(size, len(tt.values)):], size) {
			more = append(more, func(ctx context.Context) error {
				_, err := rd.readList(ctx, tt.kind, list)
				return err
			})
		}
	}
	if err := rd.parallel(ctx, more); err != nil {
		return err
	}
	return rd.parallel(ctx, rd.singles())
}

// chunks cuts s into slices of at most size.
func chunks(s []string, size int) [][]string {
	var out [][]string
	for len(s) > 0 {
		n := min(size, len(s))
		out = append(out, s[:n:n])
		s = s[n:]
	}
	return out
}

// singles returns one read per name or email not found yet.
func (rd *reader) singles() []task {
	var out []task
	for k := range rd.texts {
		kind := rd.texts[k].kind
		for _, v := range rd.texts[k].values {
			target := key(kind, v)
			if rd.isFound(target) {
				continue
			}
			out = append(out, func(ctx context.Context) error {
				q := url.Values{kind.String(): {v}, "count": {strconv.Itoa(rd.pageSize)}}
				err := rd.pages(ctx, q, func() bool { return rd.isFound(target) })
				if err != nil && isRowRefusal(err) {
					rd.cfg.Logger.Debug("account read refused; counted as missing", kind.String(), v, "error", err)
					return nil
				}
				return err
			})
		}
	}
	return out
}

func (rd *reader) isFound(key string) bool {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	return rd.found[key] != nil
}

// isRowRefusal tells a refusal of a read's accounts, as opposed to one of
// the request as a whole: row data that a split may isolate.
func isRowRefusal(err error) bool {
	v := voximplant.Classify(err)
	return v.Class == voximplant.RowData && !v.Whole
}

// readIDs reads one id list, paging by offset if the answer holds fewer
// than its total. A list refused as row data is split in halves; a single
// id refused counts as missing.
func (rd *reader) readIDs(ctx context.Context, ids []string) error {
	q := url.Values{"child_account_id": {strings.Join(ids, ";")}, "count": {strconv.Itoa(len(ids))},
		"ignore_invalid_accounts": {"true"}}
	err := rd.pages(ctx, q, nil)
	if err == nil || !isRowRefusal(err) {
		return err
	}
	if len(ids) == 1 {
		rd.cfg.Logger.Debug("account read refused; counted as missing", "child_account_id", ids[0], "error", err)
		return nil
	}
	if err := rd.readIDs(ctx, ids[:len(ids)/2]); err != nil {
		return err
	}
	return rd.readIDs(ctx, ids[len(ids)/2:])
}

// readList reads the names or emails values (of kind k) in one ";" list,
// and reports whether the answer held exactly the listed accounts. A list
// the API refuses (row data, or a code not known to be about a row) is not
// an error: its accounts stay to be read one by one. An answer holding
// accounts not listed is not paged through.
func (rd *reader) readList(ctx context.Context, k plan.SelectorKind, values []string) (bool, error) {
	listed := make(map[string]bool, len(values))
	for _, v := range values {
		listed[key(k, v)] = true
	}
	q := url.Values{k.String(): {strings.Join(values, ";")}, "count": {strconv.Itoa(len(values))}}
	got := make(map[string]bool, len(values))
	exact := true
	for offset := 0; ; {
		if offset > 0 {
			q.Set("offset", strconv.Itoa(offset))
		}
		res, err := rd.get(ctx, q)
		if err != nil {
			if cl := voximplant.Classify(err).Class; cl == voximplant.RowData || cl == voximplant.Unrecognized {
				rd.cfg.Logger.Debug("list read refused; reading one account at a time", "selector", k.String(), "error", err)
				return false, nil
			}
			return false, err
		}
		rd.absorb(res.Result)
		for i := range res.Result {
			kk := keyOf(k, &res.Result[i])
			exact = exact && listed[kk] && !got[kk]
			got[kk] = true
		}
		offset += len(res.Result)
		if !exact || res.TotalCount > len(values) || len(res.Result) == 0 || offset >= res.TotalCount {
			return exact && res.TotalCount <= len(values) && len(got) == len(values), nil
		}
	}
}

// pages reads q page by page until the total is reached or done() tells
// that nothing more is needed.
func (rd *reader) pages(ctx context.Context, q url.Values, done func() bool) error {
	for offset := 0; ; {
		if offset > 0 {
			q.Set("offset", strconv.Itoa(offset))
		}
		res, err := rd.get(ctx, q)
		if err != nil {
			return err
		}
		rd.absorb(res.Result)
		offset += len(res.Result)
		if len(res.Result) == 0 || offset >= res.TotalCount || (done != nil && done()) {
			return nil
		}
	}
}

// parallel runs the tasks on at most Workers goroutines; the first error
// stops the others.
func (rd *reader) parallel(ctx context.Context, tasks []task) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(rd.cfg.Workers)
	for _, t := range tasks {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return t(gctx) })
	}
	return g.Wait()
}

// absorb keeps the accounts read that a row targets, matched exactly: an
// account the API's filter returned for another reason is left out.
func (rd *reader) absorb(accts []voximplant.AccountInfo) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	for k := range accts {
		var kept *voximplant.AccountInfo // a copy, so that pages are not retained
		for _, kind := range [...]plan.SelectorKind{plan.ByID, plan.ByName, plan.ByEmail} {
			if key := keyOf(kind, &accts[k]); rd.want[key] {
				if kept == nil {
					a := accts[k]
					kept = &a
				}
				rd.found[key] = kept
			}
		}
	}
}

// get sends one GetChildrenAccounts through the reads' attempter: retried
// when transient or throttled, with one token renewal; any other error is
// the caller's.
func (rd *reader) get(ctx context.Context, q url.Values) (*voximplant.ChildrenAccounts, error) {
	var res *voximplant.ChildrenAccounts
	o := rd.at.do(&call{pace: ctx, logArgs: []any{"method", "GetChildrenAccounts"},
		attempt: func(ctx context.Context) (err error) {
			res, err = rd.at.client.GetChildrenAccounts(ctx, q)
			return err
		}})
	if err := o.result(); err != nil {
		return nil, err
	}
	return res, nil
}

// compare fills pv from the accounts read.
func (rd *reader) compare(pv *Preview) {
	p := pv.plan
	for _, i := range rd.rows {
		row := &p.Rows[i]
		if isAll(row) {
			pv.Accounts = append(pv.Accounts, AccountState{Row: i, Account: row.Account, State: StateChange,
				Changes: Diff(row.Change, nil), Unlisted: true})
			pv.states[i] = StateChange
			continue
		}
		as := stateOf(i, row.Account, row.Change, rd.found[key(row.Kind, row.Account)])
		pv.Accounts = append(pv.Accounts, as)
		pv.states[i] = as.State
	}
}

func stateOf(i int, account string, c *plan.Change, a *voximplant.AccountInfo) AccountState {
	as := AccountState{Row: i, Account: account, State: StateMissing}
	if a != nil {
		as.AccountID = a.AccountID
		as.Changes = Diff(c, a)
		as.State = StateUnchanged
		if len(as.Changes) > 0 {
			as.State = StateChange
		}
	}
	return as
}

package batch

import (
	"cmp"
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/voximplant"
)

// ReadPreview reads, with GetChildrenAccounts, the current state of every
// account that the valid primary rows for which cfg.Todo is true (nil: all)
// target, and compares it with each row's change. Reads are batched by id
// lists of cfg.ChunkSize ids; names and emails, single filters in the API,
// take a request each, unless listing every child (pages of pageSize, 0:
// DefaultPageSize) takes fewer requests, which a first page's total_count
// tells, or an "all" row needs the list anyway.
//
// Every read waits on one rate limiter (cfg.Rate, cfg.Burst) with at most
// cfg.Workers in flight, and follows the runner's conventions: transient
// errors retried up to cfg.MaxAttempts with backoff, throttling honoured
// with a shared pause, one token renewal. An id list refused as row data is
// split down to single ids, and an id, name or email still refused counts as
// missing. Any other failure stops the reads with *AbortError, and
// cancellation of ctx with ErrInterrupted.
func ReadPreview(ctx context.Context, p *plan.Plan, client Client, cfg Config, pageSize int) (*Preview, error) {
	cfg.defaults()
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	rd := newReader(newAttempter(client, &cfg, 0x2545f4914f6cdd1d), p, pageSize)
	pv := &Preview{plan: p, states: make([]State, len(p.Rows)), Started: cfg.Now()}
	err := rd.read(ctx)
	pv.Requests, pv.Listed, pv.Finished = int(rd.at.requests.Load()), rd.listed, cfg.Now()
	switch {
	case ctx.Err() != nil:
		return nil, ErrInterrupted
	case err != nil:
		return nil, &AbortError{Reason: "reading the current state", Err: err}
	}
	rd.compare(pv)
	return pv, nil
}

// reader gathers the accounts a preview needs.
type reader struct {
	at       *attempter // the reads' own: pacer, retries, counters
	cfg      *Config
	rows     []int // primary rows to preview
	pageSize int
	all      bool // an "all" row: keep every child
	listed   bool

	ids    []string // distinct ids, names and emails targeted, in plan order
	names  []string
	emails []string
	want   map[string]bool // "i:<id>", "n:<lower name>", "e:<lower email>"

	mu    sync.Mutex
	found map[string]*voximplant.AccountInfo // by the keys of want; "i:" for every child with all
}

func newReader(at *attempter, p *plan.Plan, pageSize int) *reader {
	rd := &reader{at: at, cfg: at.cfg, pageSize: pageSize, want: map[string]bool{}, found: map[string]*voximplant.AccountInfo{}}
	for i := range p.Rows {
		row := &p.Rows[i]
		if !row.Valid() || row.Dup >= 0 || (rd.cfg.Todo != nil && !rd.cfg.Todo(i)) {
			continue
		}
		rd.rows = append(rd.rows, i)
		if row.Kind == plan.ByID && row.Account == "all" {
			rd.all = true
			continue
		}
		k := key(row.Kind, row.Account)
		if rd.want[k] {
			continue
		}
		rd.want[k] = true
		switch row.Kind {
		case plan.ByID:
			rd.ids = append(rd.ids, row.Account)
		case plan.ByName:
			rd.names = append(rd.names, row.Account)
		case plan.ByEmail:
			rd.emails = append(rd.emails, row.Account)
		}
	}
	return rd
}

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

// read chooses between reading by selector and listing, and reads.
func (rd *reader) read(ctx context.Context) error {
	targeted := rd.targetedCost()
	if !rd.all && targeted <= 1 {
		return rd.readTargets(ctx)
	}
	// A first page of the full list: it tells how many children there
	// are, and whatever targets it holds need no other read.
	first, err := rd.page(ctx, 0)
	if err != nil {
		return err
	}
	// An API that answers fewer accounts than asked is paged by what it
	// gives, so that no account falls between two pages.
	size := rd.pageSize
	if n := len(first.Result); n > 0 && n < size && n < first.TotalCount {
		size = n
	}
	pagesLeft := max(0, (first.TotalCount+size-1)/size-1)
	if rd.all || pagesLeft == 0 || pagesLeft < rd.targetedCost() {
		rd.listed = true
		return rd.parallel(ctx, pagesLeft, func(ctx context.Context, k int) error {
			_, err := rd.page(ctx, (k+1)*size)
			return err
		})
	}
	return rd.readTargets(ctx)
}

// targetedCost is the number of requests that reading the targets not found
// yet by selector takes.
func (rd *reader) targetedCost() int {
	ids, singles := rd.pending()
	return (len(ids)+rd.cfg.ChunkSize-1)/rd.cfg.ChunkSize + len(singles)
}

// single is a name or email target, read by a filter of its own.
type single struct {
	param, value, key string
}

// pending returns the targets not found yet: ids, and names and emails.
func (rd *reader) pending() (ids []string, singles []single) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	for _, id := range rd.ids {
		if rd.found["i:"+id] == nil {
			ids = append(ids, id)
		}
	}
	for _, n := range rd.names {
		if k := key(plan.ByName, n); rd.found[k] == nil {
			singles = append(singles, single{plan.ByName.String(), n, k})
		}
	}
	for _, e := range rd.emails {
		if k := key(plan.ByEmail, e); rd.found[k] == nil {
			singles = append(singles, single{plan.ByEmail.String(), e, k})
		}
	}
	return ids, singles
}

func (rd *reader) isFound(key string) bool {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	return rd.found[key] != nil
}

// readTargets reads the pending targets: ids in lists of ChunkSize, names
// and emails one per request.
func (rd *reader) readTargets(ctx context.Context) error {
	ids, singles := rd.pending()
	size := rd.cfg.ChunkSize
	lists := (len(ids) + size - 1) / size
	return rd.parallel(ctx, lists+len(singles), func(ctx context.Context, k int) error {
		if k < lists {
			return rd.readIDs(ctx, ids[k*size:min((k+1)*size, len(ids))])
		}
		t := singles[k-lists]
		q := url.Values{t.param: {t.value}, "count": {strconv.Itoa(singlePage)}}
		return rd.pages(ctx, q, func() bool { return rd.isFound(t.key) })
	})
}

// singlePage is the count of a read by name or email: one account is
// expected, but should the API match more, the page holds a few.
const singlePage = 20

// readIDs reads one id list, paging by offset if the answer holds fewer
// than its total. A list refused as row data is split in halves; a single
// id refused counts as missing.
func (rd *reader) readIDs(ctx context.Context, ids []string) error {
	q := url.Values{"child_account_id": {strings.Join(ids, ";")}, "count": {strconv.Itoa(len(ids))},
		"ignore_invalid_accounts": {"true"}}
	err := rd.pages(ctx, q, nil)
	if err == nil || voximplant.Classify(err).Class != voximplant.RowData {
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

// pages reads q page by page until the total is reached or done() tells
// that nothing more is needed. A name or email refused as row data counts
// as missing.
func (rd *reader) pages(ctx context.Context, q url.Values, done func() bool) error {
	for offset := 0; ; {
		if offset > 0 {
			q.Set("offset", strconv.Itoa(offset))
		}
		res, err := rd.get(ctx, q)
		if err != nil {
			if q.Get("child_account_id") == "" && voximplant.Classify(err).Class == voximplant.RowData {
				return nil
			}
			return err
		}
		rd.absorb(res.Result)
		offset += len(res.Result)
		if len(res.Result) == 0 || offset >= res.TotalCount || (done != nil && done()) {
			return nil
		}
	}
}

// page reads the page of the full list at offset.
func (rd *reader) page(ctx context.Context, offset int) (*voximplant.ChildrenAccounts, error) {
	q := url.Values{"count": {strconv.Itoa(rd.pageSize)}}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	res, err := rd.get(ctx, q)
	if err == nil {
		rd.absorb(res.Result)
	}
	return res, err
}

// parallel runs do(0..n-1) on at most Workers goroutines; the first error
// stops the others.
func (rd *reader) parallel(ctx context.Context, n int, do func(ctx context.Context, k int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(rd.cfg.Workers)
	for k := 0; k < n && gctx.Err() == nil; k++ {
		g.Go(func() error { return do(gctx, k) })
	}
	return g.Wait()
}

// absorb keeps the accounts read that a row targets (every one with an
// "all" row).
func (rd *reader) absorb(accts []voximplant.AccountInfo) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	for k := range accts {
		var kept *voximplant.AccountInfo // a copy, so that pages are not retained
		for _, key := range [...]string{"i:" + strconv.FormatInt(accts[k].AccountID, 10),
			"n:" + strings.ToLower(accts[k].AccountName), "e:" + strings.ToLower(accts[k].AccountEmail)} {
			if rd.want[key] || (rd.all && key[0] == 'i') {
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
	var children []*voximplant.AccountInfo
	if rd.all {
		for k, a := range rd.found {
			if strings.HasPrefix(k, "i:") {
				children = append(children, a)
			}
		}
		slices.SortFunc(children, func(a, b *voximplant.AccountInfo) int { return cmp.Compare(a.AccountID, b.AccountID) })
	}
	for _, i := range rd.rows {
		row := &p.Rows[i]
		if row.Kind == plan.ByID && row.Account == "all" {
			st := StateUnchanged
			for _, a := range children {
				as := stateOf(i, strconv.FormatInt(a.AccountID, 10), row.Change, a)
				if as.State == StateChange {
					st = StateChange
				}
				pv.Accounts = append(pv.Accounts, as)
			}
			pv.states[i] = st
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
		as.Changes = Diff(c, a)
		as.State = StateUnchanged
		if len(as.Changes) > 0 {
			as.State = StateChange
		}
	}
	return as
}

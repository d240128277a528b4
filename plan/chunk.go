package plan

import (
	"net/url"
	"slices"
	"strings"
)

// MaxChunkSize is the largest number of accounts one request may hold.
const MaxChunkSize = 1000

// Request is one SetChildAccountInfo call: one change for a list of
// accounts of one selector kind.
type Request struct {
	Seq    int          // 1-based, deterministic for a given plan, todo and size
	Kind   SelectorKind // the selector parameter
	Change *Change      // the change every account gets
	Rows   []int32      // primary rows (Dup == -1) covered, one per account, in plan order
}

// Accounts returns the selector values of the request, in row order.
func (r *Request) Accounts(p *Plan) []string {
	accs := make([]string, len(r.Rows))
	for i, ri := range r.Rows {
		accs[i] = p.Rows[ri].Account
	}
	return accs
}

// Params returns the parameters to send: the selector list joined with ";"
// and every parameter of the change, the password included.
func (r *Request) Params(p *Plan) url.Values {
	v := url.Values{}
	v.Set(r.Kind.String(), strings.Join(r.Accounts(p), ";"))
	r.Change.AddTo(v)
	return v
}

// Lines returns the plan lines the request covers, merged duplicates'
// lines included, sorted.
func (r *Request) Lines(p *Plan) []int {
	lines := make([]int, 0, len(r.Rows))
	for _, ri := range r.Rows {
		lines = append(lines, p.Rows[ri].Line)
		for _, d := range p.Dups(int(ri)) {
			lines = append(lines, p.Rows[d].Line)
		}
	}
	slices.Sort(lines)
	return lines
}

// group is the primary rows of one (Kind, Change), or a row that is sent
// alone.
type group struct {
	kind   SelectorKind
	change *Change
	first  int32   // the group's first row
	n      int     // rows in the group
	rows   []int32 // the rows, when collected; nil for a row alone
	alone  bool
}

type groupKey struct {
	kind   SelectorKind
	change *Change
}

// sendable reports whether row i is a valid primary row to do.
func (p *Plan) sendable(i int, todo func(int) bool) bool {
	r := &p.Rows[i]
	return r.Kind != 0 && r.Change != nil && r.Err == nil && r.Dup < 0 && (todo == nil || todo(i))
}

// groups groups the sendable rows by (Kind, Change) in the plan order of
// each group's first row. A row whose change is solo, or that selects
// "all", is a group of its own. With collect, each group lists its rows.
func (p *Plan) groups(todo func(int) bool, collect bool) []group {
	var gs []group
	index := map[groupKey]int{}
	last, lastG := groupKey{}, -1 // rows with one change often come in runs
	for i := range p.Rows {
		if !p.sendable(i, todo) {
			continue
		}
		r := &p.Rows[i]
		if r.Change.Solo() || (r.Kind == ByID && r.Account == "all") {
			gs = append(gs, group{kind: r.Kind, change: r.Change, first: int32(i), n: 1, alone: true})
			continue
		}
		k := groupKey{r.Kind, r.Change}
		g := lastG
		if k != last || g < 0 {
			var ok bool
			if g, ok = index[k]; !ok {
				g = len(gs)
				index[k] = g
				gs = append(gs, group{kind: r.Kind, change: r.Change, first: int32(i)})
			}
			last, lastG = k, g
		}
		gs[g].n++
		if collect {
			gs[g].rows = append(gs[g].rows, int32(i))
		}
	}
	return gs
}

func clampSize(size int) int { return min(max(size, 1), MaxChunkSize) }

// Chunk groups the valid primary rows for which todo(i) is true (nil: all)
// by (Kind, Change) and splits each group into requests of at most size
// accounts (size is clamped to 1..MaxChunkSize). The number of requests is
// the least possible: the sum over groups of ceil(group size / size).
// Requests come in the plan order of each group's first row, a group's
// requests in row order. A row that sets a new email or password, or
// selects "all", is a request of its own.
func Chunk(p *Plan, todo func(i int) bool, size int) []Request {
	size = clampSize(size)
	gs := p.groups(todo, true)
	n, alone := 0, 0
	for _, g := range gs {
		n += (g.n + size - 1) / size
		if g.alone {
			alone++
		}
	}
	reqs := make([]Request, 0, n)
	ones := make([]int32, 0, alone) // one backing array for the rows sent alone
	for _, g := range gs {
		rows := g.rows
		if g.alone {
			ones = append(ones, g.first)
			rows = ones[len(ones)-1:]
		}
		for off := 0; off < len(rows); off += size {
			end := min(off+size, len(rows))
			reqs = append(reqs, Request{Seq: len(reqs) + 1, Kind: g.kind, Change: g.change, Rows: rows[off:end:end]})
		}
	}
	return reqs
}

// Summary counts what a plan holds and what sending it takes.
type Summary struct {
	Rows       int                  // every row
	Valid      int                  // rows that can be sent, merged duplicates included
	Invalid    int                  // rows kept with an error under SkipInvalid
	Duplicates int                  // valid rows merged into an earlier row of the same account and change
	Groups     int                  // distinct (selector kind, change) among primary rows; a row sent alone counts one
	Requests   int                  // requests Chunk makes for the chunk size
	ByKind     map[SelectorKind]int // valid rows per selector kind, merged duplicates included
	MixedKinds bool                 // see Plan.MixesKinds
}

// Summarize counts the plan's rows and the groups and requests Chunk
// would make with chunkSize, without making them.
func (p *Plan) Summarize(chunkSize int) Summary {
	size := clampSize(chunkSize)
	s := Summary{Rows: len(p.Rows), ByKind: map[SelectorKind]int{}}
	var byKind [ByEmail + 1]int
	all := 0
	for i := range p.Rows {
		r := &p.Rows[i]
		if !r.Valid() {
			s.Invalid++
			continue
		}
		s.Valid++
		byKind[r.Kind]++
		if r.Dup >= 0 {
			s.Duplicates++
		}
		if r.Kind == ByID && r.Account == "all" {
			all++
		}
	}
	for k := ByID; k <= ByEmail; k++ {
		if byKind[k] > 0 {
			s.ByKind[k] = byKind[k]
		}
	}
	byKind[ByID] -= all
	s.MixedKinds = mixed(byKind)
	gs := p.groups(nil, false)
	s.Groups = len(gs)
	for _, g := range gs {
		s.Requests += (g.n + size - 1) / size
	}
	return s
}

package review

import (
	"strings"

	"github.com/voxbatch/voxbatch/plan"
)

// Summary is the plan's counts as the review file and the dry-run JSON
// give them.
type Summary struct {
	Rows       int            `json:"rows"`
	Valid      int            `json:"valid"`
	Invalid    int            `json:"invalid"`
	Duplicates int            `json:"duplicates"`
	Groups     int            `json:"groups"`
	Requests   int            `json:"requests"`
	Accounts   map[string]int `json:"accounts"`
}

// NewSummary renders a plan summary, accounts keyed by selector name.
func NewSummary(s plan.Summary) Summary {
	acc := map[string]int{}
	for k, n := range s.ByKind {
		acc[k.String()] = n
	}
	return Summary{Rows: s.Rows, Valid: s.Valid, Invalid: s.Invalid, Duplicates: s.Duplicates,
		Groups: s.Groups, Requests: s.Requests, Accounts: acc}
}

// Request is one request of a dry run as a reviewer sees it.
type Request struct {
	Seq    int               `json:"seq"`
	Method string            `json:"method"`
	Params map[string]string `json:"params"`
	Lines  []int             `json:"lines"`
}

// Requests renders the requests of p.
func Requests(p *plan.Plan, reqs []plan.Request) []Request {
	out := make([]Request, 0, len(reqs))
	for i := range reqs {
		r := &reqs[i]
		out = append(out, Request{Seq: r.Seq, Method: "SetChildAccountInfo", Params: RedactedParams(p, r), Lines: r.Lines(p)})
	}
	return out
}

// RedactedParams is what a reviewer sees of a request: the full selector
// list and every parameter, the password as ***.
func RedactedParams(p *plan.Plan, r *plan.Request) map[string]string {
	m := map[string]string{r.Kind.String(): strings.Join(r.Accounts(p), ";")}
	for _, kv := range r.Change.Redacted() {
		m[kv.Key] = kv.Value
	}
	return m
}

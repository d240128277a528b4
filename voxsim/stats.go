package voxsim

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Stats is a snapshot of what the simulator has seen. The request figures
// count API requests (/platform_api/...) only, since New or the last
// ResetStats; the account figures count since New.
type Stats struct {
	// Requests is the number of API requests received.
	Requests int64 `json:"requests"`
	// InFlight is the number of API requests being served now.
	InFlight int64 `json:"in_flight"`
	// ByOutcome counts finished requests by outcome: "ok", an error code
	// ("340", "194", ...), "http_<status>" for Config.ThrottleStatus,
	// "dropped" and "canceled" (the client went away during the latency).
	ByOutcome map[string]int64 `json:"by_outcome"`
	// ByMethod counts finished requests by API method; "unknown" for others.
	ByMethod map[string]int64 `json:"by_method"`
	// AccountsChanged is the number of accounts a SetChildAccountInfo was
	// applied to at least once.
	AccountsChanged int64 `json:"accounts_changed"`
	// Applications is the number of times a SetChildAccountInfo was applied
	// to an account, summed over accounts.
	Applications int64 `json:"applications"`
	// PasswordChanges is the number of passwords set, summed over accounts.
	PasswordChanges int64 `json:"password_changes"`
	// MaxList is the largest selector list seen (valid or not).
	MaxList int `json:"max_list"`
	// MaxConcurrency is the highest number of API requests in flight at once.
	MaxConcurrency int64 `json:"max_concurrency"`
	// MaxPerSecond is the highest number of API requests that arrived within
	// any one-second sliding window, exactly.
	MaxPerSecond int64 `json:"max_per_second"`
	// Connections is the number of connections opened (see Server.ConnState).
	Connections int64 `json:"connections"`
}

// Outcomes that are not API error codes.
const (
	outcomeOK       = 0
	outcomeDropped  = -1
	outcomeCanceled = -2
	// A throttling HTTP status is recorded as its negation.
)

// Method names, as counted in Stats.ByMethod.
const (
	methodSet     = "SetChildAccountInfo"
	methodGet     = "GetChildrenAccounts"
	methodUnknown = "unknown"
)

// call is the record of one API request, filled in as it is served.
type call struct {
	method  string
	outcome int
	list    int
}

type stats struct {
	conns atomic.Int64

	mu       sync.Mutex
	epoch    time.Time
	requests int64
	inFlight int64
	maxConc  int64
	maxList  int
	win      window
	outcomes map[int]int64
	methods  map[string]int64
}

func (st *stats) init() {
	st.epoch = time.Now()
	st.outcomes = make(map[int]int64)
	st.methods = make(map[string]int64)
}

// begin records the arrival of a request.
func (st *stats) begin() {
	st.mu.Lock()
	st.requests++
	st.inFlight++
	st.maxConc = max(st.maxConc, st.inFlight)
	// Read the clock under the lock so the window sees arrivals in order.
	st.win.add(int64(time.Since(st.epoch)))
	st.mu.Unlock()
}

// end records the end of a request.
func (st *stats) end(c *call) {
	st.mu.Lock()
	st.inFlight--
	st.outcomes[c.outcome]++
	st.methods[c.method]++
	st.maxList = max(st.maxList, c.list)
	st.mu.Unlock()
}

// snapshot fills the request figures of a Stats.
func (st *stats) snapshot(out *Stats) {
	st.mu.Lock()
	defer st.mu.Unlock()
	out.Requests = st.requests
	out.InFlight = st.inFlight
	out.MaxConcurrency = st.maxConc
	out.MaxPerSecond = int64(st.win.max)
	out.MaxList = st.maxList
	out.Connections = st.conns.Load()
	out.ByOutcome = make(map[string]int64, len(st.outcomes))
	for k, n := range st.outcomes {
		out.ByOutcome[outcomeName(k)] = n
	}
	out.ByMethod = make(map[string]int64, len(st.methods))
	for k, n := range st.methods {
		out.ByMethod[k] = n
	}
}

// reset clears the request figures; requests in flight stay counted as such.
func (st *stats) reset() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.requests = 0
	st.maxConc = st.inFlight
	st.maxList = 0
	st.win = window{}
	clear(st.outcomes)
	clear(st.methods)
	st.conns.Store(0)
}

func outcomeName(k int) string {
	switch {
	case k == outcomeOK:
		return "ok"
	case k == outcomeDropped:
		return "dropped"
	case k == outcomeCanceled:
		return "canceled"
	case k < 0:
		return "http_" + strconv.Itoa(-k)
	}
	return strconv.Itoa(k)
}

// window finds the largest number of events within any one-second sliding
// window, exactly: it keeps the times of the events of the last second in a
// ring and measures the window that ends at each new event, which is where
// a maximum is reached.
type window struct {
	ring []int64 // nanoseconds since the epoch, oldest at head
	head int
	n    int
	max  int
}

// add records an event at t nanoseconds; t must not decrease between calls.
func (w *window) add(t int64) {
	const second = int64(time.Second)
	for w.n > 0 && w.ring[w.head] <= t-second {
		w.head++
		if w.head == len(w.ring) {
			w.head = 0
		}
		w.n--
	}
	if w.n == len(w.ring) {
		grown := make([]int64, max(64, 2*len(w.ring)))
		for i := 0; i < w.n; i++ {
			grown[i] = w.ring[(w.head+i)%len(w.ring)]
		}
		w.ring, w.head = grown, 0
	}
	w.ring[(w.head+w.n)%len(w.ring)] = t
	w.n++
	w.max = max(w.max, w.n)
}

// Stats returns a snapshot of the statistics.
func (s *Server) Stats() Stats {
	var out Stats
	s.stats.snapshot(&out)
	s.store.counters(&out)
	return out
}

// ResetStats clears the request statistics (requests, outcomes, methods,
// maxima, connections); the accounts and their counters are kept.
func (s *Server) ResetStats() { s.stats.reset() }

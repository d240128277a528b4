package batch

import (
	"context"
	"math"
	"sync"
	"time"
)

// The pacer spaces the requests of every worker by the current rate, holds
// any second to --rate, and adapts the current rate to a server whose limit
// it does not know, whatever the limit's shape (a token bucket of any size,
// fixed windows) and however the server says so (codes 340, 162, 416, HTTP
// 429 with or without Retry-After). BENCHMARKS.md (issue 14) has the
// figures behind the numbers below.
//
// Spacing. Requests are let go one at a time, when the spacing bucket (the
// current rate per second, --burst deep) holds a token, counted from the
// moment the last one really went. Until the first throttled answer the
// bucket holds catchUp's worth more, so that late wake-ups are caught up
// (a sleep is rarely shorter than a millisecond: at 1,000 requests per
// second and more, most wake-ups are late). Once the server has throttled,
// a worker that wakes late shortens the gap to the next request by
// strictCatchUp at most at strictRate and more, and by less in proportion
// below it (50 µs at 50 requests per second): a server with a bucket of 1
// refuses two requests that arrive a little too close, whatever the
// average.
//
// Events. A throttled answer starts an event; answers to requests let go
// before it began (in flight at the old rate) are part of it. The event
// cuts the rate to cutFactor of the limit as the pacer sees it: what the
// server took (took), if clearly less than the rate (saturated); else the
// rate itself (a lone throttled answer: jitter on a small bucket, a bucket
// that just ran dry). Events in a row, each within denseSpan of the last,
// more than a pair or with nothing measured yet, cut deeper each time: the
// rate is far above the limit, as at the start.
//
// No ratchet. held is the most the server took in a second with no
// throttled answer for holdSpan. A lone event does not cut below
// floorFactor of it, so repeated throttles do not drive the rate down
// below what the server has shown it takes; each time the floor stops a
// cut, held shrinks by cutFactor, and a measured or repeated excess lowers
// it to the cut rate (a bucket that filled up while the rate sat below the
// limit makes a rate above it look sustainable for a while).
//
// Storms. Answers throttled in a row, with no success in between, mean the
// server refuses everything for now, as a full fixed window does: the other
// workers pause, firstPause then twice as long each time, up to maxPause
// and never longer than the server asked. At stormStrikes the rate goes to
// what the server took in the last second (stormCut of itself if no whole
// second is known yet), and it is not cut again during the storm.
//
// Climbing. Between events the rate climbs by time, not by count: quickly
// (climbFast of the limit as last seen, per second) to kneeFactor of it,
// then slowly (climbSlow), twice as fast every probeDoubling without an
// event and every pastTopDoubling once past the limit as last seen, up to
// --rate. It does not climb while requests go out slower than the rate
// allows (climbHeadroom): a rate that holds nothing back would only let a
// burst through later.
//
// The throttled request itself waits what the server asked, or a backoff:
// the attempter sees to that.
const (
	cutFactor       = 0.95
	saturated       = 0.9 // took below this share of the rate: the rate is above the limit
	minAnswers      = 8   // answers in the last second that tell what the server took
	minSpan         = 250 * time.Millisecond
	denseSpan       = 250 * time.Millisecond
	floorFactor     = 0.95
	holdSpan        = 2 * time.Second
	stormStrikes    = 2
	stormCut        = 0.6
	firstPause      = 20 * time.Millisecond
	maxPause        = 250 * time.Millisecond
	climbFast       = 0.2
	kneeFactor      = 0.95
	climbSlow       = 0.015
	probeDoubling   = 3 * time.Second
	pastTopDoubling = time.Second
	climbHeadroom   = 1.2
	catchUp         = 10 * time.Millisecond
	strictCatchUp   = time.Millisecond
	strictRate      = 1000 // requests per second
	minRate         = 0.1  // requests per second; never pause for ever

	// windowSpan is the window over which at most --rate requests go out.
	// It is a little longer than a second so that a server counting
	// arrivals, which carry a few milliseconds of scheduling jitter, sees
	// no more than --rate in any second either.
	windowSpan = 1020 * time.Millisecond
	// maxWindow bounds the window's memory; at higher rates the spacing
	// alone paces.
	maxWindow = 100000
)

// pacer is the limiter every attempt waits on, shared by all workers.
type pacer struct {
	target float64 // --rate
	burst  float64
	now    func() time.Time
	// gate lets one waiter at a time decide; the others queue in order.
	gate chan struct{}

	mu          sync.Mutex
	cur         float64   // the current rate
	tokens      float64   // of the spacing bucket, as of last
	last        time.Time // when the last request went; zero before the first
	throttled   bool      // the server has throttled at least once
	pausedUntil time.Time
	win         *window // nil above maxWindow requests per second
	passed      counter // successes in the last second
	sent        counter // requests let go in the last second
	refused     counter // throttled answers in the last second
	ctl         control
}

// control is the adaptive part of the pacer's state (see the comment at
// the top of this file).
type control struct {
	hi          float64   // the limit as seen at the last event or storm; 0 before any
	held        float64   // the most the server took in a second with no throttled answer for holdSpan
	eventAt     time.Time // when the last event began
	inEvent     bool      // no success of a request let go since eventAt
	strikes     int       // answers throttled in a row since eventAt
	dense       int       // events in a row before the last, each within denseSpan of the next
	lastRefusal time.Time // the last throttled answer
	lastRaise   time.Time
	pastTop     time.Time // when the rate went past the limit as last seen, since eventAt
}

func newPacer(r float64, burst int, now func() time.Time) *pacer {
	return &pacer{
		target: r,
		burst:  float64(max(burst, 1)),
		now:    now,
		gate:   make(chan struct{}, 1),
		cur:    r,
		tokens: float64(max(burst, 1)),
		win:    newWindow(r),
	}
}

// wait blocks until the pacer lets a request go, or ctx is done. It
// returns when the request was let go.
func (p *pacer) wait(ctx context.Context) (time.Time, error) {
	select {
	case p.gate <- struct{}{}:
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
	defer func() { <-p.gate }()
	for {
		at, d := p.admit()
		if d <= 0 {
			return at, nil
		}
		if err := sleepCtx(ctx, d); err != nil {
			return time.Time{}, err
		}
	}
}

// admit lets a request go now and returns the time, or returns how long to
// wait before asking again. Only the holder of the gate calls it.
func (p *pacer) admit() (time.Time, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	tokens := p.spacingTokens(now)
	var d time.Duration
	if tokens < 1-1e-9 {
		d = time.Duration(math.Ceil((1 - tokens) / p.cur * float64(time.Second)))
	}
	d = max(d, p.pausedUntil.Sub(now), p.win.wait(now))
	if d > 0 {
		return time.Time{}, d
	}
	p.tokens, p.last = tokens-1, now
	p.win.add(now)
	p.sent.add(now)
	return now, 0
}

// spacingTokens is what the spacing bucket holds at now.
func (p *pacer) spacingTokens(now time.Time) float64 {
	span := catchUp
	if p.throttled {
		span = time.Duration(float64(strictCatchUp) * min(1, p.cur/strictRate))
	}
	depth := p.burst + span.Seconds()*p.cur
	if p.last.IsZero() {
		return p.tokens
	}
	return math.Min(depth, p.tokens+now.Sub(p.last).Seconds()*p.cur)
}

// throttledAt handles a throttled answer to a request let go at sent: it
// starts an event, is part of one, or strikes in a storm. asked is the wait
// the server named (Retry-After, code 416), if any: the other workers never
// pause longer.
func (p *pacer) throttledAt(sent time.Time, asked time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.throttled = true
	c := &p.ctl
	c.lastRefusal = now
	p.refused.add(now)
	switch {
	case sent.Before(c.eventAt):
		// In flight when the event began: part of it.
	case !c.inEvent:
		p.cut(now)
	default:
		c.strikes++
		if c.strikes == stormStrikes {
			p.storm(now)
		}
		pause := min(firstPause<<min(c.strikes-1, 16), maxPause)
		if asked > 0 {
			pause = min(pause, asked)
		}
		if until := now.Add(pause); until.After(p.pausedUntil) {
			p.pausedUntil = until
		}
	}
}

// storm cuts the rate at the stormStrikes-th answer throttled in a row: to
// what the server took in the last second, if a whole second is known,
// else to stormCut of itself; from there it climbs back slowly.
func (p *pacer) storm(now time.Time) {
	c := &p.ctl
	next := stormCut * p.cur
	if passed, span := p.passed.rate(now); span == time.Second {
		next = math.Max(next, cutFactor*(passed+1))
	}
	p.cur = math.Max(minRate, math.Min(p.cur, next))
	c.hi = math.Min(c.hi, p.cur/kneeFactor)
}

// cut starts an event at now and cuts the rate.
func (p *pacer) cut(now time.Time) {
	c := &p.ctl
	r := p.cur
	if now.Sub(c.eventAt) < denseSpan {
		c.dense++
	} else {
		c.dense = 0
	}
	top, next := r, cutFactor*r
	took, known := p.took(now, c.dense > 0)
	switch {
	case known && took+1 < saturated*r:
		// The server took clearly less than r: what held no longer does.
		top = took + 1
		next = cutFactor * top
		c.held = math.Min(c.held, next)
	case c.dense > 1 || c.dense > 0 && !known:
		// Events in a row (more than a pair, which jitter makes now and
		// then), and nothing measured says how far: far above the limit,
		// as at the start, or above a bucket that had filled up. Each
		// event cuts deeper.
		next = r * math.Pow(cutFactor, float64(c.dense+1))
		c.held = math.Min(c.held, next)
	case floorFactor*c.held > next:
		// About at the limit (a lone throttled answer: jitter on a small
		// bucket, a bucket that just ran dry): not below what held, this
		// time; but if the events go on, what held will not hold any more.
		next = floorFactor * c.held
		c.held *= cutFactor
	}
	c.hi = top
	c.eventAt, c.inEvent, c.strikes, c.pastTop = now, true, 0, time.Time{}
	c.lastRaise = now
	p.cur = math.Min(math.Max(minRate, next), r)
}

// took is what the server took per second lately, and whether that is
// known: the successes per second in the last second. In a run of events
// (dense), the rate has held since the last one, a fraction of a second,
// and the share of the answers in the last second that passed, times the
// rate, tells sooner, and better while it falls from far above the limit;
// the lesser of the two is taken. Otherwise the share would mix the answers
// to rates long gone.
func (p *pacer) took(now time.Time, dense bool) (float64, bool) {
	passed, span := p.passed.rate(now)
	ok := span >= minSpan
	if !dense {
		return passed, ok
	}
	p.refused.advance(now)
	if n := p.passed.n + p.refused.n; n >= minAnswers {
		share := p.cur * float64(p.passed.n) / float64(n)
		if !ok || share < passed {
			return share, true
		}
	}
	return passed, ok
}

// succeeded handles the success of a request let go at sent: it ends the
// current event if the request went after it began, notes what held, and
// climbs by the time since the last raise.
func (p *pacer) succeeded(sent time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	c := &p.ctl
	p.passed.add(now)
	if !sent.Before(c.eventAt) {
		c.inEvent = false
	}
	if since := now.Sub(c.lastRefusal); since >= holdSpan && now.Sub(p.passed.first) >= holdSpan {
		passed, _ := p.passed.rate(now)
		c.held = math.Max(c.held, passed)
	}
	if c.hi == 0 || p.cur >= p.target {
		return
	}
	dt := math.Max(math.Min(now.Sub(c.lastRaise).Seconds(), 1), 0)
	c.lastRaise = now
	if sent, span := p.sent.rate(now); span < minSpan || p.cur > climbHeadroom*sent {
		// The rate is not what holds the requests back: raising it
		// would only let a burst through later.
		return
	}
	top := math.Max(c.hi, c.held)
	knee := kneeFactor * top
	// Past the knee, the longer no event came, the faster: the limit may
	// be well above the rate of the last event.
	doublings := math.Floor(now.Sub(c.eventAt).Seconds() / probeDoubling.Seconds())
	if p.cur > top {
		if c.pastTop.IsZero() {
			c.pastTop = now
		}
		doublings += math.Floor(now.Sub(c.pastTop).Seconds() / pastTopDoubling.Seconds())
	}
	probe := math.Min(climbSlow*math.Exp2(doublings), climbFast)
	next := p.cur + probe*top*dt
	if p.cur < knee {
		next = math.Min(p.cur+climbFast*top*dt, knee)
	}
	p.cur = math.Min(p.target, next)
}

// rate is the pacer's current rate in requests per second.
func (p *pacer) rate() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cur
}

// sleepCtx sleeps for d, or less if ctx is done first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// window lets at most n requests start within any windowSpan: it remembers
// the last n start times and holds a request until the oldest is a span
// old.
type window struct {
	sent []time.Time // ring of the last len(sent) start times
	next int
}

func newWindow(r float64) *window {
	n := int(r)
	if n > maxWindow {
		return nil
	}
	return &window{sent: make([]time.Time, max(n, 1))}
}

// wait is how long a request must wait at now before it may start.
func (w *window) wait(now time.Time) time.Duration {
	if w == nil {
		return 0
	}
	oldest := w.sent[w.next]
	if oldest.IsZero() {
		return 0
	}
	return oldest.Add(windowSpan).Sub(now)
}

// add records a start at now.
func (w *window) add(now time.Time) {
	if w == nil {
		return
	}
	w.sent[w.next] = now
	w.next = (w.next + 1) % len(w.sent)
}

// counter counts events over the last second, in counterSlots slots.
type counter struct {
	first time.Time // the first event
	slots [counterSlots]int
	slot  int64 // the slot of the last event, in slot lengths since the Unix epoch
	n     int   // events in the slots
}

const (
	counterSlots = 50
	counterSlot  = time.Second / counterSlots
)

func (c *counter) advance(now time.Time) int64 {
	s := now.UnixNano() / int64(counterSlot)
	if c.first.IsZero() {
		c.first, c.slot = now, s
		return s
	}
	for ; c.slot < s; c.slot++ {
		if c.slot+counterSlots < s {
			clear(c.slots[:])
			c.n, c.slot = 0, s
			break
		}
		i := (c.slot + 1) % counterSlots
		c.n -= c.slots[i]
		c.slots[i] = 0
	}
	return s
}

func (c *counter) add(now time.Time) {
	s := c.advance(now)
	c.slots[s%counterSlots]++
	c.n++
}

// rate is the number of events per second over the last second, or
// since the first event if that is more recent, and that span.
func (c *counter) rate(now time.Time) (float64, time.Duration) {
	if c.first.IsZero() {
		return 0, 0
	}
	c.advance(now)
	span := min(now.Sub(c.first), time.Second)
	return float64(c.n) / max(span, counterSlot).Seconds(), span
}

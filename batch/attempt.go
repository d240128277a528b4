package batch

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/voxbatch/voxbatch/voximplant"
)

// attempter carries API calls through their attempts, the same way for the
// runner's requests, the preview's reads and the check of an unknown
// outcome: it waits on the pacer before each attempt, counts the requests,
// retries transient answers with capped exponential backoff and full jitter
// up to Config.MaxAttempts, handles throttled answers (the request waits
// what the server asked, capped at Config.MaxPause, or a backoff, and the
// shared pacer adapts its rate; up to Config.MaxThrottles, not counted as
// attempts), and renews the token once after a token error. What the final
// answer means is the caller's to decide. It is safe for concurrent use.
type attempter struct {
	client Client
	cfg    *Config // with defaults
	pacer  *pacer

	requests  atomic.Int64 // requests sent, retries included
	retries   atomic.Int64 // attempts after a call's first, throttled answers not counted
	throttled atomic.Int64 // throttled answers
	inFlight  atomic.Int64
	outcomes  [voximplant.Canceled + 1]atomic.Int64 // by Class; 0 is success

	tokenMu      sync.Mutex
	tokenGen     int  // renewals so far
	renewPending bool // renewed, and no success since

	rngMu sync.Mutex
	rng   *rand.Rand
}

// newAttempter makes the attempter of one run or preview; seed tells the
// jitter of different kinds of callers apart.
func newAttempter(client Client, cfg *Config, seed uint64) *attempter {
	return &attempter{
		client: client,
		cfg:    cfg,
		pacer:  newPacer(cfg.Rate, cfg.Burst, cfg.Now),
		rng:    rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), seed)),
	}
}

// A call is one API request to carry through its attempts.
type call struct {
	// pace bounds the waiting, on the pacer before each attempt and in a
	// backoff: once it ends, no attempt starts.
	pace context.Context
	// ctx, when set, is the context attempts are made under, one that
	// outlives pace (a run's requests have a grace period after dispatching
	// stops); once it has ended, a failed attempt stops the call and its
	// outcome is unknown. nil: attempts are made under pace.
	ctx context.Context
	// attempt makes one attempt.
	attempt func(ctx context.Context) error
	// ready, when set, runs once the pacer granted an attempt and before
	// it is made; false stops the call.
	ready func() bool
	// check marks the read of the unknown-outcome check, made on the side
	// while a request is being decided. It counts as a request only (not as
	// a retry, in flight or by outcome), does not tell the pacer or the
	// token of a success, and retries transient and throttled answers alike
	// with a backoff, up to MaxAttempts; any other error, a token error
	// included, ends it.
	check bool
	// logArgs name the call in the log line of a throttled answer.
	logArgs []any
}

// ending tells how a call's attempts ended.
type ending uint8

const (
	// answered: a success, or an answer not to retry as is (row data,
	// fatal, canceled); the caller decides by outcome.err and outcome.v.
	answered ending = iota
	// exhausted: MaxAttempts transient answers, or MaxThrottles throttled
	// ones.
	exhausted
	// refused: the token was refused again after a renewal.
	refused
	// stopped: pace ended (before an attempt or in a backoff), ready said
	// no, or ctx ended under an attempt.
	stopped
	// again is not an ending: the next attempt follows.
	again
)

// An outcome is what a call's attempts came to.
type outcome struct {
	end ending
	// err is the last attempt's error: nil for a success, and when the
	// call stopped before an attempt.
	err error
	v   voximplant.Verdict // err classified
	// attempts is the number of attempts made, throttled answers not
	// counted (as for MaxAttempts).
	attempts int
	// unknown: some attempt was written and never answered, so its change
	// may have been applied.
	unknown bool
	// stopErr is why the call stopped: pace's error (nil when ready said
	// no or ctx ended).
	stopErr error
}

// result is the error a caller that only retries returns: nil for a
// success, the context's error when the call stopped, else the API's.
func (o *outcome) result() error {
	if o.end == stopped {
		return o.stopErr
	}
	return o.err
}

// do carries c through its attempts until one is answered in a way not to
// retry, the attempts are used up, or the call is stopped.
func (a *attempter) do(c *call) outcome {
	ctx := c.ctx
	if ctx == nil {
		ctx = c.pace
	}
	var o outcome
	throttles := 0
	for {
		o.err, o.v = nil, voximplant.Verdict{}
		sent, err := a.pacer.wait(c.pace)
		if err != nil || c.pace.Err() != nil {
			o.end, o.stopErr = stopped, err
			if err == nil {
				o.stopErr = c.pace.Err()
			}
			return o
		}
		if c.ready != nil && !c.ready() {
			o.end = stopped
			return o
		}
		gen := a.generation()
		o.attempts++
		o.err = a.attempt(ctx, c, o.attempts)
		o.v = voximplant.Classify(o.err) // the zero Verdict for a success
		if !c.check {
			a.outcomes[o.v.Class].Add(1)
		}
		if o.err == nil {
			if !c.check {
				a.pacer.succeeded(sent)
				a.tokenSucceeded()
			}
			o.end = answered
			return o
		}
		o.unknown = o.unknown || o.v.Unknown
		if c.ctx != nil && c.ctx.Err() != nil {
			// The grace period ran out under this attempt.
			o.end, o.unknown = stopped, true
			return o
		}
		if o.end = a.retry(c, &o, &throttles, gen, sent); o.end != again {
			return o
		}
	}
}

// attempt makes the n-th attempt of c under ctx and counts it.
func (a *attempter) attempt(ctx context.Context, c *call, n int) error {
	a.requests.Add(1)
	if c.check {
		return c.attempt(ctx)
	}
	if n > 1 {
		a.retries.Add(1)
	}
	a.inFlight.Add(1)
	defer a.inFlight.Add(-1)
	return c.attempt(ctx)
}

// retry handles the failed attempt o of c: again, after any pause or
// backoff, or how the call ends. gen is the token generation the attempt
// used, sent when the pacer let it go.
func (a *attempter) retry(c *call, o *outcome, throttles *int, gen int, sent time.Time) ending {
	cl := o.v.Class
	switch {
	case c.check:
		if cl != voximplant.Transient && cl != voximplant.Throttled {
			return answered
		}
		if o.attempts >= a.cfg.MaxAttempts {
			return exhausted
		}
		return a.backOff(c, o)
	case cl == voximplant.Throttled:
		*throttles++
		o.attempts-- // throttled answers do not use up MaxAttempts
		wait := a.onThrottled(o.v, *throttles, sent, o.err, c.logArgs...)
		if *throttles >= a.cfg.MaxThrottles {
			return exhausted
		}
		if err := sleepCtx(c.pace, wait); err != nil {
			o.stopErr = err
			return stopped
		}
		return again
	case cl == voximplant.Transient:
		if o.attempts >= a.cfg.MaxAttempts {
			return exhausted
		}
		return a.backOff(c, o)
	case cl == voximplant.Token:
		if !a.renewToken(gen) {
			return refused
		}
		return again
	}
	return answered
}

// backOff sleeps before the next attempt of c, unless pace ends first.
func (a *attempter) backOff(c *call, o *outcome) ending {
	if err := sleepCtx(c.pace, a.backoff(o.attempts)); err != nil {
		o.stopErr = err
		return stopped
	}
	return again
}

// onThrottled handles a throttled answer to an attempt the pacer let go at
// sent: it counts it, tells the pacer (which cuts the shared rate and may
// pause the other workers briefly) and returns how long this request waits
// before its next attempt: the time the server asked, capped at
// Config.MaxPause, or a backoff.
func (a *attempter) onThrottled(v voximplant.Verdict, throttles int, sent time.Time, err error, logArgs ...any) time.Duration {
	a.throttled.Add(1)
	wait := v.RetryAfter
	if wait <= 0 {
		wait = a.backoff(min(throttles, 4))
	}
	if wait > a.cfg.MaxPause {
		// A proxy's Retry-After of an hour would stall the run.
		a.cfg.Logger.Warn("the server asked for a long pause; pausing less", "asked", wait, "pause", a.cfg.MaxPause)
		wait = a.cfg.MaxPause
	}
	a.pacer.throttledAt(sent, min(v.RetryAfter, wait))
	a.cfg.Logger.Debug("throttled", append(logArgs, "wait", wait, "rate", a.pacer.rate(), "error", err)...)
	return wait
}

// backoff is a capped exponential backoff with full jitter for the given
// attempt number (1 for the wait after the first attempt).
func (a *attempter) backoff(attempt int) time.Duration {
	ceil := a.cfg.BackoffBase << min(attempt-1, 30)
	if ceil <= 0 || ceil > a.cfg.BackoffMax {
		ceil = a.cfg.BackoffMax
	}
	a.rngMu.Lock()
	defer a.rngMu.Unlock()
	return time.Duration(a.rng.Int64N(int64(ceil) + 1))
}

// generation is the token generation an attempt starting now uses.
func (a *attempter) generation() int {
	a.tokenMu.Lock()
	defer a.tokenMu.Unlock()
	return a.tokenGen
}

// renewToken handles a token error met by an attempt that used token
// generation gen. It reports whether to retry: yes if another worker
// renewed since, or if this is the first renewal since the last success; no
// if a renewed token was refused too.
func (a *attempter) renewToken(gen int) bool {
	a.tokenMu.Lock()
	defer a.tokenMu.Unlock()
	if gen < a.tokenGen {
		return true
	}
	if a.renewPending {
		return false
	}
	a.client.RenewToken()
	a.tokenGen++
	a.renewPending = true
	return true
}

func (a *attempter) tokenSucceeded() {
	a.tokenMu.Lock()
	a.renewPending = false
	a.tokenMu.Unlock()
}

package voxsim

import (
	"math"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The answers a request over the rate limit may get besides errRateLimit
// (Config.ThrottleCode), worded after the API's own. Code 416 names the
// seconds to wait in its message, as the API does.
var (
	errTryLater    = &apiError{162, "Try later", ""}
	errRepeatAfter = &apiError{416, "Repeat the request after " + strconv.Itoa(int(RetryAfter/time.Second)) + " seconds", ""}
)

// The codes Config.ThrottleCode accepts.
const (
	throttleCodeRateLimit   = 340
	throttleCodeTryLater    = 162
	throttleCodeRepeatAfter = 416
)

// throttleError is the API error that answers a request over the rate limit.
func (s *Server) throttleError() *apiError {
	switch s.cfg.ThrottleCode {
	case throttleCodeTryLater:
		return errTryLater
	case throttleCodeRepeatAfter:
		return errRepeatAfter
	}
	return errRateLimit
}

// limiter decides, on arrival, whether a request is over the rate limit:
// with a token bucket (Config.RateLimit per second, Config.Burst deep) or,
// with Config.FixedWindow, by counting the requests of each one-second window
// since the server was made.
type limiter struct {
	bucket *rate.Limiter // nil for fixed windows

	mu     sync.Mutex
	now    func() time.Time
	start  time.Time
	per    int64 // requests a window allows
	window int64 // the window counted in, seconds since start
	n      int64 // requests counted in it
}

// newLimiter returns the limiter of cfg, nil if it has no rate limit.
func newLimiter(cfg *Config) *limiter {
	switch {
	case cfg.RateLimit <= 0:
		return nil
	case cfg.FixedWindow:
		return &limiter{now: time.Now, start: time.Now(), per: windowAllowance(cfg.RateLimit)}
	}
	return &limiter{bucket: rate.NewLimiter(rate.Limit(cfg.RateLimit), cfg.Burst)}
}

// windowAllowance is how many requests a fixed one-second window allows at
// a rate limit of r per second: r rounded down, at least one.
func windowAllowance(r float64) int64 {
	return max(1, int64(math.Floor(r)))
}

// Allow reports whether a request arriving now is within the limit, and
// counts it if so.
func (l *limiter) Allow() bool {
	if l.bucket != nil {
		return l.bucket.Allow()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if w := int64(l.now().Sub(l.start) / time.Second); w != l.window {
		l.window, l.n = w, 0
	}
	if l.n >= l.per {
		return false
	}
	l.n++
	return true
}

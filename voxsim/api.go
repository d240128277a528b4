package voxsim

import (
	"net/http"
	"strconv"
	"sync"
)

var (
	jsonContentType = []string{"application/json; charset=utf-8"}
	textContentType = []string{"text/plain; charset=utf-8"}
	resultOK        = []byte(`{"result":1}`)
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// serveAPI serves one Management API request. The order of the steps is
// part of the simulator's behaviour:
//
//  1. the rate limit takes its token on arrival;
//  2. the parameters (the whole body) are read;
//  3. the latency is waited, or the request ends without an answer if the
//     client goes away;
//  4. a request over the rate limit is answered 340 (or ThrottleStatus);
//  5. the token is verified (100, 447, 454, 455, 456);
//  6. an unknown method is answered 103, unreadable parameters 101;
//  7. a drawn fault is answered 2, with nothing applied;
//  8. the method runs and may apply its change;
//  9. a drawn drop closes the connection instead of answering.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, method string) {
	s.stats.begin()
	c := call{method: methodUnknown}
	// The request is counted as ended before its answer goes out, so that a
	// client that has its answer finds it in the statistics.
	ended := false
	end := func() {
		if !ended {
			ended = true
			s.stats.end(&c)
		}
	}
	defer end()

	limited := s.limiter != nil && !s.limiter.Allow()
	d := s.draw()

	p := getParams()
	defer putParams(p)
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	formErr := p.read(r)

	if !wait(r.Context(), s.cfg.Latency+d.jitter) {
		c.outcome = outcomeCanceled
		return
	}

	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 1<<20 {
			bufPool.Put(bp)
		}
	}()
	b := (*bp)[:0]
	var e *apiError
	switch method {
	case methodSet, methodGet:
		c.method = method
	}
	switch {
	case limited:
		if s.cfg.ThrottleStatus != http.StatusOK {
			c.outcome = -s.cfg.ThrottleStatus
			h := w.Header()
			h["Content-Type"] = textContentType
			h.Set("Retry-After", strconv.Itoa(int(RetryAfter.Seconds())))
			end()
			w.WriteHeader(s.cfg.ThrottleStatus)
			_, _ = w.Write([]byte(http.StatusText(s.cfg.ThrottleStatus) + "\n"))
			return
		}
		e = errRateLimit
	default:
		e = s.authenticate(r.Header.Get("Authorization"))
	}
	if e == nil && c.method == methodUnknown {
		e = errUnknownMethod
	}
	if e == nil && formErr != nil {
		e = invalid("body")
	}
	if e == nil && d.fault {
		e = errInternal
	}
	if e == nil {
		switch c.method {
		case methodSet:
			e = s.setChildAccountInfo(p, &c)
			if e == nil {
				b = append(b, resultOK...)
			}
		case methodGet:
			b, e = s.getChildrenAccounts(p, &c, b)
		}
	}
	if e != nil {
		c.outcome = e.code
		b = appendError(b[:0], e)
	}
	*bp = b
	if d.drop {
		c.outcome = outcomeDropped
		end()
		drop(w)
		return
	}
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	end()
	_, _ = w.Write(b)
}

// drop closes the request's connection without an answer.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	// Without a hijackable connection (HTTP/2), abort the response.
	panic(http.ErrAbortHandler)
}

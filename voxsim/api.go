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

// getBuf returns an empty answer buffer from bufPool.
func getBuf() *[]byte {
	bp := bufPool.Get().(*[]byte)
	*bp = (*bp)[:0]
	return bp
}

// putBuf returns bp to bufPool unless an answer made it too large to keep.
func putBuf(bp *[]byte) {
	if cap(*bp) <= 1<<20 {
		bufPool.Put(bp)
	}
}

// apiCall is one API request's record for the statistics. The request is
// counted as ended before its answer goes out, so that a client that has
// its answer finds it in the statistics; end counts it once however often
// it is called.
type apiCall struct {
	call
	stats *stats
	ended bool
}

func (q *apiCall) end() {
	if !q.ended {
		q.ended = true
		q.stats.end(&q.call)
	}
}

// serveAPI serves one Management API request. The order of the steps is
// part of the simulator's behaviour:
//
//  1. the rate limit takes its token on arrival;
//  2. the parameters (the whole body) are read;
//  3. the latency is waited, or the request ends without an answer if the
//     client goes away;
//  4. a request over the rate limit is answered ThrottleStatus or
//     ThrottleCode (340, 162, 416);
//  5. the token is verified (100, 433, 447, 454, 455, 456);
//  6. an unknown method is answered 103, unreadable parameters 101;
//  7. a drawn fault is answered 2, or a drawn re-send 484, with nothing
//     applied;
//  8. the method runs and may apply its change;
//  9. a drawn drop closes the connection instead of answering.
//
// serveAPI does steps 1 to 3 and 9, throttle or refuse steps 4 to 7, and
// answer step 8.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, method string) {
	s.stats.begin()
	q := apiCall{call: call{method: methodUnknown}, stats: &s.stats}
	defer q.end()

	limited := s.limiter != nil && !s.limiter.Allow()
	d := s.draw()
	resend := s.drawResend()

	p := getParams()
	defer putParams(p)
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	formErr := p.read(r)

	if !wait(r.Context(), s.cfg.Latency+d.jitter) {
		q.outcome = outcomeCanceled
		return
	}

	switch method {
	case methodSet, methodGet:
		q.method = method
	}
	if limited && s.cfg.ThrottleStatus != http.StatusOK {
		s.throttle(w, &q)
		return
	}
	bp := getBuf()
	defer putBuf(bp)
	var fault *apiError
	switch {
	case d.fault:
		fault = errInternal
	case resend:
		fault = errResend
	}
	e := s.refuse(r, &q.call, limited, fault, formErr)
	*bp = s.answer(*bp, p, &q.call, e)
	if d.drop {
		q.outcome = outcomeDropped
		q.end()
		drop(w)
		return
	}
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(*bp))}
	q.end()
	_, _ = w.Write(*bp)
}

// throttle answers a request over the rate limit with Config.ThrottleStatus
// and a Retry-After header (unless Config.NoRetryAfter) instead of an API
// error code.
func (s *Server) throttle(w http.ResponseWriter, q *apiCall) {
	status := s.cfg.ThrottleStatus
	q.outcome = -status
	h := w.Header()
	h["Content-Type"] = textContentType
	if !s.cfg.NoRetryAfter {
		h.Set("Retry-After", strconv.Itoa(int(RetryAfter.Seconds())))
	}
	q.end()
	w.WriteHeader(status)
	_, _ = w.Write([]byte(http.StatusText(status) + "\n"))
}

// refuse returns the error that answers the request before its method runs,
// the first of steps 4 to 7 of serveAPI that applies, or nil; fault is the
// drawn fault (code 2 or 484), if any. The token is not verified for a
// request over the rate limit.
func (s *Server) refuse(r *http.Request, c *call, limited bool, fault *apiError, formErr error) *apiError {
	if limited {
		return s.throttleError()
	}
	if e := s.authenticate(r.Header.Get("Authorization")); e != nil {
		return e
	}
	switch {
	case c.method == methodUnknown:
		return errUnknownMethod
	case formErr != nil:
		return invalid("body")
	case fault != nil:
		return fault
	}
	return nil
}

// answer appends the JSON answer to b: the error e if the request was
// refused, otherwise what its method answers. An error becomes the call's
// outcome.
func (s *Server) answer(b []byte, p *params, c *call, e *apiError) []byte {
	if e == nil {
		switch c.method {
		case methodSet:
			e = s.setChildAccountInfo(p, c)
			if e == nil {
				b = append(b, resultOK...)
			}
		case methodGet:
			b, e = s.getChildrenAccounts(p, c, b)
		}
	}
	if e != nil {
		c.outcome = e.code
		b = s.appendAnyError(b[:0], e)
	}
	return b
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

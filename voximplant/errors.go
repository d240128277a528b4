package voximplant

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrTimeout is wrapped by a [*TransportError] when no full answer came within
// Config.Timeout. It is distinct from the caller's context ending.
var ErrTimeout = errors.New("no answer within the request timeout")

// APIError is an answer that is not a success. When Code is not 0 it is the
// API's own error ({"error": {"code", "msg", "field_name"}}, on HTTP 200 or
// any other status). When Code is 0 the answer was not the API's JSON (a
// proxy's page, an empty or cut-off body, an unexpected result) or a non-2xx
// status without an API error body; Msg then describes the answer.
// RetryAfter comes from a Retry-After header or from code 416's message.
type APIError struct {
	Code       int
	Msg        string
	HTTPStatus int
	RetryAfter time.Duration
	FieldName  string
}

func (e *APIError) Error() string {
	if e.Code == 0 {
		return "unexpected answer: " + e.Msg
	}
	var b strings.Builder
	fmt.Fprintf(&b, "api error %d: %s", e.Code, e.Msg)
	if e.FieldName != "" {
		fmt.Fprintf(&b, " (field %s)", e.FieldName)
	}
	if e.HTTPStatus != http.StatusOK && e.HTTPStatus != 0 {
		fmt.Fprintf(&b, " (http %d)", e.HTTPStatus)
	}
	return b.String()
}

// TransportError is a request that got no answer: it could not be sent, or it
// was sent and the answer did not (fully) arrive. Written tells whether the
// whole request was written to the connection, so that the API may have
// applied it. Err is the cause: a net error, io.EOF, [ErrTimeout], or the
// caller's context error (context.Canceled, context.DeadlineExceeded).
type TransportError struct {
	Op      string // API method
	Written bool
	Err     error
}

func (e *TransportError) Error() string {
	state := "request not sent"
	if e.Written {
		state = "request sent, no answer"
	}
	return e.Op + ": " + state + ": " + e.Err.Error()
}

func (e *TransportError) Unwrap() error { return e.Err }

// maxRetryAfter bounds a server-given delay so that a silly value cannot
// overflow or park the run for days; the caller applies its own cap.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads a Retry-After header: delta seconds or an HTTP date
// (relative to now). It returns 0 when the header is absent or unreadable.
func parseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		return clampDelay(n)
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	return min(max(d, 0), maxRetryAfter)
}

var firstInt = regexp.MustCompile(`\d+`)

// retryAfterFromMsg reads the first integer of a message such as "Repeat the
// request after 5 seconds", as seconds.
func retryAfterFromMsg(msg string) time.Duration {
	m := firstInt.FindString(msg)
	if m == "" {
		return 0
	}
	n, err := strconv.ParseInt(m, 10, 64)
	if err != nil {
		return maxRetryAfter // too many digits for int64
	}
	return clampDelay(n)
}

func clampDelay(seconds int64) time.Duration {
	switch {
	case seconds <= 0:
		return 0
	case seconds >= int64(maxRetryAfter/time.Second):
		return maxRetryAfter
	default:
		return time.Duration(seconds) * time.Second
	}
}

// scrub replaces each secret of at least 4 characters in s by "***", in case
// the API quotes a parameter value (a password) in a message.
func scrub(s string, secrets []string) string { return scrubSecrets(s, secrets) }

// NotSent reports whether err is a request that never reached the API: it
// was not written (a refused connection, a name that does not resolve, a
// TLS handshake that failed), and not because the caller's context ended.
func NotSent(err error) bool {
	var te *TransportError
	return errors.As(err, &te) && !te.Written && Classify(err).Class != Canceled
}

// Answered reports whether err is an answer: the API's, or another
// server's in its place (an *APIError of any code or status).
func Answered(err error) bool {
	var ae *APIError
	return errors.As(err, &ae)
}

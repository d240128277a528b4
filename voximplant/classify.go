package voximplant

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Class is what the caller should do about a failed request.
type Class int

// The classes; the zero Class is "no error" (Classify(nil)).
const (
	// Transient: retry with back-off (5xx, codes 1/2/4, timeouts, resets,
	// answers that are not the API's JSON).
	Transient Class = iota + 1
	// Throttled: wait Verdict.RetryAfter (or back off), slow every worker
	// (codes 162/340/416, HTTP 429).
	Throttled
	// RowData: the API refused this request's data; never retry it as is,
	// split a chunk to find the bad rows (unless Verdict.Whole).
	RowData
	// Token: the API refused the token (447/454/455/456). Renew it
	// (Client.RenewToken) and retry once; a second one is Fatal.
	Token
	// Fatal: stop the run (authorization, an unknown key id, forbidden,
	// unknown or missing method, a forbidden parameter, two selectors,
	// wrong endpoint, TLS verification, a broken key).
	Fatal
	// Unrecognized: the API refused the request with a code this client
	// does not know (on a 200 or 4xx answer), so not known to be about one
	// row. Never retry it as is and never split a chunk for it: the
	// request's rows fail with the code, and the caller stops once the same
	// code comes back from several requests in a row.
	Unrecognized
	// Canceled: the caller's context ended. Not a failure of the request:
	// stop, and do not count it as an attempt. Verdict.Unknown still tells
	// whether the request had been written.
	Canceled
)

func (c Class) String() string {
	switch c {
	case 0:
		return "none"
	case Transient:
		return "transient"
	case Throttled:
		return "throttled"
	case RowData:
		return "row_data"
	case Token:
		return "token"
	case Fatal:
		return "fatal"
	case Unrecognized:
		return "unrecognized"
	case Canceled:
		return "canceled"
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// Verdict is the classification of one failed attempt.
type Verdict struct {
	Class Class
	// Unknown: the request was written but no answer from the API came (a
	// timeout or reset after writing, a body that is not the API's, a 5xx
	// without an API error), so the change may or may not have been applied.
	// Always false for an answer the API itself gave.
	Unknown bool
	// RetryAfter is the wait the server asked for (Retry-After, or code 416's
	// message), 0 if none.
	RetryAfter time.Duration
	// Whole, with RowData: the refusal is about the request's rows
	// together, not one of them (code 512, a limit on parameter changes).
	// Splitting the chunk cannot isolate a bad row: its rows fail together.
	Whole bool
}

// Classify classifies any error returned by a Client (and others, for the
// caller's convenience): *APIError by its code and status, *TransportError by
// its cause, the caller's context errors as Canceled, bare network errors as
// Transient; anything else (a broken key, a bad configuration) is Fatal.
// Classify(nil) is the zero Verdict.
func Classify(err error) Verdict {
	if err == nil {
		return Verdict{}
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return classifyAPI(ae)
	}
	var te *TransportError
	if errors.As(err, &te) {
		return classifyTransport(te.Err, te.Written, true)
	}
	// A bare error: whether a request was written is not known.
	v := classifyTransport(err, true, false)
	if v.Class == Canceled {
		v.Unknown = false
	}
	return v
}

func classifyAPI(e *APIError) Verdict {
	v := Verdict{RetryAfter: e.RetryAfter}
	s := e.HTTPStatus
	switch {
	case s == http.StatusTooManyRequests:
		v.Class = Throttled
	case e.Code != 0:
		if cl, ok := codeClass[e.Code]; ok {
			v.Class, v.Whole = cl, wholeRequest[e.Code]
			break
		}
		switch {
		case s >= 500:
			v.Class = Transient
		case s == http.StatusUnauthorized || s == http.StatusForbidden:
			v.Class = Fatal
		default: // 200 or 4xx: refused, but not known to be about one row
			v.Class = Unrecognized
		}
	// Below, the answer was not the API's own.
	case s >= 200 && s <= 299, s >= 500, s == http.StatusRequestTimeout:
		v.Class, v.Unknown = Transient, true
	case s == http.StatusRequestEntityTooLarge:
		v.Class = RowData
	default: // 3xx, 401, 403, 404...: wrong endpoint or proxy, for every request
		v.Class = Fatal
	}
	return v
}

// classifyTransport classifies the cause of a missing answer; written tells
// whether the request had been written, inTransport whether err came from a
// TransportError (else it is a bare error the caller passed).
func classifyTransport(err error, written, inTransport bool) Verdict {
	switch {
	case errors.Is(err, ErrTimeout):
		return Verdict{Class: Transient, Unknown: written}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return Verdict{Class: Canceled, Unknown: written}
	case isTLSVerification(err):
		return Verdict{Class: Fatal}
	case errors.Is(err, syscall.ECONNREFUSED):
		return Verdict{Class: Transient}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return Verdict{Class: Transient, Unknown: written}
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return Verdict{Class: Transient, Unknown: written}
	}
	if inTransport {
		// Any other failure to get an answer (a malformed response...).
		return Verdict{Class: Transient, Unknown: written}
	}
	return Verdict{Class: Fatal}
}

// isTLSVerification reports a certificate that does not verify, or a server
// that does not speak TLS: retrying cannot help.
func isTLSVerification(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var rh tls.RecordHeaderError
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) ||
		errors.As(err, &ci) || errors.As(err, &rh) ||
		// net/http replaces the RecordHeaderError by this text.
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}

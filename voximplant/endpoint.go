package voximplant

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultEndpoint is the Management API's base URL. A method is POSTed to the
// endpoint followed by its name.
const DefaultEndpoint = "https://api.voximplant.com/platform_api/"

var (
	// ErrInsecureEndpoint: an http:// endpoint whose host is not a loopback
	// address. Tokens must not travel in clear text beyond this machine.
	ErrInsecureEndpoint = errors.New("insecure endpoint: http:// is allowed only for a loopback host, use https://")
	// ErrInvalidEndpoint: the endpoint is not an https:// (or loopback
	// http://) URL with a host and without user info, query or fragment.
	ErrInvalidEndpoint = errors.New("invalid endpoint")
)

// normalizeEndpoint checks raw ("" means DefaultEndpoint) and returns it with
// a trailing "/". Its errors show the endpoint with any password redacted.
func normalizeEndpoint(raw string) (string, error) {
	if raw == "" {
		return DefaultEndpoint, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: not a URL", ErrInvalidEndpoint)
	}
	fail := func(err error) (string, error) {
		// Neither user info nor a query (which may hold a token) is shown.
		shown := *u
		shown.RawQuery, shown.Fragment, shown.ForceQuery = "", "", false
		return "", fmt.Errorf("endpoint %s: %w", shown.Redacted(), err)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if u.Host != "" && !isLoopback(u.Hostname()) {
			return fail(ErrInsecureEndpoint)
		}
	case "":
		return fail(fmt.Errorf("%w: no scheme, want https://", ErrInvalidEndpoint))
	default:
		return fail(fmt.Errorf("%w: scheme %q, want https://", ErrInvalidEndpoint, u.Scheme))
	}
	switch {
	case u.Host == "":
		return fail(fmt.Errorf("%w: no host", ErrInvalidEndpoint))
	case u.User != nil:
		return fail(fmt.Errorf("%w: user info is not allowed", ErrInvalidEndpoint))
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return fail(fmt.Errorf("%w: query and fragment are not allowed", ErrInvalidEndpoint))
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u.String(), nil
}

// isLoopback reports whether host is "localhost" or a loopback IP address
// (127.0.0.0/8, ::1).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// newTransport returns the transport shared by all of a client's requests,
// sized so that workers concurrent requests keep their connections alive
// between requests instead of dialing anew. The per-request timeout bounds
// everything else (response headers, body).
func newTransport(workers int) *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		MaxIdleConns:          max(100, 2*workers),
		MaxIdleConnsPerHost:   workers + workers/4 + 1, // a little slack for races between a reply and the next request
		MaxConnsPerHost:       0,                       // no cap: the worker count and the rate limiter bound concurrency
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

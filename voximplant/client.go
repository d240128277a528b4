package voximplant

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults for [Config].
const (
	DefaultTimeout   = 30 * time.Second
	DefaultUserAgent = "voxbatch/dev"
	DefaultWorkers   = 8
)

// maxBody bounds the answer read into memory. GetChildrenAccounts pages are
// far smaller.
const maxBody = 16 << 20

// Config tunes a [Client]. Zero values take the defaults.
type Config struct {
	// Endpoint is the API's base URL, DefaultEndpoint when empty. A "/" is
	// added when missing. http:// is refused unless the host is loopback
	// (ErrInsecureEndpoint); other schemes are refused (ErrInvalidEndpoint).
	Endpoint string
	// Timeout bounds one request from sending to the last byte of the answer,
	// including a server that accepts the connection and never answers.
	// Default DefaultTimeout.
	Timeout time.Duration
	// Workers is how many requests run at once; it sizes the connection pool.
	// Default DefaultWorkers.
	Workers int
	// UserAgent is sent with every request. Default DefaultUserAgent.
	UserAgent string
	// Now is the clock for tokens and Retry-After dates. Default time.Now.
	Now func() time.Time
	// TokenTTL is a token's lifetime (exp - iat), between MinTokenTTL and
	// MaxTokenTTL. Default DefaultTokenTTL.
	TokenTTL time.Duration
	// Transport replaces the client's own tuned transport (tests).
	Transport http.RoundTripper
}

// Client calls the Management API. It is safe for concurrent use; all
// goroutines share one token and one connection pool. It never retries.
type Client struct {
	endpoint  string
	userAgent string
	timeout   time.Duration
	now       func() time.Time
	hc        *http.Client
	tokens    *tokenSource
}

// New returns a client for the account of creds. It checks the configuration
// but sends nothing.
func New(creds *Credentials, cfg Config) (*Client, error) {
	if creds == nil || creds.key == nil {
		return nil, errors.New("new client: no credentials (use LoadCredentials)")
	}
	endpoint, err := normalizeEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("new client: negative timeout %s", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.TokenTTL < MinTokenTTL || cfg.TokenTTL > MaxTokenTTL {
		return nil, fmt.Errorf("new client: token ttl %s out of range [%s, %s]", cfg.TokenTTL, MinTokenTTL, MaxTokenTTL)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	rt := cfg.Transport
	if rt == nil {
		rt = newTransport(cfg.Workers)
	}
	return &Client{
		endpoint:  endpoint,
		userAgent: cfg.UserAgent,
		timeout:   cfg.Timeout,
		now:       cfg.Now,
		hc: &http.Client{
			Transport: rt,
			// A redirect is a misconfigured endpoint; following it would turn
			// the POST into a GET. The 3xx comes back as an APIError.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		tokens: newTokenSource(creds, cfg.TokenTTL, cfg.Now),
	}, nil
}

// Endpoint returns the normalized endpoint, ending in "/".
func (c *Client) Endpoint() string { return c.endpoint }

// RenewToken drops the cached token; the next request signs a new one. Call it
// after an error of class Token.
func (c *Client) RenewToken() { c.tokens.drop() }

// CloseIdleConnections closes the connections kept alive between requests.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// answer is a 2xx answer whose body is the API's JSON without an error.
type answer struct {
	status int
	ctype  string
	body   []byte
}

// post sends method with the non-empty params and returns the answer, or an
// *APIError (error body, non-2xx, non-JSON) or *TransportError (no answer).
func (c *Client) post(ctx context.Context, method string, params url.Values) (*answer, error) {
	if err := ctx.Err(); err != nil {
		return nil, &TransportError{Op: method, Err: err}
	}
	token, err := c.tokens.get()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	form, secrets := encodeForm(params)
	rctx, cancel := context.WithTimeoutCause(ctx, c.timeout, ErrTimeout)
	defer cancel()
	var written atomic.Bool
	rctx = httptrace.WithClientTrace(rctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				written.Store(true)
			}
		},
	})
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, c.endpoint+method, strings.NewReader(form))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", c.userAgent)

	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, transportError(ctx, rctx, method, written.Load(), err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, transportError(ctx, rctx, method, true, err)
	}
	ans := &answer{status: resp.StatusCode, ctype: mediaType(resp.Header.Get("Content-Type")), body: body}
	retryAfter := parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
	if apiErr := checkAnswer(ans, retryAfter); apiErr != nil {
		apiErr.Msg = scrub(apiErr.Msg, secrets)
		return nil, apiErr
	}
	return ans, nil
}

// transportError builds the error for a request that got no full answer,
// telling the caller's cancellation apart from the client's own timeout.
func transportError(ctx, rctx context.Context, op string, written bool, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is the endpoint plus Op: no news
	}
	switch {
	case ctx.Err() != nil:
		err = ctx.Err()
	case context.Cause(rctx) == ErrTimeout:
		err = ErrTimeout
	}
	return &TransportError{Op: op, Written: written, Err: err}
}

// encodeForm encodes the non-empty values of params, and returns the values
// of password parameters to keep out of error messages.
func encodeForm(params url.Values) (string, []string) {
	form := make(url.Values, len(params))
	var secrets []string
	for k, vs := range params {
		for _, v := range vs {
			if v == "" {
				continue
			}
			form[k] = append(form[k], v)
			if strings.Contains(k, "password") {
				secrets = append(secrets, v)
			}
		}
	}
	return form.Encode(), secrets
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	return mt
}

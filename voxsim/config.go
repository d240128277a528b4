package voxsim

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"math"
	"time"
)

const (
	// FirstID is the id of the first child account; ids are consecutive.
	FirstID = 1000
	// DefaultAccounts is the number of child accounts when Config.Accounts is 0.
	DefaultAccounts = 1000
	// MaxAccounts is the largest Config.Accounts accepted.
	MaxAccounts = 50_000_000
	// DefaultAccountID is the parent account id written to credentials.json
	// when Config.AccountID is 0.
	DefaultAccountID = 100
	// AccountEmail is the parent account email written to credentials.json.
	AccountEmail = "sim@example.test"
	// ChildEmailDomain is the domain of the children's initial emails,
	// child-<id>@example.test.
	ChildEmailDomain = "example.test"
	// MaxTokenTTL is the largest exp − iat a token may have.
	MaxTokenTTL = 3600 * time.Second
	// ClockSkew is how far in the future a token's iat may lie.
	ClockSkew = 10 * time.Second
	// RetryAfter is the Retry-After sent with Config.ThrottleStatus, and the
	// wait code 416 names.
	RetryAfter = time.Second
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes = 32 << 20
)

// ErrConfig is wrapped by every error New returns for an invalid Config.
var ErrConfig = errors.New("voxsim: invalid config")

// Config configures a Server. The zero value is usable: DefaultAccounts
// accounts, a fresh key and no faults.
type Config struct {
	// Accounts is the number of child accounts, ids FirstID to
	// FirstID+Accounts-1; 0 means DefaultAccounts.
	Accounts int
	// RateLimit is the server-side limit in API requests per second (all
	// methods together, counted on arrival); 0 means no limit.
	RateLimit float64
	// Burst is the size of the rate limit's token bucket; 0 means
	// max(1, ceil(RateLimit/10)), which absorbs a client's jitter but not a
	// client that sends faster than RateLimit for more than a tenth of a second.
	Burst int
	// FixedWindow counts requests in fixed one-second windows from New
	// instead of a token bucket: each window allows RateLimit requests
	// (rounded down, at least one), whenever they arrive in it. Burst is
	// then ignored.
	FixedWindow bool
	// ThrottleStatus chooses how a request over the rate limit is answered: 0
	// or 200 answers HTTP 200 with error code ThrottleCode; any status from
	// 400 to 599 (typically 429) answers that status with "Retry-After: 1"
	// (unless NoRetryAfter) and a plain text body.
	ThrottleStatus int
	// ThrottleCode is the API error code of an HTTP 200 answer over the rate
	// limit: 340 (rate limit exceeded, the default when 0), 162 (try later)
	// or 416 (repeat the request after 1 seconds).
	ThrottleCode int
	// NoRetryAfter leaves the Retry-After header out of a ThrottleStatus
	// answer.
	NoRetryAfter bool
	// Latency is added to every API request, and LatencyJitter adds a uniform
	// random 0..LatencyJitter on top. Both end early if the client goes away.
	Latency, LatencyJitter time.Duration
	// FaultRate is the probability (0..1) that a request is answered with
	// error code 2 and nothing is applied.
	FaultRate float64
	// DropRate is the probability (0..1) that a request is processed (its
	// change applied) and then its connection closed without an answer.
	DropRate float64
	// MaxList, if positive, is the largest number of items a selector list
	// may hold; a longer list is answered 101.
	MaxList int
	// ResendRate is the probability (0..1) that a request is answered with
	// error code 484 ("probable automatic request resend"), nothing applied.
	ResendRate float64
	// ErrorsEnvelope answers errors in the array form the official Go and
	// Node clients also read: {"errors": [{"code": N, "msg": "..."}]}.
	ErrorsEnvelope bool
	// ListAll restores the lenient reads of older simulators:
	// GetChildrenAccounts without a selector lists every child account, and
	// child_account_id=all selects them all. By default both are refused,
	// as the current reference requires (134 and 101).
	ListAll bool
	// RefuseReadLists answers 101 to a GetChildrenAccounts whose
	// child_account_name or child_account_email holds a ";" list, as an API
	// that takes them as single filters may.
	RefuseReadLists bool
	// SubstringNames makes a read's child_account_name match every account
	// whose name contains it, as older references described the filter.
	SubstringNames bool
	// OmitOptional, if positive, leaves the optional AccountInfo fields
	// (all but account_id, account_name, account_email and active) out of
	// GetChildrenAccounts answers for the accounts whose id is a multiple
	// of OmitOptional, as the API's schema allows.
	OmitOptional int
	// Unkept, if positive, makes SetChildAccountInfo accept a change to an
	// account whose id is a multiple of Unkept (result 1, counted as
	// applied) without keeping it: a read shows the old values, as an API
	// that says yes and forgets may.
	Unkept int
	// Seed seeds the fault and jitter draws; 0 means a random seed.
	Seed int64
	// Now is the clock used to check token times; nil means time.Now. The
	// rate limit and the statistics always use the real clock.
	Now func() time.Time

	// Key is the service account key; nil means a fresh 2048-bit RSA key
	// (generating one takes a noticeable fraction of a second, so tests share
	// one).
	Key *rsa.PrivateKey
	// KeyID is the key id; "" means a random UUID.
	KeyID string
	// AccountID is the parent account id (the token's iss); 0 means
	// DefaultAccountID.
	AccountID int64
}

// withDefaults checks c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	bad := func(format string, args ...any) (Config, error) {
		return c, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
	}
	switch {
	case c.Accounts < 0 || c.Accounts > MaxAccounts:
		return bad("accounts must be between 0 and %d, not %d", MaxAccounts, c.Accounts)
	case c.RateLimit < 0 || math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0):
		return bad("rate limit must be a non-negative number")
	case c.Burst < 0:
		return bad("burst must not be negative")
	case c.ThrottleStatus != 0 && c.ThrottleStatus != 200 && (c.ThrottleStatus < 400 || c.ThrottleStatus > 599):
		return bad("throttle status must be 200 or 400-599, not %d", c.ThrottleStatus)
	case c.ThrottleCode != 0 && c.ThrottleCode != throttleCodeRateLimit && c.ThrottleCode != throttleCodeTryLater && c.ThrottleCode != throttleCodeRepeatAfter:
		return bad("throttle code must be 340, 162 or 416, not %d", c.ThrottleCode)
	case c.Latency < 0 || c.LatencyJitter < 0:
		return bad("latency must not be negative")
	case !(c.FaultRate >= 0 && c.FaultRate <= 1):
		return bad("fault rate must be between 0 and 1")
	case !(c.DropRate >= 0 && c.DropRate <= 1):
		return bad("drop rate must be between 0 and 1")
	case c.MaxList < 0:
		return bad("max list must not be negative")
	case !(c.ResendRate >= 0 && c.ResendRate <= 1):
		return bad("resend rate must be between 0 and 1")
	case c.OmitOptional < 0:
		return bad("omit optional must not be negative")
	case c.Unkept < 0:
		return bad("unkept must not be negative")
	case c.AccountID < 0:
		return bad("account id must not be negative")
	}
	if c.Accounts == 0 {
		c.Accounts = DefaultAccounts
	}
	if c.ThrottleStatus == 0 {
		c.ThrottleStatus = 200
	}
	if c.ThrottleCode == 0 {
		c.ThrottleCode = throttleCodeRateLimit
	}
	if c.RateLimit > 0 && c.Burst == 0 {
		c.Burst = max(1, int(math.Ceil(c.RateLimit/10)))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.AccountID == 0 {
		c.AccountID = DefaultAccountID
	}
	return c, nil
}

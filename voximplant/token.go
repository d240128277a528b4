package voximplant

import (
	"crypto/rsa"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Token lifetimes. The API refuses a token whose exp is more than an hour
// after its iat (code 454).
const (
	DefaultTokenTTL = 15 * time.Minute
	MaxTokenTTL     = time.Hour
	MinTokenTTL     = 30 * time.Second

	// tokenBackdate is how far iat lies in the past, against clock skew
	// (as the official Java and Python clients do).
	tokenBackdate = 5 * time.Second
)

// tokenSource mints RS256 tokens and caches one. A token is renewed once two
// thirds of its lifetime have passed, so a request never carries a token
// about to expire. The mutex is held while minting: concurrent callers wait
// for one mint instead of each minting.
type tokenSource struct {
	key       *rsa.PrivateKey
	keyID     string
	accountID int64
	ttl       time.Duration
	now       func() time.Time
	sign      func(t *jwt.Token, key *rsa.PrivateKey) (string, error)

	mu      sync.Mutex
	token   string
	issued  time.Time // iat of token
	renewAt time.Time
	mints   int // tokens signed (or attempted), for tests
}

func newTokenSource(c *Credentials, ttl time.Duration, now func() time.Time) *tokenSource {
	return &tokenSource{
		key: c.key, keyID: c.KeyID, accountID: c.AccountID, ttl: ttl, now: now,
		sign: func(t *jwt.Token, key *rsa.PrivateKey) (string, error) { return t.SignedString(key) },
	}
}

// get returns the cached token, or mints one when there is none, when it is
// due for renewal, or when the clock went back before its iat. A failed mint
// leaves no token cached.
func (s *tokenSource) get() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.token != "" && now.Before(s.renewAt) && !now.Before(s.issued) {
		return s.token, nil
	}
	s.token = ""
	iat := now.Add(-tokenBackdate).Unix()
	exp := iat + int64(s.ttl/time.Second)
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": s.accountID, // a JSON number, as the API wants
		"iat": iat,
		"exp": exp,
	})
	t.Header["kid"] = s.keyID
	s.mints++
	signed, err := s.sign(t, s.key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	s.token = signed
	s.issued = time.Unix(iat, 0)
	s.renewAt = time.Unix(exp, 0).Add(-s.ttl / 3)
	return signed, nil
}

// drop forgets the cached token.
func (s *tokenSource) drop() {
	s.mu.Lock()
	s.token = ""
	s.mu.Unlock()
}

func (s *tokenSource) mintCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mints
}

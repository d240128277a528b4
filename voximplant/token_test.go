package voximplant

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// verifyToken checks tok's signature with the test public key at time now
// and returns its header and its claims decoded with json.Number.
func verifyToken(t *testing.T, tok string, now time.Time) (map[string]any, map[string]any) {
	t.Helper()
	parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return &rsaKey(t).PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithIssuedAt(), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil {
		t.Fatal(err)
	}
	return parsed.Header, claims
}

func claimInt(t *testing.T, claims map[string]any, name string) int64 {
	t.Helper()
	n, ok := claims[name].(json.Number)
	if !ok {
		t.Fatalf("claim %s = %#v, want a JSON number", name, claims[name])
	}
	v, err := n.Int64()
	if err != nil {
		t.Fatalf("claim %s = %s: %v", name, n, err)
	}
	return v
}

// checkToken verifies tok as minted at now with ttl.
func checkToken(t *testing.T, tok string, now time.Time, ttl time.Duration) {
	t.Helper()
	header, claims := verifyToken(t, tok, now)
	if header["alg"] != "RS256" || header["kid"] != testKeyID {
		t.Errorf("header = %v, want alg RS256, kid %s", header, testKeyID)
	}
	if iss := claimInt(t, claims, "iss"); iss != testAccountID {
		t.Errorf("iss = %d, want %d", iss, testAccountID)
	}
	iat, exp := claimInt(t, claims, "iat"), claimInt(t, claims, "exp")
	if iat != now.Unix()-5 {
		t.Errorf("iat = %d, want now-5 = %d", iat, now.Unix()-5)
	}
	if exp-iat > 3600 || exp-iat != int64(ttl/time.Second) {
		t.Errorf("exp-iat = %d, want %d (<= 3600)", exp-iat, int64(ttl/time.Second))
	}
}

func TestTokenRenewal(t *testing.T) {
	clk := newClock()
	ttl := 15 * time.Minute
	s := newTokenSource(testCredentials(t), ttl, clk.Now)
	get := func() string {
		t.Helper()
		tok, err := s.get()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	first := get()
	checkToken(t, first, clk.Now(), ttl)

	steps := []struct {
		advance time.Duration
		fresh   bool // a new token is expected
		mints   int
	}{
		{time.Minute, false, 1},
		{8 * time.Minute, false, 1},                // 9 min after minting: still used
		{time.Minute + 10*time.Second, true, 2},    // 2/3 of the lifetime passed: renewed
		{5 * time.Minute, false, 2},                // within the new token's life
		{2 * time.Hour, true, 3},                   // long past expiry: renewed
		{-time.Hour, true, 4},                      // clock went back before iat: renewed
		{9*time.Minute + 54*time.Second, false, 4}, // just before renewal
	}
	prev := first
	for i, st := range steps {
		clk.Advance(st.advance)
		tok := get()
		if (tok != prev) != st.fresh {
			t.Fatalf("step %d (+%s): fresh token = %v, want %v", i, st.advance, tok != prev, st.fresh)
		}
		if st.fresh {
			checkToken(t, tok, clk.Now(), ttl)
		}
		// Every token handed out is valid at the time it is handed out.
		verifyToken(t, tok, clk.Now())
		if got := s.mintCount(); got != st.mints {
			t.Fatalf("step %d: %d mints, want %d", i, got, st.mints)
		}
		prev = tok
	}
}

func TestTokenDrop(t *testing.T) {
	s := newTokenSource(testCredentials(t), time.Minute, newClock().Now)
	for range 2 {
		if _, err := s.get(); err != nil {
			t.Fatal(err)
		}
	}
	s.drop()
	if _, err := s.get(); err != nil {
		t.Fatal(err)
	}
	if s.mintCount() != 2 {
		t.Fatalf("%d mints for get, get, drop, get; want 2", s.mintCount())
	}
}

func TestTokenFailedMintNotCached(t *testing.T) {
	s := newTokenSource(testCredentials(t), time.Minute, newClock().Now)
	realSign := s.sign
	fail := true
	s.sign = func(tok *jwt.Token, key *rsa.PrivateKey) (string, error) {
		if fail {
			return "", errors.New("hsm unavailable")
		}
		return realSign(tok, key)
	}
	if _, err := s.get(); err == nil || !strings.Contains(err.Error(), "sign token") {
		t.Fatalf("get with failing signer = %v, want sign error", err)
	}
	if v := Classify(func() error { _, err := s.get(); return err }()); v.Class != Fatal {
		t.Errorf("mint failure classified %v, want fatal", v.Class)
	}
	fail = false
	tok, err := s.get()
	if err != nil || tok == "" {
		t.Fatalf("get after signer recovered = %q, %v", tok, err)
	}
	if s.mintCount() != 3 {
		t.Errorf("%d mints, want 3 (two failed, not cached)", s.mintCount())
	}
}

func TestTokenConcurrentOneMint(t *testing.T) {
	s := newTokenSource(testCredentials(t), time.Minute, newClock().Now)
	const n = 100
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		toks  = make([]string, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tok, err := s.get()
			if err != nil {
				t.Error(err)
			}
			toks[i] = tok
		}()
	}
	close(start)
	wg.Wait()
	if got := s.mintCount(); got != 1 {
		t.Errorf("%d goroutines caused %d mints, want 1", n, got)
	}
	for i, tok := range toks {
		if tok != toks[0] || tok == "" {
			t.Fatalf("goroutine %d got a different token", i)
		}
	}
}

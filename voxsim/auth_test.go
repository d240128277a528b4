package voxsim

import (
	"encoding/base64"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestAuthentication(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	e := start(t, Config{Now: func() time.Time { return now }})
	valid := e.token(now, nil)
	// tamper replaces the payload of a valid token, keeping its signature.
	tamper := func(tok string) string {
		parts := strings.Split(tok, ".")
		parts[1] = base64.RawURLEncoding.EncodeToString([]byte(`{"iss":100,"iat":1700000000,"exp":1700000030}`))
		return strings.Join(parts, ".")
	}
	tests := []struct {
		name string
		auth string
		want int
	}{
		{"valid", "Bearer " + valid, 0},
		{"scheme in lower case", "bearer " + valid, 0},
		{"no header", "", 100},
		{"not bearer", "Basic dXNlcjpwYXNz", 100},
		{"bearer without token", "Bearer ", 100},
		{"garbage", "Bearer not-a-token", 100},
		{"garbage in three parts", "Bearer a.b.c", 100},
		{"four parts", "Bearer " + valid + ".x", 100},
		{"alg none", "Bearer " + e.token(now, func(tok *jwt.Token, _ jwt.MapClaims) {
			tok.Method = jwt.SigningMethodNone
			tok.Header["alg"] = "none"
		}), 447},
		{"alg HS256", "Bearer " + e.token(now, func(tok *jwt.Token, _ jwt.MapClaims) {
			tok.Method = jwt.SigningMethodHS256
			tok.Header["alg"] = "HS256"
		}), 447},
		{"wrong kid", "Bearer " + e.token(now, func(tok *jwt.Token, _ jwt.MapClaims) { tok.Header["kid"] = "other" }), 433},
		{"no kid", "Bearer " + e.token(now, func(tok *jwt.Token, _ jwt.MapClaims) { delete(tok.Header, "kid") }), 100},
		{"wrong iss", "Bearer " + e.token(now, func(_ *jwt.Token, c jwt.MapClaims) { c["iss"] = 101 }), 100},
		{"iss as string", "Bearer " + e.token(now, func(_ *jwt.Token, c jwt.MapClaims) { c["iss"] = "100" }), 447},
		{"no iss", "Bearer " + e.token(now, func(_ *jwt.Token, c jwt.MapClaims) { delete(c, "iss") }), 447},
		{"no iat", "Bearer " + e.token(now, func(_ *jwt.Token, c jwt.MapClaims) { delete(c, "iat") }), 447},
		{"exp as string", "Bearer " + e.token(now, func(_ *jwt.Token, c jwt.MapClaims) { c["exp"] = "soon" }), 447},
		{"bad signature", "Bearer " + tamper(valid), 100},
		{"signature not base64", "Bearer " + valid[:strings.LastIndexByte(valid, '.')+1] + "!!!", 100},
		{"ttl 3600", "Bearer " + e.token(now, func(_ *jwt.Token, c jwt.MapClaims) { c["exp"] = now.Unix() + 3600 }), 0},
		{"ttl over 3600", "Bearer " + e.token(now, func(_ *jwt.Token, c jwt.MapClaims) { c["exp"] = now.Unix() + 3601 }), 454},
		{"iat within skew", "Bearer " + e.token(now, func(_ *jwt.Token, c jwt.MapClaims) { c["iat"] = now.Unix() + 10 }), 0},
		{"iat in the future", "Bearer " + e.token(now, func(_ *jwt.Token, c jwt.MapClaims) { c["iat"] = now.Unix() + 11 }), 455},
		{"expired", "Bearer " + e.token(now, func(_ *jwt.Token, c jwt.MapClaims) {
			c["iat"], c["exp"] = now.Unix()-60, now.Unix()
		}), 456},
		{"backdated iat", "Bearer " + e.token(now, func(_ *jwt.Token, c jwt.MapClaims) { c["iat"] = now.Unix() - 5 }), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for attempt := range 2 { // the second goes through the token cache
				a := e.doAuth(tt.auth, "GetChildrenAccounts", nil, "", "child_account_id=1000&count=1")
				if got := a.code(); got != tt.want {
					t.Fatalf("attempt %d: code %d, want %d (%s)", attempt, got, tt.want, a.Raw)
				}
			}
		})
	}
}

func TestTokenExpiresWhileCached(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var clock atomic.Int64
	clock.Store(now.Unix())
	e := start(t, Config{Now: func() time.Time { return time.Unix(clock.Load(), 0) }})
	auth := "Bearer " + e.token(now, nil)
	if a := e.doAuth(auth, "GetChildrenAccounts", nil, "", "child_account_id=1000"); a.code() != 0 {
		t.Fatalf("fresh token: %s", a.Raw)
	}
	clock.Add(60)
	if a := e.doAuth(auth, "GetChildrenAccounts", nil, "", "child_account_id=1000"); a.code() != 456 {
		t.Fatalf("cached token after exp: %s", a.Raw)
	}
}

func TestTokenCacheStaysBounded(t *testing.T) {
	var c tokenCache
	for i := range tokenCacheSize + 10 {
		c.put(strings.Repeat("x", i+1), tokenInfo{iat: int64(i)})
	}
	if len(c.m) > tokenCacheSize {
		t.Fatalf("cache holds %d tokens", len(c.m))
	}
	if ti, ok := c.get(strings.Repeat("x", tokenCacheSize+10)); !ok || ti.iat != tokenCacheSize+9 {
		t.Fatalf("latest token not cached: %v %v", ti, ok)
	}
}

package voxsim

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
)

// tokenInfo is what a verified token says about time.
type tokenInfo struct{ iat, exp int64 }

// tokenCache remembers tokens whose signature and claims were verified, so
// that a client reusing a token costs no RSA verification. Only the times
// are checked again on each use.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]tokenInfo
}

const tokenCacheSize = 1024

func (c *tokenCache) get(tok string) (tokenInfo, bool) {
	c.mu.Lock()
	ti, ok := c.m[tok]
	c.mu.Unlock()
	return ti, ok
}

func (c *tokenCache) put(tok string, ti tokenInfo) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= tokenCacheSize {
		c.m = make(map[string]tokenInfo)
	}
	c.m[tok] = ti
	c.mu.Unlock()
}

// authenticate checks the Authorization header of a request.
func (s *Server) authenticate(header string) *apiError {
	const scheme = "bearer "
	if len(header) <= len(scheme) || !strings.EqualFold(header[:len(scheme)], scheme) {
		return errAuth
	}
	tok := strings.TrimSpace(header[len(scheme):])
	ti, ok := s.tokens.get(tok)
	if !ok {
		var e *apiError
		if ti, e = s.verify(tok); e != nil {
			return e
		}
		s.tokens.put(tok, ti)
	}
	return checkTimes(ti, s.cfg.Now())
}

// checkTimes applies the token's time rules at now.
func checkTimes(ti tokenInfo, now time.Time) *apiError {
	switch {
	case ti.exp-ti.iat > int64(MaxTokenTTL/time.Second):
		return errTokenTTL
	case time.Unix(ti.iat, 0).After(now.Add(ClockSkew)):
		return errTokenFuture
	case !now.Before(time.Unix(ti.exp, 0)):
		return errTokenExpired
	}
	return nil
}

// verify checks a token's form, signature and issuer: alg RS256 and kid the
// key id in the header (another key id is 433), a valid signature, iss the
// account id and numeric iat and exp in the claims.
func (s *Server) verify(tok string) (tokenInfo, *apiError) {
	var ti tokenInfo
	h, rest, ok1 := strings.Cut(tok, ".")
	payload, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(sig, ".") {
		return ti, errAuth
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if !decodeSegment(h, &header) {
		return ti, errAuth
	}
	if header.Alg != "RS256" {
		return ti, errTokenFormat
	}
	switch header.Kid {
	case s.keyID:
	case "":
		return ti, errAuth
	default: // a key id, but not of this account's key
		return ti, errInvalidKeyID
	}
	rawSig, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return ti, errAuth
	}
	digest := sha256.Sum256([]byte(tok[:len(h)+1+len(payload)]))
	if rsa.VerifyPKCS1v15(s.pub, crypto.SHA256, digest[:], rawSig) != nil {
		return ti, errAuth
	}
	var claims struct {
		Iss, Iat, Exp json.RawMessage
	}
	if !decodeSegment(payload, &claims) {
		return ti, errTokenFormat
	}
	iss, ok1 := number(claims.Iss)
	iat, ok2 := number(claims.Iat)
	exp, ok3 := number(claims.Exp)
	if !ok1 || !ok2 || !ok3 {
		return ti, errTokenFormat
	}
	if iss != float64(s.cfg.AccountID) {
		return ti, errAuth
	}
	return tokenInfo{iat: int64(iat), exp: int64(exp)}, nil
}

// decodeSegment decodes a base64url JSON object.
func decodeSegment(seg string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return false
	}
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{' && json.Unmarshal(b, v) == nil
}

// number returns the value of a JSON number; strings and other types are
// not numbers.
func number(raw json.RawMessage) (float64, bool) {
	if len(raw) == 0 || !(raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	return f, err == nil
}

package voxsim

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestThrottleCodes(t *testing.T) {
	tests := []struct {
		code, want int
		msg        string
	}{
		{0, 340, "Rate limit exceeded"},
		{340, 340, "Rate limit exceeded"},
		{162, 162, "Try later"},
		{416, 416, "Repeat the request after 1 seconds"},
	}
	for _, tt := range tests {
		e := start(t, Config{RateLimit: 0.001, Burst: 1, ThrottleCode: tt.code})
		if a := e.form("SetChildAccountInfo", "child_account_id=1000&active=false"); a.code() != 0 {
			t.Fatalf("code %d: first request %s", tt.code, a.Raw)
		}
		a := e.form("SetChildAccountInfo", "child_account_id=1001&active=false")
		if a.HTTPStatus != http.StatusOK || a.code() != tt.want || a.Error.Msg != tt.msg {
			t.Fatalf("code %d: HTTP %d %s, want code %d %q", tt.code, a.HTTPStatus, a.Raw, tt.want, tt.msg)
		}
		if a.Header.Get("Retry-After") != "" {
			t.Errorf("code %d: Retry-After on an HTTP 200 answer", tt.code)
		}
	}
}

func TestThrottleWithoutRetryAfter(t *testing.T) {
	e := start(t, Config{RateLimit: 0.001, Burst: 1, ThrottleStatus: http.StatusTooManyRequests, NoRetryAfter: true})
	e.form("SetChildAccountInfo", "child_account_id=1000&active=false")
	a := e.form("SetChildAccountInfo", "child_account_id=1001&active=false")
	if a.HTTPStatus != http.StatusTooManyRequests {
		t.Fatalf("HTTP %d", a.HTTPStatus)
	}
	if _, ok := a.Header["Retry-After"]; ok {
		t.Fatalf("Retry-After %q", a.Header.Get("Retry-After"))
	}
}

func TestFixedWindow(t *testing.T) {
	cfg := Config{RateLimit: 3.7, Burst: 50, FixedWindow: true}
	l := newLimiter(&cfg)
	if l.bucket != nil || l.per != 3 {
		t.Fatalf("limiter %+v, want a window of 3", l)
	}
	clock := l.start
	l.now = func() time.Time { return clock }
	allowed := func(at time.Duration, n int) int {
		clock = l.start.Add(at)
		k := 0
		for range n {
			if l.Allow() {
				k++
			}
		}
		return k
	}
	steps := []struct {
		at      time.Duration
		n, want int
	}{
		{0, 2, 2},
		{999 * time.Millisecond, 5, 1}, // the window's third, then refused: Burst plays no part
		{time.Second, 5, 3},            // a new window, however close the last one's requests
		{1500 * time.Millisecond, 1, 0},
		{3 * time.Second, 4, 3},
	}
	for _, st := range steps {
		if got := allowed(st.at, st.n); got != st.want {
			t.Fatalf("at %v: %d of %d allowed, want %d", st.at, got, st.n, st.want)
		}
	}
	if newLimiter(&Config{}) != nil {
		t.Error("a limiter without a rate limit")
	}
	if got := windowAllowance(0.2); got != 1 {
		t.Errorf("window allowance %d for 0.2/s, want 1", got)
	}
}

func TestFixedWindowServer(t *testing.T) {
	e := start(t, Config{RateLimit: 2, FixedWindow: true})
	ok := 0
	for i := range 3 {
		if a := e.form("GetChildrenAccounts", "child_account_id=1000&count=1"); a.code() == 0 {
			ok++
		} else if a.code() != 340 {
			t.Fatalf("request %d: %s", i, a.Raw)
		}
	}
	// Three requests fall in at most two windows; a window allows two.
	if ok < 2 {
		t.Fatalf("%d of 3 allowed", ok)
	}
}

func TestThrottleCodeConfig(t *testing.T) {
	_, err := New(Config{Key: sharedKey(t), ThrottleCode: 341})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "341") {
		t.Fatalf("throttle code 341: %v", err)
	}
	c, err := Config{}.withDefaults()
	if err != nil || c.ThrottleCode != 340 {
		t.Fatalf("default throttle code %d, %v", c.ThrottleCode, err)
	}
}

package voxsim

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	e := start(t, Config{RateLimit: 0.001, Burst: 2})
	for i, want := range []int{0, 0, 340, 340} {
		body := "child_account_id=" + []string{"1000", "1001", "1002", "1003"}[i] + "&active=false"
		if a := e.form("SetChildAccountInfo", body); a.code() != want || a.HTTPStatus != http.StatusOK {
			t.Fatalf("request %d: HTTP %d code %d, want 200 %d (%s)", i, a.HTTPStatus, a.code(), want, a.Raw)
		}
	}
	if got := changedIDs(e.s); !slices.Equal(got, []int64{1000, 1001}) {
		t.Fatalf("changed %v", got)
	}
	if st := e.s.Stats(); st.ByOutcome["340"] != 2 || st.ByOutcome["ok"] != 2 {
		t.Fatalf("outcomes %v", st.ByOutcome)
	}
}

func TestRateLimitHTTPStatus(t *testing.T) {
	e := start(t, Config{RateLimit: 0.001, Burst: 1, ThrottleStatus: http.StatusTooManyRequests})
	if a := e.form("SetChildAccountInfo", "child_account_id=1000&active=false"); a.code() != 0 {
		t.Fatalf("first: %s", a.Raw)
	}
	a := e.form("SetChildAccountInfo", "child_account_id=1001&active=false")
	if a.HTTPStatus != http.StatusTooManyRequests || a.Header.Get("Retry-After") != "1" {
		t.Fatalf("HTTP %d Retry-After %q", a.HTTPStatus, a.Header.Get("Retry-After"))
	}
	if strings.HasPrefix(a.Raw, "{") {
		t.Fatalf("429 body is JSON: %s", a.Raw)
	}
	if st := e.s.Stats(); st.ByOutcome["http_429"] != 1 || st.AccountsChanged != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFaultRate(t *testing.T) {
	e := start(t, Config{FaultRate: 1})
	a := e.form("SetChildAccountInfo", "child_account_id=1000&active=false")
	if a.code() != 2 {
		t.Fatalf("answer %s", a.Raw)
	}
	if got := changedIDs(e.s); len(got) != 0 {
		t.Fatalf("changed %v", got)
	}
}

func TestDropRate(t *testing.T) {
	e := start(t, Config{DropRate: 1})
	req, err := http.NewRequest(http.MethodPost, e.endpoint+"SetChildAccountInfo",
		strings.NewReader("child_account_id=1000;1001&active=false"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+e.token(time.Now(), nil))
	resp, err := e.client.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got an answer: %s", resp.Status)
	}
	if got := changedIDs(e.s); !slices.Equal(got, []int64{1000, 1001}) {
		t.Fatalf("changed %v, want the change applied", got)
	}
	if st := e.s.Stats(); st.ByOutcome["dropped"] != 1 {
		t.Fatalf("outcomes %v", st.ByOutcome)
	}
}

func TestSeededFaultsRepeat(t *testing.T) {
	run := func() []int {
		e := start(t, Config{FaultRate: 0.5, Seed: 7})
		var codes []int
		for range 20 {
			codes = append(codes, e.form("GetChildrenAccounts", "child_account_id=1000&count=1").code())
		}
		return codes
	}
	first, second := run(), run()
	if !slices.Equal(first, second) {
		t.Fatalf("same seed, different faults:\n%v\n%v", first, second)
	}
	if !slices.Contains(first, 0) || !slices.Contains(first, 2) {
		t.Fatalf("faults at rate 0.5: %v", first)
	}
}

func TestJitterStaysInRange(t *testing.T) {
	s, err := New(Config{Key: sharedKey(t), Accounts: 1, LatencyJitter: 10 * time.Millisecond, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var seen time.Duration
	for range 1000 {
		d := s.draw()
		if d.jitter < 0 || d.jitter > 10*time.Millisecond || d.fault || d.drop {
			t.Fatalf("draw %+v", d)
		}
		seen = max(seen, d.jitter)
	}
	if seen == 0 {
		t.Fatal("no jitter drawn")
	}
}

func TestMaxList(t *testing.T) {
	e := start(t, Config{MaxList: 3})
	tests := []struct {
		method, body string
		code         int
	}{
		{"SetChildAccountInfo", "child_account_id=1000;1001;1002&active=false", 0},
		{"SetChildAccountInfo", "child_account_id=1000;1001;1002;1003&active=false", 101},
		{"SetChildAccountInfo", "child_account_name=child-1000;child-1001;child-1002;child-1003&active=false", 101},
		{"GetChildrenAccounts", "child_account_id=1000;1001;1002;1003", 101},
		{"GetChildrenAccounts", "child_account_id=1000;1001;1002", 0},
	}
	for _, tt := range tests {
		if a := e.form(tt.method, tt.body); a.code() != tt.code {
			t.Fatalf("%s %s: code %d, want %d", tt.method, tt.body, a.code(), tt.code)
		}
	}
	if a := e.account(1003); a.Applications != 0 {
		t.Fatalf("account 1003 changed by a rejected request")
	}
	if st := e.s.Stats(); st.MaxList != 4 {
		t.Fatalf("max_list %d", st.MaxList)
	}
}

func TestLatencyIsWaited(t *testing.T) {
	e := start(t, Config{Latency: 30 * time.Millisecond})
	began := time.Now()
	if a := e.form("GetChildrenAccounts", "child_account_id=1000"); a.code() != 0 {
		t.Fatal(a.Raw)
	}
	if d := time.Since(began); d < 30*time.Millisecond {
		t.Fatalf("answered after %v", d)
	}
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestLatencyEndsWithTheClient(t *testing.T) {
	const n = 5
	e := start(t, Config{Latency: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			body := strings.NewReader("child_account_id=" + []string{"1000", "1001", "1002", "1003", "1004"}[i] + "&active=false")
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.endpoint+"SetChildAccountInfo", body)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+e.token(time.Now(), nil))
			resp, err := e.client.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			errs <- err
		})
	}
	waitFor(t, "all requests in flight", func() bool { return e.s.Stats().InFlight == n })
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("client error %v", err)
		}
	}
	waitFor(t, "requests to end", func() bool { return e.s.Stats().InFlight == 0 })
	st := e.s.Stats()
	if st.MaxConcurrency != n || st.ByOutcome["canceled"] != n || st.Connections != n {
		t.Fatalf("stats %+v", st)
	}
	if got := changedIDs(e.s); len(got) != 0 {
		t.Fatalf("changed %v", got)
	}
}

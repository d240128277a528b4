package voxsim

import (
	"net/http"
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	ms := int64(time.Millisecond)
	tests := []struct {
		name   string
		events []int64 // milliseconds
		want   int
	}{
		{"none", nil, 0},
		{"one", []int64{0}, 1},
		{"within a second", []int64{0, 500, 999}, 3},
		{"exactly a second apart", []int64{0, 1000}, 1},
		{"sliding", []int64{0, 600, 900, 1100, 1500, 1599, 1600}, 5},
		{"simultaneous", []int64{5, 5, 5, 5}, 4},
		{"burst later", []int64{0, 2000, 2100, 2200, 2300, 2400, 2999, 3000, 3999}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w window
			for _, ev := range tt.events {
				w.add(ev * ms)
			}
			if w.max != tt.want {
				t.Fatalf("max %d, want %d", w.max, tt.want)
			}
		})
	}
	t.Run("steady rate", func(t *testing.T) {
		var w window
		for i := range int64(10_000) {
			w.add(i * ms) // 1000 per second, the ring grows and wraps
		}
		if w.max != 1000 {
			t.Fatalf("max %d, want 1000", w.max)
		}
		if w.n != 1000 {
			t.Fatalf("ring holds %d events", w.n)
		}
	})
}

func TestStats(t *testing.T) {
	e := start(t, Config{Accounts: 10})
	sends := []struct{ method, body string }{
		{"SetChildAccountInfo", "child_account_id=1000;1001;1002&active=false"},
		{"SetChildAccountInfo", "child_account_id=1001&active=true"},
		{"SetChildAccountInfo", "child_account_id=1&active=true"},
		{"GetChildrenAccounts", "child_account_id=1000;1001;1002;1003;1004"},
		{"DeleteEverything", ""},
	}
	for _, s := range sends {
		e.form(s.method, s.body)
	}
	var st Stats
	e.getJSON("/_sim/stats", &st)
	want := map[string]int64{"ok": 3, "194": 1, "103": 1}
	for k, n := range want {
		if st.ByOutcome[k] != n {
			t.Errorf("by_outcome[%s] = %d, want %d (%v)", k, st.ByOutcome[k], n, st.ByOutcome)
		}
	}
	if st.ByMethod["SetChildAccountInfo"] != 3 || st.ByMethod["GetChildrenAccounts"] != 1 || st.ByMethod["unknown"] != 1 {
		t.Errorf("by_method %v", st.ByMethod)
	}
	if st.Requests != 5 || st.AccountsChanged != 3 || st.Applications != 4 || st.MaxList != 5 ||
		st.MaxConcurrency != 1 || st.Connections != 1 || st.InFlight != 0 {
		t.Errorf("stats %+v", st)
	}
	if st.MaxPerSecond < 1 || st.MaxPerSecond > 5 {
		t.Errorf("max_per_second %d", st.MaxPerSecond)
	}

	resp, err := e.client.Post(e.base+"/_sim/reset-stats", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	st = e.s.Stats()
	if st.Requests != 0 || len(st.ByOutcome) != 0 || st.MaxPerSecond != 0 || st.MaxList != 0 || st.Connections != 0 {
		t.Errorf("after reset %+v", st)
	}
	if st.AccountsChanged != 3 || st.Applications != 4 {
		t.Errorf("account counters lost in reset: %+v", st)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("reset-stats: %s", resp.Status)
	}
}

func TestOutcomeName(t *testing.T) {
	for k, want := range map[int]string{0: "ok", -1: "dropped", -2: "canceled", -429: "http_429", 340: "340"} {
		if got := outcomeName(k); got != want {
			t.Errorf("outcomeName(%d) = %q, want %q", k, got, want)
		}
	}
}

package batch

import (
	"context"
	"errors"
	"testing"

	"github.com/voxbatch/voxbatch/voximplant"
)

// TestAttempterCallKinds pins how a call of the run (or a preview) and the
// unknown-outcome check treat the same answers.
func TestAttempterCallKinds(t *testing.T) {
	tests := []struct {
		name                 string
		check                bool
		script               []error
		wantEnd              ending
		wantCalls, wantTries int
		wantRequests         int64
		wantRetries          int64
		wantThrottled        int64
		wantRenewals         int
	}{
		{name: "throttled answers do not use up attempts", script: []error{apiErr(340), apiErr(340), apiErr(2), nil},
			wantEnd: answered, wantCalls: 4, wantTries: 2, wantRequests: 4, wantRetries: 1, wantThrottled: 2},
		{name: "transient answers do", script: []error{apiErr(2), apiErr(2), apiErr(2)},
			wantEnd: exhausted, wantCalls: 3, wantTries: 3, wantRequests: 3, wantRetries: 2},
		{name: "token renewed once", script: []error{apiErr(456), nil},
			wantEnd: answered, wantCalls: 2, wantTries: 2, wantRequests: 2, wantRetries: 1, wantRenewals: 1},
		{name: "token refused after renewal", script: []error{apiErr(456), apiErr(456)},
			wantEnd: refused, wantCalls: 2, wantTries: 2, wantRequests: 2, wantRetries: 1, wantRenewals: 1},
		{name: "row data is the caller's", script: []error{apiErr(194)},
			wantEnd: answered, wantCalls: 1, wantTries: 1, wantRequests: 1},
		{name: "check: throttled answers use up attempts, without a pause", check: true,
			script:  []error{apiErr(340), apiErr(340), apiErr(340)},
			wantEnd: exhausted, wantCalls: 3, wantTries: 3, wantRequests: 3},
		{name: "check: a token error ends it", check: true, script: []error{apiErr(456)},
			wantEnd: answered, wantCalls: 1, wantTries: 1, wantRequests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fastConfig(Config{Rate: 1000, MaxAttempts: 3})
			cfg.defaults()
			c := &scriptClient{script: tt.script}
			a := newAttempter(c, &cfg, 1)
			o := a.do(&call{pace: context.Background(), check: tt.check,
				attempt: func(ctx context.Context) error { return c.SetChildAccountInfo(ctx, nil) }})
			if o.end != tt.wantEnd || len(c.calls) != tt.wantCalls || o.attempts != tt.wantTries {
				t.Errorf("end %d after %d calls, %d attempts; want %d, %d, %d",
					o.end, len(c.calls), o.attempts, tt.wantEnd, tt.wantCalls, tt.wantTries)
			}
			if a.requests.Load() != tt.wantRequests || a.retries.Load() != tt.wantRetries ||
				a.throttled.Load() != tt.wantThrottled || c.renewals != tt.wantRenewals {
				t.Errorf("requests %d retries %d throttled %d renewals %d; want %d %d %d %d",
					a.requests.Load(), a.retries.Load(), a.throttled.Load(), c.renewals,
					tt.wantRequests, tt.wantRetries, tt.wantThrottled, tt.wantRenewals)
			}
		})
	}
}

func TestAttempterStops(t *testing.T) {
	cfg := fastConfig(Config{Rate: 1000, MaxAttempts: 3})
	cfg.defaults()

	// A backoff cut short by pace keeps the API's error and gives pace's.
	c := &scriptClient{script: []error{apiErr(2)}}
	a := newAttempter(c, &cfg, 1)
	ctx, cancel := context.WithCancel(context.Background())
	o := a.do(&call{pace: ctx, attempt: func(ctx context.Context) error {
		cancel() // pace ends while the answer comes back
		return c.SetChildAccountInfo(ctx, nil)
	}})
	if o.end != stopped || o.err == nil || !errors.Is(o.result(), context.Canceled) {
		t.Errorf("backoff cut short: end %d err %v result %v", o.end, o.err, o.result())
	}

	// ready saying no stops the call before any attempt.
	a = newAttempter(c, &cfg, 1)
	o = a.do(&call{pace: context.Background(), ready: func() bool { return false },
		attempt: func(context.Context) error { t.Fatal("attempted"); return nil }})
	if o.end != stopped || o.err != nil || o.attempts != 0 || a.requests.Load() != 0 {
		t.Errorf("ready said no: %+v, %d requests", o, a.requests.Load())
	}

	// An attempt that failed once its own context ended: unknown outcome.
	callCtx, endCall := context.WithCancel(context.Background())
	o = a.do(&call{pace: context.Background(), ctx: callCtx, attempt: func(context.Context) error {
		endCall()
		return &voximplant.TransportError{Op: "SetChildAccountInfo", Written: true, Err: context.Canceled}
	}})
	if o.end != stopped || !o.unknown || o.err == nil || o.attempts != 1 {
		t.Errorf("grace ran out: %+v", o)
	}
}

package batch

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/voxbatch/voxbatch/voximplant"
)

// timedClient answers from a script like scriptClient and notes when each
// call came.
type timedClient struct {
	scriptClient
	mu    sync.Mutex
	times []time.Time
}

func (c *timedClient) SetChildAccountInfo(ctx context.Context, params url.Values) error {
	c.mu.Lock()
	c.times = append(c.times, time.Now())
	c.mu.Unlock()
	return c.scriptClient.SetChildAccountInfo(ctx, params)
}

// TestThrottledRequestWaitsWhatTheServerAsked: the request that was
// throttled waits at least what the server asked (capped at MaxPause), and
// a lone throttled answer does not pause the other workers.
func TestThrottledRequestWaitsWhatTheServerAsked(t *testing.T) {
	const asked = 60 * time.Millisecond
	tests := []struct {
		name     string
		err      error
		maxPause time.Duration
		atLeast  time.Duration
	}{
		{"429 with Retry-After", &voximplant.APIError{HTTPStatus: 429, Msg: "Too Many Requests", RetryAfter: asked}, 0, asked},
		{"416", &voximplant.APIError{Code: voximplant.CodeRepeatAfter, HTTPStatus: 200, RetryAfter: asked}, 0, asked},
		{"Retry-After over MaxPause", &voximplant.APIError{HTTPStatus: 429, RetryAfter: time.Hour}, asked, asked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fastConfig(Config{Rate: 1000, MaxPause: tt.maxPause})
			cfg.defaults()
			c := &timedClient{scriptClient: scriptClient{script: []error{tt.err}}}
			a := newAttempter(c, &cfg, 1)
			o := a.do(&call{pace: context.Background(),
				attempt: func(ctx context.Context) error { return c.SetChildAccountInfo(ctx, nil) }})
			if o.end != answered || o.err != nil || len(c.times) != 2 {
				t.Fatalf("end %d err %v after %d calls", o.end, o.err, len(c.times))
			}
			if got := c.times[1].Sub(c.times[0]); got < tt.atLeast {
				t.Errorf("retried after %v, want at least %v", got, tt.atLeast)
			}
			if a.throttled.Load() != 1 {
				t.Errorf("%d throttled answers counted", a.throttled.Load())
			}
			if left := time.Until(a.pacer.pausedUntil); left > 0 {
				t.Errorf("a lone throttled answer paused every worker for %v", left)
			}
		})
	}
}

// TestThrottledAnswerStopsWithPace: a throttled request waiting what the
// server asked stops when its pace ends.
func TestThrottledAnswerStopsWithPace(t *testing.T) {
	cfg := fastConfig(Config{Rate: 1000})
	cfg.defaults()
	c := &scriptClient{script: []error{&voximplant.APIError{HTTPStatus: 429, RetryAfter: time.Hour}}}
	a := newAttempter(c, &cfg, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	o := a.do(&call{pace: ctx, attempt: func(ctx context.Context) error { return c.SetChildAccountInfo(ctx, nil) }})
	if o.end != stopped || o.stopErr == nil || len(c.calls) != 1 {
		t.Errorf("end %d stopErr %v after %d calls", o.end, o.stopErr, len(c.calls))
	}
}

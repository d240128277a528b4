package batch

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voxsim"
)

func TestRunThresholds(t *testing.T) {
	// Every other row names an account that does not exist.
	ids := idRange(1000, 400)
	for i := 1; i < len(ids); i += 2 {
		ids[i] = 50000 + i
	}
	tests := []struct {
		name string
		cfg  Config
	}{
		{"max failures", Config{MaxFailures: 5}},
		{"max failure rate", Config{MaxFailureRate: 0.2, MinSample: 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, client := startSim(t, voxsim.Config{Accounts: 1000})
			p := disablePlan(t, ids)
			cfg := tt.cfg
			cfg.Workers, cfg.Rate, cfg.ChunkSize = 2, 2000, 1
			res, err := New(p, client, fastConfig(cfg)).Run(context.Background())
			var ae *AbortError
			var te *ThresholdError
			if !errors.As(err, &ae) || !errors.As(err, &te) {
				t.Fatalf("err = %v, want an abort on a threshold", err)
			}
			st := countStatus(res.Records)
			if st[report.NotAttempted] == 0 {
				t.Errorf("statuses %v: nothing left unsent after the abort", st)
			}
			if st[report.Failed] > 40 {
				t.Errorf("statuses %v: the run went on long after the threshold", st)
			}
		})
	}
}

func TestRunInterruptLeavesCompleteRecords(t *testing.T) {
	s, client := startSim(t, voxsim.Config{Accounts: 2000, Latency: 30 * time.Millisecond})
	p := disablePlan(t, idRange(1000, 2000))
	ctx, cancel := context.WithCancel(context.Background())
	applied := 0
	r := New(p, client, fastConfig(Config{Workers: 2, Rate: 50, ChunkSize: 10, Grace: 5 * time.Second,
		OnOutcome: func(_ int, rec *report.Record) {
			if rec.Status == report.Applied {
				applied++
				if applied == 50 {
					cancel()
				}
			}
		}}))
	res, err := r.Run(ctx)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	st := countStatus(res.Records)
	if st[report.Applied]+st[report.NotAttempted] != 2000 || st[report.NotAttempted] == 0 {
		t.Fatalf("statuses %v", st)
	}
	// Every row reported applied was applied; in-flight requests finished.
	changed := 0
	for _, a := range s.Accounts() {
		if !a.Active {
			changed++
		}
	}
	if changed != st[report.Applied] {
		t.Errorf("simulator changed %d accounts, report says %d applied", changed, st[report.Applied])
	}
}

func TestRunAdaptsToThrottling(t *testing.T) {
	for _, status := range []int{0, 429} {
		s, client := startSim(t, voxsim.Config{Accounts: 200, RateLimit: 40, ThrottleStatus: status})
		p := disablePlan(t, idRange(1000, 200))
		r := New(p, client, fastConfig(Config{Workers: 4, Rate: 120, ChunkSize: 2}))
		res, err := r.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := countStatus(res.Records); got[report.Applied] != 200 {
			t.Fatalf("status %d: statuses %v", status, got)
		}
		if res.Stats.Throttled == 0 {
			t.Errorf("status %d: never throttled at 3x the server's limit", status)
		}
		if st := s.Stats(); int(st.Requests) != res.Stats.Requests {
			t.Errorf("status %d: simulator saw %d requests, runner counted %d", status, st.Requests, res.Stats.Requests)
		}
	}
}

package batch

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voximplant"
	"github.com/voxbatch/voxbatch/voxsim"
)

// wrongKeyClient is a client of s holding the credentials of another
// simulator: another key id, which s answers 433.
func wrongKeyClient(t *testing.T, s *voxsim.Server, endpoint string) *voximplant.Client {
	t.Helper()
	other, err := voxsim.New(voxsim.Config{Accounts: 1, Key: sharedKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	if other.KeyID() == s.KeyID() {
		t.Fatal("two simulators with one key id")
	}
	return clientFor(t, other.CredentialsJSON(), endpoint)
}

// TestWrongKeyID: a wrong key_id stops the run at once, at most one
// request per worker. Before issue 12, 433 counted as row data and a
// 1,000-row plan cost 1,980 requests, every row failed.
func TestWrongKeyID(t *testing.T) {
	s, err := voxsim.New(voxsim.Config{Accounts: 1000, Key: sharedKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	endpoint, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	client := wrongKeyClient(t, s, endpoint)
	p := disablePlan(t, idRange(1000, 1000))
	const workers = 4
	res, err := New(p, client, fastConfig(Config{Workers: workers, Rate: 2000, ChunkSize: 50})).Run(context.Background())
	var ae *AbortError
	var apiErr *voximplant.APIError
	if !errors.As(err, &ae) || !errors.As(err, &apiErr) || apiErr.Code != voximplant.CodeInvalidKeyID {
		t.Fatalf("err = %v, want an abort on 433", err)
	}
	n := s.Stats().Requests
	t.Logf("requests for a 1,000-row plan with a wrong key id: %d (before issue 12: 1,980)", n)
	if n > workers || res.Stats.Requests > workers {
		t.Errorf("%d requests (runner %d), want at most one per worker (%d)", n, res.Stats.Requests, workers)
	}
	if st := countStatus(res.Records); st[report.NotAttempted] != 1000 {
		t.Errorf("statuses %v, want every row not_attempted", st)
	}

	// The reads stop as soon.
	s.ResetStats()
	_, err = ReadPreview(context.Background(), p, client, fastConfig(Config{Workers: workers, Rate: 2000, ChunkSize: 50}), 0)
	if !errors.As(err, &ae) {
		t.Fatalf("preview: err = %v, want *AbortError", err)
	}
	if n := s.Stats().Requests; n > workers {
		t.Errorf("preview: %d reads with a wrong key id, want at most %d", n, workers)
	}
}

// TestUnrecognizedCodeNeverBisects: a code voxbatch does not know fails
// the request's rows unsplit, and the same code from MaxUnrecognized
// requests in a row stops the run.
func TestUnrecognizedCodeNeverBisects(t *testing.T) {
	always := make([]error, 1000)
	for i := range always {
		always[i] = apiErr(9999)
	}
	for _, tt := range []struct {
		name         string
		workers      int
		maxUnrec     int
		wantRequests int // at most
	}{
		{"one worker, default 3", 1, 0, 3},
		{"one worker, 5", 1, 5, 5},
		{"four workers", 4, 0, 3 + 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &scriptClient{script: append([]error(nil), always...)}
			p := disablePlan(t, idRange(1000, 1000))
			res, err := New(p, c, fastConfig(Config{Workers: tt.workers, Rate: 5000, ChunkSize: 50,
				MaxUnrecognized: tt.maxUnrec})).Run(context.Background())
			var ae *AbortError
			if !errors.As(err, &ae) || !strings.Contains(err.Error(), "does not know") {
				t.Fatalf("err = %v, want an abort", err)
			}
			if len(c.calls) > tt.wantRequests {
				t.Errorf("%d requests, want at most %d (no bisection)", len(c.calls), tt.wantRequests)
			}
			st := countStatus(res.Records)
			if st[report.Failed] != 50*len(c.calls) || st[report.Failed]+st[report.NotAttempted] != 1000 {
				t.Errorf("statuses %v after %d requests: want the requests' rows failed, no others", st, len(c.calls))
			}
			for _, rec := range res.Records {
				if rec.Status == report.Failed && (rec.ErrorCode != 9999 || !strings.Contains(rec.ErrorMessage, "not split")) {
					t.Fatalf("failed row: %d %q", rec.ErrorCode, rec.ErrorMessage)
				}
			}
		})
	}
}

// TestUnrecognizedCodeStreakResets: answers in between end the streak, so
// an occasional unknown code fails its requests' rows and the run goes on.
func TestUnrecognizedCodeStreakResets(t *testing.T) {
	var script []error
	for range 10 {
		script = append(script, apiErr(9999), apiErr(9999), nil)
	}
	c := &scriptClient{script: script}
	p := disablePlan(t, idRange(1000, 300))
	res, err := New(p, c, fastConfig(Config{Workers: 1, Rate: 5000, ChunkSize: 10})).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.calls) != 30 {
		t.Errorf("%d requests for 30 chunks, want 30", len(c.calls))
	}
	if st := countStatus(res.Records); st[report.Failed] != 200 || st[report.Applied] != 100 {
		t.Errorf("statuses %v", st)
	}
	// Another unknown code is another streak.
	c = &scriptClient{script: []error{apiErr(9998), apiErr(9999), apiErr(9998), apiErr(9999)}}
	if _, err := New(disablePlan(t, idRange(1000, 40)), c, fastConfig(Config{Workers: 1, Rate: 5000, ChunkSize: 10})).Run(context.Background()); err != nil {
		t.Errorf("alternating unknown codes stopped the run: %v", err)
	}
}

// TestCodesOfIssue12 pins what a run does with each code the API
// documents and voxbatch did not know before issue 12.
func TestCodesOfIssue12(t *testing.T) {
	tests := []struct {
		name       string
		script     []error
		wantCalls  int
		wantStatus report.Status // of the first chunk's rows
		wantCode   int
		wantAbort  bool
		wantInMsg  string
	}{
		{"102 missing cmd is fatal", []error{apiErr(102)}, 1, report.NotAttempted, 102, true, ""},
		{"458 two selectors is fatal", []error{apiErr(458)}, 1, report.NotAttempted, 458, true, ""},
		{"492 forbidden parameter is fatal", []error{&voximplant.APIError{Code: 492, Msg: "forbidden", FieldName: "support_robokassa", HTTPStatus: 200}},
			1, report.NotAttempted, 492, true, ""},
		{"433 invalid key id is fatal", []error{apiErr(433)}, 1, report.NotAttempted, 433, true, ""},
		{"484 is retried, never a row failure", []error{apiErr(484), apiErr(484)}, 3 + 1, report.Applied, 0, false, ""},
		{"484 to every attempt leaves the rows for a rerun", []error{apiErr(484), apiErr(484), apiErr(484), apiErr(484)}, 4 + 1,
			report.NotAttempted, 484, false, ""},
		{"512 fails the rows unsplit", []error{apiErr(512)}, 1 + 1, report.Failed, 512, false, "--retry-failed"},
		{"154 is row data: split", []error{apiErr(154)}, 3 + 1, report.Applied, 0, false, ""},
		{"171 is row data: split", []error{apiErr(171), apiErr(171)}, 3 + 1, report.Failed, 171, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &scriptClient{script: tt.script}
			p := disablePlan(t, idRange(1000, 4))
			res, err := New(p, c, fastConfig(Config{Workers: 1, Rate: 5000, ChunkSize: 2, MaxAttempts: 4})).Run(context.Background())
			var ae *AbortError
			if tt.wantAbort != errors.As(err, &ae) {
				t.Fatalf("err = %v, want abort %v", err, tt.wantAbort)
			}
			if len(c.calls) != tt.wantCalls {
				t.Errorf("%d calls, want %d", len(c.calls), tt.wantCalls)
			}
			rec := res.Records[0]
			if rec.Status != tt.wantStatus || rec.ErrorCode != tt.wantCode || !strings.Contains(rec.ErrorMessage, tt.wantInMsg) {
				t.Errorf("row 0: %s %d %q, want %s %d %q", rec.Status, rec.ErrorCode, rec.ErrorMessage, tt.wantStatus, tt.wantCode, tt.wantInMsg)
			}
			if !tt.wantAbort && res.Records[3].Status != report.Applied {
				t.Errorf("the second chunk: %s, want applied", res.Records[3].Status)
			}
		})
	}
}

// TestResendAnswersAgainstTheSimulator: 484 answers are retried with
// backoff; no row fails and no chunk is split.
func TestResendAnswersAgainstTheSimulator(t *testing.T) {
	s, client := startSim(t, voxsim.Config{Accounts: 1000, ResendRate: 0.2, Seed: 3})
	p := disablePlan(t, idRange(1000, 1000))
	res, err := New(p, client, fastConfig(Config{Workers: 4, Rate: 5000, ChunkSize: 50, MaxAttempts: 10})).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st := countStatus(res.Records); st[report.Applied] != 1000 {
		t.Fatalf("statuses %v", st)
	}
	st := s.Stats()
	resent := st.ByOutcome["484"]
	if resent == 0 || st.Requests != 20+resent || int64(res.Stats.Retries) != resent {
		t.Errorf("%d requests, %d answered 484, %d retries: want 20 chunks plus one retry per 484", st.Requests, resent, res.Stats.Retries)
	}
}

// TestErrorsEnvelopeAgainstTheSimulator: errors in the {"errors": [...]}
// form keep their code: bad rows are isolated and reported with it, not
// retried as answers that are not the API's.
func TestErrorsEnvelopeAgainstTheSimulator(t *testing.T) {
	s, client := startSim(t, voxsim.Config{Accounts: 100, ErrorsEnvelope: true})
	ids := idRange(1000, 20)
	ids[7] = 99999
	res, err := New(disablePlan(t, ids), client, fastConfig(Config{Workers: 1, Rate: 5000, ChunkSize: 20})).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rec := res.Records[7]; rec.Status != report.Failed || rec.ErrorCode != voximplant.CodeInvalidAccountID {
		t.Errorf("row of 99999: %s %d %q, want failed 194", rec.Status, rec.ErrorCode, rec.ErrorMessage)
	}
	if st := countStatus(res.Records); st[report.Applied] != 19 || res.Stats.Retries != 0 {
		t.Errorf("statuses %v, %d retries", st, res.Stats.Retries)
	}
	if s.Stats().ByOutcome["194"] == 0 {
		t.Error("the simulator answered no 194")
	}
}

// TestUnknownOutcomeCheckMatchesExactly: the read-back after an unanswered
// attempt names the account by its new email and counts only the account
// with exactly that email, whatever else the API's filter returned.
func TestUnknownOutcomeCheckMatchesExactly(t *testing.T) {
	p := csvPlan(t, "child_account_id,new_child_account_email", []string{"1000,new@example.test"})
	c := &scriptClient{script: []error{unanswered, apiErr(voximplant.CodeEmailNotUnique)},
		accounts: []voximplant.AccountInfo{{AccountID: 2000, AccountEmail: "renew@example.test"}, {AccountID: 1000, AccountEmail: "NEW@example.test"}}}
	res, err := New(p, c, fastConfig(Config{Workers: 1, Rate: 1000, MaxAttempts: 3})).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rec := res.Records[0]; rec.Status != report.Applied || c.gets != 1 {
		t.Errorf("record %s %q after %d reads, want applied after 1", rec.Status, rec.ErrorMessage, c.gets)
	}
}

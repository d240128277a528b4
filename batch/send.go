package batch

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voximplant"
)

// attemptLog is what the attempts at one set of rows have met so far.
type attemptLog struct {
	seq      int       // request number that decides these rows
	attempts int       // attempts that carried these rows, ancestors' included
	started  time.Time // first attempt that carried them
	unknown  bool      // some attempt was written and never answered
	marked   bool      // this run journaled the rows as sent (markSent)
}

// send carries rows (primary rows of req, all of one change) through their
// attempts until they are decided, bisecting on row-data errors. prior is
// the number of attempts that already carried these rows in a larger chunk.
func (r *Runner) send(reqCtx, dispatchCtx context.Context, req *plan.Request, rows []int32, seq, prior int) {
	log := attemptLog{seq: seq, attempts: prior, started: r.cfg.Now()}
	if r.cfg.Unknown != nil {
		for _, row := range rows {
			log.unknown = log.unknown || r.cfg.Unknown(int(row))
		}
	}
	params := r.params(req, rows)
	throttles, own := 0, 0
	for {
		// Once the run is stopped (a signal, a fatal error, a threshold),
		// nothing new goes out, first attempts and retries alike: the
		// rows stay not_attempted for a later run. Only an attempt already
		// in flight finishes, under reqCtx.
		if err := r.pacer.wait(dispatchCtx); err != nil || dispatchCtx.Err() != nil {
			r.finish(rows, report.NotAttempted, nil, &log)
			return
		}
		if !log.marked && req.Change.Solo() {
			if !r.markSent(rows) {
				r.finish(rows, report.NotAttempted, nil, &log)
				return
			}
			log.marked = true
		}
		r.tokenMu.Lock()
		gen := r.tokenGen
		r.tokenMu.Unlock()

		own++
		log.attempts++
		r.requests.Add(1)
		if own > 1 {
			r.retries.Add(1)
		}
		r.inFlight.Add(1)
		err := r.client.SetChildAccountInfo(reqCtx, params)
		r.inFlight.Add(-1)
		v := voximplant.Classify(err) // the zero Verdict for a success
		r.outcomes[v.Class].Add(1)
		if err == nil {
			r.pacer.succeeded()
			r.tokenSucceeded()
			r.finish(rows, report.Applied, nil, &log)
			return
		}
		if reqCtx.Err() != nil {
			// The grace period ran out; the outcome is unknown, and a rerun
			// re-sends (the change is idempotent, and a password or email
			// row keeps its sent marker).
			log.unknown = true
			r.finish(rows, report.NotAttempted, err, &log)
			return
		}
		switch v.Class {
		case voximplant.Throttled:
			throttles++
			own-- // throttled answers do not use up --max-attempts
			log.attempts--
			r.onThrottled(v, throttles, err, "request", log.seq)
			if throttles >= r.cfg.MaxThrottles {
				r.finish(rows, report.Failed, err, &log)
				return
			}
		case voximplant.Transient:
			log.unknown = log.unknown || v.Unknown
			if own >= r.cfg.MaxAttempts {
				r.finish(rows, report.Failed, err, &log)
				return
			}
			if sleepCtx(dispatchCtx, r.backoff(own)) != nil {
				r.finish(rows, report.NotAttempted, err, &log)
				return
			}
		case voximplant.Token:
			if !r.renewToken(gen) {
				r.abort(&AbortError{Reason: "fatal error", Err: fmt.Errorf("token refused after renewal: %w", err)})
				r.finish(rows, report.NotAttempted, err, &log)
				return
			}
		case voximplant.RowData:
			if len(rows) > 1 {
				half := len(rows) / 2
				r.send(reqCtx, dispatchCtx, req, rows[:half], int(r.nextSeq.Add(1)), log.attempts)
				r.send(reqCtx, dispatchCtx, req, rows[half:], int(r.nextSeq.Add(1)), log.attempts)
				return
			}
			if log.unknown {
				applied, cerr := r.appliedEarlier(reqCtx, req, rows[0], err)
				if cerr != nil {
					// Undecided: leave the row, and its sent marker, to a
					// later run rather than call it failed.
					r.cfg.Logger.Warn("could not check whether an unanswered attempt was applied", "request", log.seq, "error", cerr)
					r.finish(rows, report.NotAttempted, err, &log)
					return
				}
				if applied {
					r.finish(rows, report.Applied, nil, &log, "an earlier attempt that got no answer applied it: "+err.Error())
					return
				}
			}
			r.finish(rows, report.Failed, err, &log)
			return
		case voximplant.Canceled:
			log.unknown = log.unknown || v.Unknown
			r.finish(rows, report.NotAttempted, err, &log)
			return
		default: // voximplant.Fatal
			r.abort(&AbortError{Reason: "fatal error", Err: err})
			r.finish(rows, report.NotAttempted, err, &log)
			return
		}
	}
}

// markSent journals that rows (a password or email change) are about to be
// sent, before they are: a run killed before the answer leaves a rerun that
// knows the change may have been applied. A journal that cannot be written
// stops the run; markSent then returns false.
func (r *Runner) markSent(rows []int32) bool {
	j := r.cfg.Journal
	if j == nil {
		return true
	}
	for _, row := range rows {
		j.RecordSent(int(row))
		for _, d := range r.plan.Dups(int(row)) {
			j.RecordSent(d)
		}
	}
	if err := j.Write(); err != nil {
		r.abort(&AbortError{Reason: "journal", Err: err})
		return false
	}
	return true
}

// onThrottled handles a throttled answer: it counts it, pauses every worker
// for the time the server asked (or a backoff) and cuts the shared rate.
func (r *Runner) onThrottled(v voximplant.Verdict, throttles int, err error, logArgs ...any) {
	r.throttled.Add(1)
	pause := v.RetryAfter
	if pause <= 0 {
		pause = r.backoff(min(throttles, 4))
	}
	if pause > r.cfg.MaxPause {
		// A proxy's Retry-After of an hour would stall every worker.
		r.cfg.Logger.Warn("the server asked for a long pause; pausing less", "asked", pause, "pause", r.cfg.MaxPause)
		pause = r.cfg.MaxPause
	}
	r.cfg.Logger.Debug("throttled", append(logArgs, "pause", pause, "error", err)...)
	r.pacer.throttled(pause, v.RetryAfter > 0)
}

// params builds the form of one request: the selector list and the change.
func (r *Runner) params(req *plan.Request, rows []int32) url.Values {
	v := url.Values{}
	req.Change.AddTo(v)
	var b strings.Builder
	for i, row := range rows {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(r.plan.Rows[row].Account)
	}
	v.Set(req.Kind.String(), b.String())
	return v
}

// renewToken handles a token error met by an attempt that used token
// generation gen. It reports whether to retry: yes if another worker
// renewed since, or if this is the first renewal since the last success; no
// if a renewed token was refused too.
func (r *Runner) renewToken(gen int) bool {
	r.tokenMu.Lock()
	defer r.tokenMu.Unlock()
	if gen < r.tokenGen {
		return true
	}
	if r.renewPending {
		return false
	}
	r.client.RenewToken()
	r.tokenGen++
	r.renewPending = true
	return true
}

func (r *Runner) tokenSucceeded() {
	r.tokenMu.Lock()
	r.renewPending = false
	r.tokenMu.Unlock()
}

// appliedEarlier decides whether a row-data error met after an unanswered
// attempt is the trace of that attempt having been applied. A password
// "used before" (535) is: the lost attempt set it. For a new email, the
// account is read back: named by id or name, the change was applied if the
// account has the new email now ("not unique", 128, because it is its own).
// Named by its old email, the change was applied if that email is gone
// (199) and an account has the new one. An error means it could not tell.
func (r *Runner) appliedEarlier(ctx context.Context, req *plan.Request, row int32, err error) (bool, error) {
	var ae *voximplant.APIError
	if !errors.As(err, &ae) {
		return false, nil
	}
	if _, ok := req.Change.Get(plan.NewChildAccountPassword); ok && ae.Code == voximplant.CodePasswordUsedBefore {
		return true, nil
	}
	newEmail, ok := req.Change.Get(plan.NewChildAccountEmail)
	if !ok {
		return false, nil
	}
	switch {
	case req.Kind == plan.ByEmail && ae.Code != 199,
		req.Kind != plan.ByEmail && ae.Code != voximplant.CodeEmailNotUnique:
		return false, nil
	}
	var got *voximplant.AccountInfo
	for attempt := 1; ; attempt++ {
		if err := r.pacer.wait(ctx); err != nil {
			return false, err
		}
		r.requests.Add(1)
		res, gerr := r.client.GetChildrenAccounts(ctx, url.Values{"child_account_email": {newEmail}})
		if gerr == nil {
			if len(res.Result) == 1 {
				got = &res.Result[0]
			}
			break
		}
		if c := voximplant.Classify(gerr).Class; (c != voximplant.Transient && c != voximplant.Throttled) || attempt >= r.cfg.MaxAttempts {
			return false, gerr
		}
		if err := sleepCtx(ctx, r.backoff(attempt)); err != nil {
			return false, err
		}
	}
	if got == nil || !strings.EqualFold(got.AccountEmail, newEmail) {
		return false, nil
	}
	acc := r.plan.Rows[row].Account
	switch req.Kind {
	case plan.ByID:
		return strconv.FormatInt(got.AccountID, 10) == acc, nil
	case plan.ByName:
		return got.AccountName == acc, nil
	default:
		// Named by its old email, which no account has any more (199).
		return true, nil
	}
}

// finish records the outcome of rows and of the rows merged into them.
func (r *Runner) finish(rows []int32, st report.Status, err error, log *attemptLog, note ...string) {
	now := r.cfg.Now()
	rec := report.Record{Status: st, Attempts: log.attempts, Request: log.seq, StartedAt: log.started, FinishedAt: now}
	if log.attempts == 0 {
		rec.StartedAt, rec.FinishedAt = time.Time{}, time.Time{}
	}
	if err != nil {
		var ae *voximplant.APIError
		if errors.As(err, &ae) {
			rec.ErrorCode, rec.HTTPStatus, rec.ErrorMessage = ae.Code, ae.HTTPStatus, ae.Msg
		} else {
			rec.ErrorMessage = err.Error()
		}
	}
	if len(note) > 0 {
		rec.ErrorMessage = note[0]
	}
	// Rows this run marked as sent and left undecided, with no attempt of
	// unknown outcome, get a not_attempted line that supersedes the
	// marker: a later run must not take a definite refusal for an
	// unanswered attempt.
	clearSent := st == report.NotAttempted && log.marked && !log.unknown
	var thresholdErr error
	r.mu.Lock()
	n := 0
	for _, row := range rows {
		r.record(int(row), &rec, clearSent)
		n++
		for _, d := range r.plan.Dups(int(row)) {
			r.record(d, &rec, clearSent)
			n++
		}
	}
	if st == report.Failed {
		r.failed += n
	}
	if r.failed > 0 {
		thresholdErr = r.crossed()
	}
	var journalErr error
	if j := r.cfg.Journal; j != nil && (st != report.NotAttempted || clearSent) {
		journalErr = j.Write()
	}
	r.mu.Unlock()
	if journalErr != nil {
		// Without the journal a rerun would redo or lose work: stop.
		r.abort(&AbortError{Reason: "journal", Err: journalErr})
	}
	if thresholdErr != nil {
		r.abort(&AbortError{Reason: "failure threshold", Err: thresholdErr})
	}
}

// record sets row i's record from tmpl and journals it (a not_attempted
// record only with clearSent); r.mu is held.
func (r *Runner) record(i int, tmpl *report.Record, clearSent bool) {
	rec := &r.recs[i]
	r.byStatus[rec.Status]--
	r.byStatus[tmpl.Status]++
	rec.Status, rec.ErrorCode, rec.ErrorMessage, rec.HTTPStatus = tmpl.Status, tmpl.ErrorCode, tmpl.ErrorMessage, tmpl.HTTPStatus
	rec.Attempts, rec.Request, rec.StartedAt, rec.FinishedAt = tmpl.Attempts, tmpl.Request, tmpl.StartedAt, tmpl.FinishedAt
	if tmpl.Status != report.NotAttempted {
		r.done++ // rows left for a later run are not done
	}
	if j := r.cfg.Journal; j != nil && (rec.Status != report.NotAttempted || clearSent) {
		j.Record(i, rec)
	}
	if r.cfg.OnOutcome != nil {
		r.cfg.OnOutcome(i, rec)
	}
}

// crossed reports whether a failure threshold is crossed; r.mu is held.
func (r *Runner) crossed() error {
	c := &r.cfg
	if c.MaxFailures > 0 && r.failed >= c.MaxFailures {
		return &ThresholdError{Failed: r.failed, Finished: r.done, MaxFailures: c.MaxFailures}
	}
	if c.MaxFailureRate > 0 && r.done >= c.MinSample && float64(r.failed) >= c.MaxFailureRate*float64(r.done) {
		return &ThresholdError{Failed: r.failed, Finished: r.done, MaxFailureRate: c.MaxFailureRate}
	}
	return nil
}

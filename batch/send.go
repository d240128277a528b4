package batch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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
	// Once the run is stopped (a signal, a fatal error, a threshold),
	// nothing new goes out, first attempts and retries alike: the rows stay
	// not_attempted for a later run. Only an attempt already in flight
	// finishes, under reqCtx.
	o := r.at.do(&call{
		pace: dispatchCtx,
		ctx:  reqCtx,
		ready: func() bool {
			if !log.marked && req.Change.Solo() {
				log.marked = r.markSent(rows)
				return log.marked
			}
			return true
		},
		attempt: func(ctx context.Context) error { return r.client.SetChildAccountInfo(ctx, params) },
		logArgs: []any{"request", seq},
	})
	log.attempts += o.attempts
	log.unknown = log.unknown || o.unknown
	err := o.err
	streak := r.unrecognized.note(&o)
	if err == nil || voximplant.Answered(err) {
		r.reached.Store(true)
	}
	switch {
	case o.end == stopped:
		// The run stopped, the journal refused the sent marker, or the
		// grace period ran out under an attempt: then its outcome is
		// unknown, and a rerun re-sends (the change is idempotent, and a
		// password or email row keeps its sent marker).
		r.finish(rows, report.NotAttempted, err, &log)
	case o.end == exhausted && isCode(err, voximplant.CodeProbableResend):
		// "Try again later" to the last attempt: nothing was applied and
		// the rows are not at fault. They stay for a rerun, not failed.
		r.finish(rows, report.NotAttempted, err, &log)
	case o.end == exhausted && voximplant.NotSent(err):
		// The request never reached the API: the rows are not at fault,
		// and stay for a rerun. If no request of the run ever reached it,
		// the endpoint or the network is wrong: stop.
		r.finish(rows, report.NotAttempted, err, &log)
		if !r.reached.Load() {
			r.abort(&AbortError{Reason: "cannot reach the API", Err: fmt.Errorf("%w: %w", ErrUnreachable, err)})
		}
	case o.end == exhausted:
		r.finish(rows, report.Failed, err, &log)
	case o.end == refused:
		r.abort(&AbortError{Reason: "fatal error", Err: fmt.Errorf("token refused after renewal: %w", err)})
		r.finish(rows, report.NotAttempted, err, &log)
	case err == nil:
		r.finish(rows, report.Applied, nil, &log)
	case o.v.Class == voximplant.RowData && o.v.Whole:
		// About the rows together (a limit on parameter changes): a split
		// cannot isolate a bad row.
		r.finish(rows, report.Failed, err, &log, withNote(err, wholeHint))
	case o.v.Class == voximplant.RowData:
		r.bisect(reqCtx, dispatchCtx, req, rows, &log, err)
	case o.v.Class == voximplant.Unrecognized:
		// Not known to be about one row: never split for it.
		r.finish(rows, report.Failed, err, &log, withNote(err, unrecognizedHint))
		if streak >= r.cfg.MaxUnrecognized {
			r.abort(&AbortError{Reason: "fatal error", Err: fmt.Errorf(
				"%d requests in a row were refused with a code voxbatch does not know: %w", streak, err)})
		}
	case o.v.Class == voximplant.Canceled:
		r.finish(rows, report.NotAttempted, err, &log)
	default: // voximplant.Fatal (a wrong key id, a forbidden parameter, ...)
		r.abort(&AbortError{Reason: "fatal error", Err: err})
		r.finish(rows, report.NotAttempted, err, &log)
	}
}

// bisect decides rows whose request the API refused as row data (err): a
// chunk is split in halves and each half sent again; a single row fails,
// unless an earlier attempt that got no answer applied its change.
func (r *Runner) bisect(reqCtx, dispatchCtx context.Context, req *plan.Request, rows []int32, log *attemptLog, err error) {
	if len(rows) > 1 {
		half := len(rows) / 2
		r.send(reqCtx, dispatchCtx, req, rows[:half], int(r.nextSeq.Add(1)), log.attempts)
		r.send(reqCtx, dispatchCtx, req, rows[half:], int(r.nextSeq.Add(1)), log.attempts)
		return
	}
	if log.unknown {
		applied, cerr := r.appliedEarlier(reqCtx, req, rows[0], err)
		if cerr != nil {
			// Undecided: leave the row, and its sent marker, to a later
			// run rather than call it failed.
			r.cfg.Logger.Warn("could not check whether an unanswered attempt was applied", "request", log.seq, "error", cerr)
			r.finish(rows, report.NotAttempted, err, log)
			return
		}
		if applied {
			r.finish(rows, report.Applied, nil, log, "an earlier attempt that got no answer applied it: "+err.Error())
			return
		}
	}
	r.finish(rows, report.Failed, err, log)
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
	case req.Kind == plan.ByEmail && ae.Code != voximplant.CodeInvalidAccountEmail,
		req.Kind != plan.ByEmail && ae.Code != voximplant.CodeEmailNotUnique:
		return false, nil
	}
	// A read on the side of the run's requests: it waits on their pacer
	// and retries only transient and throttled answers (call.check).
	var res *voximplant.ChildrenAccounts
	o := r.at.do(&call{pace: ctx, check: true, attempt: func(ctx context.Context) (err error) {
		res, err = r.client.GetChildrenAccounts(ctx, url.Values{"child_account_email": {newEmail},
			"count": {strconv.Itoa(DefaultPageSize)}})
		return err
	}})
	if err := o.result(); err != nil {
		return false, err
	}
	// Whatever else the API's filter returned, only the account with
	// exactly this email counts.
	var got *voximplant.AccountInfo
	for k := range res.Result {
		if strings.EqualFold(res.Result[k].AccountEmail, newEmail) {
			got = &res.Result[k]
			break
		}
	}
	if got == nil {
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
	} else if st == report.Applied {
		rec.HTTPStatus = http.StatusOK // the API answers a success with 200
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
	setOutcome(rec, tmpl)
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

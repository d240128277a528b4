package report

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Summary counts what a run did. The zero value is an empty summary; Add
// counts rows into it.
type Summary struct {
	Plan      string         // the plan file, as named
	Digest    string         // the plan's digest
	Rows      int            // rows in the report
	ByStatus  map[Status]int // rows per status; missing statuses count 0
	Sent      int            // rows whose outcome this run decided by sending them
	Requests  int            // HTTP requests sent: first attempts, retries and throttled answers
	Retries   int            // attempts after a request's first, throttled answers aside (as Record.Attempts counts)
	Throttled int            // answers that throttled the client (340, 416, 162, HTTP 429)
	Elapsed   time.Duration  // wall-clock time of the run
	// StartedAt and FinishedAt bound the run; ExitCode is the code the
	// process exits with (-1 until the command layer knows it).
	StartedAt, FinishedAt time.Time
	ExitCode              int
	// Verify is what --verify found; nil without it.
	Verify *VerifyCounts
	// Undo is what --undo-out wrote; nil without it.
	Undo *UndoCounts
}

// VerifyCounts is what reading the accounts back after a run found, in
// report rows.
type VerifyCounts struct {
	Verified    int `json:"verified"`     // every parameter read back as wanted
	Mismatch    int `json:"mismatch"`     // some parameter read back otherwise (status mismatch)
	NotVerified int `json:"not_verified"` // some parameter cannot be read back (password, new email, can_use_restricted, a field left out), or the account was not found
	Requests    int `json:"requests"`     // GetChildrenAccounts requests of the reads
	// Skipped says why nothing was read back ("" when it was).
	Skipped string `json:"skipped,omitempty"`
}

// UndoCounts is what the undo plan of a run holds and leaves out.
type UndoCounts struct {
	Path        string `json:"path"`
	Rows        int    `json:"rows"`           // rows of the undo plan
	NotUndoable int    `json:"not_undoable"`   // rows applied with a change an undo cannot restore (password, new email, can_use_restricted, all)
	NoPrior     int    `json:"no_prior"`       // rows applied whose values before were not read
	Unknown     int    `json:"unknown_values"` // values the API left out: empty cells
	// Error says why the undo plan could not be written ("" when it was).
	Error string `json:"error,omitempty"`
}

// text is the summary line of the verification.
func (v *VerifyCounts) text() string {
	if v.Skipped != "" {
		return "verify: not done: " + v.Skipped + "\n"
	}
	return fmt.Sprintf("verify: %d verified, %d mismatch, %d not verified (passwords, new emails, can_use_restricted and fields the API left out cannot be read back), %d requests\n",
		v.Verified, v.Mismatch, v.NotVerified, v.Requests)
}

// text is the summary line of the undo plan.
func (u *UndoCounts) text() string {
	if u.Error != "" {
		return fmt.Sprintf("undo: %s not written: %s (the journal keeps the values; rerun the same command to write it)\n", u.Path, u.Error)
	}
	return fmt.Sprintf("undo: %s, %d rows; %d rows with changes that cannot be undone, %d rows without values read before, %d values the API left out (left empty)\n",
		u.Path, u.Rows, u.NotUndoable, u.NoPrior, u.Unknown)
}

// Add counts one row with status st.
func (s *Summary) Add(st Status) {
	if s.ByStatus == nil {
		s.ByStatus = make(map[Status]int, len(statuses))
	}
	s.ByStatus[st]++
	s.Rows++
}

// RowsPerSecond returns the rows this run sent and decided (Sent) per
// second of Elapsed, 0 when Elapsed is not positive. Rows it did not send
// (skipped on resume, failed in an earlier run, unchanged, invalid, not
// attempted) do not count: a resume that sends nothing did no work, fast
// or slow.
func (s Summary) RowsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Sent) / s.Elapsed.Seconds()
}

// order returns the statuses of ByStatus to list: every known status in
// display order (all of them, or only non-zero ones), then any unknown ones
// sorted by name.
func (s Summary) order(all bool) []Status {
	out := make([]Status, 0, len(statuses))
	for _, st := range statuses {
		if all || s.ByStatus[st] != 0 {
			out = append(out, st)
		}
	}
	var extra []Status
	for st, n := range s.ByStatus {
		if !st.Valid() && (all || n != 0) {
			extra = append(extra, st)
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

// round returns x rounded to the given number of decimals.
func round(x float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.Round(x*p) / p
}

// MarshalJSON returns the summary as one JSON object, keys in this order:
//
//	{"plan":S,"digest":S,"rows":N,"by_status":{"applied":N,...},
//	 "rows_sent":N,"requests":N,"retries":N,"throttled":N,
//	 "started_at":T,"finished_at":T,"elapsed_seconds":F,
//	 "rows_per_second":F,"verify":{...},"undo":{...},"exit_code":N}
//
// verify and undo (VerifyCounts, UndoCounts) only when set.
// by_status lists every status in display order, zeros included. The
// times are RFC 3339 in UTC with milliseconds ("" when unknown);
// elapsed_seconds is rounded to milliseconds, rows_per_second to 0.1.
func (s Summary) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 384)
	b = append(b, `{"plan":`...)
	b = appendJSONString(b, s.Plan)
	b = append(b, `,"digest":`...)
	b = appendJSONString(b, s.Digest)
	b = append(b, `,"rows":`...)
	b = strconv.AppendInt(b, int64(s.Rows), 10)
	b = append(b, `,"by_status":{`...)
	for i, st := range s.order(true) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, string(st))
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(s.ByStatus[st]), 10)
	}
	b = append(b, `},"rows_sent":`...)
	b = strconv.AppendInt(b, int64(s.Sent), 10)
	b = append(b, `,"requests":`...)
	b = strconv.AppendInt(b, int64(s.Requests), 10)
	b = append(b, `,"retries":`...)
	b = strconv.AppendInt(b, int64(s.Retries), 10)
	b = append(b, `,"throttled":`...)
	b = strconv.AppendInt(b, int64(s.Throttled), 10)
	b = append(b, `,"started_at":`...)
	b = appendJSONString(b, summaryTime(s.StartedAt))
	b = append(b, `,"finished_at":`...)
	b = appendJSONString(b, summaryTime(s.FinishedAt))
	b = append(b, `,"elapsed_seconds":`...)
	b = strconv.AppendFloat(b, round(s.Elapsed.Seconds(), 3), 'f', -1, 64)
	b = append(b, `,"rows_per_second":`...)
	b = strconv.AppendFloat(b, round(s.RowsPerSecond(), 1), 'f', -1, 64)
	if s.Verify != nil {
		v, _ := json.Marshal(s.Verify)
		b = append(append(b, `,"verify":`...), v...)
	}
	if s.Undo != nil {
		u, _ := json.Marshal(s.Undo)
		b = append(append(b, `,"undo":`...), u...)
	}
	b = append(b, `,"exit_code":`...)
	b = strconv.AppendInt(b, int64(s.ExitCode), 10)
	return append(b, '}'), nil
}

// summaryTime is t as the summary writes it: RFC 3339 in UTC with
// milliseconds, "" for the zero time.
func summaryTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// SummaryJSON is the object MarshalJSON writes, decoded: what a program
// that reads a run's summary file back gets from encoding/json.
type SummaryJSON struct {
	Plan           string         `json:"plan"`
	Digest         string         `json:"digest"`
	Rows           int            `json:"rows"`
	ByStatus       map[string]int `json:"by_status"`
	RowsSent       int            `json:"rows_sent"`
	Requests       int            `json:"requests"`
	Retries        int            `json:"retries"`
	Throttled      int            `json:"throttled"`
	StartedAt      string         `json:"started_at"`
	FinishedAt     string         `json:"finished_at"`
	ElapsedSeconds float64        `json:"elapsed_seconds"`
	RowsPerSecond  float64        `json:"rows_per_second"`
	Verify         *VerifyCounts  `json:"verify,omitempty"`
	Undo           *UndoCounts    `json:"undo,omitempty"`
	ExitCode       int            `json:"exit_code"`
}

// WriteJSON writes the MarshalJSON object and a newline to w.
func (s Summary) WriteJSON(w io.Writer) error {
	b, _ := s.MarshalJSON()
	_, err := w.Write(append(b, '\n'))
	return err
}

// Text returns the summary for people, lines ending in a newline:
//
//	plan: plan.csv (sha256:…)
//	rows: 400 (applied 398, failed 2), sent by this run 400
//	requests: 9, retries: 1, throttled: 0
//	elapsed: 1.2s, 333 rows/s, from 10:04:05 to 10:04:06 UTC
//	exit code: 1
//
// Only statuses with rows are listed, in display order; the plan, the
// times and the exit code only when known.
func (s Summary) Text() string {
	var b strings.Builder
	if s.Plan != "" {
		fmt.Fprintf(&b, "plan: %s (%s)\n", s.Plan, s.Digest)
	}
	fmt.Fprintf(&b, "rows: %d", s.Rows)
	if sts := s.order(false); len(sts) > 0 {
		b.WriteString(" (")
		for i, st := range sts {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %d", st, s.ByStatus[st])
		}
		b.WriteString(")")
	}
	fmt.Fprintf(&b, ", sent by this run %d", s.Sent)
	fmt.Fprintf(&b, "\nrequests: %d, retries: %d, throttled: %d\n", s.Requests, s.Retries, s.Throttled)
	fmt.Fprintf(&b, "elapsed: %s, %s rows/s", humanDuration(s.Elapsed), humanRate(s.RowsPerSecond()))
	if !s.StartedAt.IsZero() && !s.FinishedAt.IsZero() {
		fmt.Fprintf(&b, ", from %s to %s UTC", s.StartedAt.UTC().Format(time.TimeOnly), s.FinishedAt.UTC().Format(time.TimeOnly))
	}
	b.WriteString("\n")
	if s.Verify != nil {
		b.WriteString(s.Verify.text())
	}
	if s.Undo != nil {
		b.WriteString(s.Undo.text())
	}
	if s.ExitCode >= 0 {
		fmt.Fprintf(&b, "exit code: %d\n", s.ExitCode)
	}
	return b.String()
}

// WriteText writes Text to w.
func (s Summary) WriteText(w io.Writer) error {
	_, err := io.WriteString(w, s.Text())
	return err
}

// humanDuration rounds d to what a person wants to read: milliseconds
// below a second, tenths below a minute, whole seconds above.
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// humanRate shows a rate with one decimal below 10, whole numbers above.
func humanRate(r float64) string {
	if r < 10 {
		return strconv.FormatFloat(r, 'f', 1, 64)
	}
	return strconv.FormatFloat(r, 'f', 0, 64)
}

// LogAttrs returns the summary as slog attributes with the keys of
// MarshalJSON; by_status is a group of the non-zero statuses.
func (s Summary) LogAttrs() []slog.Attr {
	sts := s.order(false)
	by := make([]any, 0, len(sts))
	for _, st := range sts {
		by = append(by, slog.Int(string(st), s.ByStatus[st]))
	}
	attrs := []slog.Attr{
		slog.String("plan", s.Plan),
		slog.String("digest", s.Digest),
		slog.Int("rows", s.Rows),
		slog.Group("by_status", by...),
		slog.Int("rows_sent", s.Sent),
		slog.Int("requests", s.Requests),
		slog.Int("retries", s.Retries),
		slog.Int("throttled", s.Throttled),
		slog.String("started_at", summaryTime(s.StartedAt)),
		slog.String("finished_at", summaryTime(s.FinishedAt)),
		slog.Float64("elapsed_seconds", round(s.Elapsed.Seconds(), 3)),
		slog.Float64("rows_per_second", round(s.RowsPerSecond(), 1)),
	}
	if v := s.Verify; v != nil {
		attrs = append(attrs, slog.Group("verify", "verified", v.Verified, "mismatch", v.Mismatch,
			"not_verified", v.NotVerified, "requests", v.Requests, "skipped", v.Skipped))
	}
	if u := s.Undo; u != nil {
		attrs = append(attrs, slog.Group("undo", "path", u.Path, "rows", u.Rows, "not_undoable", u.NotUndoable,
			"no_prior", u.NoPrior, "unknown_values", u.Unknown, "error", u.Error))
	}
	return append(attrs, slog.Int("exit_code", s.ExitCode))
}

// LogValue makes a Summary log as a group of LogAttrs:
// slog.Info("run finished", "summary", s).
func (s Summary) LogValue() slog.Value { return slog.GroupValue(s.LogAttrs()...) }

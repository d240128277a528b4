package report

import (
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
	Rows      int            // rows in the report
	ByStatus  map[Status]int // rows per status; missing statuses count 0
	Requests  int            // HTTP requests sent, retries included
	Retries   int            // requests that repeated an earlier attempt
	Throttled int            // answers that throttled the client (340, 416, 162, HTTP 429)
	Elapsed   time.Duration  // wall-clock time of the run
}

// Add counts one row with status st.
func (s *Summary) Add(st Status) {
	if s.ByStatus == nil {
		s.ByStatus = make(map[Status]int, len(statuses))
	}
	s.ByStatus[st]++
	s.Rows++
}

// RowsPerSecond returns the rows this run sent and decided (applied or
// failed) per second of Elapsed, 0 when Elapsed is not positive. Rows it
// did not send (skipped on resume, unchanged, invalid, not attempted) do
// not count: a resume that sends nothing did no work, fast or slow.
func (s Summary) RowsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.ByStatus[Applied]+s.ByStatus[Failed]) / s.Elapsed.Seconds()
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
//	{"rows":N,"by_status":{"applied":N,...},"requests":N,"retries":N,
//	 "throttled":N,"elapsed_seconds":F,"rows_per_second":F}
//
// by_status lists every status in display order, zeros included.
// elapsed_seconds is rounded to milliseconds, rows_per_second to 0.1.
func (s Summary) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 256)
	b = append(b, `{"rows":`...)
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
	b = append(b, `},"requests":`...)
	b = strconv.AppendInt(b, int64(s.Requests), 10)
	b = append(b, `,"retries":`...)
	b = strconv.AppendInt(b, int64(s.Retries), 10)
	b = append(b, `,"throttled":`...)
	b = strconv.AppendInt(b, int64(s.Throttled), 10)
	b = append(b, `,"elapsed_seconds":`...)
	b = strconv.AppendFloat(b, round(s.Elapsed.Seconds(), 3), 'f', -1, 64)
	b = append(b, `,"rows_per_second":`...)
	b = strconv.AppendFloat(b, round(s.RowsPerSecond(), 1), 'f', -1, 64)
	return append(b, '}'), nil
}

// SummaryJSON is the object MarshalJSON writes, decoded: what a program
// that reads a run's summary file back gets from encoding/json.
type SummaryJSON struct {
	Rows           int            `json:"rows"`
	ByStatus       map[string]int `json:"by_status"`
	Requests       int            `json:"requests"`
	Retries        int            `json:"retries"`
	Throttled      int            `json:"throttled"`
	ElapsedSeconds float64        `json:"elapsed_seconds"`
	RowsPerSecond  float64        `json:"rows_per_second"`
}

// WriteJSON writes the MarshalJSON object and a newline to w.
func (s Summary) WriteJSON(w io.Writer) error {
	b, _ := s.MarshalJSON()
	_, err := w.Write(append(b, '\n'))
	return err
}

// Text returns the summary for people, three lines ending in a newline:
//
//	rows: 400 (applied 398, failed 2)
//	requests: 9, retries: 1, throttled: 0
//	elapsed: 1.2s, 333 rows/s
//
// Only statuses with rows are listed, in display order.
func (s Summary) Text() string {
	var b strings.Builder
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
	fmt.Fprintf(&b, "\nrequests: %d, retries: %d, throttled: %d\n", s.Requests, s.Retries, s.Throttled)
	fmt.Fprintf(&b, "elapsed: %s, %s rows/s\n", humanDuration(s.Elapsed), humanRate(s.RowsPerSecond()))
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
	return []slog.Attr{
		slog.Int("rows", s.Rows),
		slog.Group("by_status", by...),
		slog.Int("requests", s.Requests),
		slog.Int("retries", s.Retries),
		slog.Int("throttled", s.Throttled),
		slog.Float64("elapsed_seconds", round(s.Elapsed.Seconds(), 3)),
		slog.Float64("rows_per_second", round(s.RowsPerSecond(), 1)),
	}
}

// LogValue makes a Summary log as a group of LogAttrs:
// slog.Info("run finished", "summary", s).
func (s Summary) LogValue() slog.Value { return slog.GroupValue(s.LogAttrs()...) }

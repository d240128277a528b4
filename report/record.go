package report

import "time"

// Record is the outcome of one plan row: one line of the report.
//
// Zero values mean "absent" for ErrorCode, HTTPStatus, Request and the two
// times: CSV leaves those cells empty and JSON Lines writes null. Line and
// Attempts are always written (zero attempts is a real count). Strings are
// always written as they are, empty or not.
type Record struct {
	Line         int       // line of the row in the plan file
	Selector     string    // selector kind: child_account_id, child_account_name or child_account_email
	Account      string    // the selector value naming the account
	Status       Status    // the row's outcome
	ErrorCode    int       // API error code that decided the row, 0 if none
	ErrorMessage string    // the error in words, "" if none; never a secret
	HTTPStatus   int       // HTTP status of the deciding answer, 0 if none
	Attempts     int       // attempts made for the row's requests
	Request      int       // sequence number of the request that decided the row, 0 if none
	StartedAt    time.Time // first attempt started; zero if never sent
	FinishedAt   time.Time // the row was decided; zero if never sent
}

// columns is the CSV header and the JSON Lines key order.
var columns = [...]string{
	"line", "selector", "account", "status", "error_code", "error_message",
	"http_status", "attempts", "request", "started_at", "finished_at",
}

// Columns returns the report columns in order: the CSV header, and the keys
// of every JSON Lines object. The caller owns the returned slice.
func Columns() []string {
	out := make([]string, len(columns))
	copy(out, columns[:])
	return out
}

// TimeLayout is how report times are written: RFC 3339 in UTC with
// milliseconds (truncated), e.g. "2025-03-01T09:30:00.250Z".
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// appendTime appends t in TimeLayout, converted to UTC. It is a hand-written
// time.AppendFormat because report writing formats two times per row.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, TimeLayout)
	}
	h, mi, s := t.Clock()
	ms := t.Nanosecond() / 1e6
	b = append(b,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(mo)/10), byte('0'+int(mo)%10), '-',
		byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':',
		byte('0'+mi/10), byte('0'+mi%10), ':',
		byte('0'+s/10), byte('0'+s%10), '.',
		byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
	return b
}

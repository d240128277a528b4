package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// trickyRecords covers quoting, injection, non-ASCII and absent values.
func trickyRecords() []Record {
	t0 := time.Date(2025, 3, 1, 9, 30, 0, 250_999_999, time.UTC)
	msk := time.FixedZone("MSK", 3*3600)
	return []Record{
		sampleRecord(0),
		{Line: 3, Selector: "child_account_name", Account: "=HYPERLINK(\"http://x\")", Status: Failed,
			ErrorCode: 194, ErrorMessage: "bad, \"quoted\"\nsecond line", HTTPStatus: 200, Attempts: 2,
			Request: 7, StartedAt: t0, FinishedAt: t0.In(msk).Add(time.Second)},
		{Line: 4, Selector: "child_account_email", Account: "ünïcødé@example.com", Status: Applied,
			ErrorMessage: "tab\there \u2028 \x01 \\ <&>", Attempts: 1, Request: 1, StartedAt: t0, FinishedAt: t0},
		{Line: 5, Status: Invalid, ErrorMessage: "+plus first", Account: "@at"},
		{Line: 6, Selector: "child_account_id", Account: "-12", Status: NotAttempted, ErrorCode: -3},
		{Line: 7, Selector: "child_account_id", Account: "all", Status: DryRun, ErrorMessage: "\rcr first"},
		{Line: 8, Status: Skipped, Account: " leading space", ErrorMessage: `\.`},
		{Line: 9, Status: Unchanged, Account: "'quoted", ErrorMessage: "bad \xff utf8"},
	}
}

// viaEncodingJSON returns s as encoding/json carries it (invalid UTF-8
// bytes each become U+FFFD).
func viaEncodingJSON(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back string
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back
}

// unescape undoes EscapeCell for the round trip.
func unescape(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

func encodeAll(t *testing.T, f Format, recs []Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, f, len(recs), func(i int) Record { return recs[i] }); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// wantTime is how a time must read back: UTC, truncated to milliseconds.
func wantTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Millisecond)
}

func normalize(r Record) Record {
	r.StartedAt, r.FinishedAt = wantTime(r.StartedAt), wantTime(r.FinishedAt)
	return r
}

func TestCSVRoundTrip(t *testing.T) {
	recs := trickyRecords()
	rows, err := csv.NewReader(bytes.NewReader(encodeAll(t, CSV, recs))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(rows[0], ","), strings.Join(Columns(), ","); got != want {
		t.Fatalf("header %q, want %q", got, want)
	}
	if len(rows) != len(recs)+1 {
		t.Fatalf("got %d rows, want %d", len(rows)-1, len(recs))
	}
	num := func(s string) int {
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(unescape(s))
		if err != nil {
			t.Fatalf("number cell %q: %v", s, err)
		}
		return n
	}
	tm := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("time cell %q: %v", s, err)
		}
		if !strings.HasSuffix(s, "Z") || len(s) != len("2006-01-02T15:04:05.000Z") {
			t.Errorf("time cell %q is not UTC with milliseconds", s)
		}
		return v
	}
	for i, c := range rows[1:] {
		got := Record{
			Line: num(c[0]), Selector: unescape(c[1]), Account: unescape(c[2]), Status: Status(unescape(c[3])),
			ErrorCode: num(c[4]), ErrorMessage: unescape(c[5]), HTTPStatus: num(c[6]), Attempts: num(c[7]),
			Request: num(c[8]), StartedAt: tm(c[9]), FinishedAt: tm(c[10]),
		}
		if want := normalize(recs[i]); got != want {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
}

func TestCSVEmptyCells(t *testing.T) {
	out := encodeAll(t, CSV, []Record{{Line: 12, Selector: "child_account_id", Account: "5", Status: NotAttempted}})
	want := strings.Join(Columns(), ",") + "\n12,child_account_id,5,not_attempted,,,,0,,,\n"
	if string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestJSONLRoundTrip(t *testing.T) {
	recs := trickyRecords()
	lines := strings.Split(strings.TrimSuffix(string(encodeAll(t, JSONL, recs)), "\n"), "\n")
	if len(lines) != len(recs) {
		t.Fatalf("got %d lines, want %d", len(lines), len(recs))
	}
	type row struct {
		Line         int        `json:"line"`
		Selector     string     `json:"selector"`
		Account      string     `json:"account"`
		Status       Status     `json:"status"`
		ErrorCode    *int       `json:"error_code"`
		ErrorMessage string     `json:"error_message"`
		HTTPStatus   *int       `json:"http_status"`
		Attempts     int        `json:"attempts"`
		Request      *int       `json:"request"`
		StartedAt    *time.Time `json:"started_at"`
		FinishedAt   *time.Time `json:"finished_at"`
	}
	deref := func(p *int) int {
		if p == nil {
			return 0
		}
		if *p == 0 {
			t.Errorf("absent number written as 0, want null")
		}
		return *p
	}
	dt := func(p *time.Time) time.Time {
		if p == nil {
			return time.Time{}
		}
		return *p
	}
	for i, line := range lines {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &keys); err != nil {
			t.Fatalf("line %d %q: %v", i, line, err)
		}
		if len(keys) != len(columns) {
			t.Errorf("line %d has %d keys, want all %d", i, len(keys), len(columns))
		}
		var r row
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		got := Record{
			Line: r.Line, Selector: r.Selector, Account: r.Account, Status: r.Status,
			ErrorCode: deref(r.ErrorCode), ErrorMessage: r.ErrorMessage, HTTPStatus: deref(r.HTTPStatus),
			Attempts: r.Attempts, Request: deref(r.Request), StartedAt: dt(r.StartedAt), FinishedAt: dt(r.FinishedAt),
		}
		want := normalize(recs[i])
		want.ErrorMessage = viaEncodingJSON(t, want.ErrorMessage)
		if got != want {
			t.Errorf("line %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
}

func TestJSONLKeyOrder(t *testing.T) {
	out := encodeAll(t, JSONL, []Record{{Line: 2, Selector: "child_account_id", Account: "1", Status: Applied, Attempts: 1}})
	want := `{"line":2,"selector":"child_account_id","account":"1","status":"applied","error_code":null,` +
		`"error_message":"","http_status":null,"attempts":1,"request":null,"started_at":null,"finished_at":null}` + "\n"
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

func TestEscapeCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"=1+2", "'=1+2"},
		{"+79001234567", "'+79001234567"},
		{"-5", "'-5"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"a=b", "a=b"},
		{"'quoted", "'quoted"},
		{" =x", " =x"},
		{"\nx", "\nx"},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.in), func(t *testing.T) {
			if got := EscapeCell(tt.in); got != tt.want {
				t.Errorf("EscapeCell(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestCSVInjection checks that every string column is escaped in CSV and
// carried raw in JSON Lines.
func TestCSVInjection(t *testing.T) {
	r := Record{Line: 2, Selector: "=s", Account: "+a", Status: "@st", ErrorMessage: "-m", Attempts: 1}
	got := string(encodeAll(t, CSV, []Record{r}))
	if want := "2,'=s,'+a,'@st,,'-m,,1,,,\n"; !strings.HasSuffix(got, want) {
		t.Errorf("CSV %q, want suffix %q", got, want)
	}
	var back map[string]any
	if err := json.Unmarshal(encodeAll(t, JSONL, []Record{r}), &back); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"selector": "=s", "account": "+a", "status": "@st", "error_message": "-m"} {
		if back[k] != want {
			t.Errorf("JSON %s = %v, want raw %q", k, back[k], want)
		}
	}
}

func TestAppendTime(t *testing.T) {
	tests := []time.Time{
		time.Date(2025, 1, 2, 3, 4, 5, 6_789_000, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(2025, 6, 30, 23, 30, 0, 1_000_000, time.FixedZone("X", -5*3600)),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for _, tm := range tests {
		t.Run(tm.String(), func(t *testing.T) {
			want := tm.UTC().Format(TimeLayout)
			if got := string(appendTime(nil, tm)); got != want {
				t.Errorf("appendTime = %q, want %q", got, want)
			}
		})
	}
}

func TestAppendJSONString(t *testing.T) {
	tests := []string{"", "plain", `"q" \ /`, "\x00\x1f\n\r\t\b\f", "ünï 日本", "bad \xff\xfe utf8", "\u2028\u2029", "<a&b>"}
	for _, s := range tests {
		t.Run(strconv.Quote(s), func(t *testing.T) {
			b := appendJSONString(nil, s)
			var back string
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			if want := viaEncodingJSON(t, s); back != want {
				t.Errorf("round trip %q, want %q", back, want)
			}
			if bytes.ContainsAny(b, "\u2028\u2029") {
				t.Errorf("%s: U+2028/2029 not escaped", b)
			}
		})
	}
}

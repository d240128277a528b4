package voximplant

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAnswerClasses sends one request to a server giving each kind of answer
// and checks the error and its verdict.
func TestAnswerClasses(t *testing.T) {
	clk := newClock()
	apiErr := func(code int, msg string) string {
		return `{"error":{"code":` + strconv.Itoa(code) + `,"msg":"` + msg + `"}}`
	}
	tests := []struct {
		name    string
		status  int
		body    string
		headers []string
		want    Verdict
		code    int    // APIError.Code expected
		text    string // in the error text
	}{
		{"success", 200, `{"result":1}`, nil, Verdict{}, 0, ""},
		{"success with spaces", 200, " {\"result\": 1 }\n", nil, Verdict{}, 0, ""},
		// API errors by code.
		{"internal error", 200, apiErr(2, "Internal error"), nil, Verdict{Class: Transient}, 2, "api error 2: Internal error"},
		{"fatal code 1", 200, apiErr(1, "Fatal error"), nil, Verdict{Class: Transient}, 1, ""},
		{"database error", 200, apiErr(4, "Database error"), nil, Verdict{Class: Transient}, 4, ""},
		{"try later", 200, apiErr(162, "Try later"), nil, Verdict{Class: Throttled}, 162, ""},
		{"rate limit", 200, apiErr(340, "Rate limit exceeded"), nil, Verdict{Class: Throttled}, 340, ""},
		{"repeat after", 200, apiErr(416, "Repeat the request after 5 seconds"), nil, Verdict{Class: Throttled, RetryAfter: 5 * time.Second}, 416, ""},
		{"repeat after, header wins", 200, apiErr(416, "Repeat the request after 5 seconds"), []string{"Retry-After", "9"}, Verdict{Class: Throttled, RetryAfter: 9 * time.Second}, 416, ""},
		{"repeat after, no number", 200, apiErr(416, "Repeat the request later"), nil, Verdict{Class: Throttled}, 416, ""},
		{"rate limit with header", 200, apiErr(340, "Rate limit exceeded"), []string{"Retry-After", "7"}, Verdict{Class: Throttled, RetryAfter: 7 * time.Second}, 340, ""},
		{"auth failed", 200, apiErr(100, "Authorization failed"), nil, Verdict{Class: Fatal}, 100, ""},
		{"unknown command", 200, apiErr(103, "Unknown command"), nil, Verdict{Class: Fatal}, 103, ""},
		{"forbidden command", 200, apiErr(104, "Forbidden"), nil, Verdict{Class: Fatal}, 104, ""},
		{"token format", 200, apiErr(447, "Invalid token"), nil, Verdict{Class: Token}, 447, ""},
		{"token ttl", 200, apiErr(454, "TTL over limit"), nil, Verdict{Class: Token}, 454, ""},
		{"token future", 200, apiErr(455, "Issued in future"), nil, Verdict{Class: Token}, 455, ""},
		{"token expired", 401, apiErr(456, "Expired"), nil, Verdict{Class: Token}, 456, "(http 401)"},
		{"invalid id", 200, `{"error":{"code":194,"msg":"Invalid child_account_id","field_name":"child_account_id"}}`, nil, Verdict{Class: RowData}, 194, "(field child_account_id)"},
		{"email not unique", 200, apiErr(128, "Email is not unique"), nil, Verdict{Class: RowData}, 128, ""},
		{"password used before", 200, apiErr(535, "Used before"), nil, Verdict{Class: RowData}, 535, ""},
		// A code not known to be about one row is never RowData (issue 12).
		{"unknown code in 200", 200, apiErr(9999, "Something new"), nil, Verdict{Class: Unrecognized}, 9999, ""},
		{"unknown code in 400", 400, apiErr(9999, "Something new"), nil, Verdict{Class: Unrecognized}, 9999, ""},
		{"invalid key id", 200, apiErr(433, "Invalid key id"), nil, Verdict{Class: Fatal}, 433, "api error 433"},
		{"missing cmd", 200, apiErr(102, "Missing cmd"), nil, Verdict{Class: Fatal}, 102, ""},
		{"two selectors", 200, apiErr(458, "Specify only one"), nil, Verdict{Class: Fatal}, 458, ""},
		{"parameter forbidden", 200, `{"error":{"code":492,"msg":"The parameter is forbidden","field_name":"support_robokassa"}}`, nil, Verdict{Class: Fatal}, 492, "(field support_robokassa)"},
		{"probable resend", 200, apiErr(484, "Rejected due to probable automatic request resend. Try again later"), nil, Verdict{Class: Transient}, 484, ""},
		{"parameter changes limit", 200, apiErr(512, "Parameter changes limit exceeded"), nil, Verdict{Class: RowData, Whole: true}, 512, ""},
		{"balance out of bounds", 200, apiErr(154, "Out of bounds"), nil, Verdict{Class: RowData}, 154, ""},
		{"balance value out of bounds", 200, apiErr(171, "Out of bounds"), nil, Verdict{Class: RowData}, 171, ""},
		// The array form: the first error counts.
		{"errors envelope", 200, `{"errors":[{"code":194,"msg":"Invalid child_account_id","field_name":"child_account_id"},{"code":2,"msg":"x"}]}`, nil, Verdict{Class: RowData}, 194, "api error 194: Invalid child_account_id (field child_account_id)"},
		{"errors envelope, fatal", 200, `{"errors":[{"code":433,"msg":"Invalid key id"}]}`, nil, Verdict{Class: Fatal}, 433, ""},
		{"errors envelope in 400", 400, `{"errors":[{"code":9999,"msg":"New"}]}`, nil, Verdict{Class: Unrecognized}, 9999, "(http 400)"},
		{"errors envelope empty", 200, `{"errors":[]}`, nil, Verdict{Class: Transient, Unknown: true}, 0, "not the API's JSON"},
		{"unknown code in 403", 403, apiErr(9999, "Nope"), nil, Verdict{Class: Fatal}, 9999, ""},
		{"unknown code in 503", 503, apiErr(9999, "Down"), nil, Verdict{Class: Transient}, 9999, ""},
		{"known code in 500", 500, apiErr(194, "Invalid"), nil, Verdict{Class: RowData}, 194, ""},
		// Status without an API body.
		{"429 seconds", 429, "", []string{"Retry-After", "3"}, Verdict{Class: Throttled, RetryAfter: 3 * time.Second}, 0, "HTTP 429"},
		{"429 date", 429, "slow down", []string{"Retry-After", clk.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat)}, Verdict{Class: Throttled, RetryAfter: 10 * time.Second}, 0, ""},
		{"429 date in the past", 429, "", []string{"Retry-After", clk.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)}, Verdict{Class: Throttled}, 0, ""},
		{"429 with api code", 429, apiErr(340, "Rate limit"), nil, Verdict{Class: Throttled}, 340, ""},
		{"429 with row code", 429, apiErr(194, "Invalid"), nil, Verdict{Class: Throttled}, 194, ""},
		{"502 html", 502, "<html>bad gateway</html>", []string{"Content-Type", "text/html; charset=utf-8"}, Verdict{Class: Transient, Unknown: true}, 0, "HTTP 502 Bad Gateway (text/html, 24 bytes)"},
		{"503 retry after", 503, "", []string{"Retry-After", "30"}, Verdict{Class: Transient, Unknown: true, RetryAfter: 30 * time.Second}, 0, ""},
		{"408", 408, "", nil, Verdict{Class: Transient, Unknown: true}, 0, ""},
		{"413", 413, "too big", nil, Verdict{Class: RowData}, 0, ""},
		{"401 html", 401, "<html>login</html>", nil, Verdict{Class: Fatal}, 0, ""},
		{"404", 404, "not found", nil, Verdict{Class: Fatal}, 0, "HTTP 404"},
		{"redirect not followed", 302, "", []string{"Location", "https://example.com/"}, Verdict{Class: Fatal}, 0, "HTTP 302"},
		// 200 that is not the API's answer.
		{"200 html", 200, "<html>proxy</html>", []string{"Content-Type", "text/html"}, Verdict{Class: Transient, Unknown: true}, 0, "not the API's JSON"},
		{"200 empty", 200, "", nil, Verdict{Class: Transient, Unknown: true}, 0, "empty body"},
		{"200 cut off", 200, `{"result":`, nil, Verdict{Class: Transient, Unknown: true}, 0, ""},
		{"200 result 0", 200, `{"result":0}`, nil, Verdict{Class: Transient, Unknown: true}, 0, "result is not 1"},
		{"200 result true", 200, `{"result":true}`, nil, Verdict{Class: Transient, Unknown: true}, 0, "not a number"},
		{"200 no result", 200, `{}`, nil, Verdict{Class: Transient, Unknown: true}, 0, ""},
		{"200 error code 0", 200, `{"error":{"code":0,"msg":"?"}}`, nil, Verdict{Class: Transient, Unknown: true}, 0, ""},
		{"200 error code string", 200, `{"error":{"code":"194","msg":"?"}}`, nil, Verdict{Class: Transient, Unknown: true}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newServer(t, reply(tt.status, tt.body, tt.headers...), Config{Now: clk.Now})
			err := c.SetChildAccountInfo(context.Background(), url.Values{"child_account_id": {"1"}})
			if got := Classify(err); got != tt.want {
				t.Errorf("Classify(%v) = %+v, want %+v", err, got, tt.want)
			}
			if tt.want == (Verdict{}) {
				if err != nil {
					t.Errorf("error %v, want nil", err)
				}
				return
			}
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %T %v is not an *APIError", err, err)
			}
			if ae.Code != tt.code || ae.HTTPStatus != tt.status {
				t.Errorf("APIError code %d status %d, want %d %d", ae.Code, ae.HTTPStatus, tt.code, tt.status)
			}
			if ae.RetryAfter != tt.want.RetryAfter {
				t.Errorf("RetryAfter %s, want %s", ae.RetryAfter, tt.want.RetryAfter)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q lacks %q", err, tt.text)
			}
			if strings.Contains(err.Error(), "<html>") {
				t.Errorf("error %q quotes the body", err)
			}
		})
	}
}

package voximplant

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestClassifyBareErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Verdict
	}{
		{"nil", nil, Verdict{}},
		{"unknown error", errors.New("boom"), Verdict{Class: Fatal}},
		{"credentials", &CredentialsError{Path: "c.json", Err: ErrNotRSA}, Verdict{Class: Fatal}},
		{"endpoint", fmt.Errorf("x: %w", ErrInsecureEndpoint), Verdict{Class: Fatal}},
		{"canceled", fmt.Errorf("run: %w", context.Canceled), Verdict{Class: Canceled}},
		{"deadline", context.DeadlineExceeded, Verdict{Class: Canceled}},
		{"timeout", ErrTimeout, Verdict{Class: Transient, Unknown: true}},
		{"eof", io.ErrUnexpectedEOF, Verdict{Class: Transient, Unknown: true}},
		{"reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, Verdict{Class: Transient, Unknown: true}},
		{"refused", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, Verdict{Class: Transient}},
		{"dns", &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}, Verdict{Class: Transient, Unknown: true}},
		{"wrapped api error", fmt.Errorf("row 3: %w", &APIError{Code: 340, HTTPStatus: 200, RetryAfter: time.Second}), Verdict{Class: Throttled, RetryAfter: time.Second}},
		{"transport, not written", &TransportError{Op: "M", Err: errors.New("malformed HTTP response")}, Verdict{Class: Transient}},
		{"transport, written", &TransportError{Op: "M", Written: true, Err: errors.New("malformed HTTP response")}, Verdict{Class: Transient, Unknown: true}},
		{"transport, canceled before writing", &TransportError{Op: "M", Err: context.Canceled}, Verdict{Class: Canceled}},
		{"transport, pipe", &TransportError{Op: "M", Err: syscall.EPIPE}, Verdict{Class: Transient}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %+v, want %+v", tt.err, got, tt.want)
			}
		})
	}
}

func TestClassString(t *testing.T) {
	want := map[Class]string{0: "none", Transient: "transient", Throttled: "throttled", RowData: "row_data",
		Token: "token", Fatal: "fatal", Unrecognized: "unrecognized", Canceled: "canceled", 42: "class(42)"}
	for c, s := range want {
		if c.String() != s {
			t.Errorf("Class(%d).String() = %q, want %q", int(c), c.String(), s)
		}
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&APIError{Code: 194, Msg: "Invalid child_account_id", HTTPStatus: 200}, "api error 194: Invalid child_account_id"},
		{&APIError{Code: 134, Msg: "Empty", FieldName: "child_account_id", HTTPStatus: 400}, "api error 134: Empty (field child_account_id) (http 400)"},
		{&APIError{Msg: "HTTP 502 Bad Gateway (empty body)", HTTPStatus: 502}, "unexpected answer: HTTP 502 Bad Gateway (empty body)"},
		{&TransportError{Op: "SetChildAccountInfo", Err: syscall.ECONNREFUSED}, "SetChildAccountInfo: request not sent: connection refused"},
		{&TransportError{Op: "SetChildAccountInfo", Written: true, Err: ErrTimeout}, "SetChildAccountInfo: request sent, no answer: no answer within the request timeout"},
		{&CredentialsError{Err: ErrNoCredentials}, "credentials: " + ErrNoCredentials.Error()},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	header := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{" 12 ", 12 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"1.5", 0},
		{"99999999999999999", maxRetryAfter},
		{"Sat, 01 Mar 2025 12:00:30 GMT", 30 * time.Second},
		{"Sat, 01 Mar 2025 11:00:00 GMT", 0},
		{"Sat, 01 Mar 2035 11:00:00 GMT", maxRetryAfter},
		{"soon", 0},
	}
	for _, tt := range header {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	msgs := []struct {
		in   string
		want time.Duration
	}{
		{"Repeat the request after 5 seconds", 5 * time.Second},
		{"Repeat the request after 120 seconds (code 7)", 120 * time.Second},
		{"Repeat later", 0},
		{"after 123456789012345678901234567890 s", maxRetryAfter},
	}
	for _, tt := range msgs {
		if got := retryAfterFromMsg(tt.in); got != tt.want {
			t.Errorf("retryAfterFromMsg(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

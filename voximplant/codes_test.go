package voximplant

import (
	"fmt"
	"testing"
)

// TestCodeClassByNumber pins the classification of every named code by its
// number, so that a constant with a wrong value cannot go unnoticed.
func TestCodeClassByNumber(t *testing.T) {
	want := map[int]Class{
		1: Transient, 2: Transient, 4: Transient,
		162: Throttled, 340: Throttled, 416: Throttled,
		100: Fatal, 103: Fatal, 104: Fatal,
		102: Fatal, 433: Fatal, 458: Fatal, 492: Fatal,
		484: Transient,
		447: Token, 454: Token, 455: Token, 456: Token,
		101: RowData, 134: RowData, 194: RowData, 198: RowData, 199: RowData,
		201: RowData, 202: RowData, 128: RowData, 230: RowData, 463: RowData,
		464: RowData, 523: RowData, 524: RowData, 535: RowData, 537: RowData,
		154: RowData, 171: RowData, 512: RowData,
	}
	if len(codeClass) != len(want) {
		t.Errorf("codeClass has %d codes, want %d", len(codeClass), len(want))
	}
	for code, cl := range want {
		if got := codeClass[code]; got != cl {
			t.Errorf("code %d: class %v, want %v", code, got, cl)
		}
	}
	for code := range wholeRequest {
		if code != 512 {
			t.Errorf("code %d refuses the whole request; only 512 should", code)
		}
	}
	if v := Classify(&APIError{Code: CodeParamChangesLimit, HTTPStatus: 200}); v.Class != RowData || !v.Whole {
		t.Errorf("512: %+v, want row data for the whole request", v)
	}
	if v := Classify(&APIError{Code: CodeInvalidAccountID, HTTPStatus: 200}); v.Whole {
		t.Errorf("194: %+v, want a row's refusal", v)
	}
}

func TestIsTokenError(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&APIError{Code: CodeTokenExpired, HTTPStatus: 200}, true},
		{fmt.Errorf("token refused after renewal: %w", &APIError{Code: CodeTokenInFuture}), true},
		{&APIError{Code: CodeAuthorizationFailed, HTTPStatus: 200}, false},
		{&APIError{HTTPStatus: 401}, false},
		{&TransportError{Op: "SetChildAccountInfo", Err: ErrTimeout}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := IsTokenError(tt.err); got != tt.want {
			t.Errorf("IsTokenError(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

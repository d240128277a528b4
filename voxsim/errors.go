package voxsim

import (
	"encoding/json"
	"strconv"
)

// apiError is an error answer of the API: HTTP 200 with
// {"error": {"code": N, "msg": "...", "field_name": "..."}}.
type apiError struct {
	code  int
	msg   string
	field string
}

func (e *apiError) Error() string { return "code " + strconv.Itoa(e.code) + ": " + e.msg }

// invalid returns a 101 for the named parameter.
func invalid(field string) *apiError {
	return &apiError{101, "Invalid value of parameter " + field, field}
}

// The error answers, worded after the API's own.
var (
	errInternal       = &apiError{2, "Internal error", ""}
	errAuth           = &apiError{100, "Authorization failed", ""}
	errUnknownMethod  = &apiError{103, "Unknown command", ""}
	errEmailNotUnique = &apiError{128, "The email is not unique", "new_child_account_email"}
	errNoSelector     = &apiError{134, "Required parameter child_account_id is empty", "child_account_id"}
	errTwoSelectors   = &apiError{101, "Only one of child_account_id, child_account_name and child_account_email may be set", ""}
	errUnknownID      = &apiError{194, "Invalid child_account_id", "child_account_id"}
	errUnknownName    = &apiError{198, "Invalid child_account_name", "child_account_name"}
	errUnknownEmail   = &apiError{199, "Invalid child_account_email", "child_account_email"}
	errBadNewEmail    = &apiError{201, "Invalid new_child_account_email", "new_child_account_email"}
	errBadLanguage    = &apiError{202, "Invalid language_code", "language_code"}
	errRateLimit      = &apiError{340, "Rate limit exceeded", ""}
	errTokenFormat    = &apiError{447, "Invalid token format", ""}
	errTokenTTL       = &apiError{454, "Token TTL exceeds the limit of 3600 seconds", ""}
	errTokenFuture    = &apiError{455, "Token is issued in the future", ""}
	errTokenExpired   = &apiError{456, "Token has expired", ""}
	errPasswordUpper  = &apiError{464, "The password must contain an uppercase letter", "new_child_account_password"}
	errPasswordWeak   = &apiError{523, "The password is too weak", "new_child_account_password"}
	errPasswordSpaces = &apiError{524, "The password must not contain spaces", "new_child_account_password"}
	errPasswordUsed   = &apiError{535, "The password has been used before", "new_child_account_password"}
)

// appendError appends the JSON answer for e: {"error": {...}}.
func appendError(b []byte, e *apiError) []byte {
	b = append(b, `{"error":`...)
	b = appendErrorObject(b, e)
	return append(b, '}')
}

// appendErrorObject appends {"code": N, "msg": "...", "field_name": "..."}.
func appendErrorObject(b []byte, e *apiError) []byte {
	b = append(b, `{"code":`...)
	b = strconv.AppendInt(b, int64(e.code), 10)
	b = append(b, `,"msg":`...)
	b = appendString(b, e.msg)
	if e.field != "" {
		b = append(b, `,"field_name":`...)
		b = appendString(b, e.field)
	}
	return append(b, '}')
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	for k := 0; k < len(s); k++ {
		if c := s[k]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

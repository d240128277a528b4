package voximplant

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// envelope is what every API answer holds: a result, an error, or the
// array form of errors that the official Go and Node clients read too.
type envelope struct {
	Result json.RawMessage `json:"result"`
	Error  *apiErrorBody   `json:"error"`
	Errors []apiErrorBody  `json:"errors"`
}

// apiErrorBody is one error of an answer.
type apiErrorBody struct {
	Code      int    `json:"code"`
	Msg       string `json:"msg"`
	FieldName string `json:"field_name"`
}

// apiError is the answer's error: "error", else the first of "errors";
// nil when there is none with a code.
func (env *envelope) apiError() *apiErrorBody {
	if env.Error != nil && env.Error.Code != 0 {
		return env.Error
	}
	if len(env.Errors) > 0 && env.Errors[0].Code != 0 {
		return &env.Errors[0]
	}
	return nil
}

// checkAnswer returns the APIError an answer stands for, or nil when it is a
// 2xx JSON object with a result and no error. {"errors": [...]} stands for
// its first error.
func checkAnswer(a *answer, retryAfter time.Duration) *APIError {
	var env envelope
	jsonErr := json.Unmarshal(a.body, &env)
	if body := env.apiError(); jsonErr == nil && body != nil {
		e := &APIError{
			Code:       body.Code,
			Msg:        body.Msg,
			FieldName:  body.FieldName,
			HTTPStatus: a.status,
			RetryAfter: retryAfter,
		}
		if e.RetryAfter == 0 && e.Code == CodeRepeatAfter {
			e.RetryAfter = retryAfterFromMsg(e.Msg)
		}
		return e
	}
	switch {
	case a.status < 200 || a.status > 299:
		return a.unexpected(retryAfter, "")
	case len(a.body) > maxBody:
		return a.unexpected(retryAfter, "body too large")
	case jsonErr != nil || env.Result == nil:
		return a.unexpected(retryAfter, "not the API's JSON")
	}
	return nil
}

// unexpected describes an answer that is not the API's, without quoting its
// body (a proxy page might echo the request, password included).
func (a *answer) unexpected(retryAfter time.Duration, why string) *APIError {
	msg := fmt.Sprintf("HTTP %d %s", a.status, http.StatusText(a.status))
	if why != "" {
		msg += ", " + why
	}
	switch {
	case len(bytes.TrimSpace(a.body)) == 0:
		msg += " (empty body)"
	case a.ctype != "":
		msg += fmt.Sprintf(" (%s, %d bytes)", a.ctype, len(a.body))
	default:
		msg += fmt.Sprintf(" (%d bytes)", len(a.body))
	}
	return &APIError{HTTPStatus: a.status, Msg: msg, RetryAfter: retryAfter}
}

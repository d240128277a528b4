package voximplant

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// envelope is what every API answer holds: a result or an error.
type envelope struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code      int    `json:"code"`
		Msg       string `json:"msg"`
		FieldName string `json:"field_name"`
	} `json:"error"`
}

// checkAnswer returns the APIError an answer stands for, or nil when it is a
// 2xx JSON object with a result and no error.
func checkAnswer(a *answer, retryAfter time.Duration) *APIError {
	var env envelope
	jsonErr := json.Unmarshal(a.body, &env)
	if jsonErr == nil && env.Error != nil && env.Error.Code != 0 {
		e := &APIError{
			Code:       env.Error.Code,
			Msg:        env.Error.Msg,
			FieldName:  env.Error.FieldName,
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

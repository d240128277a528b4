package voxsim

// The answers of the reference's stricter rules and of the switches that
// reproduce what the real API may do (see Config).
var (
	// errNoReadSelector: the current reference of GetChildrenAccounts says
	// "you need to specify at least one of child_account_id,
	// child_account_name, child_account_email". It documents no code for
	// the case; 134 is the API's "a required parameter is empty", the code
	// a server that follows the reference gives (issue 12 saw it).
	errNoReadSelector = &apiError{134, "You need to specify at least one of child_account_id, child_account_name, child_account_email", "child_account_id"}
	// errReadAll: "all" is documented for SetChildAccountInfo only; for a
	// read it is not a list of ids, so it is an invalid argument (101),
	// whatever ignore_invalid_accounts says.
	errReadAll = &apiError{101, "Invalid value of parameter child_account_id: all is not an account id", "child_account_id"}
	// errInvalidKeyID: the token's kid names no key of the account.
	errInvalidKeyID = &apiError{433, "Invalid key id", ""}
	// errResend: Config.ResendRate.
	errResend = &apiError{484, "Rejected due to probable automatic request resend. Try again later", ""}
)

// drawResend decides whether a request is answered 484
// (Config.ResendRate). It takes nothing from the seeded source when the
// switch is off, so that the other faults' sequence stays as it was.
func (s *Server) drawResend() bool {
	if s.cfg.ResendRate == 0 {
		return false
	}
	f := &s.rng
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.Float64() < s.cfg.ResendRate
}

// appendAnyError appends the JSON answer for e, in the array form
// {"errors": [...]} with Config.ErrorsEnvelope.
func (s *Server) appendAnyError(b []byte, e *apiError) []byte {
	if !s.cfg.ErrorsEnvelope {
		return appendError(b, e)
	}
	b = append(b, `{"errors":[`...)
	b = appendErrorObject(b, e)
	return append(b, "]}"...)
}

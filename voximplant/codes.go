package voximplant

import "errors"

// The Management API error codes this client classifies (see Classify),
// each named once. Callers outside this package refer to codes by these
// names, never by number.
const (
	CodeFatal                    = 1   // the API's "fatal error"; retried as transient
	CodeInternal                 = 2   // internal error
	CodeDatabase                 = 4   // database error
	CodeAuthorizationFailed      = 100 // authorization failed: wrong account, key or signature
	CodeInvalidArguments         = 101 // invalid arguments
	CodeMissingCommand           = 102 // the request names no method
	CodeUnknownCommand           = 103 // unknown method
	CodeForbiddenCommand         = 104 // the credentials may not call this method
	CodeEmailNotUnique           = 128 // new_child_account_email is already in use
	CodeRequiredParamEmpty       = 134 // a required parameter is empty
	CodeBalanceOutOfBounds       = 154 // a balance value is out of bounds
	CodeTryLater                 = 162 // try later
	CodeBalanceValueOutOfBounds  = 171 // a balance value is out of bounds (the API's second code for it)
	CodeInvalidAccountID         = 194 // invalid child_account_id
	CodeInvalidAccountName       = 198 // invalid child_account_name
	CodeInvalidAccountEmail      = 199 // invalid child_account_email
	CodeInvalidNewEmail          = 201 // invalid new_child_account_email
	CodeInvalidLanguage          = 202 // invalid language_code
	CodePasswordChangeBlocked    = 230 // password change temporarily blocked
	CodeRateLimit                = 340 // rate limit exceeded
	CodeRepeatAfter              = 416 // repeat the request after N seconds (N in Msg)
	CodeInvalidKeyID             = 433 // the token's key id (kid) names no key of the account
	CodeTokenFormat              = 447 // the token is malformed
	CodeTokenTTL                 = 454 // the token's lifetime is over the limit
	CodeTokenInFuture            = 455 // the token was issued in the future (clock skew)
	CodeTokenExpired             = 456 // the token has expired
	CodeMultipleSelectors        = 458 // more than one of child_account_id, _name and _email (a client bug)
	CodePasswordEmpty            = 463 // new_child_account_password is empty
	CodePasswordNoUppercase      = 464 // new_child_account_password has no uppercase letter
	CodeProbableResend           = 484 // rejected as a probable automatic re-send; try again later
	CodeParamForbidden           = 492 // the parameter (FieldName or Msg) is forbidden to the caller
	CodeParamChangesLimit        = 512 // the limit on changes of a parameter is exceeded
	CodePasswordWeak             = 523 // new_child_account_password is too weak
	CodePasswordSpaces           = 524 // new_child_account_password has spaces
	CodePasswordUsedBefore       = 535 // new_child_account_password was used before
	CodeEmailChangeNeedsPassword = 537 // changing the email needs password authentication
)

// codeClass classifies the codes above. A code not in it is classified by
// the HTTP status it came with (classifyAPI): Unrecognized on a 200 or 4xx
// answer, never RowData, so that a chunk is split only for codes known to be
// about its rows. CodeParamChangesLimit is RowData with Verdict.Whole (see
// wholeRequest).
var codeClass = map[int]Class{
	CodeFatal: Transient, CodeInternal: Transient, CodeDatabase: Transient, CodeProbableResend: Transient,

	CodeTryLater: Throttled, CodeRateLimit: Throttled, CodeRepeatAfter: Throttled,

	CodeAuthorizationFailed: Fatal, CodeUnknownCommand: Fatal, CodeForbiddenCommand: Fatal,
	CodeMissingCommand: Fatal, CodeInvalidKeyID: Fatal, CodeMultipleSelectors: Fatal, CodeParamForbidden: Fatal,

	CodeTokenFormat: Token, CodeTokenTTL: Token, CodeTokenInFuture: Token, CodeTokenExpired: Token,

	CodeInvalidArguments: RowData, CodeRequiredParamEmpty: RowData,
	CodeInvalidAccountID: RowData, CodeInvalidAccountName: RowData, CodeInvalidAccountEmail: RowData,
	CodeInvalidNewEmail: RowData, CodeInvalidLanguage: RowData, CodeEmailNotUnique: RowData,
	CodePasswordChangeBlocked: RowData, CodePasswordEmpty: RowData, CodePasswordNoUppercase: RowData,
	CodePasswordWeak: RowData, CodePasswordSpaces: RowData, CodePasswordUsedBefore: RowData,
	CodeEmailChangeNeedsPassword: RowData, CodeBalanceOutOfBounds: RowData, CodeBalanceValueOutOfBounds: RowData,
	CodeParamChangesLimit: RowData,
}

// wholeRequest holds the RowData codes that are about a request's rows
// together rather than one of them (Verdict.Whole).
var wholeRequest = map[int]bool{CodeParamChangesLimit: true}

// IsTokenError reports whether err is (or wraps) an *APIError whose code is
// a token error (class Token): the API refused the JWT itself, which points
// at the clock, the key or the credentials rather than at the request.
func IsTokenError(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && codeClass[ae.Code] == Token
}

// Package voximplant is voxbatch's client for the Voximplant Management API.
//
// It holds everything that knows HTTP and the API's conventions, and nothing
// about plans or rows:
//
//   - [LoadCredentials] reads a service account's credentials.json (see
//     [CredentialsPath] for where it is looked for). The private key never
//     appears in an error, a String or a log value.
//   - [Client] signs one short-lived RS256 JWT at a time, shares it between
//     all goroutines and renews it before it expires. [Client.RenewToken]
//     drops it on demand (after a token error from the API).
//   - [Client.SetChildAccountInfo] and [Client.GetChildrenAccounts] send one
//     POST each, as a url-encoded form, with a per-request timeout. They never
//     retry: retries, back-off and throttling belong to the caller (package
//     batch).
//   - Failures come back as [*APIError] (the API answered, or something that
//     is not the API answered) or [*TransportError] (no answer). [Classify]
//     turns any error into a [Verdict]: its [Class] says what the caller should
//     do, Unknown whether the request may have been applied although it
//     failed, RetryAfter how long the server asked to wait.
//
// # Classes
//
// [Transient] is retried with back-off, [Throttled] is retried after a pause
// that slows every worker, [RowData] is never retried as is (the request's data
// was refused; split the chunk, unless Verdict.Whole says the refusal is about
// the rows together), [Token] means renew the token once and then treat it as
// [Fatal], [Fatal] stops the run. [Unrecognized] is a code this client does
// not know: never split for it, fail the request's rows, and stop once it
// repeats. [Canceled] is the caller's own context ending (cancellation or the
// caller's deadline): it is not a failure of the request and the caller
// should stop, not count an attempt.
//
// Every code the API documents is named once in codes.go and classified
// there. A code not listed is classified by the HTTP status it came with: in
// a 200 or 4xx answer it is [Unrecognized] (never [RowData]: bisection would
// cost about two requests per row for a code that is not about a row), in a
// 5xx answer [Transient], in a 401 or 403 answer [Fatal]. The array form of
// an error, {"errors": [{"code", "msg"}, ...]}, stands for its first error.
//
// GetChildrenAccounts answers decode into [AccountInfo], whose optional
// fields are [Opt]: a field the answer left out is unknown, not false.
//
// An answer that is not the API's JSON (a proxy's HTML page, an empty or
// cut-off body, a result other than 1) is an [*APIError] with Code 0. With
// status 2xx, 5xx or 408 it is [Transient] and its outcome unknown: the request
// may or may not have reached the API. 429 is [Throttled], 413 [RowData] (the
// request is too large; smaller chunks may pass), any other status (3xx, 401,
// 403, 404, ...) [Fatal]: the endpoint or the credentials are wrong for every
// request.
package voximplant

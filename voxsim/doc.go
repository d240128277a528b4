// Package voxsim is a local Voximplant Management API simulator for tests,
// rehearsals and benchmarks.
//
// A Server holds child accounts in memory and serves the two methods voxbatch
// uses, SetChildAccountInfo and GetChildrenAccounts, at
// /platform_api/<Method>, with the request and error shapes of the real API:
// parameters as a url-encoded or multipart form or as query parameters, lists
// joined by ";", errors as HTTP 200 with {"error": {"code": N, "msg": "..."}}.
// It verifies every request's JWT the way the API reference describes
// (RS256, kid, iss, iat, exp) and writes a credentials.json that works against
// it.
//
// Faults can be switched on in Config: a server-side rate limit (code 340 or
// an HTTP status with Retry-After), latency with jitter, internal errors
// (code 2, nothing applied) and dropped connections (the change is applied,
// then the connection is closed without an answer). Randomness comes from one
// seeded source, so a seeded run draws the same sequence of faults.
//
// What really happened is visible through GET /_sim/accounts,
// GET /_sim/stats and POST /_sim/reset-stats, and through Server.Accounts,
// Server.Account and Server.Stats from Go.
//
// The package imports nothing of the voxbatch client on purpose: it checks the
// client independently, so token verification and parameter validation are
// written here again from the API reference.
//
// Choices where the reference is silent (documented so that tests can rely on
// them):
//   - Parameter validation comes before account lookup; an unknown account or
//     an invalid value fails the whole request and nothing is applied.
//   - An empty list item ("1000;;1001", a trailing ";") is an unknown account.
//   - A password that any selected account has had before is answered 535;
//     the initial passwords are unknown, so the first change always passes.
//   - A new email for more than one account at once is answered 128.
//   - language_code is matched exactly (lower case); booleans are exactly
//     "true", "false", "1" or "0".
//   - Token errors: a missing or garbled Authorization header, a missing
//     kid, a bad signature or a wrong iss value is 100; a kid that is not
//     the key's id is 433; an alg other than RS256, a non-numeric iss and a
//     missing or non-numeric iat or exp is 447.
//   - GetChildrenAccounts is as strict as the current reference: a read
//     that names no account (no selector) is 134, child_account_id=all is
//     101 (Config.ListAll lifts both). Name and email lists are accepted
//     and matched exactly unless Config.RefuseReadLists or
//     Config.SubstringNames say otherwise; Config.OmitOptional leaves the
//     optional fields out of some accounts, Config.ResendRate answers 484
//     and Config.ErrorsEnvelope gives errors in the {"errors": [...]} form.
//   - Config.Unkept accepts changes to some accounts without keeping them,
//     for rehearsing a verification that reads them back.
//   - Latency is waited after the request body is read and before anything
//     is checked or applied, so a client that gives up during it changes
//     nothing.
package voxsim

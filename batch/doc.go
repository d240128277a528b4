// Package batch runs a plan: it cuts the plan's rows into requests, sends
// them through a pool of workers that all wait on one shared, adaptive rate
// limiter, retries what is transient, bisects chunks that carry bad rows,
// stops on fatal errors or when a failure threshold is crossed, and records
// one outcome per plan row as it happens.
//
// The parts:
//   - Runner (runner.go) owns the run: the worker pool, stopping, the
//     per-row records and the counters.
//   - attempter (attempt.go) is the one attempt loop, shared by the run's
//     requests, the preview's reads and the check of an unknown outcome:
//     it waits on the pacer, retries with capped exponential backoff and
//     full jitter, handles throttling, renews the token once, and counts
//     the requests.
//   - send (send.go) decides what a request's attempts came to: applied,
//     failed, bisection of a chunk refused as row data, the check of an
//     unknown outcome, or stopping the run.
//   - pacer (pacer.go) is the shared limiter: it spaces requests by the
//     current rate and holds any second to the rate; a throttled answer
//     cuts the rate to what the server took (never below what it held),
//     answers throttled in a row pause the other workers briefly, and the
//     rate climbs back by time.
//   - Journal (journal.go, journal_format.go) appends each decided outcome,
//     and a sent marker before a password or email request, so that a
//     killed run loses nothing; Resume (resume.go) turns what an earlier run
//     recorded into the rows to send and the records of the others.
//   - ReadPreview (preview.go, preview_read.go) reads the accounts' current
//     state through an attempter of its own and compares it with the plan,
//     for --preview and --skip-unchanged.
//   - records.go builds the report records: a row's base record (shared by
//     New and DryRunRecords) and the copy of an outcome into it.
//
// A failed row is a result, not an error: only fatal conditions (auth,
// permissions, a crossed threshold) and interruption end a run early.
package batch

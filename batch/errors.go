package batch

import (
	"errors"
	"fmt"
)

// ErrInterrupted is returned by Run when its context was cancelled (SIGINT
// or SIGTERM): dispatching stopped, in-flight requests had their grace
// period, and every unsent row is not_attempted.
var ErrInterrupted = errors.New("interrupted")

// ErrUnreachable is wrapped by the *AbortError of a run none of whose
// requests reached the API in MaxAttempts attempts: the endpoint is wrong
// or the network is down, and no row is at fault.
var ErrUnreachable = errors.New("no request reached the API")

// AbortError is returned by Run when it stopped early on purpose: a fatal
// API error or a crossed failure threshold. Unsent rows are not_attempted,
// so a later run retries them.
type AbortError struct {
	Reason string // "fatal error", "failure threshold"
	Err    error
}

func (e *AbortError) Error() string { return fmt.Sprintf("run aborted: %s: %v", e.Reason, e.Err) }
func (e *AbortError) Unwrap() error { return e.Err }

// ThresholdError says which failure threshold was crossed.
type ThresholdError struct {
	Failed, Finished int
	MaxFailures      int
	MaxFailureRate   float64
}

func (e *ThresholdError) Error() string {
	if e.MaxFailures > 0 && e.Failed >= e.MaxFailures {
		return fmt.Sprintf("%d rows failed, --max-failures is %d", e.Failed, e.MaxFailures)
	}
	return fmt.Sprintf("%d of %d finished rows failed (%.1f%%), --max-failure-rate is %g",
		e.Failed, e.Finished, 100*float64(e.Failed)/float64(e.Finished), e.MaxFailureRate)
}

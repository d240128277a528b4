package batch

import (
	"errors"
	"sync"

	"github.com/voxbatch/voxbatch/voximplant"
)

// The notes added to the error message of rows that fail together,
// without bisection.
const (
	// wholeHint follows a refusal about the request's rows together (code
	// 512, a limit on parameter changes).
	wholeHint = "the API limits how often these parameters may change; the chunk was not split. " +
		"Retry these rows later with --retry-failed, or in smaller runs"
	// unrecognizedHint follows a code voxbatch does not know.
	unrecognizedHint = "a code voxbatch does not know, so not known to be about one row; the chunk was not split. " +
		"Look the code up in the API's reference before retrying these rows"
)

// withNote is the error message of a row that failed with err, followed by
// note.
func withNote(err error, note string) string {
	msg := err.Error()
	var ae *voximplant.APIError
	if errors.As(err, &ae) {
		msg = ae.Msg
	}
	return msg + " (" + note + ")"
}

// isCode tells whether err is an answer of the API with the given code.
func isCode(err error, code int) bool {
	var ae *voximplant.APIError
	return errors.As(err, &ae) && ae.Code == code
}

// codeStreak counts the requests in a row, in the order their answers
// came, that the API refused with one code voxbatch does not know
// (voximplant.Unrecognized). It is safe for concurrent use.
type codeStreak struct {
	mu   sync.Mutex
	code int
	n    int
}

// note takes the outcome of a request into account and returns the length
// of the streak it belongs to: 0 unless o was refused with an unrecognized
// code. Any other answer from the API ends the streak; a request that got
// no answer from the API leaves it as it is.
func (s *codeStreak) note(o *outcome) int {
	var ae *voximplant.APIError
	answered := o.err == nil || (errors.As(o.err, &ae) && ae.Code != 0)
	if o.end == stopped || !answered {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.v.Class != voximplant.Unrecognized {
		s.code, s.n = 0, 0
		return 0
	}
	if ae.Code != s.code {
		s.code, s.n = ae.Code, 0
	}
	s.n++
	return s.n
}

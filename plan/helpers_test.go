package plan_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
)

// load loads content as the plan name.
func load(t testing.TB, name, content string, opts plan.Options) (*plan.Plan, error) {
	t.Helper()
	return plan.Load(name, strings.NewReader(content), opts)
}

// mustLoad loads content and fails the test on any error.
func mustLoad(t testing.TB, name, content string, opts plan.Options) *plan.Plan {
	t.Helper()
	p, err := load(t, name, content, opts)
	if err != nil {
		t.Fatalf("Load(%s): %v", name, err)
	}
	return p
}

// validationError returns err as a *plan.ValidationError or fails.
func validationError(t testing.TB, err error) *plan.ValidationError {
	t.Helper()
	var ve *plan.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got error %v (%T), want a *plan.ValidationError", err, err)
	}
	return ve
}

// loadFails loads content, which must fail with a *plan.ValidationError
// that errors.Is want, and returns that error.
func loadFails(t testing.TB, name, content string, opts plan.Options, want error) *plan.ValidationError {
	t.Helper()
	_, err := load(t, name, content, opts)
	ve := validationError(t, err)
	if !errors.Is(err, want) {
		t.Errorf("errors.Is(err, %v) = false; err:\n%v", want, err)
	}
	return ve
}

// lines returns the problem lines of a validation error.
func problemLines(ve *plan.ValidationError) []string {
	var out []string
	for _, re := range ve.Errors {
		out = append(out, re.Error())
	}
	return out
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// unwrapAll returns the innermost error of a chain of single wraps.
func unwrapAll(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

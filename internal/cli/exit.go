package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/voxbatch/voxbatch/plan"
)

// Exit codes; see exitCodesHelp and DESIGN.md.
const (
	exitOK          = 0
	exitRowsFailed  = 1
	exitUsage       = 2
	exitAborted     = 3
	exitMismatch    = 4
	exitInterrupted = 130
)

// cliError carries an exit code and an optional hint for the person at the
// terminal.
type cliError struct {
	code int
	err  error
	hint string
}

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

func (e *cliError) withHint(h string) *cliError {
	e.hint = h
	return e
}

func usageErrorf(format string, a ...any) *cliError {
	return &cliError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// errRowsNotApplied is returned by a run that finished with some rows not
// applied; the report says which.
var errRowsNotApplied = errors.New("some rows were not applied")

// invalidRowsError is the result of a dry run or validation under
// --skip-invalid that would leave rows out.
func invalidRowsError(n int) error {
	noun := "rows"
	if n == 1 {
		noun = "row"
	}
	return (&cliError{code: exitRowsFailed, err: fmt.Errorf("%d invalid %s would be skipped", n, noun)}).withHint(
		"fix them for a clean plan (exit 0); with --skip-invalid a run sends the others and reports these as invalid")
}

const validationHint = "fix these rows, or pass --skip-invalid to run the valid rows and report the others as invalid"

// exitCode maps the final error of a command to the process exit code. It is
// the only place that does so.
func exitCode(err error) int {
	var ce *cliError
	var ve *plan.ValidationError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &ce):
		return ce.code
	case errors.As(err, &ve):
		return exitUsage
	case errors.Is(err, errRowsNotApplied):
		return exitRowsFailed
	}
	if code, ok := batchExitCode(err); ok {
		return code
	}
	return exitUsage
}

// finish prints err (if any) for people and returns its exit code.
func finish(e *env, err error) int {
	code := exitCode(err)
	if err == nil || errors.Is(err, errHelp) {
		return code
	}
	if e.jsonLog {
		logger := newLogger(e.stderr, "json", "info")
		var ce *cliError
		var ve *plan.ValidationError
		switch {
		case errors.As(err, &ve):
			// One record per problem, with its place as fields, so that a
			// log collector can count and filter them.
			for _, re := range ve.Errors {
				msg := re.Error()
				if re.Err != nil {
					msg = re.Err.Error()
				}
				logger.Error(msg, "file", re.File, "line", re.Line, "field", re.Field, "problem", re.Error())
			}
			logger.Error(fmt.Sprintf("%d problems in %s; nothing was sent", ve.Count, ve.File),
				"problems", ve.Count, "shown", len(ve.Errors), "exit_code", code, "hint", validationHint)
		case errors.As(err, &ce) && ce.hint != "":
			logger.Error(err.Error(), "exit_code", code, "hint", ce.hint)
		default:
			logger.Error(err.Error(), "exit_code", code)
		}
		return code
	}
	printError(e.stderr, err)
	return code
}

func printError(w io.Writer, err error) {
	var ve *plan.ValidationError
	if errors.As(err, &ve) {
		// Problems first, as compilers print them, so that editors can jump
		// to FILE:LINE; then the count and what to do.
		for _, re := range ve.Errors {
			fmt.Fprintln(w, re.Error())
		}
		shown := ""
		if len(ve.Errors) < ve.Count {
			shown = fmt.Sprintf(" (first %d shown; --max-errors shows more)", len(ve.Errors))
		}
		noun := "problems"
		if ve.Count == 1 {
			noun = "problem"
		}
		fmt.Fprintf(w, "voxbatch: error: %d %s in %s%s; nothing was sent\n", ve.Count, noun, ve.File, shown)
		fmt.Fprintf(w, "voxbatch: hint: %s\n", validationHint)
		return
	}
	msg := err.Error()
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		fmt.Fprintf(w, "voxbatch: error: %s\n", line)
	}
	var ce *cliError
	if errors.As(err, &ce) && ce.hint != "" {
		fmt.Fprintf(w, "voxbatch: hint: %s\n", ce.hint)
	}
}

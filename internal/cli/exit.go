package cli

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/voxbatch/voxbatch/batch"
	"github.com/voxbatch/voxbatch/internal/lockfile"
	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voximplant"
)

// Exit codes, as exitCodesHelp and the README list them. This file is the
// only place that chooses one: other files return errors, and the
// constructors below and exitCode turn them into codes.
const (
	exitOK          = 0
	exitRowsFailed  = 1
	exitUsage       = 2
	exitAborted     = 3
	exitMismatch    = 4
	exitOutput      = 5
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

// usageError is err, a problem with what the user gave (a flag, a file),
// as a usage error.
func usageError(err error) *cliError {
	return &cliError{code: exitUsage, err: err}
}

// mismatchError is a plan that is not the one pinned or journaled: nothing
// was sent.
func mismatchError(err error, hint string) *cliError {
	return &cliError{code: exitMismatch, err: err, hint: hint}
}

// errRowsNotApplied is returned by a run that finished with some rows not
// applied; the report says which.
var errRowsNotApplied = errors.New("some rows were not applied")

// rowsNotApplied is errRowsNotApplied with the counts as its whole text,
// so that the message says it once.
type rowsNotApplied string

func (e rowsNotApplied) Error() string        { return string(e) }
func (e rowsNotApplied) Is(target error) bool { return target == errRowsNotApplied }

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

// validationHint says what to do about an invalid plan: --skip-invalid
// only where it would load the plan, since it skips rows, never a problem
// of the plan as a whole.
func validationHint(ve *plan.ValidationError) string {
	switch {
	case ve.Skippable():
		return "fix these rows, or pass --skip-invalid to run the valid rows and report the others as invalid"
	case errors.Is(ve, plan.ErrUnknownColumn):
		return "fix the header: the columns are the API's parameter names; run 'voxbatch validate PLAN' after each fix"
	case errors.Is(ve, plan.ErrNoRows):
		return "add a row per account under the header; run 'voxbatch validate PLAN' to check it"
	}
	return "fix the plan as these lines say (--skip-invalid skips invalid rows, not problems of the whole plan); " +
		"run 'voxbatch validate PLAN' after each fix"
}

// exitCode maps the final error of a command to the process exit code. It is
// the only place that does so.
func exitCode(err error) int {
	var ce *cliError
	var ve *plan.ValidationError
	var ae *batch.AbortError
	var dm *batch.DigestMismatchError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &ce):
		return ce.code
	case errors.As(err, &ve):
		return exitUsage
	case errors.Is(err, errRowsNotApplied):
		return exitRowsFailed
	case errors.As(err, &ae):
		return exitAborted
	case errors.Is(err, batch.ErrInterrupted):
		return exitInterrupted
	case errors.Is(err, batch.ErrLocked), errors.As(err, &dm):
		return exitMismatch
	}
	return exitUsage
}

// exitCodesHelp is the exit codes of run and demo.
const exitCodesHelp = `Exit codes:
  0    every row applied (with --dry-run: the plan is valid)
  1    the run finished but some rows were not applied, or --verify read some back otherwise (mismatch)
  2    usage error or invalid plan; nothing was sent
  3    aborted: failure threshold reached, or a fatal auth/permission error
  4    the plan does not match --expect-digest or the journal, or another run holds the journal or the report; nothing was sent
  5    the rows were sent (the journal holds every outcome) but the report or the summary could not be written; a rerun writes them
  130  interrupted by SIGINT/SIGTERM; a rerun resumes
`

// validateExitCodes is the exit codes of validate.
const validateExitCodes = `Exit codes:
  0    the plan is valid
  1    with --skip-invalid: invalid rows that a run would skip
  2    usage error or invalid plan
`

// simExitCodes is the exit codes of sim.
const simExitCodes = `Exit codes:
  0    stopped by SIGINT/SIGTERM
  2    usage error, or the address cannot be listened on
`

// exportExitCodes is the exit codes of export.
const exportExitCodes = `Exit codes:
  0    the current values were written (the log says what was left out)
  2    usage error, invalid plan, or --out cannot be written
  3    the reads failed: a fatal auth/permission error, or the API could not be reached
  130  interrupted by SIGINT/SIGTERM; nothing was written
`

// plainExitCodes is the exit codes of version and completion.
const plainExitCodes = `Exit codes:
  0    done
  2    usage error
`

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
				"problems", ve.Count, "shown", len(ve.Errors), "exit_code", code, "hint", validationHint(ve))
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
		fmt.Fprintf(w, "voxbatch: hint: %s\n", validationHint(ve))
		return
	}
	// The text may quote an API's answer or a file: its control characters
	// are shown, not acted on by the terminal.
	msg := err.Error()
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		fmt.Fprintf(w, "voxbatch: error: %s\n", plan.EscapeControls(line))
	}
	var ce *cliError
	if errors.As(err, &ce) && ce.hint != "" {
		fmt.Fprintf(w, "voxbatch: hint: %s\n", ce.hint)
	}
}

// journalError says what to do about a journal that cannot be used.
func journalError(err error) error {
	var dm *batch.DigestMismatchError
	var me *batch.MalformedError
	switch {
	case errors.Is(err, batch.ErrLocked):
		return mismatchError(err, lockedHint)
	case errors.As(err, &dm):
		return mismatchError(err, "the plan changed since the journal was written: rerun with --carry-over to keep the rows already applied "+
			"and send the rest, or with --fresh to send every row again (the old journal is moved aside, not deleted, either way)")
	case errors.As(err, &me):
		return usageError(err).withHint(fmt.Sprintf("voxbatch writes every line whole, so %s was edited or damaged: "+
			"delete line %d (its row is then sent again unless a later line decides it) and rerun, "+
			"or rerun with --fresh, which moves the journal aside and sends every row again", me.Path, me.Line))
	}
	return usageError(err)
}

// lockedHint is what to do when another run holds the report or the
// journal. It must not suggest another --state or --report: a second run
// of the same plan would send its rows a second time.
const lockedHint = "another voxbatch run is at work on this plan's report or journal; wait for it to finish, then rerun the same command"

// reportLockError is a report that another run is writing.
func reportLockError(path string, err error) error {
	if errors.Is(err, lockfile.ErrLocked) {
		return mismatchError(fmt.Errorf("report %s is being written by another voxbatch run: %w", path, batch.ErrLocked), lockedHint)
	}
	return usageErrorf("--report %s: %v", path, err)
}

// credentialsError is credentials that cannot be loaded.
func credentialsError(err error) error {
	return usageError(err).withHint(
		"give the service account's credentials.json as the control panel generated it (account_id, key_id, private_key)")
}

// clientError is a client that cannot be made from the flags.
func clientError(err error) error {
	ce := usageError(err)
	if errors.Is(err, voximplant.ErrInsecureEndpoint) {
		ce.hint = "use https://, or http:// only to a loopback address such as the simulator"
	}
	return ce
}

// runError is the outcome of a run that got to its end: runErr, when the
// run stopped early; notApplied, when rows were not applied; postErr, what
// failed once the rows were sent (the report, the summary, the journal's
// close). The first of them chooses the exit code; the others are told.
func runError(runErr, notApplied, postErr error) error {
	first := cmp.Or(runErr, notApplied)
	switch {
	case first == nil && postErr == nil:
		return nil
	case first == nil:
		return (&cliError{code: exitOutput, err: postErr}).withHint(
			"the rows were sent and the journal holds their outcomes; rerun the same command to write the report: nothing is sent again")
	case runErr == nil:
		ce := notApplied.(*cliError)
		if postErr != nil {
			ce.err = fmt.Errorf("%w; also: %v", ce.err, postErr)
		}
		return ce
	}
	if postErr != nil {
		runErr = fmt.Errorf("%w; also: %v", runErr, postErr)
	}
	return withRunHint(runErr)
}

// withRunHint adds what the operator can do about a run that stopped early.
func withRunHint(err error) error {
	ce := &cliError{code: exitCode(err), err: err}
	var ae *voximplant.APIError
	switch {
	case errors.Is(err, batch.ErrInterrupted):
		ce.hint = "rerun the same command to resume; rows already applied are not sent again"
	case errors.As(err, new(*batch.ThresholdError)):
		ce.hint = "fix what made the rows fail (error_message in the report); a plain rerun then sends the rows not yet tried, " +
			"and the failed ones only with --retry-failed"
	case errors.Is(err, batch.ErrUnreachable):
		ce.hint = "check --endpoint (it ends in /platform_api/), DNS, a proxy (HTTPS_PROXY) or a firewall; " +
			"no row was applied or failed by it: rerun the same command once the API answers"
	case errors.As(err, &ae) && ae.Code == voximplant.CodeAuthorizationFailed:
		ce.hint = "check the credentials: account_id, key_id and private_key must be one service account's, as the control panel gave them"
	case errors.As(err, &ae) && (ae.Code == voximplant.CodeUnknownCommand || ae.Code == voximplant.CodeForbiddenCommand):
		ce.hint = "the service account may not call SetChildAccountInfo; give it a role that can manage child accounts"
	case errors.As(err, &ae) && ae.Code == voximplant.CodeInvalidKeyID:
		ce.hint = "check the credentials: the API knows no key with this key_id; key_id must be the id of a key of the service account (account_id), as the control panel gave it"
	case errors.As(err, &ae) && ae.Code == voximplant.CodeParamForbidden:
		param := "the parameter the message names"
		if ae.FieldName != "" {
			param = "the parameter " + ae.FieldName
		}
		ce.hint = "the API forbids " + param + " to this account: remove that column from the plan, or ask Voximplant to allow it, then rerun"
	case errors.As(err, &ae) && (ae.Code == voximplant.CodeMultipleSelectors || ae.Code == voximplant.CodeMissingCommand):
		ce.hint = "the API refused the request's form: this is a bug in voxbatch, please report it with the log"
	case voximplant.IsTokenError(err):
		ce.hint = "the API refused the token even after renewal; check this machine's clock (NTP)"
	case errors.As(err, &ae) && ae.Code == 0 && (ae.HTTPStatus == 404 || ae.HTTPStatus/100 == 3):
		ce.hint = "check --endpoint: it should end in /platform_api/"
	default:
		ce.hint = "fix the cause, then rerun the same command: what was not done is done then"
	}
	return ce
}

// notAppliedError says how many rows a finished run did not apply, and
// where to read why; nil when every row was applied (or skipped, or
// unchanged), but for the rows --limit left for a later run.
func notAppliedError(sum report.Summary, reportPath string, leftByLimit int) error {
	if sum.ByStatus[report.Applied]+sum.ByStatus[report.Skipped]+sum.ByStatus[report.Unchanged]+leftByLimit == sum.Rows {
		return nil // the rows --limit leaves are for a later run
	}
	var parts []string
	for _, st := range []report.Status{report.Failed, report.Mismatch, report.Invalid, report.NotAttempted} {
		if n := sum.ByStatus[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st, n))
		}
	}
	what := "not applied"
	if sum.ByStatus[report.Mismatch] > 0 {
		what = "not applied as wanted" // mismatch: accepted, and read back otherwise
	}
	ok := sum.ByStatus[report.Applied] + sum.ByStatus[report.Skipped] + sum.ByStatus[report.Unchanged]
	err := rowsNotApplied(fmt.Sprintf("%d of %d rows %s (%s)", sum.Rows-ok, sum.Rows, what, strings.Join(parts, ", ")))
	where := "the report"
	if reportPath != report.Stdout {
		where = reportPath
	}
	return (&cliError{code: exitRowsFailed, err: err}).withHint(fmt.Sprintf(
		"error_code and error_message in %s say why. If the cause is fixed outside the plan, rerun the same command with --retry-failed; "+
			"if you fixed rows in the plan, rerun with --carry-over (rows already applied stay applied)", where))
}

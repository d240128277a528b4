package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/voxbatch/voxbatch/batch"
	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
)

// --undo-out and --verify: before each request is first sent, the runner
// reads what its accounts hold of the parameters it changes and journals
// it; the undo plan is written at the start (what earlier runs of the
// journal applied), at the end and after an interruption or an abort.
// --verify reads the accounts back once the run got to its end.

// checkUndoVerify refuses --undo-out and --verify where they mean nothing.
func (o *runOptions) checkUndoVerify() error {
	switch {
	case o.undoOut != "" && o.dryRun:
		return usageErrorf("--undo-out is for a real run: a dry run changes nothing").withHint(
			"to keep the current values before a change, run 'voxbatch export PLAN --out before.csv'")
	case o.verify && o.dryRun:
		return usageErrorf("--verify is for a real run: it reads back what the run applied").withHint(
			"with --dry-run, --preview reads the accounts and shows what would change")
	case o.undoOut == "-":
		return usageErrorf("--undo-out needs a file: standard output carries the report or the summary")
	case o.undoOut != "":
		if _, err := plan.TableFormat(o.undoOut); err != nil {
			return usageErrorf("--undo-out %v", err)
		}
	}
	return nil
}

// openUndo takes, with --undo-out, what the journal's earlier runs read
// before they sent their rows, and writes their undo plan at once: a path
// that cannot be written is refused before anything is sent, and a run
// killed before its end leaves the undo plan of what was applied before it
// (a rerun completes it from the journal).
func (s *session) openUndo(out *outputs) error {
	if s.opts.undoOut == "" {
		return nil
	}
	earlier := out.resume.Earlier
	if earlier.Touched() && !earlier.HasPriors() {
		// An earlier run went without --undo-out: what it applied, or had in
		// flight, would be read now, changed, and taken for the old values.
		return usageErrorf("--undo-out: this plan's journal has rows an earlier run sent without reading their values first").withHint(
			"--undo-out goes with a plan's first run; to keep a way back from here, snapshot the accounts with " +
				"'voxbatch export PLAN --out before.csv' and rerun without --undo-out")
	}
	if !earlier.HasPriors() && undoHasRows(s.opts.undoOut) {
		return usageErrorf("--undo-out %s exists and this run has no values of its own yet: it may be the only way back from an earlier run", s.opts.undoOut).withHint(
			"give --undo-out a new file, or move the old one away first")
	}
	out.undo = batch.NewUndo(s.plan, earlier)
	if _, err := s.writeUndo(out, func(i int) report.Status { return earlier.Status(i) }); err != nil {
		return usageError(err).withHint("give --undo-out a file that can be written: .csv, .yaml or .xlsx")
	}
	return nil
}

// writeUndo writes the undo plan of the rows whose status says applied to
// --undo-out, says in the log what it cannot restore (a CSV plan holds no
// comments; a YAML one has them at its top too), and returns its counts
// for the summary. Nothing without --undo-out.
func (s *session) writeUndo(out *outputs, status func(i int) report.Status) (*report.UndoCounts, error) {
	if out.undo == nil {
		return nil, nil
	}
	path := s.opts.undoOut
	up := out.undo.Plan(status)
	uc := &report.UndoCounts{Path: path, Rows: up.Rows, NotUndoable: up.NotUndoable, NoPrior: up.NoPrior, Unknown: up.Unknown}
	if err := plan.WriteTable(path, s.e.stdout, up.Table); err != nil {
		uc.Error = err.Error()
		return uc, fmt.Errorf("write the undo plan: %w", err)
	}
	s.logger.Debug("wrote the undo plan", "path", path, "rows", up.Rows)
	if up.NotUndoable+up.NoPrior+up.Unknown > 0 {
		for _, n := range up.Table.Notes[1:] {
			s.logger.Warn("undo plan: "+n, "path", path)
		}
	}
	return uc, nil
}

// verifyRun reads back, with --verify, the accounts of the rows applied
// once the run got to its end (an interrupted or aborted run is not read
// back: a rerun of the same command does it), and returns what it found
// and the run's error: the reads' own, when they failed.
func (s *session) verifyRun(ctx context.Context, runner *batch.Runner, res *batch.Result, runErr error) (*report.VerifyCounts, error) {
	if !s.opts.verify {
		return nil, runErr
	}
	if runErr != nil {
		return &report.VerifyCounts{Skipped: "the run stopped early; rerun the same command to go on and read back"}, runErr
	}
	s.logger.Info("reading back the accounts applied (--verify)")
	v, err := runner.Verify(ctx)
	// The reads back are part of the run: its requests and its time.
	res.Stats, res.Elapsed = runner.Stats(), time.Since(res.Started)
	vc := &report.VerifyCounts{Verified: v.Verified, Mismatch: v.Mismatch, NotVerified: v.NotVerified, Requests: v.Requests}
	if err != nil {
		vc.Skipped = "reading back failed: " + err.Error()
		return vc, err
	}
	s.logger.Info("read back", "verified", v.Verified, "mismatch", v.Mismatch, "not_verified", v.NotVerified, "requests", v.Requests)
	if v.NotVerified > 0 {
		s.logger.Warn(fmt.Sprintf("%d rows not verified: passwords, new emails, can_use_restricted and fields the API leaves out cannot be read back", v.NotVerified))
	}
	return vc, nil
}

// undoHasRows tells whether an undo plan at path holds rows that a new run
// would overwrite: anything but a missing file or a plan with no rows (the
// one a run writes at its start) counts.
func undoHasRows(path string) bool {
	if !exists(path) {
		return false
	}
	_, err := plan.LoadFile(path, nil, plan.Options{SkipInvalid: true, AllowAll: true})
	return !errors.Is(err, plan.ErrNoRows)
}

package cli

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/voxbatch/voxbatch/internal/review"
	"github.com/voxbatch/voxbatch/plan"
)

// Pinning a run to a reviewed plan: --expect-digest and --review.

// checkReview checks the flags of digest pinning and normalizes
// --expect-digest.
func (o *runOptions) checkReview() error {
	switch {
	case o.preview && !o.dryRun:
		return usageErrorf("--preview goes with --dry-run").withHint(
			"to leave accounts already in the desired state alone in a real run, pass --skip-unchanged")
	case o.skipUnchanged && o.dryRun:
		return usageErrorf("--skip-unchanged is for a real run").withHint(
			"with --dry-run, pass --preview to see which rows would change nothing")
	case o.reviewOut != "" && !o.dryRun:
		return usageErrorf("--review-out goes with --dry-run").withHint(
			"write the review file with a dry run, then pin it in the real run with --review FILE")
	}
	if o.expectDigest != "" {
		d, ok := review.NormalizeDigest(o.expectDigest)
		if !ok {
			return usageErrorf("--expect-digest %q is not a plan digest", o.expectDigest).withHint(
				"copy the digest a dry run prints: sha256: and 64 hexadecimal digits")
		}
		o.expectDigest = d
	}
	return nil
}

// pinDigest enforces --expect-digest and --review before anything else of a
// run: no credentials, no journal, no request. A plan whose digest differs
// is refused with exit 4; with --review the message names what changed.
// Settings that differ from the review's only draw a warning: they shape
// the requests, not what is done.
func pinDigest(opts *runOptions, p *plan.Plan, logger *slog.Logger) error {
	want := opts.expectDigest
	var rv *review.File
	if opts.review != "" {
		var err error
		if rv, err = readReview(opts.review, len(p.Rows)); err != nil {
			return err
		}
		if want == "" {
			want = rv.Digest
		} else if want != rv.Digest {
			return usageErrorf("--expect-digest %s is not the digest of the review file %s (%s)", want, opts.review, rv.Digest).withHint(
				"pass one of them, or the review file together with its own digest")
		}
	}
	if want == "" {
		return nil
	}
	if p.Digest == want {
		if rv != nil {
			warnSettings(logger, opts, rv)
		}
		return nil
	}
	msg := fmt.Sprintf("plan %s has digest %s, not the expected %s; nothing was sent", p.Source, p.Digest, want)
	hint := "if the change is intended, review the plan anew (voxbatch run --dry-run PLAN --review-out FILE) and pin the new file or digest; pass --review FILE to see what changed"
	if rv != nil {
		msg += fmt.Sprintf("\nchanged since the review %s:\n%s", opts.review, review.Compare(rv.Rows, review.Rows(p)).String())
		hint = "if the change is intended, review the plan anew (voxbatch run --dry-run PLAN --review-out FILE) and pin the new file; else restore the reviewed plan"
	}
	return mismatchError(errors.New(msg), hint)
}

// warnSettings logs the settings that differ from those of the review.
func warnSettings(logger *slog.Logger, opts *runOptions, rv *review.File) {
	now := opts.plan.settings()
	was := rv.Settings
	if was.ChunkSize != now.ChunkSize {
		logger.Warn("chunk size differs from the review's: the requests are cut otherwise", "review", was.ChunkSize, "now", now.ChunkSize)
	}
	if was.AllowAll != now.AllowAll || was.SkipInvalid != now.SkipInvalid {
		logger.Warn("settings differ from the review's", "review_allow_all", was.AllowAll, "allow_all", now.AllowAll,
			"review_skip_invalid", was.SkipInvalid, "skip_invalid", now.SkipInvalid)
	}
}

// readReview reads the review file of --review.
func readReview(path string, rows int) (*review.File, error) {
	rv, err := review.Read(path, review.MaxSize(rows))
	switch {
	case errors.Is(err, review.ErrNotReview):
		return nil, usageErrorf("--review %v", err).withHint(
			"give the file that 'voxbatch run --dry-run PLAN --review-out FILE' wrote")
	case err != nil:
		return nil, usageErrorf("--review: %v", err)
	}
	return rv, nil
}

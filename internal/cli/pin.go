package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/voxbatch/voxbatch/plan"
)

// reviewVersion is the version of the review file format.
const reviewVersion = 1

// reviewFile is what --review-out writes for a change ticket and --review
// reads back: the plan's digest, the settings that shape its requests, the
// dry run, and every row's normalized content, so that a later run can pin
// the digest and name what changed. It holds no secret: request passwords
// are ***, row passwords "(set)".
type reviewFile struct {
	Version  int             `json:"voxbatch_review"`
	Plan     string          `json:"plan"`
	Digest   string          `json:"digest"`
	Settings reviewSettings  `json:"settings"`
	Summary  dryRunSummary   `json:"summary"`
	Requests []dryRunRequest `json:"requests"`
	Rows     []reviewRow     `json:"rows"`
}

type reviewSettings struct {
	ChunkSize   int    `json:"chunk_size"`
	AllowAll    bool   `json:"allow_all"`
	SkipInvalid bool   `json:"skip_invalid"`
	Format      string `json:"format,omitempty"`
}

// reviewRow is one plan row, normalized as the digest sees it.
type reviewRow struct {
	Line     int               `json:"line"`
	Selector string            `json:"selector,omitempty"`
	Account  string            `json:"account,omitempty"`
	Change   map[string]string `json:"change,omitempty"`
	// DuplicateOf is the line of the earlier row this one was merged into.
	DuplicateOf int    `json:"duplicate_of,omitempty"`
	Invalid     string `json:"invalid,omitempty"`
}

// passwordSet stands for a password in a review row.
const passwordSet = "(set)"

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
		d, ok := normalizeDigest(o.expectDigest)
		if !ok {
			return usageErrorf("--expect-digest %q is not a plan digest", o.expectDigest).withHint(
				"copy the digest a dry run prints: sha256: and 64 hexadecimal digits")
		}
		o.expectDigest = d
	}
	return nil
}

// normalizeDigest accepts "sha256:" and 64 hex digits in any case.
func normalizeDigest(s string) (string, bool) {
	s = strings.TrimSpace(s)
	hex, ok := strings.CutPrefix(strings.ToLower(s), "sha256:")
	if !ok || len(hex) != 64 || strings.Trim(hex, "0123456789abcdef") != "" {
		return "", false
	}
	return "sha256:" + hex, true
}

// reviewRows renders every row of p as the review file holds it.
func reviewRows(p *plan.Plan) []reviewRow {
	rows := make([]reviewRow, len(p.Rows))
	for i := range p.Rows {
		row := &p.Rows[i]
		rr := &rows[i]
		rr.Line = row.Line
		if !row.Valid() {
			rr.Invalid = "invalid row"
			if row.Err != nil {
				rr.Invalid = row.Err.Error()
			}
			continue
		}
		rr.Selector, rr.Account = row.Kind.String(), row.Account
		rr.Change = make(map[string]string, len(row.Change.Params()))
		for _, prm := range row.Change.Params() {
			v, _ := row.Change.Get(prm)
			if prm.Secret() {
				v = passwordSet
			}
			rr.Change[prm.String()] = v
		}
		if row.Dup >= 0 {
			rr.DuplicateOf = p.Rows[row.Dup].Line
		}
	}
	return rows
}

func newReview(opts *runOptions, p *plan.Plan, s plan.Summary, reqs []plan.Request) *reviewFile {
	rv := &reviewFile{Version: reviewVersion, Plan: p.Source, Digest: p.Digest,
		Settings: reviewSettings{ChunkSize: opts.plan.chunkSize, AllowAll: opts.plan.allowAll,
			SkipInvalid: opts.plan.skipInvalid, Format: opts.plan.format},
		Summary: newDryRunSummary(s), Requests: make([]dryRunRequest, 0, len(reqs)), Rows: reviewRows(p)}
	for i := range reqs {
		r := &reqs[i]
		rv.Requests = append(rv.Requests, dryRunRequest{Seq: r.Seq, Method: "SetChildAccountInfo",
			Params: redactedParams(p, r), Lines: r.Lines(p)})
	}
	return rv
}

// writeReviewOut writes the review file of --review-out, if asked for.
func writeReviewOut(opts *runOptions, p *plan.Plan, s plan.Summary) error {
	if opts.reviewOut == "" {
		return nil
	}
	return writeReview(opts.reviewOut, newReview(opts, p, s, plan.Chunk(p, nil, opts.plan.chunkSize)))
}

// writeReview writes the review file of --review-out: to a temporary file
// first, so that a crash never leaves half a review.
func writeReview(path string, rv *reviewFile) error {
	data, err := json.MarshalIndent(rv, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".voxbatch-review-*")
	if err != nil {
		return fmt.Errorf("write the review file: %w", err)
	}
	_, err = f.Write(append(data, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write the review file: %w", err)
	}
	return nil
}

// readReview reads a review file written by --review-out.
func readReview(path string) (*reviewFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErrorf("--review: %v", err)
	}
	var rv reviewFile
	if err := json.Unmarshal(data, &rv); err != nil {
		return nil, usageErrorf("--review %s: not a voxbatch review file: %v", path, err)
	}
	d, ok := normalizeDigest(rv.Digest)
	if rv.Version != reviewVersion || !ok {
		return nil, usageErrorf("--review %s: not a voxbatch review file of version %d with a digest", path, reviewVersion).withHint(
			"give the file that 'voxbatch run --dry-run PLAN --review-out FILE' wrote")
	}
	rv.Digest = d
	return &rv, nil
}

// pinDigest enforces --expect-digest and --review before anything else of a
// run: no credentials, no journal, no request. A plan whose digest differs
// is refused with exit 4; with --review the message names what changed.
// Settings that differ from the review's only draw a warning: they shape
// the requests, not what is done.
func pinDigest(opts *runOptions, p *plan.Plan, logger *slog.Logger) error {
	want := opts.expectDigest
	var rv *reviewFile
	if opts.review != "" {
		var err error
		if rv, err = readReview(opts.review); err != nil {
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
		msg += fmt.Sprintf("\nchanged since the review %s:\n%s", opts.review, diffRows(rv.Rows, reviewRows(p)).String())
		hint = "if the change is intended, review the plan anew (voxbatch run --dry-run PLAN --review-out FILE) and pin the new file; else restore the reviewed plan"
	}
	return (&cliError{code: exitMismatch, err: errors.New(msg)}).withHint(hint)
}

// warnSettings logs the settings that differ from those of the review.
func warnSettings(logger *slog.Logger, opts *runOptions, rv *reviewFile) {
	now := reviewSettings{ChunkSize: opts.plan.chunkSize, AllowAll: opts.plan.allowAll, SkipInvalid: opts.plan.skipInvalid, Format: opts.plan.format}
	was := rv.Settings
	if was.ChunkSize != now.ChunkSize {
		logger.Warn("chunk size differs from the review's: the requests are cut otherwise", "review", was.ChunkSize, "now", now.ChunkSize)
	}
	if was.AllowAll != now.AllowAll || was.SkipInvalid != now.SkipInvalid {
		logger.Warn("settings differ from the review's", "review_allow_all", was.AllowAll, "allow_all", now.AllowAll,
			"review_skip_invalid", was.SkipInvalid, "skip_invalid", now.SkipInvalid)
	}
}

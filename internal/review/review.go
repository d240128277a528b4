// Package review owns the review file: what `run --dry-run --review-out`
// writes for a change ticket and `run --review` reads back. It holds the
// plan's digest, the settings that shape its requests, the dry run and every
// row's normalized content, so that a later run can pin the digest and name
// what changed (Diff). It holds no secret: request passwords are ***, row
// passwords "(set)".
//
// The package is pure: no flags, no environment, no printing. The command
// layer (internal/cli) decides what a refused review means for the exit code.
package review

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/voxbatch/voxbatch/internal/bounded"
	"github.com/voxbatch/voxbatch/plan"
)

// Version is the version of the review file format.
const Version = 1

// PasswordSet stands for a password in a review row.
const PasswordSet = "(set)"

// File is the review file.
type File struct {
	Version  int       `json:"voxbatch_review"`
	Plan     string    `json:"plan"`
	Digest   string    `json:"digest"`
	Settings Settings  `json:"settings"`
	Summary  Summary   `json:"summary"`
	Requests []Request `json:"requests"`
	Rows     []Row     `json:"rows"`
}

// Settings are the plan settings that shape the requests of a run.
type Settings struct {
	ChunkSize   int    `json:"chunk_size"`
	AllowAll    bool   `json:"allow_all"`
	SkipInvalid bool   `json:"skip_invalid"`
	Format      string `json:"format,omitempty"`
}

// Row is one plan row, normalized as the digest sees it.
type Row struct {
	Line     int               `json:"line"`
	Selector string            `json:"selector,omitempty"`
	Account  string            `json:"account,omitempty"`
	Change   map[string]string `json:"change,omitempty"`
	// DuplicateOf is the line of the earlier row this one was merged into.
	DuplicateOf int    `json:"duplicate_of,omitempty"`
	Invalid     string `json:"invalid,omitempty"`
}

// New makes the review file of plan p, whose summary is s and requests reqs.
func New(p *plan.Plan, set Settings, s plan.Summary, reqs []plan.Request) *File {
	return &File{Version: Version, Plan: p.Source, Digest: p.Digest, Settings: set,
		Summary: NewSummary(s), Requests: Requests(p, reqs), Rows: Rows(p)}
}

// Rows renders every row of p as the review file holds it.
func Rows(p *plan.Plan) []Row {
	rows := make([]Row, len(p.Rows))
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
				v = PasswordSet
			}
			rr.Change[prm.String()] = v
		}
		if row.Dup >= 0 {
			rr.DuplicateOf = p.Rows[row.Dup].Line
		}
	}
	return rows
}

// Write writes f to path: to a temporary file first, so that a crash never
// leaves half a review.
func Write(path string, f *File) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".voxbatch-review-*")
	if err != nil {
		return fmt.Errorf("write the review file: %w", err)
	}
	_, err = tmp.Write(append(data, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write the review file: %w", err)
	}
	return nil
}

// ErrNotReview is wrapped by Read's error when the file is not a review
// file of this Version with a digest.
var ErrNotReview = errors.New("not a voxbatch review file")

// MaxSize is the largest review file Read takes for a plan of rows rows:
// far more than Write writes for it, and far less than what a path such as
// /dev/zero would feed for ever.
func MaxSize(rows int) int64 { return 1<<20 + 2048*int64(rows) }

// ErrTooLarge is wrapped by Read's error for a file over its limit.
var ErrTooLarge = errors.New("too large for a review file of this plan")

// Read reads a review file written by Write, with its digest normalized. It
// reads at most limit bytes (see MaxSize).
func Read(path string, limit int64) (*File, error) {
	data, err := bounded.ReadFile(path, limit)
	if errors.Is(err, bounded.ErrTooLarge) {
		return nil, fmt.Errorf("%s: %w (over %d bytes)", path, ErrTooLarge, limit)
	}
	if err != nil {
		return nil, err
	}
	return decode(path, data)
}

func decode(path string, data []byte) (*File, error) {
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrNotReview, err)
	}
	d, ok := NormalizeDigest(f.Digest)
	if f.Version != Version || !ok {
		return nil, fmt.Errorf("%s: %w of version %d with a digest", path, ErrNotReview, Version)
	}
	f.Digest = d
	return &f, nil
}

// NormalizeDigest accepts "sha256:" and 64 hex digits in any case, with
// spaces around, and returns the lower-case form.
func NormalizeDigest(s string) (string, bool) {
	s = strings.TrimSpace(s)
	hex, ok := strings.CutPrefix(strings.ToLower(s), "sha256:")
	if !ok || len(hex) != 64 || strings.Trim(hex, "0123456789abcdef") != "" {
		return "", false
	}
	return "sha256:" + hex, true
}

package cli

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voximplant"
)

// A namedPath is a file that a flag (or the plan argument) names.
type namedPath struct {
	flag string // "--report", "the plan", …
	path string
}

// runPaths are the files a run reads and writes, settled before anything is
// read from the API, sent or written.
type runPaths struct {
	inputs, outputs []namedPath
}

// paths lists the files of this run: inputs (the plan, a credentials file,
// the review file) and outputs (the report, the journal, the summary, the
// undo plan, the review file to write; export's --out). reportPath and
// journalPath are the real run's (defaults included), "" in the dry modes.
func (s *session) paths(reportPath, journalPath string) runPaths {
	var rp runPaths
	o := s.opts
	add := func(list *[]namedPath, flag, path string) {
		if path != "" && path != report.Stdout {
			*list = append(*list, namedPath{flag, path})
		}
	}
	add(&rp.inputs, "the plan", s.plan.Source)
	if src, v := o.credentialsSource(s.e.getenv); !voximplant.IsCredentialsJSON(v) {
		add(&rp.inputs, src, v)
	}
	add(&rp.inputs, "--review", o.review)
	if o.dryRun {
		add(&rp.outputs, "--report", o.report)
		add(&rp.outputs, "--review-out", o.reviewOut)
		return rp
	}
	add(&rp.outputs, "--report", reportPath)
	add(&rp.outputs, "--state", journalPath)
	add(&rp.outputs, "--summary", o.summary)
	add(&rp.outputs, "--undo-out", o.undoOut)
	add(&rp.outputs, "--out", o.exportOut)
	return rp
}

// check refuses, before anything is written, an output that is one of the
// inputs or another output (by name or as the same file), and an output
// that is a symbolic link: voxbatch never writes through a link, so that a
// link planted at a report's path cannot make it overwrite another file.
func (rp runPaths) check() error {
	for i, out := range rp.outputs {
		if fi, err := os.Lstat(out.path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return usageErrorf("%s %s is a symbolic link; voxbatch does not write through links", out.flag, out.path).withHint(
				"name the file itself, or remove the link")
		}
		others := append(append([]namedPath{}, rp.inputs...), rp.outputs[:i]...)
		for _, other := range others {
			if samePath(out.path, other.path) {
				return outputClashError(out, other)
			}
		}
	}
	return nil
}

// samePath tells whether a and b name one file: the same cleaned absolute
// path, or, when both exist, the same file (a hard link, another spelling
// through a linked folder).
func samePath(a, b string) bool {
	if abs(a) == abs(b) {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}

func outputClashError(out, other namedPath) error {
	what := "it is also " + other.flag
	if other.flag == "the plan" {
		what = "it is the plan"
	}
	return usageErrorf("%s %s would overwrite %s: %s", out.flag, out.path, other.path, what).withHint(
		fmt.Sprintf("give %s a file of its own", out.flag))
}

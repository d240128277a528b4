package cli

import (
	"errors"
	"flag"
	"fmt"

	"github.com/voxbatch/voxbatch/internal/review"
	"github.com/voxbatch/voxbatch/plan"
)

// planOptions are the flags that decide how a plan file is read and cut
// into requests; validate and run share them.
type planOptions struct {
	format      string
	sheet       string
	allowAll    bool
	skipInvalid bool
	maxErrors   int
	chunkSize   int
}

func (o *planOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.format, "format", "", "plan format `csv|yaml|xlsx`; by default the file extension decides (needed for - , stdin)")
	fs.StringVar(&o.sheet, "sheet", "", "the `NAME` of the sheet of an .xlsx plan (any case); by default its first sheet")
	fs.BoolVar(&o.allowAll, "allow-all", false, "allow child_account_id=all, which changes every child account")
	fs.BoolVar(&o.skipInvalid, "skip-invalid", false, "report invalid rows as invalid and go on with the rest (exit 1)")
	fs.IntVar(&o.maxErrors, "max-errors", 100, "show at most `N` validation problems; the count still covers all")
	fs.IntVar(&o.chunkSize, "chunk-size", 50, "at most `N` accounts in one request (1..1000)")
}

func (o *planOptions) check() error {
	if o.chunkSize < 1 || o.chunkSize > 1000 {
		return usageErrorf("--chunk-size %d is out of range", o.chunkSize).withHint("use a chunk size from 1 to 1000")
	}
	if o.maxErrors < 1 {
		return usageErrorf("--max-errors must be at least 1")
	}
	switch o.format {
	case "", "csv", "yaml", "xlsx":
	default:
		return usageErrorf("--format %q: want csv, yaml or xlsx", o.format)
	}
	return nil
}

// settings are the options a review file records.
func (o *planOptions) settings() review.Settings {
	return review.Settings{ChunkSize: o.chunkSize, AllowAll: o.allowAll, SkipInvalid: o.skipInvalid, Format: o.format}
}

// load reads and validates the plan named by the single positional argument.
func (o *planOptions) load(e *env, pos []string) (*plan.Plan, error) {
	if len(pos) != 1 {
		if len(pos) == 0 {
			return nil, usageErrorf("no plan file given").withHint("name a CSV, YAML or .xlsx plan, or - for stdin")
		}
		return nil, usageErrorf("one plan file expected, got %d: %v", len(pos), pos)
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	if pos[0] == "-" && o.format == "" {
		return nil, usageErrorf("reading the plan from stdin needs --format csv, --format yaml or --format xlsx")
	}
	p, err := plan.LoadFile(pos[0], e.stdin, plan.Options{
		Format:      o.format,
		Sheet:       o.sheet,
		AllowAll:    o.allowAll,
		SkipInvalid: o.skipInvalid,
		MaxErrors:   o.maxErrors,
	})
	if err != nil && o.sheet != "" && errors.Is(err, plan.ErrFormat) {
		return nil, usageError(err).withHint("--sheet (VOXBATCH_SHEET) names the sheet of an .xlsx plan: leave it unset for a CSV or YAML plan")
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// printPlanSummary prints the plan summary for people.
func printPlanSummary(e *env, p *plan.Plan, s plan.Summary) {
	if p.Sheet != "" {
		fmt.Fprintf(e.stdout, "plan: %s (sheet %s)\n", p.Source, plan.EscapeControls(p.Sheet))
	} else {
		fmt.Fprintf(e.stdout, "plan: %s\n", p.Source)
	}
	fmt.Fprintf(e.stdout, "rows: %d (valid %d, invalid %d, merged duplicates %d)\n", s.Rows, s.Valid, s.Invalid, s.Duplicates)
	fmt.Fprintf(e.stdout, "groups: %d, requests: %d\n", s.Groups, s.Requests)
	for _, k := range []plan.SelectorKind{plan.ByID, plan.ByName, plan.ByEmail} {
		if n := s.ByKind[k]; n > 0 {
			fmt.Fprintf(e.stdout, "accounts by %s: %d\n", k, n)
		}
	}
	fmt.Fprintf(e.stdout, "plan digest: %s\n", p.Digest)
	if s.MixedKinds {
		fmt.Fprintln(e.stdout, "the plan names accounts by more than one selector kind: a run first reads which accounts its names and emails are,")
		fmt.Fprintln(e.stdout, "and refuses (exit 2) two rows that change one account differently, before anything is sent; --preview does the same")
	}
}

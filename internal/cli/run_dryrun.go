package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
)

// maxShownAccounts is how many accounts of a selector list the dry-run text
// shows before it abbreviates the rest.
const maxShownAccounts = 3

// dryRunJSON is the document of `run --dry-run --output json`.
type dryRunJSON struct {
	Digest   string            `json:"digest"`
	Summary  dryRunSummary     `json:"summary"`
	Requests []dryRunRequest   `json:"requests"`
	Invalid  []dryRunInvalid   `json:"invalid,omitempty"`
	Settings map[string]string `json:"settings,omitempty"`
}

type dryRunSummary struct {
	Rows       int            `json:"rows"`
	Valid      int            `json:"valid"`
	Invalid    int            `json:"invalid"`
	Duplicates int            `json:"duplicates"`
	Groups     int            `json:"groups"`
	Requests   int            `json:"requests"`
	Accounts   map[string]int `json:"accounts"`
}

type dryRunRequest struct {
	Seq    int               `json:"seq"`
	Method string            `json:"method"`
	Params map[string]string `json:"params"`
	Lines  []int             `json:"lines"`
}

type dryRunInvalid struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

func newDryRunSummary(s plan.Summary) dryRunSummary {
	acc := map[string]int{}
	for k, n := range s.ByKind {
		acc[k.String()] = n
	}
	return dryRunSummary{Rows: s.Rows, Valid: s.Valid, Invalid: s.Invalid, Duplicates: s.Duplicates,
		Groups: s.Groups, Requests: s.Requests, Accounts: acc}
}

// redactedParams is what a reviewer sees of a request: the full selector
// list and every parameter, the password as ***.
func redactedParams(p *plan.Plan, r *plan.Request) map[string]string {
	m := map[string]string{r.Kind.String(): strings.Join(r.Accounts(p), ";")}
	for _, kv := range r.Change.Redacted() {
		m[kv.Key] = kv.Value
	}
	return m
}

func writeDryRunJSON(w io.Writer, p *plan.Plan, s plan.Summary, reqs []plan.Request) error {
	doc := dryRunJSON{Digest: p.Digest, Summary: newDryRunSummary(s), Requests: make([]dryRunRequest, 0, len(reqs))}
	for i := range reqs {
		r := &reqs[i]
		doc.Requests = append(doc.Requests, dryRunRequest{Seq: r.Seq, Method: "SetChildAccountInfo",
			Params: redactedParams(p, r), Lines: r.Lines(p)})
	}
	doc.Invalid = invalidRows(p)
	return writeIndentedJSON(w, doc)
}

// invalidRows lists the rows kept as invalid under --skip-invalid.
func invalidRows(p *plan.Plan) []dryRunInvalid {
	var out []dryRunInvalid
	for _, row := range p.Rows {
		if row.Err != nil {
			out = append(out, dryRunInvalid{Line: row.Line, Error: row.Err.Error()})
		}
	}
	return out
}

// writeIndentedJSON writes v as indented JSON for people to read.
func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeDryRunText prints one line per request: sequence number, method,
// parameters (long selector lists abbreviated, the password as ***) and the
// plan lines it covers.
func writeDryRunText(w io.Writer, p *plan.Plan, reqs []plan.Request) {
	for i := range reqs {
		r := &reqs[i]
		var b strings.Builder
		fmt.Fprintf(&b, "#%d SetChildAccountInfo %s=%s", r.Seq, r.Kind, abbreviate(r.Accounts(p)))
		for _, kv := range r.Change.Redacted() {
			fmt.Fprintf(&b, " %s=%s", kv.Key, quoteIfNeeded(kv.Value))
		}
		lines := r.Lines(p)
		noun := "lines"
		if len(lines) == 1 {
			noun = "line"
		}
		fmt.Fprintf(&b, "  (%s %s)\n", noun, lineRanges(lines))
		io.WriteString(w, b.String())
	}
	for _, row := range p.Rows {
		if row.Err != nil {
			fmt.Fprintf(w, "skipped invalid row: %v\n", row.Err)
		}
	}
}

func abbreviate(accounts []string) string {
	if len(accounts) <= maxShownAccounts+1 {
		return strings.Join(accounts, ";")
	}
	return fmt.Sprintf("%s;… (%d in all)", strings.Join(accounts[:maxShownAccounts], ";"), len(accounts))
}

func quoteIfNeeded(v string) string {
	if v == "" || strings.ContainsAny(v, " \t\"'=") {
		return strconv.Quote(v)
	}
	return v
}

// lineRanges writes sorted line numbers compactly: 2-5,9,11-12.
func lineRanges(lines []int) string {
	var b strings.Builder
	for i := 0; i < len(lines); {
		j := i
		for j+1 < len(lines) && lines[j+1] == lines[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(lines[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(lines[j]))
		}
		i = j + 1
	}
	return b.String()
}

func runDryRun(e *env, opts *runOptions, p *plan.Plan) error {
	if err := pinDigest(opts, p, newLogger(e.stderr, opts.logFormat, opts.logLevel)); err != nil {
		return err
	}
	s := p.Summarize(opts.plan.chunkSize)
	if err := writeReviewOut(opts, p, s); err != nil {
		return err
	}
	reqs := plan.Chunk(p, nil, opts.plan.chunkSize)
	if opts.report != "" {
		if err := writeDryRunReport(opts.report, p, reqs); err != nil {
			return err
		}
	}
	if opts.output == "json" {
		if err := writeDryRunJSON(e.stdout, p, s, reqs); err != nil {
			return fmt.Errorf("write dry-run: %w", err)
		}
	} else {
		writeDryRunText(e.stdout, p, reqs)
		fmt.Fprintln(e.stdout)
		printPlanSummary(e, p, s)
		if opts.reviewOut != "" {
			fmt.Fprintf(e.stdout, "review file: %s\n", opts.reviewOut)
		}
		fmt.Fprintln(e.stdout, "dry run: nothing was sent")
	}
	if s.Invalid > 0 {
		return invalidRowsError(s.Invalid)
	}
	return nil
}

// writeDryRunReport writes the report a dry run stands for: every row with
// status dry_run and the number of the request that would carry it, invalid
// rows as invalid, so that a reviewer can match lines to requests.
func writeDryRunReport(path string, p *plan.Plan, reqs []plan.Request) error {
	if path == report.Stdout {
		return usageErrorf("a dry run prints its requests on stdout; give --report a file")
	}
	format, err := report.FormatFor(path, "")
	if err != nil {
		return usageErrorf("--report %s: %v", path, err)
	}
	if _, err := os.Stat(journalPathFor(path, p.Digest)); err == nil {
		// VOXBATCH_REPORT set for the real runs (a Job, a cron file) must
		// not let a dry run replace a real run's report.
		return usageErrorf("--report %s belongs to a real run (its journal %s exists); a dry run does not overwrite it",
			path, journalPathFor(path, p.Digest)).withHint("give the dry run a report of its own: --report dry-run.csv")
	}
	recs := make([]report.Record, len(p.Rows))
	for i := range p.Rows {
		row := &p.Rows[i]
		recs[i] = report.Record{Line: row.Line, Status: report.DryRun}
		if row.Err != nil {
			recs[i].Status, recs[i].ErrorMessage = report.Invalid, row.Err.Error()
			continue
		}
		recs[i].Selector, recs[i].Account = row.Kind.String(), row.Account
	}
	for _, r := range reqs {
		for _, row := range r.Rows {
			recs[row].Request = r.Seq
			for _, d := range p.Dups(int(row)) {
				recs[d].Request = r.Seq
			}
		}
	}
	if err := report.WriteFile(path, format, len(recs), func(i int) report.Record { return recs[i] }); err != nil {
		return fmt.Errorf("write the dry-run report: %w", err)
	}
	return nil
}

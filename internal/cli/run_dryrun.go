package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/voxbatch/voxbatch/internal/review"
	"github.com/voxbatch/voxbatch/plan"
)

// maxShownAccounts is how many accounts of a selector list the dry-run text
// shows before it abbreviates the rest.
const maxShownAccounts = 3

// dryRun is `run --dry-run`: the requests that would be sent.
func (s *session) dryRun() error {
	return s.showDry("dry-run", func() any { return dryRunDoc(s.plan, s.sum, s.reqs) },
		func(w io.Writer) { writeDryRunText(w, s.plan, s.reqs) })
}

// dryRunJSON is the document of `run --dry-run --output json`.
type dryRunJSON struct {
	Digest   string            `json:"digest"`
	Summary  review.Summary    `json:"summary"`
	Requests []review.Request  `json:"requests"`
	Invalid  []dryRunInvalid   `json:"invalid,omitempty"`
	Settings map[string]string `json:"settings,omitempty"`
}

type dryRunInvalid struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

func dryRunDoc(p *plan.Plan, s plan.Summary, reqs []plan.Request) any {
	return dryRunJSON{Digest: p.Digest, Summary: review.NewSummary(s), Requests: review.Requests(p, reqs), Invalid: invalidRows(p)}
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
			fmt.Fprintf(&b, " %s=%s", kv.Key, review.Quote(kv.Value))
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

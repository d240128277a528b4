package batch

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
)

// baseRecord is the record of row before anything is decided about it: its
// line, and its selector and account when they could be read (an invalid
// row's too); an invalid row is invalid, with its error as the message. A
// valid row gets status st.
func baseRecord(row *plan.Row, st report.Status) report.Record {
	rec := report.Record{Line: row.Line, Status: st}
	if row.Kind != 0 {
		rec.Selector, rec.Account = row.Kind.String(), row.Account
	}
	if row.Err != nil {
		rec.Status, rec.ErrorMessage = report.Invalid, oneLine(row.Err.Error())
	}
	return rec
}

// DryRunRecords returns the records a dry run of p stands for, in plan
// order: every valid row dry_run with the sequence number of the request of
// reqs (plan.Chunk) that would carry it, a row merged into another with that
// row's request, and an invalid row invalid with its error as the message.
func DryRunRecords(p *plan.Plan, reqs []plan.Request) []report.Record {
	recs := make([]report.Record, len(p.Rows))
	for i := range p.Rows {
		recs[i] = baseRecord(&p.Rows[i], report.DryRun)
	}
	for _, r := range reqs {
		for _, row := range r.Rows {
			recs[row].Request = r.Seq
			for _, d := range p.Dups(int(row)) {
				recs[d].Request = r.Seq
			}
		}
	}
	return recs
}

// setOutcome sets the outcome fields of dst (status, error, attempts,
// request, times) to those of src; the row's line, selector and account
// stay.
func setOutcome(dst, src *report.Record) {
	dst.Status, dst.ErrorCode, dst.ErrorMessage, dst.HTTPStatus = src.Status, src.ErrorCode, oneLine(src.ErrorMessage), src.HTTPStatus
	dst.Attempts, dst.Request, dst.StartedAt, dst.FinishedAt = src.Attempts, src.Request, src.StartedAt, src.FinishedAt
}

// oneLine makes an error message fit one report cell and one journal line
// that a terminal shows as it is: line breaks and tabs become spaces, and
// other control characters (C0, DEL, C1, bidirectional overrides) are
// escaped, so that an answer from the API or a proxy cannot rewrite what
// an operator's terminal shows, nor tear a report row.
func oneLine(s string) string {
	if i, _ := plan.ControlAt(s); i >= 0 {
		s = plan.EscapeControls(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s))
	}
	return clipMessage(s)
}

// maxMessage is the longest error message a record keeps, in bytes: an
// answer of megabytes must not make a report row or a journal line too
// long to read back.
const maxMessage = 2048

// clipMessage cuts s to maxMessage bytes, at the start of a character,
// and says so.
func clipMessage(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	n := maxMessage
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "… (" + strconv.Itoa(len(s)) + " bytes in all)"
}

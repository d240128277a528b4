package cli

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/voxbatch/voxbatch/batch"
	"github.com/voxbatch/voxbatch/plan"
)

// errCancelled is the answer of an operator who did not type yes.
var errCancelled = usageErrorf("cancelled: nothing was sent")

// mustConfirm tells whether a real run asks before it sends: on a terminal
// (stdin and stderr both), unless --yes, or the plan is pinned
// (--expect-digest, --review) and so was reviewed already, as `terraform
// apply PLANFILE` does not ask. Cron and Kubernetes have no terminal.
func (s *session) mustConfirm() bool {
	o := s.opts
	return s.e.isTerminal && s.e.stdinTerminal && !o.yes && o.expectDigest == "" && o.review == ""
}

// confirm shows what the run is about to do and asks the operator to type
// yes; anything else cancels it.
func (s *session) confirm(runner *batch.Runner, endpoint string, accountID int64, limit int) error {
	if !s.mustConfirm() {
		return nil
	}
	w := s.e.stderr
	p := s.plan
	host := endpointHost(endpoint)
	fmt.Fprintf(w, "voxbatch is about to change child accounts:\n")
	fmt.Fprintf(w, "  plan      %s (%s)\n", p.Source, p.Digest)
	fmt.Fprintf(w, "  rows      %d to send of %d, in %d requests, %d change groups\n",
		runner.Todo(), len(p.Rows), runner.Requests(), runner.Groups())
	if limit > 0 {
		fmt.Fprintf(w, "  limit     at most %d rows this run (--limit)\n", limit)
	}
	fmt.Fprintf(w, "  endpoint  %s, as account %d\n", host, accountID)
	for i := range p.Rows {
		if r := &p.Rows[i]; r.Valid() && r.Kind == plan.ByID && r.Account == "all" {
			fmt.Fprintf(w, "  line %d    changes ALL child accounts of account %d\n", r.Line, accountID)
		}
	}
	fmt.Fprint(w, "Type yes to send, anything else to cancel: ")
	answer, err := bufio.NewReader(io.LimitReader(s.e.stdin, 1024)).ReadString('\n')
	if strings.TrimSpace(answer) != "yes" {
		if err != nil && answer == "" {
			fmt.Fprintln(w)
		}
		return errCancelled
	}
	return nil
}

// endpointHost is the host (and port) of an endpoint URL, for people.
func endpointHost(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		return u.Host
	}
	return endpoint
}

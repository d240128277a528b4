package batch

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"os"
	"strings"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
)

// rowFingerprint is the keyed fingerprint of what row r does: its selector
// kind, its account (an email in lower case, as the API compares them) and
// every parameter of its change, a password as its slow keyed hash (pwHash,
// see passwordHash), never as it is. Under the journal's key it tells
// nothing of the row to a reader of the journal.
func rowFingerprint(key []byte, r *plan.Row, pwHash func() []byte) []byte {
	m := hmac.New(sha256.New, key)
	acc := r.Account
	if r.Kind == plan.ByEmail {
		acc = strings.ToLower(acc)
	}
	m.Write([]byte(r.Kind.String()))
	m.Write([]byte{0})
	m.Write([]byte(acc))
	if r.Change != nil {
		for _, p := range r.Change.Params() {
			v, _ := r.Change.Get(p)
			m.Write([]byte{0})
			m.Write([]byte(p.String()))
			m.Write([]byte{'='})
			if p.Secret() {
				m.Write(pwHash())
				continue
			}
			m.Write([]byte(v))
		}
	}
	return m.Sum(nil)[:hashLen]
}

// CarryOver is what an earlier run of another version of the plan applied:
// the keyed fingerprints of its applied and unchanged rows, and their
// records.
type CarryOver struct {
	Path string // the old journal
	key  []byte
	done map[[hashLen]byte]report.Record
	sent map[[hashLen]byte]bool // rows in flight when the old run stopped
	// priors holds, by fingerprint, the values the rows' accounts had
	// before the old journal's runs sent them (P lines), for the undo plan.
	priors map[[hashLen]byte]string
}

// Len is the number of rows the old journal records as applied or
// unchanged with a fingerprint.
func (c *CarryOver) Len() int { return len(c.done) }

// ReadCarryOver reads the journal at path, of any plan, for the rows that
// its runs applied or found unchanged. A journal written before
// fingerprints were (version 2 and older) carries nothing over.
func ReadCarryOver(path string) (*CarryOver, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the old journal: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	h, err := readHeader(r, path)
	c := &CarryOver{Path: path, done: map[[hashLen]byte]report.Record{}}
	if err != nil || h == nil {
		return c, err
	}
	recs := &Earlier{entries: make([]entry, h.rows), fingerprints: map[int32][hashLen]byte{}}
	if _, err := readLines(r, path, recs, h.rows); err != nil {
		return nil, err
	}
	c.key = recs.key
	for i, fp := range recs.fingerprints {
		if recs.Sent(int(i)) {
			// In flight when its run stopped: the change may be applied.
			if c.sent == nil {
				c.sent = map[[hashLen]byte]bool{}
			}
			c.sent[fp] = true
			continue
		}
		if rec, ok := recs.Get(int(i)); ok && (rec.Status == report.Applied || rec.Status == report.Unchanged) {
			c.done[fp] = rec
			if prior, ok := recs.Prior(int(i)); ok {
				if c.priors == nil {
					c.priors = map[[hashLen]byte]string{}
				}
				c.priors[fp] = prior
			}
		}
	}
	return c, nil
}

// Apply records in j, as applied, every valid row of p that the old
// journal recorded as applied or unchanged with the same selector, account
// and change, and adds them to earlier so that the run skips them. It
// returns how many rows it carried over. Rows are matched by what they do,
// not by their place: lines may have moved.
func (c *CarryOver) Apply(j *Journal, earlier *Earlier, p *plan.Plan) (int, error) {
	if c.key == nil || len(c.done)+len(c.sent) == 0 {
		return 0, nil
	}
	n := 0
	hashes := &passwordHashes{key: c.key}
	passwords := PlanPasswords(p)
	for i := range p.Rows {
		row := &p.Rows[i]
		if !row.Valid() {
			continue
		}
		fp := [hashLen]byte(rowFingerprint(c.key, row, func() []byte {
			pw, _ := passwords(i)
			return hashes.of(i, pw)
		}))
		if c.sent[fp] {
			// Its sent marker comes along: a "used before" answer to the
			// resend then counts as applied, as on a plain resume.
			j.RecordSent(i)
			earlier.setSent(i)
			continue
		}
		old, ok := c.done[fp]
		if !ok {
			continue
		}
		j.RecordPassword(i) // an edited password is then sent again
		if prior, ok := c.priors[fp]; ok {
			j.RecordPrior(i, prior)
			earlier.setPrior(i, prior)
		}
		rec := report.Record{Status: report.Applied, Attempts: old.Attempts, StartedAt: old.StartedAt, FinishedAt: old.FinishedAt,
			ErrorMessage: "carried over: applied by an earlier run of another version of the plan (" + c.Path + ")"}
		j.Record(i, &rec)
		earlier.set(i, &rec)
		n++
	}
	if n == 0 {
		return 0, nil
	}
	return n, j.Write()
}

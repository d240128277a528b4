package batch

// The journal's line format: what one row's outcome looks like on disk, and
// the compact form earlier outcomes are kept in while a plan resumes.

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/voxbatch/voxbatch/report"
)

// Statuses as one byte in the journal; 0 means "no outcome".
var statusCodes = map[report.Status]byte{
	report.Applied: 'A', report.Failed: 'F', report.NotAttempted: 'N', report.Unchanged: 'U', report.Mismatch: 'M',
}

// sentCode marks a row whose request was sent and not yet answered. Only
// rows that set a password or a new email are marked: for them a resend
// after a crash can meet "used before" (535) or "not unique" (128), and the
// runner must know that the first attempt may have been applied.
const sentCode = 'S'

// hashCode marks a line that holds the keyed hash of a row's password.
const hashCode = 'H'

// fingerprintCode marks a line that holds the keyed fingerprint of an
// applied row's selector, account and change.
const fingerprintCode = 'R'

// priorCode marks a line that holds the values a row's account had, before
// the row was sent, of the parameters an undo restores (see Undo): never a
// password, which is neither read nor restored.
const priorCode = 'P'

// appendKeyedLine appends "<i> <code> <hex of sum>".
func appendKeyedLine(b []byte, i int, code byte, sum []byte) []byte {
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, ' ', code, ' ')
	b = hex.AppendEncode(b, sum)
	return append(b, '\n')
}

// hashLen is the length of a password hash: HMAC-SHA256 cut to 128 bits.
const hashLen = 16

// keyPrefix starts the line that holds the journal's HMAC key.
const keyPrefix = "key "

// passwordRounds is the PBKDF2 iteration count of a password hash: about
// 4 ms a row. The key is in the journal, so the hash must be slow for a
// word list tried against a stolen journal to be slow too.
const passwordRounds = 20000

// passwordHash is the keyed hash of a password under the journal's key:
// PBKDF2-HMAC-SHA256 with the key as its salt, cut to 128 bits.
func passwordHash(key []byte, password string) []byte {
	h, err := pbkdf2.Key(sha256.New, password, key, passwordRounds, hashLen)
	if err != nil {
		panic(err) // only for lengths and counts out of FIPS bounds, which these are not
	}
	return h
}

// passwordHashes computes password hashes under one key, each password
// once: the hash is slow on purpose, and a run asks for a row's several
// times (its sent marker, its fingerprint, the resume's check).
type passwordHashes struct {
	key []byte
	mu  sync.Mutex
	by  map[string][]byte
}

// of returns the hash of row i's password pw.
func (ph *passwordHashes) of(_ int, pw string) []byte {
	ph.mu.Lock()
	defer ph.mu.Unlock()
	if h, ok := ph.by[pw]; ok {
		return h
	}
	if ph.by == nil {
		ph.by = map[string][]byte{}
	}
	h := passwordHash(ph.key, pw)
	ph.by[pw] = h
	return h
}

func statusFromCode(c byte) (report.Status, bool) {
	switch c {
	case 'A':
		return report.Applied, true
	case 'F':
		return report.Failed, true
	case 'N':
		return report.NotAttempted, true
	case 'U':
		return report.Unchanged, true
	case 'M':
		return report.Mismatch, true
	}
	return "", false
}

// entry is one row's recorded outcome, kept compact: a resumed plan of a
// million rows holds one per row.
type entry struct {
	status            byte
	attempts, request int32
	code, httpStatus  int32
	started, finished int64 // Unix ms
	msg               string
}

// isOutcome tells whether the entry records an outcome (not nothing, not a
// sent marker).
func (en *entry) isOutcome() bool { return en.status != 0 && en.status != sentCode }

// Earlier holds the outcomes that earlier runs recorded, by row index.
type Earlier struct {
	entries []entry
	n       int
	key     []byte
	// hashes holds the keyed hash of the password each password row was
	// last sent with; few rows set a password, so a map.
	hashes   map[int32][hashLen]byte
	hashOnce sync.Once
	hasher   *passwordHashes // of the plan's passwords under key
	// fingerprints holds the R lines, when the journal is read to carry
	// its rows over to an edited plan (readOld); nil otherwise.
	fingerprints map[int32][hashLen]byte
	// priors holds the P lines by row (encodePrior), nil before the
	// first; identical values share one string.
	priors []string
	intern map[string]string
	// version is the version the journal's header named.
	version string
}

// add takes one complete journal line (without its newline) into e.
func (e *Earlier) add(line []byte, rows int) error {
	if rest, ok := bytes.CutPrefix(line, []byte(keyPrefix)); ok {
		key := make([]byte, hex.DecodedLen(len(rest)))
		if _, err := hex.Decode(key, rest); err != nil || len(key) != 32 {
			return errors.New("bad key")
		}
		if e.key == nil {
			e.key = key
		}
		return nil
	}
	if sp := bytes.IndexByte(line, ' '); sp > 0 && len(line) > sp+2 && line[sp+2] == ' ' {
		switch line[sp+1] {
		case hashCode:
			return e.addHash(line[:sp], line[sp+3:], rows)
		case fingerprintCode:
			return e.addFingerprint(line[:sp], line[sp+3:], rows)
		case priorCode:
			return e.addPrior(line[:sp], line[sp+3:], rows)
		}
	}
	i, ent, err := parseJournalLine(line)
	if err != nil {
		return err
	}
	if i < 0 || i >= rows {
		return fmt.Errorf("row %d is not in the plan", i)
	}
	switch had, has := e.entries[i].isOutcome(), ent.isOutcome(); {
	case has && !had:
		e.n++
	case had && !has:
		e.n--
	}
	e.entries[i] = ent
	return nil
}

// addHash takes an H line: a row index and a password hash in hex.
func (e *Earlier) addHash(index, hash []byte, rows int) error {
	i, h, err := parseKeyedLine(index, hash, rows)
	if err != nil {
		return err
	}
	if e.hashes == nil {
		e.hashes = map[int32][hashLen]byte{}
	}
	e.hashes[i] = h
	return nil
}

// addFingerprint takes an R line: it is kept only when the journal is read
// to carry rows over (e.fingerprints not nil).
func (e *Earlier) addFingerprint(index, sum []byte, rows int) error {
	i, h, err := parseKeyedLine(index, sum, rows)
	if err == nil && e.fingerprints != nil {
		e.fingerprints[i] = h
	}
	return err
}

// addPrior takes a P line: a row index and the values encodePrior wrote.
// A later line for the same row does not replace the first: the values
// read before the row was first sent are the ones to restore.
func (e *Earlier) addPrior(index, enc []byte, rows int) error {
	i, ok := atoi64(index)
	if !ok || i < 0 || i >= int64(rows) {
		return fmt.Errorf("row %s is not in the plan", index)
	}
	if _, err := decodePrior(string(enc)); err != nil {
		return err
	}
	if prev, _ := e.Prior(int(i)); prev == "" {
		e.setPrior(int(i), string(enc))
	}
	return nil
}

// setPrior records row i's values before it was sent, as a P line would.
func (e *Earlier) setPrior(i int, enc string) {
	if e.priors == nil {
		e.priors, e.intern = make([]string, len(e.entries)), map[string]string{}
	}
	if s, ok := e.intern[enc]; ok {
		enc = s
	} else {
		e.intern[enc] = enc
	}
	e.priors[i] = enc
}

// HasPriors reports whether the journal holds any P line: an earlier run
// went with --undo-out.
func (e *Earlier) HasPriors() bool { return e != nil && e.priors != nil }

// Touched reports whether an earlier run recorded anything of a row: an
// outcome or a sent marker.
func (e *Earlier) Touched() bool {
	if e == nil {
		return false
	}
	if e.n > 0 {
		return true
	}
	for i := range e.entries {
		if e.entries[i].status == sentCode {
			return true
		}
	}
	return false
}

// Prior returns what a P line recorded of row i: the values its account
// had before an earlier run sent it (encodePrior), if any.
func (e *Earlier) Prior(i int) (string, bool) {
	if e == nil || i < 0 || i >= len(e.priors) || e.priors[i] == "" {
		return "", false
	}
	return e.priors[i], true
}

// parseKeyedLine parses the row index and the hex sum of an H or R line.
func parseKeyedLine(index, sum []byte, rows int) (int32, [hashLen]byte, error) {
	i, ok := atoi64(index)
	var h [hashLen]byte
	if n, err := hex.Decode(h[:], sum); !ok || err != nil || n != hashLen || len(sum) != 2*hashLen {
		return 0, h, errors.New("bad hash line")
	}
	if i < 0 || i >= int64(rows) {
		return 0, h, fmt.Errorf("row %d is not in the plan", i)
	}
	return int32(i), h, nil
}

// PasswordEdited reports whether row i was last sent with a password other
// than password: its hash is journaled and differs. A row never sent, or
// journaled before hashes were (version 2 and older), is not.
func (e *Earlier) PasswordEdited(i int, password string) bool {
	if e == nil || e.key == nil {
		return false
	}
	h, ok := e.hashes[int32(i)]
	if !ok {
		return false
	}
	e.hashOnce.Do(func() { e.hasher = &passwordHashes{key: e.key} })
	return !hmac.Equal(h[:], e.hasher.of(i, password))
}

// setSent records a sent marker for row i, as a journal line would.
func (e *Earlier) setSent(i int) {
	if e.entries[i].isOutcome() {
		e.n--
	}
	e.entries[i] = entry{status: sentCode}
}

// set records rec as row i's outcome, as a journal line would.
func (e *Earlier) set(i int, rec *report.Record) {
	if !e.entries[i].isOutcome() {
		e.n++
	}
	e.entries[i] = entry{status: statusCodes[rec.Status], attempts: int32(rec.Attempts), request: int32(rec.Request),
		started: millis(rec.StartedAt), finished: millis(rec.FinishedAt), code: int32(rec.ErrorCode),
		httpStatus: int32(rec.HTTPStatus), msg: rec.ErrorMessage}
}

// Len is the number of rows with a recorded outcome.
func (e *Earlier) Len() int { return e.n }

// Get returns row i's recorded outcome, if any.
func (e *Earlier) Get(i int) (report.Record, bool) {
	if e == nil || i < 0 || i >= len(e.entries) || e.entries[i].status == 0 || e.entries[i].status == sentCode {
		return report.Record{}, false
	}
	en := &e.entries[i]
	st, _ := statusFromCode(en.status)
	return report.Record{
		Status: st, Attempts: int(en.attempts), Request: int(en.request),
		StartedAt: fromMillis(en.started), FinishedAt: fromMillis(en.finished),
		ErrorCode: int(en.code), HTTPStatus: int(en.httpStatus), ErrorMessage: en.msg,
	}, true
}

// Sent reports whether row i was last recorded as sent without an answer: a
// run stopped (crashed) while its request was in flight.
func (e *Earlier) Sent(i int) bool {
	return e != nil && i >= 0 && i < len(e.entries) && e.entries[i].status == sentCode
}

// Status returns row i's recorded status ("" if none) without building a
// whole record.
func (e *Earlier) Status(i int) report.Status {
	if e == nil || i < 0 || i >= len(e.entries) {
		return ""
	}
	st, _ := statusFromCode(e.entries[i].status)
	return st
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func appendJournalLine(b []byte, i int, r *report.Record) []byte {
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, ' ', statusCodes[r.Status])
	for _, v := range []int64{int64(r.Attempts), int64(r.Request), millis(r.StartedAt), millis(r.FinishedAt), int64(r.ErrorCode), int64(r.HTTPStatus)} {
		b = append(b, ' ')
		b = strconv.AppendInt(b, v, 10)
	}
	b = append(b, ' ')
	b = strconv.AppendQuote(b, r.ErrorMessage)
	return append(b, '\n')
}

var errMalformed = errors.New("malformed journal line")

// parseJournalLine parses a line written by appendJournalLine (without its
// newline). It allocates only for a non-empty message.
func parseJournalLine(line []byte) (int, entry, error) {
	var en entry
	var nums [7]int64 // index, attempts, request, started, finished, code, http
	for k := 0; k < 8; k++ {
		sp := bytes.IndexByte(line, ' ')
		if sp < 0 {
			return 0, en, errMalformed
		}
		field := line[:sp]
		line = line[sp+1:]
		if k == 1 {
			if len(field) != 1 {
				return 0, en, errMalformed
			}
			if _, ok := statusFromCode(field[0]); !ok && field[0] != sentCode {
				return 0, en, errMalformed
			}
			en.status = field[0]
			continue
		}
		n, ok := atoi64(field)
		if !ok {
			return 0, en, errMalformed
		}
		if k == 0 {
			nums[0] = n
		} else {
			nums[k-1] = n
		}
	}
	if len(line) < 2 || line[0] != '"' || line[len(line)-1] != '"' {
		return 0, en, errMalformed
	}
	if len(line) > 2 {
		msg, err := strconv.Unquote(string(line))
		if err != nil {
			return 0, en, errMalformed
		}
		en.msg = msg
	}
	en.attempts, en.request = int32(nums[1]), int32(nums[2])
	en.started, en.finished = nums[3], nums[4]
	en.code, en.httpStatus = int32(nums[5]), int32(nums[6])
	return int(nums[0]), en, nil
}

// atoi64 parses a decimal integer (optionally negative) without allocating.
func atoi64(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

package batch

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/voxbatch/voxbatch/internal/lockfile"
	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
)

// The journal is a text file: a header line naming the plan, the key line,
// then one line per row outcome, appended as outcomes become known:
//
//	voxbatch-journal 3 sha256:<hex> <rows>
//	key <64 hex digits>
//	<index> <status> <attempts> <request> <started ms> <finished ms> <code> <http> <"message">
//	<index> H <32 hex digits>
//	<index> R <32 hex digits>
//	<index> P <parameter=value&parameter...>
//
// A later line for the same index wins. Lines are written with one write(2)
// per finished request, so a killed process loses nothing the kernel had;
// fsync is batched (every FsyncInterval and at Close). A torn last line
// (a crash mid-write) is ignored and cut off when the journal is reopened.
//
// Passwords stay out of the digest, so an edited password does not make a
// plan another plan. The H line of a password row, written with its sent
// marker, holds a PBKDF2-HMAC-SHA256 of the password (passwordRounds
// rounds) salted with the journal's random key, cut to 128 bits: a rerun
// can tell that the password of an applied row was edited, and send it,
// while the journal never holds the password, and a word list tried against
// a stolen journal pays the rounds per guess (the key is in the file: a
// plain HMAC would cost one hash a guess). The R line of a row, written
// with its sent marker and before an applied or unchanged outcome, holds
// the keyed fingerprint of its selector, account and change (a password as
// its slow hash), for a run of an edited plan to carry the row, or its sent
// marker, over (CarryOver). The P line of a row, written and
// synced before the row is first sent under --undo-out, holds the values
// its account had of the parameters an undo restores (see Undo); a status
// M marks a row applied whose values, read back, differ (Runner.Verify).
const (
	journalMagic = "voxbatch-journal"
	// journalVersion 4 added the values before a change (P) and the
	// mismatch status (M), 3 the key and the password hashes, 2 the sent
	// marker (S). Journals of versions 1 to 3 read the same; reopening one
	// makes it version 4 (the header keeps its length). A binary that knows
	// only an older version refuses a newer journal by its header, not by a
	// puzzling line.
	journalVersion = "4"
	// FsyncInterval is how often a journal with new lines is synced to disk.
	FsyncInterval = time.Second
)

// ErrLocked is returned by OpenJournal when another run holds the journal.
var ErrLocked = errors.New("the journal is locked by another run")

// DigestMismatchError is returned by OpenJournal when the journal was written
// for another plan.
type DigestMismatchError struct {
	Path          string
	Journal, Plan string
}

func (e *DigestMismatchError) Error() string {
	return fmt.Sprintf("journal %s belongs to plan %s, not to this plan (%s)", e.Path, e.Journal, e.Plan)
}

// Journal records row outcomes of one plan across runs. It is safe for
// concurrent use.
type Journal struct {
	path string
	f    *os.File

	mu     sync.Mutex
	buf    []byte
	dirty  bool
	err    error
	closed bool
	stop   chan struct{}

	closeOnce sync.Once
	closeErr  error
	stopped   chan struct{}

	created bool   // this run created the file
	wrote   bool   // a line other than the header and key was written
	writes  uint64 // writes so far, under mu (for Sync)

	syncMu sync.Mutex      // serializes Sync's fsyncs
	synced uint64          // writes that a completed Sync covered, under syncMu
	key    []byte          // the key of password hashes and row fingerprints
	hashes *passwordHashes // the plan's password hashes under key (TrackPlan)
	plan   *plan.Plan      // set by TrackPlan
}

// OpenJournal opens (or creates) the journal at path for the plan with the
// given digest and row count, takes an exclusive lock on it (ErrLocked if
// another process holds it; a dead process's lock is released by the
// kernel), and returns the outcomes recorded so far, by row index. A journal
// of another plan is refused with *DigestMismatchError.
func OpenJournal(path, digest string, rows int) (*Journal, *Earlier, error) {
	f, err := openLocked(path, os.O_RDWR|os.O_CREATE)
	if err != nil {
		return nil, nil, err
	}
	j, recs, err := openJournal(f, path, digest, rows)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	go j.syncLoop()
	return j, recs, nil
}

// openJournal reads the journal f, writes its header and key if it has
// none, and leaves f positioned for appending.
func openJournal(f *os.File, path, digest string, rows int) (*Journal, *Earlier, error) {
	recs, good, err := readJournal(f, path, digest, rows)
	if err != nil {
		return nil, nil, err
	}
	j := &Journal{path: path, f: f, stop: make(chan struct{}), stopped: make(chan struct{}), key: recs.key}
	fail := func(err error) (*Journal, *Earlier, error) {
		return nil, nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if good == 0 {
		// New (or empty) journal: write the header; the key follows.
		header := fmt.Sprintf("%s %s %s %d\n", journalMagic, journalVersion, digest, rows)
		if err := f.Truncate(0); err != nil {
			return fail(err)
		}
		if _, err := f.WriteAt([]byte(header), 0); err != nil {
			return fail(err)
		}
		good = int64(len(header))
		j.created = true
	} else if err := f.Truncate(good); err != nil { // cut a torn last line
		return fail(err)
	}
	if !j.created && recs.version != journalVersion {
		// An older journal becomes version 4: the version is one digit
		// in a header of the same length.
		if _, err := f.WriteAt([]byte(journalVersion), int64(len(journalMagic)+1)); err != nil {
			return fail(err)
		}
		j.dirty = true
	}
	if j.key == nil {
		j.key = make([]byte, 32)
		if _, err := rand.Read(j.key); err != nil {
			return fail(err)
		}
		line := "key " + hex.EncodeToString(j.key) + "\n"
		if _, err := f.WriteAt([]byte(line), good); err != nil {
			return fail(err)
		}
		good += int64(len(line))
		recs.key = j.key
		j.dirty = true
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		return fail(err)
	}
	return j, recs, nil
}

// readJournal reads the header and every complete line. It returns the
// outcomes and the offset just past the last complete line (0 for an empty
// file).
func readJournal(f *os.File, path, digest string, rows int) (*Earlier, int64, error) {
	r := bufio.NewReaderSize(f, 1<<16)
	h, err := readHeader(r, path)
	if err != nil || h == nil {
		return &Earlier{entries: make([]entry, rows)}, 0, err
	}
	if h.digest != digest || h.rows != rows {
		return nil, 0, &DigestMismatchError{Path: path, Journal: h.digest, Plan: digest}
	}
	recs := &Earlier{entries: make([]entry, rows), version: h.version}
	off, err := readLines(r, path, recs, rows)
	return recs, h.size + off, err
}

// journalHeader is what a journal's first line says.
type journalHeader struct {
	digest  string
	version string
	rows    int
	size    int64 // bytes of the line
}

// readHeader reads the first line: nil and no error for an empty file or a
// header cut short by a crash.
func readHeader(r *bufio.Reader, path string) (*journalHeader, error) {
	header, err := r.ReadBytes('\n')
	if err == io.EOF {
		// No complete header: an empty file, or a crash while it was
		// written. Anything else is some other file given as the journal,
		// which must not be overwritten.
		if len(header) == 0 || bytes.HasPrefix(header, []byte(journalMagic)) || bytes.HasPrefix([]byte(journalMagic), header) {
			return nil, nil
		}
		return nil, fmt.Errorf("%s is not a voxbatch journal", path)
	}
	if err != nil {
		return nil, fmt.Errorf("read journal %s: %w", path, err)
	}
	fields := strings.Fields(string(header))
	if len(fields) != 4 || fields[0] != journalMagic {
		return nil, fmt.Errorf("%s is not a voxbatch journal", path)
	}
	version := fields[1]
	if version != journalVersion && version != "3" && version != "2" && version != "1" {
		return nil, fmt.Errorf("journal %s has version %s; this voxbatch reads versions 1 to %s (a newer voxbatch wrote it?)", path, version, journalVersion)
	}
	rows, err := strconv.Atoi(fields[3])
	if err != nil || rows < 0 {
		return nil, fmt.Errorf("%s is not a voxbatch journal", path)
	}
	return &journalHeader{digest: fields[2], version: version, rows: rows, size: int64(len(header))}, nil
}

// readLines reads every complete line after the header into recs and
// returns the bytes read up to the last complete line.
func readLines(r *bufio.Reader, path string, recs *Earlier, rows int) (int64, error) {
	var off int64
	for lineNo := 2; ; lineNo++ {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return 0, malformedLine(path, lineNo, line, "line too long")
		}
		if err == io.EOF {
			return off, nil // a torn last line, or none
		}
		if err != nil {
			return 0, fmt.Errorf("read journal %s: %w", path, err)
		}
		if perr := recs.add(line[:len(line)-1], rows); perr != nil {
			// Complete lines are written whole, so a bad one is not a
			// crash's trace: refuse rather than guess.
			return 0, malformedLine(path, lineNo, line, perr.Error())
		}
		off += int64(len(line))
	}
}

// MalformedError is a complete journal line that voxbatch did not write:
// the journal was edited or damaged.
type MalformedError struct {
	Path    string
	Line    int
	Content string // the line, shortened and escaped
	Problem string
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("journal %s:%d: malformed line (%s): %s", e.Path, e.Line, e.Problem, e.Content)
}

func malformedLine(path string, lineNo int, line []byte, problem string) error {
	const show = 80
	content := strings.TrimSuffix(string(line), "\n")
	if len(content) > show {
		content = content[:show] + "…"
	}
	return &MalformedError{Path: path, Line: lineNo, Content: strconv.QuoteToASCII(content), Problem: problem}
}

// TrackPlan gives the journal the rows of its plan, so that it records
// what a later run needs to know of them: with a row's sent marker, the
// keyed hash of the password it sets, if any (an H line: an edited
// password is sent again); with an applied or unchanged outcome, the keyed
// fingerprint of the row's selector, account and change (an R line: a run
// of an edited plan can carry the row over, see CarryOver).
func (j *Journal) TrackPlan(p *plan.Plan) {
	j.mu.Lock()
	j.plan = p
	j.hashes = &passwordHashes{key: j.key}
	j.mu.Unlock()
}

// Record appends row i's outcome to the pending buffer; Write sends it.
func (j *Journal) Record(i int, rec *report.Record) {
	var fp []byte
	if j.plan != nil && (rec.Status == report.Applied || rec.Status == report.Unchanged) {
		fp = j.fingerprint(i) // outside the lock: a password's hash is slow
	}
	j.mu.Lock()
	if fp != nil {
		j.buf = appendKeyedLine(j.buf, i, fingerprintCode, fp)
	}
	j.buf = appendJournalLine(j.buf, i, rec)
	j.mu.Unlock()
}

// fingerprint is row i's keyed fingerprint (rowFingerprint).
func (j *Journal) fingerprint(i int) []byte {
	return rowFingerprint(j.key, &j.plan.Rows[i], func() []byte {
		pw, _ := PlanPasswords(j.plan)(i)
		return j.hashes.of(i, pw)
	})
}

// RecordPassword appends the keyed hash of row i's password, if it sets
// one (an H line; see TrackPlan).
func (j *Journal) RecordPassword(i int) {
	if j.plan == nil {
		return
	}
	pw, ok := PlanPasswords(j.plan)(i)
	if !ok {
		return
	}
	h := j.hashes.of(i, pw)
	j.mu.Lock()
	j.buf = appendKeyedLine(j.buf, i, hashCode, h)
	j.mu.Unlock()
}

// RecordSent appends a marker that row i's request is being sent, after the
// keyed hash of its password and the row's fingerprint (see TrackPlan), so
// that a run of an edited plan can carry the marker over; the row's
// outcome, recorded later, supersedes the marker.
func (j *Journal) RecordSent(i int) {
	var fp []byte
	if j.plan != nil {
		j.RecordPassword(i)
		fp = j.fingerprint(i)
	}
	j.mu.Lock()
	if fp != nil {
		j.buf = appendKeyedLine(j.buf, i, fingerprintCode, fp)
	}
	j.buf = strconv.AppendInt(j.buf, int64(i), 10)
	j.buf = append(j.buf, ' ', sentCode, ' ', '0', ' ', '0', ' ', '0', ' ', '0', ' ', '0', ' ', '0', ' ', '"', '"', '\n')
	j.mu.Unlock()
}

// RecordPrior appends a P line: enc (encodePrior) holds the values row
// i's account had before the row is sent. Write and Sync send it.
func (j *Journal) RecordPrior(i int, enc string) {
	j.mu.Lock()
	j.buf = strconv.AppendInt(j.buf, int64(i), 10)
	j.buf = append(j.buf, ' ', priorCode, ' ')
	j.buf = append(j.buf, enc...)
	j.buf = append(j.buf, '\n')
	j.mu.Unlock()
}

// Sync writes what is pending and syncs the file to disk now, rather than
// within FsyncInterval: for lines that must outlive a crash of the
// machine before the request they precede is sent. Workers that sync at
// once share the fsyncs: one made after a write covers it.
func (j *Journal) Sync() error {
	if err := j.Write(); err != nil {
		return err
	}
	j.mu.Lock()
	closed, mine := j.closed, j.writes
	j.mu.Unlock()
	if closed {
		return errors.New("journal closed")
	}
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	if j.synced >= mine {
		return nil // an fsync that started after this write covered it
	}
	j.mu.Lock()
	covers := j.writes
	j.mu.Unlock()
	if err := j.f.Sync(); err != nil {
		j.mu.Lock()
		defer j.mu.Unlock()
		if j.err == nil {
			j.err = fmt.Errorf("sync journal %s: %w", j.path, err)
		}
		return j.err
	}
	j.synced = covers
	return nil
}

// Write sends every pending line to the file in one write. The first write
// error sticks and is returned by every later call and by Close.
func (j *Journal) Write() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil || len(j.buf) == 0 {
		return j.err
	}
	if j.closed {
		return errors.New("journal closed")
	}
	if _, err := j.f.Write(j.buf); err != nil {
		j.err = fmt.Errorf("write journal %s: %w", j.path, err)
		return j.err
	}
	j.wrote = true
	j.writes++
	j.buf = j.buf[:0]
	j.dirty = true
	return nil
}

func (j *Journal) syncLoop() {
	defer close(j.stopped)
	t := time.NewTicker(FsyncInterval)
	defer t.Stop()
	for {
		select {
		case <-j.stop:
			return
		case <-t.C:
			j.sync()
		}
	}
}

func (j *Journal) sync() {
	j.mu.Lock()
	dirty := j.dirty && j.err == nil && !j.closed
	j.dirty = false
	j.mu.Unlock()
	if !dirty {
		return
	}
	if err := j.f.Sync(); err != nil {
		j.mu.Lock()
		if j.err == nil {
			j.err = fmt.Errorf("sync journal %s: %w", j.path, err)
		}
		j.mu.Unlock()
	}
}

// Discard closes a journal that this run created and that holds no line
// but its header and key, and removes its file while it still holds the
// lock: a run refused before it sent anything leaves no journal behind. A
// journal with anything else in it is only closed.
func (j *Journal) Discard() error {
	j.mu.Lock()
	empty := j.created && !j.wrote && len(j.buf) == 0
	j.mu.Unlock()
	if empty {
		if err := os.Remove(j.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			j.Close()
			return fmt.Errorf("remove journal %s: %w", j.path, err)
		}
	}
	return j.Close()
}

// Close writes what is pending, syncs, and releases the lock. Calls after
// the first return its result.
func (j *Journal) Close() error {
	j.closeOnce.Do(func() { j.closeErr = j.close() })
	return j.closeErr
}

func (j *Journal) close() error {
	werr := j.Write()
	close(j.stop)
	<-j.stopped
	j.mu.Lock()
	j.dirty = true
	j.mu.Unlock()
	j.sync()
	j.mu.Lock()
	j.closed = true
	err := j.err
	j.mu.Unlock()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = werr
	}
	return err
}

// openLocked opens the journal at path and takes its exclusive lock.
func openLocked(path string, flag int) (*os.File, error) {
	f, err := lockfile.Open(path, flag)
	switch {
	case errors.Is(err, lockfile.ErrLocked):
		return nil, fmt.Errorf("journal %s: %w", path, ErrLocked)
	case err != nil:
		return nil, fmt.Errorf("open journal: %w", err)
	}
	return f, nil
}

// MoveAside renames the journal at path to path.<time>.old, never deleting
// it, so that a fresh run can start. It returns the new name ("" if there
// was no journal). A journal that another run holds is not moved
// (ErrLocked): the lock is taken before the rename.
func MoveAside(path string, now time.Time) (string, error) {
	f, err := openLocked(path, os.O_RDWR)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close() // releases the lock, after the rename
	dst := fmt.Sprintf("%s.%s.old", path, now.UTC().Format("20060102T150405Z"))
	if _, err := os.Stat(dst); err == nil {
		dst = fmt.Sprintf("%s.%d.old", path, now.UnixNano())
	}
	if err := os.Rename(path, dst); err != nil {
		return "", fmt.Errorf("move the journal aside: %w", err)
	}
	return dst, nil
}

package batch

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/voxbatch/voxbatch/report"
)

// The journal is a text file: a header line naming the plan, then one line
// per row outcome, appended as outcomes become known:
//
//	voxbatch-journal 1 sha256:<hex> <rows>
//	<index> <status> <attempts> <request> <started ms> <finished ms> <code> <http> <"message">
//
// A later line for the same index wins. Lines are written with one write(2)
// per finished request, so a killed process loses nothing the kernel had;
// fsync is batched (every FsyncInterval and at Close). A torn last line
// (a crash mid-write) is ignored and cut off when the journal is reopened.
const (
	journalMagic = "voxbatch-journal"
	// journalVersion 2 added the sent marker (S); version 1 journals, which
	// cannot hold one, read the same. A binary that knows only version 1
	// refuses a version 2 journal by its header, not by a puzzling line.
	journalVersion = "2"
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
	recs, good, err := readJournal(f, path, digest, rows)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	j := &Journal{path: path, f: f, stop: make(chan struct{}), stopped: make(chan struct{})}
	if good == 0 {
		// New (or empty) journal: write the header.
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("journal %s: %w", path, err)
		}
		header := fmt.Sprintf("%s %s %s %d\n", journalMagic, journalVersion, digest, rows)
		if _, err := f.WriteAt([]byte(header), 0); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("journal %s: %w", path, err)
		}
		good = int64(len(header))
		j.dirty = true
	} else if err := f.Truncate(good); err != nil { // cut a torn last line
		f.Close()
		return nil, nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("journal %s: %w", path, err)
	}
	go j.syncLoop()
	return j, recs, nil
}

// readJournal reads the header and every complete line. It returns the
// outcomes and the offset just past the last complete line (0 for an empty
// file).
func readJournal(f *os.File, path, digest string, rows int) (*Earlier, int64, error) {
	recs := &Earlier{entries: make([]entry, rows)}
	r := bufio.NewReaderSize(f, 1<<16)
	header, err := r.ReadBytes('\n')
	if err == io.EOF {
		// No complete header: an empty file, or a crash while it was
		// written. Anything else is some other file given as the journal,
		// which must not be overwritten.
		if len(header) == 0 || bytes.HasPrefix(header, []byte(journalMagic)) || bytes.HasPrefix([]byte(journalMagic), header) {
			return recs, 0, nil
		}
		return nil, 0, fmt.Errorf("%s is not a voxbatch journal", path)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read journal %s: %w", path, err)
	}
	fields := strings.Fields(string(header))
	if len(fields) != 4 || fields[0] != journalMagic {
		return nil, 0, fmt.Errorf("%s is not a voxbatch journal", path)
	}
	version, jdigest := fields[1], fields[2]
	jrows, _ := strconv.Atoi(fields[3])
	if version != journalVersion && version != "1" {
		return nil, 0, fmt.Errorf("journal %s has version %s; this voxbatch reads versions 1 and %s (a newer voxbatch wrote it?)", path, version, journalVersion)
	}
	if jdigest != digest || jrows != rows {
		return nil, 0, &DigestMismatchError{Path: path, Journal: jdigest, Plan: digest}
	}
	off := int64(len(header))
	for lineNo := 2; ; lineNo++ {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return nil, 0, fmt.Errorf("journal %s:%d: line too long", path, lineNo)
		}
		if err == io.EOF {
			break // a torn last line, or none
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read journal %s: %w", path, err)
		}
		i, ent, perr := parseJournalLine(line[:len(line)-1])
		if perr != nil || i < 0 || i >= rows {
			// Complete lines are written whole, so a bad one is not a
			// crash's trace: refuse rather than guess.
			return nil, 0, fmt.Errorf("journal %s:%d: malformed line", path, lineNo)
		}
		switch had, has := recs.entries[i].isOutcome(), ent.isOutcome(); {
		case has && !had:
			recs.n++
		case had && !has:
			recs.n--
		}
		recs.entries[i] = ent
		off += int64(len(line))
	}
	return recs, off, nil
}

// Record appends row i's outcome to the pending buffer; Write sends it.
func (j *Journal) Record(i int, rec *report.Record) {
	j.mu.Lock()
	j.buf = appendJournalLine(j.buf, i, rec)
	j.mu.Unlock()
}

// RecordSent appends a marker that row i's request is being sent; the
// row's outcome, recorded later, supersedes it.
func (j *Journal) RecordSent(i int) {
	j.mu.Lock()
	j.buf = strconv.AppendInt(j.buf, int64(i), 10)
	j.buf = append(j.buf, ' ', sentCode, ' ', '0', ' ', '0', ' ', '0', ' ', '0', ' ', '0', ' ', '0', ' ', '"', '"', '\n')
	j.mu.Unlock()
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

// openLocked opens path and takes its exclusive lock. The file locked must
// still be the one at path: another run's --fresh may have renamed it
// between the open and the lock, and a lock on the moved file would guard
// nothing, so it tries again.
func openLocked(path string, flag int) (*os.File, error) {
	for range 5 {
		f, err := os.OpenFile(path, flag, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open journal: %w", err)
		}
		if err := lockFile(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("journal %s: %w", path, err)
		}
		held, herr := f.Stat()
		now, nerr := os.Stat(path)
		if herr == nil && nerr == nil && os.SameFile(held, now) {
			return f, nil
		}
		f.Close()
		if nerr != nil && !errors.Is(nerr, os.ErrNotExist) {
			return nil, fmt.Errorf("journal %s: %w", path, nerr)
		}
		if nerr != nil && flag&os.O_CREATE == 0 {
			return nil, fmt.Errorf("open journal: %w", nerr)
		}
	}
	return nil, fmt.Errorf("journal %s: %w", path, ErrLocked)
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

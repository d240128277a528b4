package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// FlushInterval is the longest a written row stays in a Stream's buffer
// before it is handed to the operating system.
const FlushInterval = time.Second

// ErrClosed is returned by Stream.Write and Stream.Flush after Close.
var ErrClosed = errors.New("report stream closed")

// Stream writes rows to a report as they are decided, in completion order.
// Rows are buffered and handed to the operating system at least every
// FlushInterval (by Write, and by a background goroutine while the stream
// is idle) and at Close, so a killed process leaves every row written more
// than FlushInterval ago in the file. It does not fsync: it survives the
// process, not the machine.
//
// A Stream is safe for concurrent use; one mutex owns the output. A write
// error is sticky: every later Write, Flush and Close returns it.
type Stream struct {
	name     string
	interval time.Duration
	now      func() time.Time
	closer   io.Closer // nil when the Stream does not own the writer
	temp     string    // the temporary file of CreateLive, if any

	mu     sync.Mutex
	enc    encoder
	rec    Record    // Write's record, kept here so it does not escape per call
	last   time.Time // last flush
	dirty  bool      // rows written since the last flush
	err    error     // sticky write error
	closed bool

	done chan struct{}
	wg   sync.WaitGroup
}

// Create creates (or truncates) the report file at path and returns a
// Stream writing format f to it, CSV header included. Path "-" streams to
// os.Stdout, which Close leaves open. See Finalize for the whole sequence.
func Create(path string, f Format) (*Stream, error) {
	if path == Stdout {
		return NewStream(os.Stdout, f)
	}
	if f != CSV && f != JSONL {
		return nil, fmt.Errorf("%w %q: stream csv or jsonl (a workbook is written whole; CreateLive streams CSV beside it)",
			ErrFormat, string(f))
	}
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create report: %w", err)
	}
	s, err := newStream(file, file, path, f, FlushInterval, time.Now)
	if err != nil {
		_ = file.Close()
		return nil, err
	}
	return s, nil
}

// NewStream returns a Stream writing format f to w, CSV header included.
// Close flushes but does not close w.
func NewStream(w io.Writer, f Format) (*Stream, error) {
	return newStream(w, nil, "<stdout>", f, FlushInterval, time.Now)
}

func newStream(w io.Writer, c io.Closer, name string, f Format,
	interval time.Duration, now func() time.Time) (*Stream, error) {
	enc, err := newEncoder(w, f)
	if err != nil {
		return nil, err
	}
	s := &Stream{
		name: name, interval: interval, now: now, closer: c,
		enc: enc, last: now(), done: make(chan struct{}),
	}
	if err := enc.header(); err != nil {
		return nil, s.fail(err)
	}
	// The header goes out at once: an empty report still has its columns.
	if err := s.flushLocked(); err != nil {
		return nil, err
	}
	s.wg.Add(1)
	go s.ticker()
	return s, nil
}

// ticker flushes an idle stream: Write only flushes when rows keep coming.
func (s *Stream) ticker() {
	defer s.wg.Done()
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			s.mu.Lock()
			if s.dirty && s.err == nil {
				_ = s.flushLocked() // sticky: the next Write or Close reports it
			}
			s.mu.Unlock()
		}
	}
}

// Write appends r to the report. It flushes to the operating system when
// the last flush is more than FlushInterval old.
func (s *Stream) Write(r Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writableLocked(); err != nil {
		return err
	}
	s.rec = r
	if err := s.enc.encode(&s.rec); err != nil {
		return s.fail(err)
	}
	s.dirty = true
	if s.now().Sub(s.last) >= s.interval {
		return s.flushLocked()
	}
	return nil
}

// Flush hands every buffered row to the operating system now.
func (s *Stream) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writableLocked(); err != nil {
		return err
	}
	return s.flushLocked()
}

// Close stops the background flusher, flushes the remaining rows and closes
// the file if the Stream created it. Calling Close again returns nil.
func (s *Stream) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()

	close(s.done)
	s.wg.Wait()

	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.err
	if err == nil {
		err = s.flushLocked()
	}
	if s.closer != nil {
		if cerr := s.closer.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("write report %s: %w", s.name, cerr)
		}
	}
	return err
}

// writableLocked returns ErrClosed after Close, else the sticky write
// error, if any; s.mu must be held.
func (s *Stream) writableLocked() error {
	if s.closed {
		return ErrClosed
	}
	return s.err
}

// flushLocked flushes the encoder; s.mu must be held.
func (s *Stream) flushLocked() error {
	if err := s.enc.flush(); err != nil {
		return s.fail(err)
	}
	s.last = s.now()
	s.dirty = false
	return nil
}

// fail records err as the sticky error and returns it.
func (s *Stream) fail(err error) error {
	s.err = fmt.Errorf("write report %s: %w", s.name, err)
	return s.err
}

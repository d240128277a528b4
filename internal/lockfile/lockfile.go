// Package lockfile takes the exclusive locks that keep two voxbatch runs off
// one journal or one report: an flock, which the kernel drops when the
// process dies, so that a crashed run never blocks the next one.
package lockfile

import (
	"errors"
	"fmt"
	"os"
)

// ErrLocked is returned when another process holds the lock.
var ErrLocked = errors.New("locked by another run")

// Open opens path with flag and takes its exclusive lock (ErrLocked if
// another process holds it). The file locked must still be the one at path:
// another process may have renamed or removed it between the open and the
// lock, and a lock on that file would guard nothing, so it tries again.
func Open(path string, flag int) (*os.File, error) {
	for range 5 {
		f, err := os.OpenFile(path, flag, 0o600)
		if err != nil {
			return nil, err
		}
		if err := lockFile(f); err != nil {
			f.Close()
			return nil, err
		}
		held, herr := f.Stat()
		now, nerr := os.Stat(path)
		if herr == nil && nerr == nil && os.SameFile(held, now) {
			return f, nil
		}
		f.Close()
		if nerr != nil && !errors.Is(nerr, os.ErrNotExist) {
			return nil, nerr
		}
		if nerr != nil && flag&os.O_CREATE == 0 {
			return nil, nerr
		}
	}
	return nil, ErrLocked
}

// A Lock is a lock file held by this process.
type Lock struct {
	f *os.File
}

// Acquire creates the lock file at path, if need be, and locks it.
func Acquire(path string) (*Lock, error) {
	f, err := Open(path, os.O_RDWR|os.O_CREATE)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// Release removes the lock file and releases the lock. It is removed while
// still locked: a process that opened it meanwhile finds, once it gets the
// lock, that the file at the path is no longer the one it locked (Open tries
// again), so the removal never lets two processes in.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := os.Remove(l.f.Name())
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

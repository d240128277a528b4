package lockfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestAcquireRelease(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no flock")
	}
	path := filepath.Join(t.TempDir(), "report.csv.lock")
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("a second lock: %v, want ErrLocked", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Release left the lock file: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Errorf("a second Release: %v", err)
	}
	var none *Lock
	if err := none.Release(); err != nil {
		t.Errorf("Release of nil: %v", err)
	}
	l2, err := Acquire(path)
	if err != nil {
		t.Fatalf("after Release: %v", err)
	}
	l2.Release()
}

// A process that opened the lock file before its holder removed it must
// not get a lock on the removed file while a third one locks a new file.
func TestOpenRetriesAFileRemovedUnderIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	stale, err := os.Open(path) // opened before the removal
	if err != nil {
		t.Fatal(err)
	}
	defer stale.Close()
	l.Release()
	if err := lockFile(stale); err != nil {
		t.Fatal(err) // the old inode is free to lock, and guards nothing
	}
	f, err := Open(path, os.O_RDWR|os.O_CREATE)
	if err != nil {
		t.Fatalf("Open after the removal: %v", err)
	}
	defer f.Close()
	held, _ := f.Stat()
	now, _ := os.Stat(path)
	if !os.SameFile(held, now) {
		t.Error("Open locked a file that is no longer at the path")
	}
}

func TestOpenWithoutCreate(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "none"), os.O_RDWR); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want ErrNotExist", err)
	}
	if _, err := Acquire(filepath.Join(t.TempDir(), "no", "dir", "x.lock")); err == nil {
		t.Error("a lock in a folder that does not exist")
	}
}

// Package bounded reads files that must be small (credentials, a review
// file) with a limit, so that a path such as /dev/zero, or a huge file
// given by mistake, cannot make voxbatch read until memory runs out.
package bounded

import (
	"errors"
	"io"
	"os"
)

// ErrTooLarge is returned by ReadFile for a file over its limit.
var ErrTooLarge = errors.New("file too large")

// ReadFile reads the file at path, reading at most limit+1 bytes: a file
// over limit bytes is ErrTooLarge.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, ErrTooLarge
	}
	return data, nil
}

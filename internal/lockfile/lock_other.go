//go:build !unix

package lockfile

import "os"

// lockFile is a no-op where flock does not exist; run one voxbatch per
// file there.
func lockFile(*os.File) error { return nil }

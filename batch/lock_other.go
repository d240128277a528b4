//go:build !unix

package batch

import "os"

// lockFile is a no-op where flock does not exist; run one voxbatch per
// journal there.
func lockFile(*os.File) error { return nil }

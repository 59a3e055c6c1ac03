//go:build !unix

package manifest

import "os"

const openFlags = os.O_RDONLY

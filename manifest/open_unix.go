//go:build unix

package manifest

import (
	"os"
	"syscall"
)

// openFlags do not block opening a FIFO that has no writer.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK

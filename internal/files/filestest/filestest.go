// Package filestest makes the awkward folders that input listings must
// survive, for specs.
package filestest

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
)

// Unlistable creates parent/name holding a chain of folders whose innermost
// one no process can list, root included: its path is longer than the
// system's limit (PATH_MAX), so opening it by name fails with "file name too
// long". (Permissions would not do: root lists any folder whatever its
// mode.) It returns the innermost folder's path. The chain is made with
// mkdirat and openat, one level at a time, which no path limit stops; Go's
// os.RemoveAll removes it the same way.
func Unlistable(parent, name string) (string, error) {
	fd, err := syscall.Open(parent, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", parent, err)
	}
	path := parent
	level := strings.Repeat("d", 250)
	for i, part := 0, name; len(path) <= 4200; i, part = i+1, fmt.Sprintf("%s%02d", level, i) {
		if err := syscall.Mkdirat(fd, part, 0o755); err != nil {
			syscall.Close(fd)
			return "", fmt.Errorf("mkdir %s: %w", part, err)
		}
		next, err := syscall.Openat(fd, part, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
		syscall.Close(fd)
		if err != nil {
			return "", fmt.Errorf("open %s: %w", part, err)
		}
		fd = next
		path = filepath.Join(path, part)
	}
	syscall.Close(fd)
	return path, nil
}

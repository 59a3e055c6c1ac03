package manifest

import (
	"fmt"
	"io"
	"os"
)

// maxManifest bounds a manifest or signature file: real ones are a few KiB.
const maxManifest = 16 << 20

// openRegular opens path for reading only if it is a regular file. The
// check is made on the open file, not the name, so the file cannot be
// swapped between them; opening does not block on a FIFO (see openFlags).
// A FIFO or a device could answer differently each time it is read, so that
// what is hashed is not what is verified.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file (%s): refused", path, st.Mode().Type())
	}
	return f, nil
}

// readRegular reads a whole regular file of at most maxManifest bytes.
func readRegular(path string) ([]byte, error) {
	f, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxManifest+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxManifest {
		return nil, fmt.Errorf("%s: larger than %d MiB: refused", path, maxManifest>>20)
	}
	return data, nil
}

// Package reports writes what a run found: the versioned JSON report, JUnit XML
// for CI, and a console summary. Every writer reads the same model.Report and
// orders its output canonically, so identical inputs give identical files.
package reports

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/carecert/carecert/model"
)

//go:embed schema/report.schema.json
var reportSchema []byte

// Schema returns the JSON Schema that every JSON report validates against.
func Schema() []byte { return reportSchema }

// MarshalJSON encodes a report as carecert writes it: indented, keys in a fixed
// order, findings in canonical order, ending with a newline.
func MarshalJSON(rep any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteFileAtomic writes data to path through a temporary file and a rename, so
// that an interrupted run never leaves a half-written report behind. The file
// gets mode 0644 less the umask.
func WriteFileAtomic(path string, data []byte) error {
	return WriteFileAtomicPerm(path, data, 0o644)
}

// FilePerm is the mode the files of rep are written with, less the umask: a
// report that keeps full evidence quotes names, NHS numbers and birth dates,
// so only its owner may read it.
func FilePerm(rep *model.Report) os.FileMode {
	if rep.Evidence == "full" {
		return 0o600
	}
	return 0o644
}

// WriteFileAtomicPerm is WriteFileAtomic with mode perm (less the umask).
func WriteFileAtomicPerm(path string, data []byte, perm os.FileMode) error {
	// A rename would replace a device or a named pipe (--out /dev/stdout, a
	// FIFO a reader waits on) with a regular file, or fail for want of
	// rights on its folder: those are written into, as they are.
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		return writeInto(path, data)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := createTemp(dir, "."+filepath.Base(path)+".", perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeInto writes data into an existing file that is not a regular one.
func writeInto(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// createTemp creates a new file for writing with mode perm less the user's
// umask (os.CreateTemp's 0600 would need a chmod that ignores the umask: a
// user who set umask 077 for reports with patient data gets 0600).
func createTemp(dir, prefix string, perm os.FileMode) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("no free temporary name in %s", dir)
}

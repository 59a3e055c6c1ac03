// Package files lists the input files of a target: a file itself, or the files
// below a folder that a reader accepts, in lexical order so that runs (and the
// shards of a run) see them in the same order on every machine.
package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// List returns path itself when it is a file, or the files below it whose
// names keep accepts, sorted. Errors name the path that could not be read.
func List(path string, keep func(name string) bool) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, Cause(err))
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var out []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("cannot read %s: %w", p, Cause(err))
		}
		if !d.IsDir() && keep(d.Name()) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// Cause strips the *fs.PathError around err, whose message repeats the path
// that callers already name.
func Cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

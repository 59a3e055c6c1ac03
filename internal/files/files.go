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
	"strings"
)

// List returns path itself when it is a file, or the files below it whose
// names keep accepts, sorted. A folder below path that cannot be listed is
// returned among them, marked by a trailing separator (IsFolder), for the
// reader to report as unreadable: it neither stops the listing nor goes
// unmentioned. Errors name the path that could not be read.
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
			if p != path && d != nil && d.IsDir() {
				out = append(out, p+string(filepath.Separator))
				return filepath.SkipDir
			}
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

// IsFolder reports whether a path List returned is a folder it could not
// list.
func IsFolder(listed string) bool { return strings.HasSuffix(listed, string(filepath.Separator)) }

// Cause strips the *fs.PathError around err, whose message repeats the path
// that callers already name.
func Cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

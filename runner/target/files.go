package target

import (
	"errors"
	"fmt"
	"os"

	"github.com/carecert/carecert/internal/files"
	"github.com/carecert/carecert/model"
)

// ReadOrReport reads one listed file of a folder target with read or, when
// the file cannot be opened (a dangling link, no permission), emits that as an
// INPUT problem so that one bad file neither stops the target nor goes
// unmentioned. Every family that reads files shares it, so a bad file reads
// the same whatever its format.
func ReadOrReport(kind model.Kind, path string, emit Emit, read func(string) error) error {
	unreadable := func(what string, err error) error {
		return emit(&model.Record{Kind: kind, Source: path, Problem: &model.Finding{
			Severity: model.Error,
			Code:     "input.unreadable",
			Message:  fmt.Sprintf("cannot %s: %v; the target's other files are still read", what, files.Cause(err)),
			Location: model.Location{File: path},
		}})
	}
	if files.IsFolder(path) {
		_, err := os.ReadDir(path)
		if err == nil {
			err = errors.New("it could not be listed when the target was read")
		}
		return unreadable("list the folder", err)
	}
	if err := openCheck(path); err != nil {
		return unreadable("open the file", err)
	}
	return read(path)
}

// openable reports whether path can be opened now.
func openable(path string) bool { return openCheck(path) == nil }

// openCheck tries to open a regular file and closes it again. Anything else
// (a named pipe, a device) is only looked at, never opened: opening a pipe
// would take its writer's first data and then close it under them, which the
// later read could never get back.
func openCheck(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return f.Close()
}

// FilePath is the file or folder a file family (fhir, hl7v2, csv) reads,
// made absolute against the plan's folder. A spec that names none (a url
// given to a file type) is a mistake in the plan: a *ConfigError, which the
// runner locates at the target. A path that cannot be read now is the
// target's problem, not the plan's: a plain error, reported in its results.
func (s Spec) FilePath(typ string) (string, error) {
	p := s.ResolvedPath()
	if p == "" {
		return "", Configf("type %s reads a file or folder: give the target a path", typ)
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("cannot read %s: %w", p, files.Cause(err))
	}
	return p, nil
}

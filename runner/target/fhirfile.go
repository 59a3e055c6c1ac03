package target

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/carecert/carecert/internal/files"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
)

// fhirFiles reads FHIR JSON from a file or, recursively, a folder.
type fhirFiles struct {
	path string
}

func openFHIR(spec Spec, _ NoOptions) (Target, error) {
	p := spec.ResolvedPath()
	if p == "" {
		return nil, Configf("a fhir target needs a path")
	}
	if _, err := os.Stat(p); err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", p, unwrapPathError(err))
	}
	return &fhirFiles{path: p}, nil
}

func unwrapPathError(err error) error { return files.Cause(err) }

// listFiles lists a target's input files; see files.List.
func listFiles(path string, keep func(string) bool) ([]string, error) { return files.List(path, keep) }

func (t *fhirFiles) Kinds() []model.Kind { return []model.Kind{model.KindFHIR} }

// fhirExtensions are the file names a folder walk reads; others are skipped.
var fhirExtensions = []string{".json", ".ndjson", ".jsonl", ".json.gz", ".ndjson.gz", ".jsonl.gz", ".xml", ".xml.gz"}

// IsFHIRFile reports whether a folder walk reads the file name.
func IsFHIRFile(name string) bool {
	lower := strings.ToLower(name)
	for _, ext := range fhirExtensions {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return false
}

func (t *fhirFiles) Records(ctx context.Context, emit Emit) error {
	files, err := listFiles(t.path, IsFHIRFile)
	if err != nil {
		return err
	}
	guarded := guard(ctx, emit)
	for _, f := range files {
		if err := ReadOrReport(model.KindFHIR, f, guarded, func(f string) error { return fhir.ReadFile(f, fhir.Emit(guarded)) }); err != nil {
			return err
		}
	}
	return nil
}

// ReadOrReport reads one listed file of a folder target with read or, when
// the file cannot be opened (a dangling link, no permission), emits that as an
// INPUT problem so that one bad file neither stops the target nor goes
// unmentioned.
func ReadOrReport(kind model.Kind, path string, emit Emit, read func(string) error) error {
	unreadable := func(what string, err error) error {
		return emit(&model.Record{Kind: kind, Source: path, Problem: &model.Finding{
			Severity: model.Error,
			Code:     "input.unreadable",
			Message:  fmt.Sprintf("cannot %s: %v; the target's other files are still read", what, unwrapPathError(err)),
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

package target

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
)

// fhirFiles reads FHIR JSON from a file or, recursively, a folder.
type fhirFiles struct {
	path string
}

func openFHIR(spec Spec) (Target, error) {
	p := spec.ResolvedPath()
	if p == "" {
		return nil, Configf("a fhir target needs a path")
	}
	if _, err := os.Stat(p); err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", p, unwrapPathError(err))
	}
	return &fhirFiles{path: p}, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

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
		if err := fhir.ReadFile(f, fhir.Emit(guarded)); err != nil {
			return err
		}
	}
	return nil
}

// listFiles returns path itself when it is a file, or the files below it that
// keep accepts, in lexical order so that runs are reproducible.
func listFiles(path string, keep func(string) bool) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, unwrapPathError(err))
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("cannot read %s: %w", p, unwrapPathError(err))
		}
		if !d.IsDir() && keep(d.Name()) {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

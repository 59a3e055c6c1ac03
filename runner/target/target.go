// Package target opens the systems and feeds a plan names and streams their
// records: FHIR files and folders, generated fixture feeds, and (from other
// files of this package) servers, HL7 v2 and CSV sources. A target reads; it
// never validates.
package target

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/internal/secret"
	"github.com/carecert/carecert/model"
)

// Emit receives records in order. Returning an error stops the target.
type Emit func(*model.Record) error

// Target is a system or feed under test.
type Target interface {
	// Records streams every record. Problems with content are records with a
	// Problem; an error means the target could not be read (or emit failed).
	Records(ctx context.Context, emit Emit) error
}

// guard wraps emit so that reading stops as soon as ctx is cancelled.
func guard(ctx context.Context, emit Emit) func(*model.Record) error {
	return func(r *model.Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return emit(r)
	}
}

// Kinder is implemented by targets that know which kinds of record they yield,
// so that `carecert validate` can pick the suites that apply.
type Kinder interface {
	Kinds() []model.Kind
}

// Spec is a target as a plan or the command line describes it.
type Spec struct {
	Name string
	// Type is the target type; empty means infer it from Path or URL.
	Type string
	Path string
	URL  string
	// Options holds every other key the plan gave the target.
	Options check.Params
	// BaseDir resolves relative paths (the plan's folder).
	BaseDir string
}

// ResolvedPath is Path made absolute against BaseDir.
func (s Spec) ResolvedPath() string {
	if s.Path == "" || filepath.IsAbs(s.Path) || s.BaseDir == "" || strings.Contains(s.Path, "://") {
		return s.Path
	}
	return filepath.Join(s.BaseDir, s.Path)
}

// Location is where the target is, safe to print: credentials in URLs removed.
func (s Spec) Location() string {
	loc := s.Path
	if s.URL != "" {
		loc = s.URL
	}
	if strings.Contains(loc, "://") {
		return secret.RedactURL(loc)
	}
	return loc
}

// Scrub replaces the spec's raw path and URL in a message with its safe
// Location, so that errors quoting them cannot leak credentials.
func (s Spec) Scrub(msg string) string {
	safe := s.Location()
	for _, raw := range []string{s.ResolvedPath(), s.Path, s.URL} {
		if strings.Contains(raw, "://") && raw != safe {
			msg = strings.ReplaceAll(msg, raw, safe)
		}
	}
	return msg
}

// Opener builds a target from its spec. Opening must be cheap and must not
// contact the target: the runner opens every target once before a run to catch
// configuration mistakes early. Problems with the spec itself (unknown or
// malformed options) are returned as *ConfigError; anything else (a missing file)
// is a problem of the target, reported in its results.
type Opener func(spec Spec) (Target, error)

// ConfigError is a mistake in a target's description rather than a problem with
// the target itself.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// Configured adapts an opener every error of which is a mistake in the
// target's description (it only reads options; it touches nothing).
func Configured[T Target](open func(Spec) (T, error)) Opener {
	return func(spec Spec) (Target, error) {
		t, err := open(spec)
		if err != nil {
			return nil, &ConfigError{Err: err}
		}
		return t, nil
	}
}

// Configf returns a *ConfigError.
func Configf(format string, args ...any) error {
	return &ConfigError{Err: fmt.Errorf(format, args...)}
}

// Registry maps target types to openers.
type Registry struct {
	openers map[string]Opener
	docs    map[string]string
}

// NewRegistry returns a registry with the target types of this package.
func NewRegistry() *Registry {
	r := &Registry{openers: map[string]Opener{}, docs: map[string]string{}}
	r.Register("fhir", "FHIR R4 JSON: a resource, a Bundle, NDJSON (plain or .gz) or a folder of them", openFHIR)
	r.Register("fixture", "a synthetic vendor feed generated in memory (seed, records, defects)", Configured(newFixture))
	return r
}

// Register adds a target type; registering one twice panics.
func (r *Registry) Register(typ, doc string, o Opener) {
	if _, dup := r.openers[typ]; dup {
		panic("target: type registered twice: " + typ)
	}
	r.openers[typ] = o
	r.docs[typ] = doc
}

// Types lists the registered types, sorted.
func (r *Registry) Types() []string {
	var out []string
	for t := range r.openers {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Doc returns a type's description.
func (r *Registry) Doc(typ string) string { return r.docs[typ] }

// Open builds the target a spec describes, inferring its type when not given.
func (r *Registry) Open(spec Spec) (Target, string, error) {
	typ := spec.Type
	if typ == "" {
		typ = Infer(spec)
	}
	o, ok := r.openers[typ]
	if !ok {
		return nil, typ, Configf("target %s: unknown type %q (known: %s)", spec.Name, typ, strings.Join(r.Types(), ", "))
	}
	t, err := o(spec)
	if err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			return nil, typ, Configf("target %s: %w", spec.Name, ce.Err)
		}
		return nil, typ, fmt.Errorf("target %s: %w", spec.Name, err)
	}
	return t, typ, nil
}

// Infer guesses a target type from its path or URL.
func Infer(spec Spec) string {
	lowerURL := strings.ToLower(spec.URL + spec.Path)
	switch {
	case strings.HasPrefix(lowerURL, "mllp://"), strings.HasPrefix(lowerURL, "mllps://"):
		return "mllp"
	case strings.HasPrefix(lowerURL, "http://"), strings.HasPrefix(lowerURL, "https://"):
		return "fhir-server"
	}
	p := strings.TrimSuffix(strings.ToLower(spec.Path), ".gz")
	switch {
	case strings.HasSuffix(p, ".hl7"), strings.HasSuffix(p, ".er7"):
		return "hl7v2"
	case strings.HasSuffix(p, ".csv"), strings.HasSuffix(p, ".tsv"):
		return "csv"
	case isHL7v2Folder(spec.ResolvedPath()):
		return "hl7v2"
	}
	return "fhir"
}

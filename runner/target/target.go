// Package target is the contract between the runner and the systems and
// feeds a plan names: a Target streams records; a Spec is a target as the plan
// describes it, with its options decoded strictly and its mistakes located
// (ConfigError); a Registry maps target types to openers. A target reads; it
// never validates.
//
// The contract links no family: each target family is its own package that
// registers its types (fhirfiles, fixturefeed, hl7v2files, mllptarget beside
// this one; tabular/csvtarget; livefhir), and the product lists them where it
// is wired (cmd/carecert), so that a family, a reader or a validator links
// only what it uses.
package target

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/carecert/carecert/internal/files"
	"github.com/carecert/carecert/internal/params"
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

// Guard wraps emit so that reading stops as soon as ctx is cancelled.
func Guard(ctx context.Context, emit Emit) func(*model.Record) error {
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
	// Options holds every other key the plan gave the target: its type's
	// options, decoded strictly by the registry (see Define).
	Options params.Params
	// BaseDir resolves relative paths (the plan's folder).
	BaseDir string
	// Where locates the target's keys in the plan file, at At (the YAML path
	// of the target's mapping, "$.vendors[0].targets[1]"), so an option's
	// mistake names its line and column; nil for a target from flags.
	Where params.Locator
	At    string
}

// Decode fills dst, a pointer to an options struct holding the defaults,
// from the spec's options, strictly: an unknown or mistyped key is an error
// located in the plan file (see package params for the field types).
func (s Spec) Decode(dst any) error {
	return s.decoder().Decode(s.Options, dst, s.At)
}

// ErrorAt is a *ConfigError about the option at path ("tls.ca_file") found
// after the options decoded: located at its line and column when the plan
// was read from a file, else named as the decoder names an option
// (`option "tls.ca_file": ...`).
func (s Spec) ErrorAt(path, format string, args ...any) error {
	return &ConfigError{Err: s.decoder().Errorf(s.At+"."+path, strconv.Quote(path), format, args...)}
}

// OptionMistake is err, a mistake in one option found by code that knows
// the option only by the name it gives (the TLS files: a
// *tlsfiles.OptionError, whose message names the option and the file), as a
// *ConfigError: located at the option's line and column when the target was
// read from a plan, else as err says it. Every family with TLS options maps
// their mistakes here, so they read the same whatever the target.
func (s Spec) OptionMistake(err error) error {
	var named interface {
		error
		OptionName() string
	}
	if s.Where != nil && errors.As(err, &named) {
		return s.ErrorAt(named.OptionName(), "%v", named)
	}
	var ce *ConfigError
	if errors.As(err, &ce) {
		return err
	}
	return &ConfigError{Err: err}
}

func (s Spec) decoder() params.Decoder {
	return params.Decoder{Where: s.Where, Label: "target " + s.Name, Options: true}
}

// ResolvedPath is Path made absolute against BaseDir.
func (s Spec) ResolvedPath() string {
	if strings.Contains(s.Path, "://") {
		return s.Path
	}
	return s.Resolve(s.Path)
}

// Resolve makes a path the target's options name (a feed, a TLS file, a
// key) relative to BaseDir, the plan's folder, as ResolvedPath does Path; an
// empty path stays empty.
func (s Spec) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) || s.BaseDir == "" {
		return p
	}
	return filepath.Join(s.BaseDir, p)
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

// Configf returns a *ConfigError.
func Configf(format string, args ...any) error {
	return &ConfigError{Err: fmt.Errorf(format, args...)}
}

// Registry maps target types to openers.
type Registry struct {
	openers map[string]Opener
	docs    map[string]string
	// options holds, for each type registered with Define, its options
	// struct with the defaults.
	options map[string]any
}

// NewRegistry returns a registry that knows no target type yet: each family
// registers its own.
func NewRegistry() *Registry {
	return &Registry{openers: map[string]Opener{}, docs: map[string]string{}, options: map[string]any{}}
}

// NoOptions are the options of a target type that takes none beyond its
// name, type, path or url.
type NoOptions struct{}

// Typed returns the opener of a target type whose options are the struct O:
// open gets them decoded strictly over defaults, and a decoding error is a
// *ConfigError.
func Typed[O any](defaults O, open func(spec Spec, o O) (Target, error)) Opener {
	return func(spec Spec) (Target, error) {
		o := defaults
		if err := spec.Decode(&o); err != nil {
			return nil, &ConfigError{Err: err}
		}
		return open(spec, o)
	}
}

// Define registers a target type whose options are the struct O (see
// Typed); `carecert checks TYPE` prints their table, generated from O.
func Define[O any](r *Registry, typ, doc string, defaults O, open func(spec Spec, o O) (Target, error)) {
	r.Register(typ, doc, Typed(defaults, open))
	r.options[typ] = defaults
}

// Options returns the option table of a type registered with Define; ok is
// false for types that read their options themselves.
func (r *Registry) Options(typ string) (docs []params.Doc, ok bool) {
	defaults, ok := r.options[typ]
	if !ok {
		return nil, false
	}
	return params.Docs(defaults), true
}

// Has reports whether typ is registered.
func (r *Registry) Has(typ string) bool {
	_, ok := r.openers[typ]
	return ok
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
	switch {
	case !ok && len(r.openers) == 0:
		// A registry starts empty; a spec or tool that forgot to register
		// the families should say so, not seem to lack one type.
		return nil, typ, Configf("target %s: unknown type %q: no target family is registered (each registers its own, as cmd/carecert's registries do)", spec.Name, typ)
	case !ok:
		return nil, typ, Configf("target %s: unknown type %q (known: %s)", spec.Name, typ, strings.Join(r.Types(), ", "))
	}
	t, err := o(spec)
	if err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			if params.Located(ce.Err) {
				return nil, typ, ce // it names the plan's line and the target already
			}
			return nil, typ, Configf("target %s: %w", spec.Name, ce.Err)
		}
		return nil, typ, fmt.Errorf("target %s: %w", spec.Name, err)
	}
	return t, typ, nil
}

// Infer guesses a target type from its path or URL, by the types' names, so
// that a plan or a command line may leave the type out; the registry that
// opens the spec must know the type guessed.
func Infer(spec Spec) string {
	lowerURL := strings.ToLower(spec.URL + spec.Path)
	switch {
	case strings.HasPrefix(lowerURL, "mllp://"), strings.HasPrefix(lowerURL, "mllps://"):
		return "mllp"
	case strings.HasPrefix(lowerURL, "http://"), strings.HasPrefix(lowerURL, "https://"):
		return "fhir-server"
	}
	switch {
	case files.IsHL7v2(spec.Path):
		return "hl7v2"
	case files.IsTable(spec.Path):
		return "csv"
	case isHL7v2Folder(spec.ResolvedPath()):
		return "hl7v2"
	}
	return "fhir"
}

// errFound stops a folder walk early.
var errFound = errors.New("found")

// isHL7v2Folder reports whether path is a folder holding HL7 v2 files and no
// FHIR files, so that `carecert validate FOLDER` reads it as HL7 v2.
func isHL7v2Folder(path string) bool {
	if info, err := os.Stat(path); path == "" || err != nil || !info.IsDir() {
		return false
	}
	v2 := false
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil && p != path && d != nil && d.IsDir():
			return filepath.SkipDir // the listing reports it; the rest decides
		case err != nil:
			return err
		case d.IsDir():
			return nil
		case files.IsFHIR(d.Name()):
			return errFound
		case files.IsHL7v2(d.Name()):
			v2 = true
		}
		return nil
	})
	return err == nil && v2
}

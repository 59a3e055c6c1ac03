// Package check defines how a suite requirement becomes something the runner can
// execute: a Check compiled once per run from the requirement's parameters, and a
// State per worker that observes records and can be merged with other states, so a
// feed can be split across cores, shards or machines and still give one result.
package check

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/carecert/carecert/fhir/pkgcache"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
)

// Spec is what a suite says about one requirement's check.
type Spec struct {
	// Requirement is the id findings are reported under.
	Requirement string
	// Type names the registered check kind ("fhir-json-schema", "completeness").
	Type string
	// Params are the check's parameters as the suite wrote them.
	Params params.Params
	// Source locates the requirement in its suite file, for error messages.
	Source string
	// Where locates parameters in the suite file, at ParamsAt (the YAML
	// path of the params mapping), so Decode's errors name the line and
	// column; nil when the spec was not read from a file.
	Where    params.Locator
	ParamsAt string
}

// Env is what a check may use while it is compiled: run-wide settings and shared,
// read-only services (definitions, terminology) that the runner builds once.
type Env struct {
	// Context ends when the run is cancelled.
	Context context.Context
	// Services holds what the run's checks share (see Service); the runner
	// makes one per run.
	Services *Services
	// PlanDir is the folder of the plan file, for resolving relative paths.
	PlanDir string
	// IGs are paths of implementation guides the user loaded (--ig, plan igs).
	IGs []string
	// ExtensionDomains are URL prefixes of extensions accepted without a
	// loaded definition (plan extension_domains, --accept-extensions).
	ExtensionDomains []string
	// FHIROptions are FHIR validation options named as the HL7 reference
	// validator's (best-practice, security-checks, allow-example-urls,
	// for-publication, no-experimental-content, allow-comments,
	// assume-valid-rest-references, bundle-validation-rules,
	// resource-id-rule; the list is validators/profile's OptionNames), from
	// the plan's fhir_options or the command line; a requirement's own
	// parameters of the same names override them, except allow-comments,
	// which the runner applies where it reads the feed.
	FHIROptions map[string]string
	// Terminology is the run's terminology settings (a plan's terminology:,
	// --terminology) with the vendor's own over them, used by every check
	// judging codes unless a requirement names its own.
	Terminology Terminology
	// VendorTerminology is what of Terminology the vendor's own settings
	// gave (a plan's vendors[i].terminology): a setting that cannot work is
	// named where it was written.
	VendorTerminology Terminology
	// AsOf is the date the run judges timeliness and "in the future" against:
	// the plan's date, or today.
	AsOf time.Time
	// Baseline is the path of a previous report.json of the same vendor that
	// drift checks compare with; empty when the plan names none.
	Baseline string
}

// Guides returns the paths of the implementation guides to load: a guide
// named relative to the plan that is not found where carecert runs is the
// one beside the plan, and one named id#version is the package's folder in
// the local FHIR package cache; the dependencies the guides declare follow,
// from the cache (pkgcache.WithDependencies).
func (e *Env) Guides() []string {
	out, _ := pkgcache.WithDependencies(e.given())
	return out
}

// GuideGaps says, one line each, which dependency of which guide the run
// did not load as asked and what that leaves undecided: every check that
// reads the guides' definitions says them in its result.
func (e *Env) GuideGaps() []string {
	gaps := e.DependencyGaps()
	out := make([]string, len(gaps))
	for i, g := range gaps {
		out[i] = g.String()
	}
	return out
}

// DependencyGaps are the guides' dependencies the run did not load as asked.
func (e *Env) DependencyGaps() []pkgcache.Gap {
	_, gaps := pkgcache.WithDependencies(e.given())
	return gaps
}

// given returns the paths of the guides the user gave.
func (e *Env) given() []string {
	out := make([]string, 0, len(e.IGs))
	for _, ig := range e.IGs {
		if pkgcache.IsReference(ig) {
			if dir, err := pkgcache.Resolve(ig); err == nil {
				ig = dir
			}
		} else if _, err := os.Stat(ig); err != nil && !filepath.IsAbs(ig) && e.PlanDir != "" {
			ig = filepath.Join(e.PlanDir, ig)
		}
		out = append(out, ig)
	}
	return out
}

// Check is one requirement's check, compiled once per run and used by every
// worker at the same time: it must be safe for concurrent use.
type Check interface {
	// Applies reports whether the check looks at records of this kind and type.
	Applies(rec *model.Record) bool
	// NewState returns empty per-worker state.
	NewState() State
}

// State is a worker's share of a check's work. The runner calls Observe for each
// applicable record (records that failed to parse are never passed), then merges
// the states of all workers into one and calls Finish on it once.
//
// States must round-trip through encoding/json (exported fields): sharded runs
// write them to disk and merge them elsewhere.
type State interface {
	// Observe evaluates one record and returns the findings it raises, which the
	// runner counts against the record. A feed-level check may only remember
	// what it needs and return nothing.
	Observe(rec *model.Record) []model.Finding
	// Merge adds another worker's state (of the same check) into this one.
	Merge(other State) error
	// Finish adds feed-level findings and measures once every record was seen.
	Finish(t *model.Tally)
}

// Leader is implemented by a check whose walk of a record puts on a shelf
// what other checks read of the same record (Shelf): the runner runs it on
// each record before the others, whatever the plan's order, so that they
// find it there; findings are reported in the plan's order all the same.
type Leader interface {
	Check
	// Leads marks the check.
	Leads()
}

// Prover is implemented by a Leader's State that can judge a record from its
// bytes (Record.Raw) before it is decoded. The runner asks it first of a
// record whose decoding was deferred (Record.Decode set): when Prove returns
// true, the state has set the record's Type and ID, proved it well formed and
// free of the findings its walk of the content would make, and put on the
// run's shelves what the other checks read of it; the record then reaches
// the checks undecoded (Record.Deferred), and Observe, which the runner
// still calls, returns at most what it judges of the record's Type and ID
// alone, without decoding it (the profile check's resource-id-rule). When
// Prove returns false nothing of the record was changed or shelved, and the
// runner decodes it as before.
type Prover interface {
	Prove(rec *model.Record) bool
}

// Grader is implemented by checks whose outcome is not simply "fail on error":
// thresholds on measures, for instance. Grade must depend only on the tally, so
// that a stored report can be graded again.
type Grader interface {
	Grade(t *model.Tally) (model.Outcome, string)
}

// Factory compiles a check from its spec.
type Factory func(spec Spec, env *Env) (Check, error)

// Registry maps check types to factories. Build one per program (no globals):
// each validator package offers a Register function.
type Registry struct {
	factories map[string]Factory
	docs      map[string]string
	// params holds, for types registered with Define, a function that
	// decodes a spec's parameters (to check a suite before compiling it)
	// and the defaults struct (for the parameter table).
	params map[string]typedParams
	// defined is where each type was registered: the call's program
	// counter, named as a file and line only when asked (DefinedAt), so
	// that start-up, which registers every type, looks up no symbols.
	defined map[string]uintptr
}

type typedParams struct {
	decode   func(Spec) error
	defaults any
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{factories: map[string]Factory{}, docs: map[string]string{}, params: map[string]typedParams{}, defined: map[string]uintptr{}}
}

// Define registers a check type whose parameters are the struct P: the
// factory gets them decoded strictly (see Spec.Decode) over defaults, and
// `carecert checks TYPE` lists them.
func Define[P any](r *Registry, typ, doc string, defaults P, f func(spec Spec, p P, env *Env) (Check, error)) {
	decode := func(spec Spec) (P, error) {
		p := defaults
		return p, spec.Decode(&p)
	}
	r.register(typ, doc, func(spec Spec, env *Env) (Check, error) {
		p, err := decode(spec)
		if err != nil {
			return nil, err
		}
		return f(spec, p, env)
	}, callerPC(2))
	r.params[typ] = typedParams{decode: func(s Spec) error { _, err := decode(s); return err }, defaults: defaults}
}

// Params returns the parameter table of a type registered with Define; ok is
// false for types that read their parameters themselves.
func (r *Registry) Params(typ string) (docs []params.Doc, ok bool) {
	tp, ok := r.params[typ]
	if !ok {
		return nil, false
	}
	return params.Docs(tp.defaults), true
}

// CheckParams decodes a spec's parameters without compiling the check, so a
// suite's typos are reported when it is read; types that read their
// parameters themselves are checked when compiled.
func (r *Registry) CheckParams(spec Spec) error {
	if tp, ok := r.params[spec.Type]; ok {
		return tp.decode(spec)
	}
	return nil
}

// Register adds a check type. doc is one line for `carecert checks`. Registering a
// type twice is a programming error and panics.
func (r *Registry) Register(typ, doc string, f Factory) { r.register(typ, doc, f, callerPC(2)) }

func (r *Registry) register(typ, doc string, f Factory, at uintptr) {
	if _, dup := r.factories[typ]; dup {
		panic("check: type registered twice: " + typ)
	}
	r.factories[typ] = f
	r.docs[typ] = doc
	r.defined[typ] = at
}

// DefinedAt is where a type was registered, as a file of the module and a
// line ("validators/quality/quality.go:40"): the call that names the
// function compiling it, so that a requirement in a report leads to the
// code that decides it in one step (carecert checks TYPE prints it).
func (r *Registry) DefinedAt(typ string) string {
	pc := r.defined[typ]
	if pc == 0 {
		return ""
	}
	frame, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	// The package path from the function's name
	// ("example.com/mod/validators/quality.Register.func1").
	pkg := ""
	slash := strings.LastIndex(frame.Function, "/")
	if dot := strings.Index(frame.Function[slash+1:], "."); dot >= 0 {
		pkg = strings.TrimSuffix(frame.Function[:slash+1+dot], "_test")
	}
	return fmt.Sprintf("%s/%s:%d", strings.TrimPrefix(pkg, module), filepath.Base(frame.File), frame.Line)
}

// module is the module's import path with its trailing slash, which
// DefinedAt leaves out.
var module = strings.TrimSuffix(reflect.TypeOf(Registry{}).PkgPath(), "check")

// callerPC is the program counter of the call skip frames up the stack
// (runtime.Caller's skip), for DefinedAt to name: by the function's package
// path (as the module lays out its folders) and the file's name, so it reads
// the same however the binary was built.
func callerPC(skip int) uintptr {
	var pc [1]uintptr
	runtime.Callers(skip+1, pc[:])
	return pc[0]
}

// Types lists registered check types, sorted.
func (r *Registry) Types() []string {
	out := make([]string, 0, len(r.factories))
	for t := range r.factories {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Doc returns a registered type's one-line description.
func (r *Registry) Doc(typ string) string { return r.docs[typ] }

// Has reports whether typ is registered (Manual always is).
func (r *Registry) Has(typ string) bool { _, ok := r.factories[typ]; return ok || typ == Manual }

// Compile builds the check a spec describes.
func (r *Registry) Compile(spec Spec, env *Env) (Check, error) {
	if spec.Type == Manual {
		return manual{}, nil
	}
	f, ok := r.factories[spec.Type]
	if !ok {
		return nil, fmt.Errorf("%s: requirement %s: unknown check type %q (known: %s)",
			spec.Source, spec.Requirement, spec.Type, strings.Join(r.Types(), ", "))
	}
	c, err := f(spec, env)
	if params.Located(err) {
		// Decode already named the file, line, requirement and check.
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%s: requirement %s: check %s: %w", spec.Source, spec.Requirement, spec.Type, err)
	}
	return c, nil
}

// AddNotes adds to a result one information finding per note: what a check
// could not read or decide for every record alike (a guide's file left out,
// a dependency not loaded), said once in the report, not on each record.
func AddNotes(t *model.Tally, requirement, code string, notes []string) {
	for _, n := range notes {
		t.Add(model.Finding{Severity: model.Information, Requirement: requirement, Code: code, Message: n})
	}
}

// GuideFilesLeftOut words the files of implementation guides a loader could
// not read ("file: why") as notes, the same for every loader: what they
// define (defines: "code systems and value sets") is unknown to the run.
func GuideFilesLeftOut(defines string, files []string) []string {
	notes := make([]string, len(files))
	for i, f := range files {
		notes[i] = "implementation guide file left out, its " + defines + " unknown: " + f
	}
	return notes
}

package profile

import (
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/shape"
	"github.com/carecert/carecert/model"
)

// Engine validates resources against compiled profiles. It owns the cache of compiled profiles:
// each profile (and each data type it uses) is compiled once and then shared
// read-only by every worker. Build one per run (see Service).
type Engine struct {
	defs     *definitions.Registry
	fhirpath Invariants
	codes    CodeValidator
	// bestPractice is how best-practice guidelines (dom-6) are reported.
	bestPractice BestPractice
	// securityChecks reports HTML in string values as errors.
	securityChecks bool
	// resourceIDRule is whether a record's resource must, may or must not
	// have an id (resource_id.go).
	resourceIDRule ResourceIDRule
	// memberOfHook is memberOf, for FHIRPath's memberOf() in invariants.
	memberOfHook func(value any, valueSet string) (member, known bool, err error)
	// allowExampleURLs accepts extensions on example domains unchecked.
	allowExampleURLs bool
	// forPublication adds the checks of definitions published for others
	// to use (shareable.go).
	forPublication bool
	// noExperimentalContent refuses definitions marked experimental.
	noExperimentalContent bool
	// unresolvedUntyped takes no type from the URL of a reference that
	// does not resolve.
	unresolvedUntyped bool
	bundleRules       []BundleRule
	// bundles are the indexes of the Bundles being validated, shared by
	// the workers (localrefs.go).
	bundles   bundleIndexes
	acceptExt []string
	missing   []MissingPackage
	asOf      time.Time
	// year is asOf's year, or the year the engine was made: the latest
	// plausible years of dates are counted from it (primitive_notes.go).
	year         int
	markdownHTML MarkdownHTML
	// shelf receives the coded values of each walk against a record's base
	// type (coded.go); nil keeps none.
	shelf *coded.Shelf
	// pathBuffers lend the walks that shelve coded values the memory they
	// write the values' paths in (coded.PathBuffer).
	pathBuffers sync.Pool
	// proofs receive, from the same walks, whether each record was proven
	// well shaped for the JSON-schema check (shape.go); nil proves none.
	proofs *shape.Proofs
	// stream is the stream path (stream.go), which the fhir-profile check
	// runs first on records it can prove from their bytes.
	stream *Streamer

	mu            sync.Mutex // serialises compilation
	ready         sync.Map   // canonical → *Compiled, complete
	compiledTypes sync.Map   // core type name → *Compiled, complete (CompiledType)
	kinds         sync.Map   // canonical → resource type of its definition, or ""
	versions      sync.Map   // canonical URL → the versions the registry holds of it
	// resourceTypes are the names R4 defines a resource of that were asked
	// (IsResourceType): a set read without a lock and replaced by a larger
	// copy when a name is added, at most once for each of R4's types.
	resourceTypes   atomic.Pointer[map[string]struct{}]
	resourceTypesMu sync.Mutex
	failed          map[string]error
	building        map[string]*Compiled
	invariants      map[string]*invariant
	sdChecks        differentialChecks // profiles validated as resources (structuredefinition.go)
	// workGroups are HL7's work groups (hl7_workgroup.go), read from the
	// definitions once.
	workGroupsOnce sync.Once
	workGroups     map[string]workGroup
}

// Options configure an Engine.
type Options struct {
	// Invariants evaluates FHIRPath constraints; nil leaves only the ones
	// carecert implements natively (the rest are reported as not evaluated).
	Invariants Invariants
	// Codes decides value-set membership for bindings; nil uses the value
	// sets enumerated in the registry.
	Codes CodeValidator
	// BestPractice is how best-practice guidelines such as dom-6 (a
	// resource should have a narrative) are reported: not at all by default.
	BestPractice BestPractice
	// SecurityChecks reports string values that embed HTML tags (which a
	// system rendering them unescaped would run) as errors; off by default,
	// as in the reference validator (its -security-checks).
	SecurityChecks bool
	// ResourceIDRule says whether each record's resource must have an id,
	// may, or must not (the reference validator's resourceIdRule): may, by
	// default.
	ResourceIDRule ResourceIDRule
	// AllowExampleURLs accepts, as warnings, extensions whose URL is on a
	// domain reserved for examples (example.org...); by default they are
	// errors (the reference validator's -allow-example-urls).
	AllowExampleURLs bool
	// ForPublication checks definitions as published for others to use:
	// the elements a shareable ValueSet, CodeSystem, ConceptMap or Measure
	// carries (the reference validator's -forPublication); off by default.
	ForPublication bool
	// NoExperimentalContent refuses every definition marked experimental
	// (the reference validator's -no-experimental-content, for content
	// that must be fit for production); off by default.
	NoExperimentalContent bool
	// UnresolvedUntyped leaves a reference that does not resolve (a REST
	// reference to a server) unheld to its element's target types: what it
	// points at is not known. By default carecert takes the type its URL
	// names ("Group/7" is a Group), as the reference validator does only
	// with -assumeValidRestReferences (off by default there); carecert's
	// option assume-valid-rest-references=false sets this.
	UnresolvedUntyped bool
	// BundleRules name Bundle entries to validate against a profile as
	// well (the reference validator's -bundle; option
	// bundle-validation-rules).
	BundleRules []BundleRule
	// AcceptExtensions are URL prefixes of extensions a feed may carry
	// without their definitions loaded: they are reported as warnings.
	AcceptExtensions []string
	// Missing are the packages the run's guides depend on that it did not
	// load: an extension that may be theirs is not decided, never an error.
	Missing []MissingPackage
	// AsOf is "now" for bounds given as a Duration (a birth date at most 10
	// years ahead); zero means the time of validation.
	AsOf time.Time
	// MarkdownHTML says how markdown that embeds HTML tags is reported:
	// a warning by default.
	MarkdownHTML MarkdownHTML
	// Shelf receives the coded values a walk of a record against its R4
	// base type finds, for the terminology checks that read the same
	// record (package coded); nil keeps none.
	Shelf *coded.Shelf
	// Proofs receive whether the same walks proved each record well shaped
	// (package shape), when the run's JSON-schema check wants them.
	Proofs *shape.Proofs
}

// NewEngine returns an engine over a definitions registry.
func NewEngine(defs *definitions.Registry, opts Options) *Engine {
	e := &Engine{defs: defs, fhirpath: opts.Invariants, codes: opts.Codes, bestPractice: opts.BestPractice, securityChecks: opts.SecurityChecks, resourceIDRule: opts.ResourceIDRule, allowExampleURLs: opts.AllowExampleURLs, forPublication: opts.ForPublication, noExperimentalContent: opts.NoExperimentalContent, unresolvedUntyped: opts.UnresolvedUntyped, bundleRules: opts.BundleRules, acceptExt: opts.AcceptExtensions, missing: opts.Missing, asOf: opts.AsOf, markdownHTML: opts.MarkdownHTML, shelf: opts.Shelf, proofs: opts.Proofs,
		failed: map[string]error{}, invariants: map[string]*invariant{}}
	if e.codes == nil {
		e.codes = NewEnumeratedCodes(defs)
	}
	e.year = yearOf(e.asOf)
	e.memberOfHook = e.memberOf // bound once, not for each invariant evaluated
	e.pathBuffers.New = func() any { return &coded.PathBuffer{} }
	e.stream = NewStreamer(e)
	return e
}

// Definitions returns the registry the engine reads.
func (e *Engine) Definitions() *definitions.Registry { return e.defs }

// Compiled returns the compiled profile (canonical URL, optionally with
// |version), compiling it on first use.
func (e *Engine) Compiled(canonical string) (*Compiled, error) {
	if p, ok := e.ready.Load(canonical); ok {
		return p.(*Compiled), nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.ready.Load(canonical); ok {
		return p.(*Compiled), nil
	}
	if err, ok := e.failed[canonical]; ok {
		return nil, err
	}
	e.building = map[string]*Compiled{}
	c := &compiler{e: e}
	p, err := c.compile(canonical)
	if err == nil {
		c.resolveElements()
	}
	built := e.building
	e.building = nil
	if err != nil {
		e.failed[canonical] = err
		return nil, err
	}
	// Profiles reached while compiling are complete only now, together.
	for k, v := range built {
		e.ready.Store(k, v)
	}
	e.ready.Store(canonical, p)
	return p, nil
}

// CompiledType returns the compiled definition of a core type or resource ("Patient").
func (e *Engine) CompiledType(typ string) (*Compiled, error) {
	// by name: a walk asks this of every record and nested resource
	if p, ok := e.compiledTypes.Load(typ); ok {
		return p.(*Compiled), nil
	}
	p, err := e.Compiled(definitions.CoreBase + typ)
	if err == nil {
		e.compiledTypes.Store(typ, p)
	}
	return p, err
}

// IsResourceType reports whether FHIR R4 defines a resource of this name.
func (e *Engine) IsResourceType(name string) bool {
	if name == "" {
		return false
	}
	if known := e.resourceTypes.Load(); known != nil {
		if _, ok := (*known)[name]; ok {
			return true
		}
	}
	ok := e.defs.IsResourceType(name)
	if ok {
		// Only R4's own names are kept, so the set stays the size of the
		// specification: the names a feed's references and ids write are the
		// supplier's, and a misspelt one answered again costs one lookup.
		e.resourceTypesMu.Lock()
		defer e.resourceTypesMu.Unlock()
		old := e.resourceTypes.Load()
		known := make(map[string]struct{}, 1)
		if old != nil {
			known = maps.Clone(*old)
		}
		known[name] = struct{}{}
		e.resourceTypes.Store(&known)
	}
	return ok
}

// errorf is a convenience for wrapped errors naming a profile.
func errorf(profile string, format string, args ...any) error {
	return fmt.Errorf("profile %s: %s", profile, fmt.Sprintf(format, args...))
}

// BestPractice is how best-practice guidelines are reported, named as the
// reference validator's -best-practice levels.
type BestPractice int

// Levels of BestPractice.
const (
	BestPracticeIgnore BestPractice = iota
	BestPracticeHint
	BestPracticeWarning
	BestPracticeError
)

// ParseBestPractice reads a level: ignore, hint, warning or error.
func ParseBestPractice(s string) (BestPractice, error) {
	switch s {
	case "ignore", "":
		return BestPracticeIgnore, nil
	case "hint", "information":
		return BestPracticeHint, nil
	case "warning":
		return BestPracticeWarning, nil
	case "error":
		return BestPracticeError, nil
	}
	return 0, fmt.Errorf("best-practice %q: want ignore, hint, warning or error", s)
}

func (b BestPractice) String() string {
	return [...]string{"ignore", "hint", "warning", "error"}[b]
}

// severity is the severity of a failed guideline (only when not ignored).
func (b BestPractice) severity() model.Severity {
	switch b {
	case BestPracticeError:
		return model.Error
	case BestPracticeWarning:
		return model.Warning
	}
	return model.Information
}

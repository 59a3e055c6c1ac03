// Package profile validates FHIR resources against StructureDefinitions: the
// FHIR R4 base definitions, every profile a resource claims in meta.profile,
// and profiles a suite names (UK Core, loaded with --ig). Each profile is
// compiled once per run (Compiled) and every worker reuses it; the checks cover
// unknown elements, cardinality, types and choice types, primitive formats,
// fixed and pattern values, maxLength, bindings, extensions, slicing,
// references (resolved inside Bundles and contained resources), Bundle rules
// and FHIRPath invariants, and they measure must-support coverage.
package profile

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/shape"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
)

// Register adds the profile checks to a registry.
func Register(reg *check.Registry) {
	check.Define(reg, "fhir-profile",
		"each resource conforms to a StructureDefinition: its R4 base type and meta.profile (default), or the profile named by `profile`",
		profileParams{}, func(spec check.Spec, p profileParams, env *check.Env) (check.Check, error) {
			return newProfileCheck(p, env)
		})
	check.Define(reg, "nhs-number",
		"NHS numbers (system https://fhir.nhs.uk/Id/nhs-number) have 10 digits, a valid Modulus 11 check digit and an accepted range (package ukid); the verification status extension holds a known code",
		defaultNHS, newNHSNumberCheck)
}

// profileParams are a fhir-profile requirement's parameters. The FHIR
// options override the run's (plan fhir_options, command line) and are
// read as the reference validator's options of the same names.
type profileParams struct {
	Profile         string `param:"profile" doc:"the profile (canonical URL) every resource is validated against; base (the default) for the R4 base type, meta for only the profiles meta.profile claims"`
	ProfileTemplate string `param:"profile-template" doc:"a profile URL per resource type, with {type} for the type"`
	Requires        string `param:"requires" doc:"what to load for the profile; when it is not loaded the requirement is an error saying this, not a failure"`
	BestPractice    any    `param:"best-practice" doc:"ignore, hint, warning or error: how best-practice invariants are reported"`
	SecurityChecks  any    `param:"security-checks" doc:"true reports HTML tags embedded in string values as errors"`
	AllowExampleURL any    `param:"allow-example-urls" doc:"true accepts references to example.org"`
	ForPublication  any    `param:"for-publication" doc:"true checks definitions as published for others to use (the elements a shareable ValueSet, CodeSystem, ConceptMap or Measure carries)"`
	AllowComments   any    `param:"allow-comments" doc:"true accepts fhir_comments"`
	NoExperimental  any    `param:"no-experimental-content" doc:"true refuses every definition marked experimental (content that must be fit for production)"`
	AssumeValidRest any    `param:"assume-valid-rest-references" doc:"true (the default) holds a reference that does not resolve to its element's target types by the type its URL names; false leaves it unchecked, as the reference validator's default does"`
	ResourceIDRule  any    `param:"resource-id-rule" doc:"optional (the default), required or prohibited: whether each resource validated on its own must have an id, may, or must not (the reference validator's resourceIdRule)"`
	BundleRules     any    `param:"bundle-validation-rules" doc:"rule=profile pairs, comma-separated: Bundle entries also validated against a profile; a rule is Type:n (the n-th entry holding a Type, from 0), Type or n"`
}

// options returns the FHIR options the requirement sets, as fhirOptions reads them.
func (p profileParams) options() params.Params {
	return params.Params{"best-practice": p.BestPractice, "security-checks": p.SecurityChecks,
		"allow-example-urls": p.AllowExampleURL, "for-publication": p.ForPublication, "allow-comments": p.AllowComments, "no-experimental-content": p.NoExperimental, "assume-valid-rest-references": p.AssumeValidRest,
		"bundle-validation-rules": p.BundleRules, "resource-id-rule": p.ResourceIDRule}
}

// Hooks let the capabilities built elsewhere plug into the engine a run
// builds: FHIR XML for implementation guides, FHIRPath for invariants, a
// terminology engine for bindings. Any may be nil.
type Hooks struct {
	XML        definitions.XMLDecoder
	Invariants Invariants
	Codes      CodeValidator
	// Shelf receives the coded values of each record's walk against its
	// base type (Options.Shelf).
	Shelf *coded.Shelf
	// Proofs receive whether those walks proved each record well shaped
	// (Options.Proofs).
	Proofs *shape.Proofs
}

// engines are the run's engines, one per set of FHIR options and
// terminology (a vendor may name its own): requirements with the same share
// one, and so its compiled profiles. Each is built on the run's definitions
// with DefaultHooks, whichever check asks first.
var engines = check.NewServiceFamily(func(env *check.Env, k engineKey) (*Engine, error) {
	o := k.options
	defs, err := definitions.Run.Get(env)
	if err != nil {
		return nil, err
	}
	hooks := DefaultHooks(env)
	rules, err := ParseBundleRules(o.bundleRules, defs.IsResourceType)
	if err != nil {
		return nil, fmt.Errorf("FHIR option bundle-validation-rules: %w", err)
	}
	var missing []MissingPackage
	for _, g := range env.DependencyGaps() {
		missing = append(missing, MissingPackage{Guide: g.Guide, Package: g.Package, Version: g.Version, Used: g.Used, Canonical: defs.Canonical(g.Package)})
	}
	return NewEngine(defs, Options{Invariants: hooks.Invariants, Codes: hooks.Codes, Shelf: hooks.Shelf, Proofs: hooks.Proofs, AcceptExtensions: env.ExtensionDomains, Missing: missing, AsOf: env.AsOf,
		BestPractice: o.bestPractice, SecurityChecks: o.securityChecks, ResourceIDRule: o.resourceIDRule, AllowExampleURLs: o.allowExampleURLs, ForPublication: o.forPublication, NoExperimentalContent: o.noExperimentalContent, UnresolvedUntyped: o.unresolvedUntyped,
		BundleRules: rules}), nil
})

// engineKey is what an engine is built from beyond the run's definitions:
// the FHIR options, and the terminology its bindings are judged with.
type engineKey struct {
	options     validatorOptions
	terminology check.Terminology
}

// validatorOptions are the options named as the reference validator's.
type validatorOptions struct {
	bestPractice     BestPractice
	securityChecks   bool
	allowExampleURLs bool
	forPublication   bool
	// noExperimentalContent is no-experimental-content.
	noExperimentalContent bool
	// unresolvedUntyped is assume-valid-rest-references=false.
	unresolvedUntyped bool
	// bundleRules is bundle-validation-rules as written (ParseBundleRules).
	bundleRules    string
	resourceIDRule ResourceIDRule
}

// OptionNames are the FHIR validation options a plan (fhir_options), the
// command line and a fhir-profile requirement's parameters may set.
var OptionNames = []string{"best-practice", "security-checks", "allow-example-urls", "for-publication", "no-experimental-content", "allow-comments", "assume-valid-rest-references", "bundle-validation-rules", "resource-id-rule"}

func (o validatorOptions) key() string {
	if o == (validatorOptions{}) {
		return ""
	}
	return fmt.Sprintf("|%s|%t|%t|%t|%t|%t|%s|%s", o.bestPractice, o.securityChecks, o.allowExampleURLs, o.forPublication, o.noExperimentalContent, o.unresolvedUntyped, o.bundleRules, o.resourceIDRule)
}

// fhirOptions reads the options: the run's, overridden by a requirement's
// parameters (params may be nil).
func fhirOptions(params params.Params, env *check.Env) (validatorOptions, error) {
	var o validatorOptions
	for _, name := range OptionNames {
		v, ok := env.FHIROptions[name]
		if p, set := params[name]; set && p != nil {
			v, ok = fmt.Sprint(p), true
		}
		if !ok {
			continue
		}
		var err error
		switch name {
		case "best-practice":
			o.bestPractice, err = ParseBestPractice(v)
		case "security-checks":
			o.securityChecks, err = strconv.ParseBool(v)
		case "allow-example-urls":
			o.allowExampleURLs, err = strconv.ParseBool(v)
		case "for-publication":
			o.forPublication, err = strconv.ParseBool(v)
		case "no-experimental-content":
			o.noExperimentalContent, err = strconv.ParseBool(v)
		case "allow-comments":
			_, err = strconv.ParseBool(v) // the runner applies it to what it reads
		case "assume-valid-rest-references":
			var assume bool
			assume, err = strconv.ParseBool(v)
			o.unresolvedUntyped = !assume
		case "resource-id-rule":
			o.resourceIDRule, err = ParseResourceIDRule(v)
		case "bundle-validation-rules":
			o.bundleRules = v
			_, err = ParseBundleRules(v, func(string) bool { return true }) // types are checked with the definitions
		}
		if err != nil {
			return o, fmt.Errorf("FHIR option %s: %w", name, err)
		}
	}
	for name := range env.FHIROptions {
		if !slices.Contains(OptionNames, name) {
			return o, fmt.Errorf("unknown FHIR option %q (known: %s)", name, strings.Join(OptionNames, ", "))
		}
	}
	return o, nil
}

// profileCheck is a compiled fhir-profile requirement.
type profileCheck struct {
	e *Engine
	// profile is the compiled profile the suite names; nil validates the base type.
	profile *Compiled
	// metaOnly validates only the profiles in meta.profile.
	metaOnly bool
	// withBase validates against the base type as well as profile.
	withBase bool
	// template names the profile for each resource type ("{type}").
	template string
	// unavailable, when set, is why the check cannot run (a required guide
	// is not loaded): the result is errored with this message.
	unavailable string
	// leftOut are the guides' files the definitions loader could not read,
	// and gaps the guides' dependencies not loaded as asked: said once in
	// the result, as what the check could not decide.
	leftOut, gaps []string
}

func newProfileCheck(p profileParams, env *check.Env) (check.Check, error) {
	template, prof, requires := p.ProfileTemplate, p.Profile, p.Requires
	opts, err := fhirOptions(p.options(), env)
	if err != nil {
		return nil, err
	}
	e, err := engines.Get(env, engineKey{opts, env.Terminology})
	if err != nil {
		return nil, err
	}
	c := &profileCheck{e: e, template: template, gaps: env.GuideGaps()}
	for _, pkg := range e.defs.Packages() {
		c.leftOut = append(c.leftOut, check.GuideFilesLeftOut("profiles, extensions and value sets", pkg.Problems)...)
	}
	if template != "" {
		if prof != "" {
			return nil, fmt.Errorf("give profile or profile-template, not both")
		}
		if !strings.Contains(template, "{type}") {
			return nil, fmt.Errorf("parameter \"profile-template\": %q has no {type} placeholder", template)
		}
		// The guide is loaded when the template names a Patient profile.
		if _, ok := e.defs.Lookup(strings.ReplaceAll(template, "{type}", "Patient")); !ok {
			if requires == "" {
				return nil, fmt.Errorf("no profile %s is loaded", strings.ReplaceAll(template, "{type}", "Patient"))
			}
			c.unavailable = fmt.Sprintf("no profile %s is loaded: %s", strings.ReplaceAll(template, "{type}", "Patient"), requires)
		}
		return c, nil
	}
	switch prof {
	case "", "base":
	case "meta":
		c.metaOnly = true
	default:
		p, err := e.Compiled(prof)
		if err != nil {
			var nf *definitions.NotFoundError
			if requires != "" && asNotFound(err, &nf) {
				c.unavailable = fmt.Sprintf("profile %s is not loaded: %s", prof, requires)
				return c, nil
			}
			return nil, err
		}
		c.profile = p
	}
	return c, nil
}

func (c *profileCheck) Applies(rec *model.Record) bool {
	if rec.Kind != model.KindFHIR {
		return false
	}
	if c.unavailable != "" {
		return true
	}
	if c.profile != nil && c.profile.Kind == "resource" {
		return rec.Type == c.profile.Type
	}
	if c.template != "" {
		_, ok := c.e.defs.Lookup(c.templateFor(rec.Type))
		return ok && c.e.IsResourceType(rec.Type)
	}
	return c.e.IsResourceType(rec.Type)
}

// Grade makes a check whose guide is missing an errored result that says how
// to provide it, never a silent pass.
func (c *profileCheck) Grade(t *model.Tally) (model.Outcome, string) {
	if c.unavailable != "" {
		return model.Errored, c.unavailable
	}
	return t.Grade()
}

func (c *profileCheck) NewState() check.State { return &profileState{c: c} }

// Leads runs the check first on each record (check.Leader): its walk against
// the record's base type shelves the record's coded values and its shape's
// proof, which the terminology and JSON-schema checks read.
func (c *profileCheck) Leads() {}

// profileState is a worker's share: the sink (unevaluated invariants,
// must-support coverage) merges across workers and shards.
type profileState struct {
	c    *profileCheck
	Sink Sink `json:"sink"`
	// NothingToJudge counts the records a meta-only check found no
	// profile claim in.
	NothingToJudge int64 `json:"nothing_to_judge,omitempty"`
	// proven is the record Prove last proved, and its index (a target may
	// reuse a Record for the next record).
	proven      *model.Record
	provenIndex int64
	// based is a record Prove proved against its base type alone (a
	// profile its codes imply has a finding): Observe walks it against
	// the other profiles only.
	based      *model.Record
	basedIndex int64
}

// Prove runs the stream path (Streamer.Prove) on a record whose decoding
// was deferred, when the check validates records against their base type
// alone, as its walk would run: a record it proves clean has no finding
// of this check's walks (a resource-id-rule is judged in Observe, on the id
// the scan read), and its coded values and shape's proof are shelved for
// the terminology and JSON-schema checks (check.Prover).
func (s *profileState) Prove(rec *model.Record) bool {
	c := s.c
	if c.unavailable != "" || c.template != "" || c.profile != nil || c.metaOnly || rec.Kind != model.KindFHIR {
		return false
	}
	proven, base := c.e.stream.proveBase(rec, &s.Sink)
	if base {
		s.based, s.basedIndex = rec, rec.Index
	}
	if !proven {
		return false
	}
	s.proven, s.provenIndex = rec, rec.Index
	return true
}

func (s *profileState) Observe(rec *model.Record) []model.Finding {
	c := s.c
	if c.unavailable != "" {
		return nil
	}
	if s.proven == rec && s.provenIndex == rec.Index {
		// Proven clean of the walks' findings; what a resource-id-rule
		// says of its id is left, and the scan read the id.
		return c.e.resourceID(rec, true)
	}
	out := s.observe(rec)
	if id := c.e.resourceID(rec, false); id != nil {
		out = append(id, out...) // only under a resource-id-rule: no copy otherwise
	}
	return out
}

// observe is Observe's walks of a record against its profiles.
func (s *profileState) observe(rec *model.Record) []model.Finding {
	c := s.c
	var compiled []*Compiled
	var out []model.Finding
	if c.template != "" {
		url := c.templateFor(rec.Type)
		p, err := c.e.Compiled(url)
		if err != nil {
			return []model.Finding{rec.Finding(model.Error, CodeProfile, rec.Type, fmt.Sprintf("profile %s cannot be used: %v", url, err))}
		}
		return c.e.Validate(rec, p, &s.Sink)
	}
	if c.profile != nil && !c.withBase {
		compiled = append(compiled, c.profile)
	} else if !c.metaOnly {
		p, err := c.e.CompiledType(rec.Type)
		if err != nil {
			return []model.Finding{rec.Finding(model.Error, CodeProfile, rec.Type, fmt.Sprintf("cannot validate %s: %v", rec.Type, err))}
		}
		compiled = append(compiled, p)
	}
	if c.profile != nil && c.withBase && !slices.Contains(compiled, c.profile) {
		compiled = append(compiled, c.profile)
	}
	from := claims{global: c.profile == nil && !c.metaOnly, implied: !c.metaOnly && (c.profile == nil || c.withBase), meta: c.profile == nil,
		ruled: func() []*Compiled {
			ruled, problems := c.e.bundleRuleProfiles(rec)
			out = append(out, problems...)
			return ruled
		}}
	unheld := 0 // profiles that could not be used, said in out
	compiled = c.e.heldTo(compiled, rec.Type, rec.Resource(), rec.Type, from, func(path, msg string) {
		unheld++
		out = append(out, rec.Finding(model.Warning, CodeProfile, path, msg))
	})
	if len(compiled) == 0 {
		// Only a meta-only check holds a record to nothing: the record
		// claims no profile, or none it claims could be used, and then
		// nothing of it was judged.
		switch {
		case len(out) == 0:
			s.NothingToJudge++
		case unheld == len(out):
			model.MarkUndecided(out)
		}
		return out
	}
	seen := map[string]bool{}
	based := s.based == rec && s.basedIndex == rec.Index
	for i, p := range compiled {
		var note string
		if p != compiled[0] || len(compiled) > 1 && !p.IsCore {
			note = c.e.profileNote(p, rec.Type, rec.Resource(), from.implied)
		}
		// The walk against the record's base type finds its coded values
		// for the terminology checks, which then need not walk it again.
		shelve := i == 0 && c.e.shelf != nil && p.IsCore && p.Kind == "resource" && p.Type == rec.Type
		if based && i == 0 && p.IsCore && p.Kind == "resource" && p.Type == rec.Type {
			// Prove's scan held the record to its base type, finding
			// nothing, and put the walk's coded values and proof.
			continue
		}
		for _, f := range c.e.validate(rec, p, &s.Sink, shelve) {
			key := f.Code + "\x00" + f.Path + "\x00" + f.Message
			if seen[key] {
				continue
			}
			seen[key] = true
			f.Message += note
			out = append(out, f)
		}
		if msg := c.e.substitutedClaim(p, rec.Resource()); msg != "" {
			out = append(out, rec.Finding(model.Warning, CodeDependencyNotLoaded, rec.Type, msg))
		}
	}
	return out
}

// notLoaded says that a profile a resource claims could not be used.
func notLoaded(url string, err error) string {
	return fmt.Sprintf("profile %s is not loaded, so the resource was not validated against it: %v", url, err)
}

func metaProfiles(res map[string]any) []string {
	meta, _ := res["meta"].(map[string]any)
	list, _ := meta["profile"].([]any)
	var out []string
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (s *profileState) Merge(other check.State) error {
	o, ok := other.(*profileState)
	if !ok {
		return fmt.Errorf("fhir-profile: cannot merge %T", other)
	}
	s.Sink.Merge(&o.Sink)
	s.NothingToJudge += o.NothingToJudge
	return nil
}

// Finish reports each invariant that could not be evaluated once, and the
// must-support coverage of each profile as a measure.
func (s *profileState) Finish(t *model.Tally) {
	t.CountNothingToJudge(s.NothingToJudge)
	keys := make([]string, 0, len(s.Sink.Unevaluated))
	for k := range s.Sink.Unevaluated {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Add(model.Finding{Severity: model.Information, Code: CodeNotEvaluated,
			Message: fmt.Sprintf("invariant %s was not evaluated: %s", k, s.Sink.Unevaluated[k]),
		})
	}
	for url, cov := range s.Sink.Coverage {
		t.Measure("must-support "+url, cov.Populated, cov.Elements)
	}
	if s.c != nil {
		check.AddNotes(t, "", CodeGuideFileSkipped, s.c.leftOut)
		check.AddNotes(t, "", CodeDependencyNotLoaded, s.c.gaps)
	}
}

// ValidateRecord validates a record the way the fhir-profile check does: with
// profileURL against that profile, otherwise against its base type and every
// loaded profile in meta.profile. Findings repeated by several profiles are
// reported once. A sink passed to successive calls also keeps the reference
// index of the last Bundle and Parameters, so the entries of one Bundle share
// one index.
func (e *Engine) ValidateRecord(rec *model.Record, profileURL string, sink *Sink) []model.Finding {
	c := &profileCheck{e: e}
	if profileURL != "" {
		p, err := e.Compiled(profileURL)
		if err != nil {
			return []model.Finding{rec.Finding(model.Error, CodeProfile, rec.Type, fmt.Sprintf("profile %s cannot be used: %v", profileURL, err))}
		}
		c.profile, c.withBase = p, true
	}
	return e.validateAll(c, rec, sink)
}

func (e *Engine) validateAll(c *profileCheck, rec *model.Record, sink *Sink) []model.Finding {
	st := &profileState{c: c}
	if sink != nil {
		st.Sink.locals = sink.locals // the caller's Parameters index
	}
	out := st.Observe(rec)
	if sink != nil {
		sink.Merge(&st.Sink)
		sink.locals = st.Sink.locals
	}
	return out
}

func (c *profileCheck) templateFor(typ string) string {
	return strings.ReplaceAll(c.template, "{type}", typ)
}

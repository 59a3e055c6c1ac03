// Package runner executes certification plans: it opens each vendor's targets,
// streams their records through a pool of workers that evaluate every
// requirement's check, merges the workers' results into one result per
// requirement and target, and asks the policy for a verdict.
package runner

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir/pkgcache"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/internal/spelling"
	"github.com/carecert/carecert/internal/yamlfile"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/policy"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/suites"
	"github.com/carecert/carecert/terminology/runengine"
)

// Plan is one certification run: who is certified, on what, against which suites
// and under which policy.
type Plan struct {
	// Name titles the run in reports; defaults to the file name.
	Name string `yaml:"name"`
	// Date is the "as of" date for timeliness checks (YYYY-MM-DD); defaults to today.
	Date string `yaml:"date"`
	// Evidence is "redacted" (default) or "full".
	Evidence string `yaml:"evidence"`
	// SampleLimit caps the findings kept per requirement and target.
	SampleLimit int `yaml:"sample_limit"`
	// Suites apply to every vendor: built-in ids or suite file paths.
	Suites []string `yaml:"suites"`
	// IGs are implementation guides (folders or package .tgz) to load.
	IGs []string `yaml:"igs"`
	// ExtensionDomains are URL prefixes of extensions the feed may carry
	// without their definitions loaded (a guide not available to the user):
	// they are reported as warnings, not errors.
	ExtensionDomains []string `yaml:"extension_domains"`
	// FHIROptions are FHIR validation options named as the HL7 reference
	// validator's: best-practice (ignore, hint, warning, error),
	// security-checks, allow-example-urls, for-publication,
	// no-experimental-content, allow-comments,
	// assume-valid-rest-references (true or false),
	// bundle-validation-rules (rule=profile pairs, the reference's -bundle)
	// and resource-id-rule (optional, required, prohibited).
	FHIROptions map[string]string `yaml:"fhir_options"`
	// Terminology is the run's terminology settings (check.Terminology: a
	// SNOMED CT release, a terminology server), which profile bindings and
	// every check judging codes use unless a requirement names its own.
	Terminology params.Params `yaml:"terminology" json:",omitempty"`
	// Policy decides the verdict; empty means every SHALL requirement passes.
	Policy map[string]any `yaml:"policy"`
	// Baseline is a previous run to compare with (drift checks): a
	// report.json, or an --out folder holding <vendor>/report.json.
	Baseline string `yaml:"baseline"`
	// Vendors lists the suppliers certified in this run.
	Vendors []VendorPlan `yaml:"vendors"`

	// Single-vendor shorthand: vendor and targets at the top level.
	Vendor  *VendorPlan      `yaml:"vendor"`
	Targets []map[string]any `yaml:"targets"`

	// Source is the plan file ("command line" for flag-built plans).
	Source string `yaml:"-"`
	// Dir resolves relative paths in the plan.
	Dir string `yaml:"-"`
	// Inline holds the content of suite files by reference, when a part file
	// carries the plan to a merge on another machine.
	Inline map[string]string `yaml:"-" json:",omitempty"`

	// file locates fields of the plan file for errors found after loading.
	file *yamlfile.File
	// terminology is Terminology decoded, once, when the plan is loaded.
	terminology check.Terminology
	// terminologyFlags are the run's terminology settings given on the
	// command line, by key, as written there ("--terminology snomed=x.db"),
	// so a setting that cannot work is named where it was given.
	terminologyFlags map[string]string
}

// VendorPlan is one supplier's part of a plan.
type VendorPlan struct {
	Name    string `yaml:"name"`
	Product string `yaml:"product"`
	Release string `yaml:"release"`
	// Suites are added to the plan's suites for this vendor.
	Suites []string `yaml:"suites"`
	// Baseline overrides the plan's baseline for this vendor.
	Baseline string `yaml:"baseline"`
	// Terminology overrides the plan's terminology for this vendor's checks,
	// as a requirement's own settings do (check.Terminology.Over): the
	// SNOMED CT release of the vendor's edition, or its own server.
	Terminology params.Params `yaml:"terminology" json:",omitempty"`
	// Targets are the vendor's systems and feeds; each is a mapping with name,
	// type, path or url, and the type's own options.
	Targets []map[string]any `yaml:"targets"`

	// at is where the vendor is in the plan file ("$.vendors[1]").
	at string
	// targetsAt is where the targets are in the plan file ("$.vendors[1].targets").
	targetsAt string
	// terminology is Terminology decoded, once, when the plan is loaded.
	terminology check.Terminology
}

// UnmarshalYAML accepts a vendor given by name alone ("vendor: Acme Health"),
// as well as the full mapping.
func (v *VendorPlan) UnmarshalYAML(unmarshal func(any) error) error {
	var name string
	if err := unmarshal(&name); err == nil {
		*v = VendorPlan{Name: name}
		return nil
	}
	type plain VendorPlan // without this method, so the mapping decodes normally
	return unmarshal((*plain)(v))
}

// reportVendor is the vendor as its report names it.
func (v VendorPlan) reportVendor() model.Vendor {
	return model.Vendor{Name: v.Name, Product: v.Product, Release: v.Release}
}

var vendorSlug = regexp.MustCompile(`[^a-z0-9]+`)

// Slug is the vendor's name as a folder name ("Acme Health" → "acme-health").
func (v VendorPlan) Slug() string {
	s := strings.Trim(vendorSlug.ReplaceAllString(strings.ToLower(v.Name), "-"), "-")
	if s == "" {
		return "vendor"
	}
	return s
}

// LoadPlan reads and checks a plan file.
func LoadPlan(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	var p Plan
	f, err := yamlfile.Decode(path, data, &p)
	if err != nil {
		if isPolicyFile(data) {
			return nil, fmt.Errorf("plan %s: this is a policy file, not a plan: a plan names vendors, targets and suites and takes the policy under its policy: key; to re-judge stored reports with it, run carecert report --policy %s", path, path)
		}
		return nil, fmt.Errorf("plan %w", err)
	}
	p.Source = path
	p.Dir = filepath.Dir(path)
	p.file = f
	if err := p.normalize(f); err != nil {
		return nil, fmt.Errorf("plan %w", err)
	}
	return &p, nil
}

// v2ProfilesAsSuites moves the HL7 v2 XML conformance profiles a plan lists
// under igs to its suites: an implementation guide is FHIR's, and a v2
// profile's rules are a suite (suites.FromV2Profile), so it is used, never
// handed to the FHIR loader. A suite path is read relative to the plan, as
// an igs path is.
func (p *Plan) v2ProfilesAsSuites() {
	igs := p.IGs[:0]
	for _, ig := range p.IGs {
		path := suites.FilePath(ig, p.Dir)
		if !strings.EqualFold(filepath.Ext(path), ".xml") {
			igs = append(igs, ig) // a package or folder: FHIR's
			continue
		}
		if data, err := os.ReadFile(path); err == nil && suites.IsV2Profile(data) {
			p.Suites = append(p.Suites, ig)
			continue
		}
		igs = append(igs, ig)
	}
	p.IGs = igs
}

// isPolicyFile reports whether a file that is not a valid plan is a bare
// policy (rules, waivers) someone ran as one.
func isPolicyFile(data []byte) bool {
	var probe map[string]any
	if yaml.Unmarshal(data, &probe) != nil {
		return false
	}
	_, rules := probe["rules"]
	_, rule := probe["rule"]
	_, waivers := probe["waivers"]
	_, vendors := probe["vendors"]
	_, vendor := probe["vendor"]
	return (rules || rule || waivers) && !vendors && !vendor
}

// Check normalizes a plan built in code (from flags) and reports what is wrong.
func (p *Plan) Check() error {
	if p.Source == "" {
		p.Source = "command line"
	}
	return p.normalize(nil)
}

func (p *Plan) normalize(f *yamlfile.File) error {
	// Every mistake is reported at once, each where it is: fixing a plan one
	// error per run is slow.
	var errs []error
	errAt := func(path, format string, args ...any) {
		errs = append(errs, errorAt(f, path, format, args...))
	}
	topLevelTargets := false // the shorthand's targets are at the top level
	shorthand := p.Vendor != nil
	if p.Vendor != nil {
		if len(p.Vendors) > 0 {
			errAt("$.vendor", "give either vendor (with top-level targets) or vendors, not both")
			return join(errs)
		}
		v := *p.Vendor
		topLevelTargets = len(v.Targets) == 0
		v.Targets = append(v.Targets, p.Targets...)
		p.Vendors = []VendorPlan{v}
		p.Vendor, p.Targets = nil, nil
	} else if len(p.Targets) > 0 {
		errAt("$.targets", "top-level targets need a top-level vendor; under vendors, give each vendor its targets")
	}
	if p.Name == "" {
		p.Name = strings.TrimSuffix(filepath.Base(p.Source), filepath.Ext(p.Source))
	}
	p.v2ProfilesAsSuites()
	switch p.Evidence {
	case "":
		p.Evidence = "redacted"
	case "redacted", "full":
	default:
		errAt("$.evidence", "%q: want redacted or full", p.Evidence)
	}
	if p.Date != "" {
		if _, err := time.Parse("2006-01-02", p.Date); err != nil {
			errAt("$.date", "%q is not a date (YYYY-MM-DD)", p.Date)
		}
	}
	if p.SampleLimit < 0 {
		errAt("$.sample_limit", "must not be negative")
	}
	// A misspelt policy is found before the feeds are read, not after, at the
	// rule or waiver it is in.
	if unknown := policy.UnknownFields(p.Policy); len(unknown) > 0 {
		for _, fe := range unknown {
			errAt("$.policy."+fe.Path, "%s", strings.TrimPrefix(fe.Msg, "policy: "))
		}
	} else if _, err := policy.FromPlan(p.Policy); err != nil {
		at := "$.policy"
		var fe *policy.FieldError
		if errors.As(err, &fe) {
			at += "." + fe.Path
		}
		errAt(at, "%v", strings.TrimPrefix(err.Error(), "policy: "))
	}
	// Plans built from flags (run --target, validate) leave these to the
	// run: validate reports the readable inputs beside the unreadable ones.
	fromFile := f != nil
	if fromFile {
		p.checkSuites("$.suites", p.Suites, errAt)
	}
	if err := p.decodeTerminology(f); err != nil {
		errs = append(errs, err)
	}
	for i, ig := range p.IGs {
		if pkgcache.IsReference(ig) {
			if _, err := pkgcache.Resolve(ig); err != nil {
				errAt(fmt.Sprintf("$.igs[%d]", i), "%v", err)
			}
		}
	}
	if len(p.Vendors) == 0 {
		errAt("$.vendors", "required: a plan certifies at least one vendor")
	}
	slugs := map[string]bool{}
	for i, v := range p.Vendors {
		at := fmt.Sprintf("$.vendors[%d]", i)
		if f == nil || shorthand {
			at = "$.vendor"
		}
		if v.Name == "" {
			errAt(at+".name", "required: every vendor needs a name")
		}
		if slugs[v.Slug()] {
			errAt(at+".name", "two vendors would share the report folder %q", v.Slug())
		}
		slugs[v.Slug()] = true
		if len(v.Targets) == 0 {
			errAt(at+".targets", "required: vendor %s has no targets", v.Name)
		}
		if len(p.Suites)+len(v.Suites) == 0 && i == 0 {
			errAt("$.suites", "required: name at least one suite (built-in id or file)")
		}
		if fromFile {
			p.checkSuites(at+".suites", v.Suites, errAt)
		}
		if t, err := decodeTerminology(v.Terminology, f, at+".terminology", vendorTerminology(v)); err != nil {
			errs = append(errs, err)
		} else {
			p.Vendors[i].terminology = t
		}
		targetsAt := at + ".targets"
		if at == "$.vendor" && topLevelTargets {
			targetsAt = "$.targets"
		}
		p.Vendors[i].at = at
		p.Vendors[i].targetsAt = targetsAt
		for j := range v.Targets {
			tat := fmt.Sprintf("%s[%d]", targetsAt, j)
			spec, err := p.TargetSpec(i, j)
			if err != nil {
				errAt(tat, "%v", err)
				continue
			}
			if fromFile {
				checkTarget(tat, spec, errAt)
			}
		}
	}
	return join(errs)
}

// decodeTerminology decodes the run's terminology settings strictly; a
// mistake is located in f when the plan was read from a file.
func (p *Plan) decodeTerminology(f *yamlfile.File) error {
	var err error
	p.terminology, err = decodeTerminology(p.Terminology, f, "$.terminology", runTerminology)
	return err
}

// decodeTerminologies decodes the terminology settings of a plan that
// arrives without its file (in a part, checked when its run loaded it).
func (p *Plan) decodeTerminologies() error {
	if err := p.decodeTerminology(nil); err != nil {
		return err
	}
	for i, v := range p.Vendors {
		t, err := decodeTerminology(v.Terminology, nil, "", vendorTerminology(v))
		if err != nil {
			return err
		}
		p.Vendors[i].terminology = t
	}
	return nil
}

// vendorTerminology names a vendor's own terminology settings in their
// mistakes.
func vendorTerminology(v VendorPlan) string { return "vendor " + v.Name + "'s terminology" }

// runTerminology names the run's terminology settings, the plan's and the
// command line's, in their mistakes.
const runTerminology = "the run's terminology"

// SetTerminology sets one of the run's terminology settings over the plan's
// (--terminology key=value; a key left out keeps the plan's value), decoded
// as the plan's are. A mistake names the setting, not a place in a file: the
// caller says where it was written. from is how the caller names it
// ("--terminology snomed=x.db"), for a setting found not to work later, when
// the run opens it.
func (p *Plan) SetTerminology(key, value, from string) error {
	settings := maps.Clone(p.Terminology)
	if settings == nil {
		settings = params.Params{}
	}
	settings[key] = value
	t, err := decodeTerminology(settings, nil, "", runTerminology)
	if err != nil {
		return err
	}
	p.Terminology, p.terminology = settings, t
	if p.terminologyFlags == nil {
		p.terminologyFlags = map[string]string{}
	}
	p.terminologyFlags[key] = from
	return nil
}

// terminologyError is err, a requirement's check refusing a vendor's or the
// run's terminology setting (runengine.SettingError), named where that
// setting was written: the vendor's or the plan's terminology: (file, line
// and column when the plan was read from one) or the command line's flag.
// It is nil for any other error, a requirement's own setting included
// (its suite file already locates it).
func (p *Plan) terminologyError(v VendorPlan, suite, req string, err error) error {
	var se *runengine.SettingError
	if !errors.As(err, &se) || se.Level == runengine.RequirementLevel {
		return nil
	}
	neededBy := fmt.Sprintf("needed by suite %s requirement %s", suite, req)
	if se.Level == runengine.VendorLevel {
		at := v.at
		if at == "" {
			at = "$.vendor"
		}
		return fmt.Errorf("plan %w", p.ErrorAt(at+".terminology."+se.Setting, "%v (vendor %q; %s)", se, v.Name, neededBy))
	}
	if flag, ok := p.terminologyFlags[se.Setting]; ok {
		return fmt.Errorf("%s: %w (%s)", flag, se, neededBy)
	}
	return fmt.Errorf("plan %w", p.ErrorAt("$.terminology."+se.Setting, "%v (%s)", se, neededBy))
}

// TerminologyFor returns the terminology vendor v's checks use: its own
// settings over the run's, as decoded when the plan was loaded.
func (p *Plan) TerminologyFor(v VendorPlan) check.Terminology {
	return v.terminology.Over(p.terminology)
}

// decodeTerminology decodes terminology settings written at the YAML path
// at, strictly; a mistake is located in f when the plan was read from one.
// It is the one decoder of terminology settings for every level a plan or
// the command line gives them (a requirement's are its check parameters).
func decodeTerminology(m params.Params, f *yamlfile.File, at, label string) (check.Terminology, error) {
	var t check.Terminology
	d := params.Decoder{Label: label, Options: true}
	if f != nil {
		d.Where = f
	}
	if err := d.Decode(m, &t, at); err != nil {
		return check.Terminology{}, err
	}
	return t, nil
}

// ErrorAt is an error located at a field of the plan file when the plan was
// loaded from one, else named by the field.
func (p *Plan) ErrorAt(path, format string, args ...any) error {
	return errorAt(p.file, path, format, args...)
}

// errorAt is an error located at a field of f, or named by the field when
// there is no file (a plan built from flags).
func errorAt(f *yamlfile.File, path, format string, args ...any) error {
	if f != nil {
		return f.Errorf(path, format, args...)
	}
	return fmt.Errorf("%s: %s", strings.TrimPrefix(path, "$."), fmt.Sprintf(format, args...))
}

// TargetAt is where target j of vendor i is in the plan file.
func (p *Plan) TargetAt(i, j int) string {
	at := p.Vendors[i].targetsAt
	if at == "" {
		at = fmt.Sprintf("$.vendors[%d].targets", i)
	}
	return fmt.Sprintf("%s[%d]", at, j)
}

// join returns nil, the one error, or all of them one per line.
func join(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%d problems:\n%s", len(errs), strings.Join(msgs, "\n"))
}

// checkSuites finds suite references that name neither a built-in suite nor
// an existing file, before anything is read.
func (p *Plan) checkSuites(at string, refs []string, errAt func(path, format string, args ...any)) {
	ids := suites.BuiltinIDs()
	for i, ref := range refs {
		path := fmt.Sprintf("%s[%d]", at, i)
		if suites.IsFile(ref) {
			if _, err := os.Stat(suites.FilePath(ref, p.Dir)); err != nil {
				errAt(path, "suite file %s: %v", ref, errors.Unwrap(err))
			}
			continue
		}
		if slices.Contains(ids, ref) {
			continue
		}
		if near := spelling.Closest(ref, ids, 4); near != "" {
			errAt(path, "unknown suite %q: did you mean %s? (built-in suites: %s; a suite file needs a .yaml or .xml name or a folder)", ref, near, strings.Join(ids, ", "))
		} else {
			errAt(path, "unknown suite %q (built-in suites: %s; a suite file needs a .yaml or .xml name or a folder)", ref, strings.Join(ids, ", "))
		}
	}
}

// checkTarget finds a target whose local path does not exist: a plan
// mistake, not the supplier's failure. (Unknown types are found by the
// runner's Preflight, which knows the types registered.)
func checkTarget(at string, spec target.Spec, errAt func(path, format string, args ...any)) {
	if spec.Path == "" || spec.URL != "" || strings.ContainsAny(spec.Path, "*?[") {
		return
	}
	if msg := MissingPath(spec.ResolvedPath()); msg != "" {
		errAt(at+".path", "%s", msg)
	}
}

// MissingPath says what is wrong when a local target path does not exist
// ("no such file or folder: feeed.ndjson: did you mean feed.ndjson?"), and
// is "" when it exists or cannot be judged (a permission error is the run's
// to report, as an unreadable input).
func MissingPath(path string) string {
	if _, err := os.Stat(path); err == nil || !errors.Is(err, os.ErrNotExist) {
		return ""
	}
	msg := fmt.Sprintf("no such file or folder: %s", path)
	if entries, err := os.ReadDir(filepath.Dir(path)); err == nil {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if near := spelling.Closest(filepath.Base(path), names, 3); near != "" {
			msg += fmt.Sprintf(": did you mean %s?", near)
		}
	}
	return msg
}

// targetSpec turns a plan's target mapping into a target spec.
func targetSpec(m map[string]any, dir string) (target.Spec, error) {
	str := func(k string) (string, error) {
		v, ok := m[k]
		if !ok || v == nil {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%s: want a string, got %T", k, v)
		}
		return s, nil
	}
	var s target.Spec
	var err error
	if s.Name, err = str("name"); err != nil {
		return s, err
	}
	if s.Type, err = str("type"); err != nil {
		return s, err
	}
	if s.Path, err = str("path"); err != nil {
		return s, err
	}
	if s.URL, err = str("url"); err != nil {
		return s, err
	}
	// Generated feeds (fixture, hl7v2-fixture) need neither path nor url.
	generatedTypes := []string{"fixture", "hl7v2-fixture"}
	generated := slices.Contains(generatedTypes, s.Type)
	if s.Path == "" && s.URL == "" && !generated {
		// A misspelt generated feed lacks a path only because of the typo.
		if near := spelling.Closest(s.Type, generatedTypes, 3); s.Type != "" && near != "" {
			return s, fmt.Errorf("unknown target type %q: did you mean %s? (a target of any other type needs a path or a url)", s.Type, near)
		}
		return s, fmt.Errorf("a target needs a path or a url")
	}
	if s.Name == "" {
		s.Name = s.Location() // never the raw URL: it may carry credentials
		if generated {
			s.Name = "generated feed"
		}
	}
	s.Options = params.Params{}
	for k, v := range m {
		switch k {
		case "name", "type", "path", "url":
		default:
			s.Options[k] = v
		}
	}
	s.BaseDir = dir
	return s, nil
}

// TargetSpec is target j of vendor i as a spec, its options located in the
// plan file when the plan was read from one.
func (p *Plan) TargetSpec(i, j int) (target.Spec, error) {
	s, err := targetSpec(p.Vendors[i].Targets[j], p.Dir)
	if p.file != nil {
		s.Where, s.At = p.file, p.TargetAt(i, j)
	}
	return s, err
}

// suitesFor are the suite references vendor v is certified against: the
// plan's, then the vendor's own.
func (p *Plan) suitesFor(v VendorPlan) []string {
	return slices.Concat(p.Suites, v.Suites)
}

// suiteRefs are all the plan's suite references as written, repeats kept:
// the plan's, then each vendor's own.
func (p *Plan) suiteRefs() []string {
	refs := slices.Clone(p.Suites)
	for _, v := range p.Vendors {
		refs = append(refs, v.Suites...)
	}
	return refs
}

// BaselineFor returns the baseline report path of vendor v: its own baseline
// or the plan's, relative to the plan's folder; a folder means the report of
// v inside it (<folder>/<vendor slug>/report.json). Empty when none is given.
func (p *Plan) BaselineFor(v VendorPlan) string {
	b := v.Baseline
	if b == "" {
		b = p.Baseline
	}
	if b == "" {
		return ""
	}
	if !filepath.IsAbs(b) && p.Dir != "" {
		b = filepath.Join(p.Dir, b)
	}
	if fi, err := os.Stat(b); err == nil && fi.IsDir() {
		b = filepath.Join(b, v.Slug(), model.ReportFile)
	}
	return b
}

// Package agreement measures how often carecert's profile validation reaches
// the verdict of the HL7 FHIR reference validator on the public FHIR
// validation cases (fhir-test-cases, as selected in shared/conformance-cases):
// error or no error per case, and the error counts.
package agreement

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
	"github.com/carecert/carecert/validators/profile"
)

// Case is one validation case of the manifest.
type Case struct {
	Name             string       `json:"name"`
	File             string       `json:"file"`
	Module           string       `json:"module"`
	Supporting       []string     `json:"supporting"`
	NeedsTerminology bool         `json:"needs_terminology"`
	Expected         *Expectation `json:"expected_java"`
	Profile          *ProfileStep `json:"profile"`
	// Options are the reference validator options the case was run with
	// (set for upstream cases, see Upstream).
	Options CaseOptions `json:"-"`
	// Packages are package files of the case folder the case loads (set
	// for upstream cases whose packages are all there, see Upstream).
	Packages []string `json:"-"`
}

// ProfileStep is a second validation of a case against a profile.
type ProfileStep struct {
	Source     string       `json:"source"`
	Supporting []string     `json:"supporting"`
	Expected   *Expectation `json:"expected_java"`
	// AssumeValidRestReferences is set for this step alone.
	AssumeValidRestReferences bool `json:"assumeValidRestReferences"`
	// Packages are package files of the case folder this step loads.
	Packages []string `json:"-"`
}

// CaseOptions are reference validator options a case sets, in carecert's terms.
type CaseOptions struct {
	BestPractice     profile.BestPractice
	SecurityChecks   bool
	AllowExampleURLs bool
	AllowComments    bool
	// ForPublication checks definitions as published for others to use.
	ForPublication bool
	// AssumeValidRestReferences holds for the base step.
	AssumeValidRestReferences bool
	// BundleRules are the reference's -bundle rule and profile.
	BundleRules []profile.BundleRule
}

// Expectation is the reference validator's outcome.
type Expectation struct {
	ErrorCount *int `json:"errorCount"`
	FatalCount *int `json:"fatalCount"`
}

// Errors is errorCount + fatalCount; ok is false when the outcome is missing.
func (e *Expectation) Errors() (int, bool) {
	if e == nil || e.ErrorCount == nil {
		return 0, false
	}
	n := *e.ErrorCount
	if e.FatalCount != nil {
		n += *e.FatalCount
	}
	return n, true
}

// Outcome is carecert's result on one case step.
type Outcome struct {
	Case string
	// Step is "base" or "profile".
	Step      string
	Want, Got int
	Findings  []model.Finding
	// Note says why the step could not be run faithfully (e.g. XML support).
	Note string
}

// Agrees reports verdict agreement: both found errors, or neither did.
func (o Outcome) Agrees() bool { return (o.Want > 0) == (o.Got > 0) }

// Summary is the agreement over all in-scope steps.
type Summary struct {
	Outcomes []Outcome
	// Skipped lists the cases out of scope, with the reason.
	Skipped map[string]string
}

// Rate is the fraction of steps whose verdict agrees.
func (s Summary) Rate() float64 {
	if len(s.Outcomes) == 0 {
		return 0
	}
	return float64(s.Agreeing()) / float64(len(s.Outcomes))
}

// Agreeing counts the steps whose verdict agrees.
func (s Summary) Agreeing() int {
	n := 0
	for _, o := range s.Outcomes {
		if o.Agrees() {
			n++
		}
	}
	return n
}

// ExactCounts counts the steps where the error counts are equal too.
func (s Summary) ExactCounts() int {
	n := 0
	for _, o := range s.Outcomes {
		if o.Want == o.Got {
			n++
		}
	}
	return n
}

// Report writes the summary and every disagreement.
func (s Summary) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "agreement on error/no-error: %d/%d (%.1f%%); equal error counts: %d/%d; out of scope: %d\n",
		s.Agreeing(), len(s.Outcomes), 100*s.Rate(), s.ExactCounts(), len(s.Outcomes), len(s.Skipped))
	for _, o := range s.Outcomes {
		if o.Agrees() {
			continue
		}
		fmt.Fprintf(&b, "DISAGREE %s [%s]: reference %d error(s), carecert %d", o.Case, o.Step, o.Want, o.Got)
		if o.Note != "" {
			fmt.Fprintf(&b, " (%s)", o.Note)
		}
		b.WriteString("\n")
		for _, f := range o.Findings {
			if f.Severity == model.Error {
				fmt.Fprintf(&b, "    %s: %s\n", f.Path, f.Message)
			}
		}
	}
	return b.String()
}

// Options configure a run.
type Options struct {
	// Core is a registry holding the R4 core, shared by every case.
	Core *definitions.Registry
	// XML converts FHIR XML (supporting profiles in XML need it).
	XML definitions.XMLDecoder
	// Invariants evaluates FHIRPath constraints.
	Invariants profile.Invariants
	// Terminology judges codes with carecert's terminology engine over the
	// R4 core and each case's packages and supporting definitions, as
	// carecert validate binds the profile engine to the run's engine;
	// without it the profile engine judges codes against the value sets
	// the registry enumerates, and leaves the rest unjudged.
	Terminology bool
}

// Run validates every in-scope case of the folder (R4 JSON, not needing a
// terminology server, with a reference outcome). Example URLs are allowed
// unless a case says "examples": false (or caseSettings does), as in the
// reference validator's own test harness, which produced the outcomes; so,
// as there, a reference that does not resolve is held to its element's target
// types by its URL only where a case says assumeValidRestReferences.
func Run(dir string, opts Options) (Summary, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return Summary{}, err
	}
	var m struct {
		Cases []struct {
			Case
			Examples *bool `json:"examples"`
		} `json:"test-cases"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return Summary{}, fmt.Errorf("manifest: %w", err)
	}
	cases := make([]Case, len(m.Cases))
	for i, mc := range m.Cases {
		cases[i] = mc.Case
		cases[i].Options.AllowExampleURLs = mc.Examples == nil || *mc.Examples
	}
	return RunCases(dir, cases, nil, opts)
}

// RunCases validates the cases (files relative to dir); skipped are cases
// already judged out of scope, with the reason.
func RunCases(dir string, cases []Case, skipped map[string]string, opts Options) (Summary, error) {
	s := Summary{Skipped: map[string]string{}}
	for k, v := range skipped {
		s.Skipped[k] = v
	}
	settings := caseSettings()
	for _, c := range cases {
		want, ok := c.Expected.Errors()
		switch {
		case c.NeedsTerminology:
			s.Skipped[c.Name] = "needs a terminology server"
			continue
		case !ok:
			s.Skipped[c.Name] = "no reference outcome"
			continue
		}
		set := settings[c.Name]
		if set.outOfScope != "" {
			s.Skipped[c.Name] = set.outOfScope
			continue
		}
		base, prof, err := runCase(dir, c, opts, set)
		if err != nil {
			return s, fmt.Errorf("case %s: %w", c.Name, err)
		}
		base.Want = want
		s.Outcomes = append(s.Outcomes, base)
		if c.Profile != nil {
			if pw, ok := c.Profile.Expected.Errors(); ok {
				prof.Want = pw
				s.Outcomes = append(s.Outcomes, prof)
			}
		}
	}
	sort.SliceStable(s.Outcomes, func(i, j int) bool { return s.Outcomes[i].Case < s.Outcomes[j].Case })
	return s, nil
}

// setting is how the reference validator was configured for a case when that
// differs from its defaults.
type setting struct {
	// apply sets carecert's equivalent option.
	apply func(*profile.Options)
	// outOfScope says why the case cannot be compared, when carecert has no
	// equivalent option.
	outOfScope string
}

// caseSettings lists the cases that fhir-test-cases runs with a non-default
// validator option. The manifest keeps only the outcome, not the option, but
// each of these validates the same file as a case with the default options
// and a different outcome, and its name says which option differs.
func caseSettings() map[string]setting {
	return map[string]setting{
		// bad-markdown (default: warning) and bad-markdown-no-html (error).
		"bad-markdown-no-html": {apply: func(o *profile.Options) { o.MarkdownHTML = profile.MarkdownHTMLError }},
		// Run with example URLs not allowed ("examples": false upstream;
		// the shared manifest drops the flag).
		"pat-example-extensions": {apply: func(o *profile.Options) { o.AllowExampleURLs = false }},
		// Run with REST references taken as valid on the profile step
		// (assumeValidRestReferences upstream; the shared manifest drops
		// it). Their base steps have no target the option changes.
		"mycommunication.invalid":       {apply: func(o *profile.Options) { o.UnresolvedUntyped = false }},
		"mycommunication.valid.example": {apply: func(o *profile.Options) { o.UnresolvedUntyped = false }},
		// contained-resource-bad-id (default: 2 errors) and this one, run
		// with contained resources not validated.
		"contained-resource-bad-id-ignore": {outOfScope: "run with contained resources not validated (validateContains=IGNORE); carecert always validates them"},
	}
}

func runCase(dir string, c Case, opts Options, set setting) (base, prof Outcome, err error) {
	base = Outcome{Case: c.Name, Step: "base"}
	prof = Outcome{Case: c.Name, Step: "profile"}
	defs, err := definitions.New(definitions.Options{Parent: opts.Core, XML: opts.XML, IGs: within(dir, c.Packages)})
	if err != nil {
		return base, prof, err
	}
	var notes []string
	load := func(into *definitions.Registry, files []string) string {
		url := ""
		for _, f := range files {
			u, err := loadSupporting(into, filepath.Join(dir, f), opts.XML)
			if err != nil {
				notes = append(notes, err.Error())
			}
			if url == "" {
				url = u
			}
		}
		return url
	}
	load(defs, c.Supporting)
	eo := profile.Options{Invariants: opts.Invariants, BestPractice: c.Options.BestPractice,
		SecurityChecks: c.Options.SecurityChecks, AllowExampleURLs: c.Options.AllowExampleURLs, ForPublication: c.Options.ForPublication, UnresolvedUntyped: !c.Options.AssumeValidRestReferences,
		BundleRules: c.Options.BundleRules}
	if set.apply != nil {
		set.apply(&eo)
	}
	if opts.Terminology {
		if eo.Codes, err = caseTerminology(dir, opts.XML, c.Packages, c.Supporting); err != nil {
			return base, prof, fmt.Errorf("case %s: %w", c.Name, err)
		}
	}
	var recs []*model.Record
	err = fhir.ReadFile(filepath.Join(dir, c.File), func(r *model.Record) error {
		r.Load()
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		return base, prof, err
	}
	base.Findings = validate(profile.NewEngine(defs, eo), recs, "", c.Options.AllowComments)
	base.Got = countErrors(base.Findings)
	if c.Profile != nil {
		// The reference loads the profile step's definitions for that step
		// only: the base step never sees them (a meta.profile naming one is
		// then unknown there, not checked).
		pdefs, err := definitions.New(definitions.Options{Parent: defs, XML: opts.XML, IGs: within(dir, c.Profile.Packages)})
		if err != nil {
			return base, prof, err
		}
		profileURL := load(pdefs, append([]string{c.Profile.Source}, c.Profile.Supporting...))
		if profileURL == "" {
			notes = append(notes, "profile not loaded")
		}
		// The reference sets this option for each step from that step's
		// own flag.
		po := eo
		po.UnresolvedUntyped = !c.Profile.AssumeValidRestReferences
		if opts.Terminology {
			if po.Codes, err = caseTerminology(dir, opts.XML, c.Packages, c.Supporting, c.Profile.Packages, []string{c.Profile.Source}, c.Profile.Supporting); err != nil {
				return base, prof, fmt.Errorf("case %s, profile step: %w", c.Name, err)
			}
		}
		if set.apply != nil {
			set.apply(&po)
		}
		prof.Findings = validate(profile.NewEngine(pdefs, po), recs, profileURL, c.Options.AllowComments)
		prof.Got = countErrors(prof.Findings)
	}
	base.Note = strings.Join(notes, "; ")
	prof.Note = base.Note
	return base, prof, nil
}

// validate runs what `carecert validate` runs for profiles on each record:
// unreadable input, how it is written (duplicate keys, comments unless
// allowed) and unknown resource types are errors; resources are
// validated against their base type and meta.profile, plus profileURL for the
// top-level resource.
func validate(e *profile.Engine, recs []*model.Record, profileURL string, allowComments bool) []model.Finding {
	var out []model.Finding
	for _, r := range recs {
		if r.Problem != nil {
			out = append(out, *r.Problem)
			continue
		}
		for _, f := range r.Syntax {
			if !allowComments || f.Code != fhir.CodeJSONComment {
				out = append(out, f)
			}
		}
		if !e.IsResourceType(r.Type) {
			out = append(out, r.Finding(model.Error, "structure.resource-type", "", fmt.Sprintf("unknown resource type %q", r.Type)))
			continue
		}
		// The profile is the top-level resource's, as the reference applies
		// it: a Bundle's entries are checked against their own types only.
		url := profileURL
		if r.Container != nil {
			url = ""
		}
		out = append(out, e.ValidateRecord(r, url, nil)...)
	}
	return out
}

// caseTerminology is a terminology engine over the R4 core and the files
// (relative to dir) a case step loads.
func caseTerminology(dir string, xml definitions.XMLDecoder, files ...[]string) (*terminology.Engine, error) {
	eng := terminology.NewCore(func(e *terminology.Engine) error {
		for _, f := range within(dir, slices.Concat(files...)) {
			if err := e.LoadIG(f); err != nil {
				return err
			}
		}
		return nil
	})
	if xml != nil {
		eng.SetXMLDecoder(terminology.XMLDecoder(xml))
	}
	return eng, eng.Ready()
}

// within returns the paths of files named relative to dir (a path that is
// already absolute, a package fetched elsewhere, is kept).
func within(dir string, files []string) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f
		if !filepath.IsAbs(f) {
			out[i] = filepath.Join(dir, f)
		}
	}
	return out
}

func countErrors(fs []model.Finding) int {
	n := 0
	for _, f := range fs {
		if f.Severity == model.Error {
			n++
		}
	}
	return n
}

// loadSupporting adds a conformance resource file (JSON or XML, or a Bundle of
// them) and returns the URL of the first StructureDefinition in it.
func loadSupporting(defs *definitions.Registry, path string, xml definitions.XMLDecoder) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var res map[string]any
	if strings.HasSuffix(path, ".xml") {
		if xml == nil {
			return "", fmt.Errorf("%s: XML, and no XML converter", filepath.Base(path))
		}
		res, err = xml(data)
	} else {
		res, err = fhir.Decode(data)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	var list []map[string]any
	if res["resourceType"] == "Bundle" {
		entries, _ := res["entry"].([]any)
		for _, e := range entries {
			em, _ := e.(map[string]any)
			if r, ok := em["resource"].(map[string]any); ok {
				list = append(list, r)
			}
		}
	} else {
		list = append(list, res)
	}
	url := ""
	for _, r := range list {
		if err := defs.Add(r, path); err != nil {
			return url, err
		}
		if u, ok := r["url"].(string); ok && url == "" && r["resourceType"] == "StructureDefinition" {
			url = u
		}
	}
	return url, nil
}

package policy

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/carecert/carecert/internal/spelling"
	"github.com/carecert/carecert/internal/yamlfile"
	"github.com/carecert/carecert/model"
)

// Config is a plan's policy section as the user writes it:
//
//	policy:
//	  name: County procurement 2026
//	  rules:
//	    - require: all-pass          # every SHALL requirement passes
//	      level: SHALL
//	    - require: pass-rate         # at least 90% of SHOULD requirements pass
//	      level: SHOULD
//	      min: 90
//	      otherwise: conditional
//	    - require: measure           # completeness of every element at least 95%
//	      measure: "completeness:*"
//	      min: 95
//	      otherwise: conditional
//	    - require: measure           # at most 1% of records missing an element
//	      measure: "dq.completeness.*"
//	      max: 1
//	    - require: exercised         # no SHALL requirement skipped everywhere
//	      level: SHALL
//	      otherwise: conditional
//	  waivers:
//	    - requirement: fhir-r4-structure/STRUCT-02
//	      justification: supplier fix scheduled for release 3.3
//	      expires: 2026-06-30
type Config struct {
	// Rule is the legacy one-word form ("all-shall"); it cannot be combined
	// with rules.
	Rule    string       `yaml:"rule" json:"rule,omitempty"`
	Name    string       `yaml:"name" json:"name,omitempty"`
	Rules   []RuleConfig `yaml:"rules" json:"rules,omitempty"`
	Waivers []Waiver     `yaml:"waivers" json:"waivers,omitempty"`
	// MinRecords is how many records each target must yield before the
	// vendor can be certified (default DefaultMinRecords; 0 turns the count
	// off, though a report where nothing was evaluated is still refused).
	MinRecords *int `yaml:"min_records" json:"min_records,omitempty"`
}

// RuleConfig is one rule as written.
type RuleConfig struct {
	// Require is all-pass, pass-rate, measure or exercised.
	Require string `yaml:"require" json:"require"`
	// Level limits all-pass and pass-rate rules to SHALL, SHOULD or MAY results
	// (empty: every level).
	Level model.Level `yaml:"level" json:"level,omitempty"`
	// Suites and Requirements limit the rule to some results; requirements may
	// be written "REQ" or "suite/REQ".
	Suites       []string `yaml:"suites" json:"suites,omitempty"`
	Requirements []string `yaml:"requirements" json:"requirements,omitempty"`
	// Checks limits the rule to results of these check types: "manual"
	// selects the requirements an assessor attests.
	Checks []string `yaml:"checks" json:"checks,omitempty"`
	// Measure is a glob (path.Match syntax) over measure names.
	Measure string `yaml:"measure" json:"measure,omitempty"`
	// Min is the lowest percentage a pass rate or measure may have.
	Min *float64 `yaml:"min" json:"min,omitempty"`
	// Max is the highest percentage a measure may have: for measures that
	// count defects (missing, late, duplicate records).
	Max *float64 `yaml:"max" json:"max,omitempty"`
	// Otherwise is the verdict when the rule is broken: not-certified (the
	// default) or conditional.
	Otherwise string `yaml:"otherwise" json:"otherwise,omitempty"`
}

// Waiver excuses a failing requirement until it expires.
type Waiver struct {
	// Requirement is "suite/REQ", or "REQ" for that id in any suite.
	Requirement   string `yaml:"requirement" json:"requirement"`
	Justification string `yaml:"justification" json:"justification"`
	// Expires is the last day (YYYY-MM-DD) the waiver counts.
	Expires string `yaml:"expires" json:"expires"`

	expires time.Time
}

var yamlPosition = regexp.MustCompile(`^\[\d+:\d+\] `)

const (
	requireAllPass   = "all-pass"
	requirePassRate  = "pass-rate"
	requireMeasure   = "measure"
	requireExercised = "exercised"
)

// requireKinds are the rules a policy can require, in the order the docs list them.
var requireKinds = []string{requireAllPass, requirePassRate, requireMeasure, requireExercised}

// FromPlan builds the policy a plan's policy section describes. An empty section
// is the default: every SHALL requirement passes.
func FromPlan(cfg map[string]any) (Policy, error) {
	if len(cfg) == 0 {
		return AllShall{}, nil
	}
	if errs := UnknownFields(cfg); len(errs) > 0 {
		return nil, errs[0]
	}
	// The plan decoded the section loosely; decode it again strictly so that a
	// misspelt key is an error, not a silently ignored rule.
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	var c Config
	if err := yaml.UnmarshalWithOptions(data, &c, yaml.Strict()); err != nil {
		// The position is in the re-encoded section, not the user's file: drop it.
		msg := yamlPosition.ReplaceAllString(yaml.FormatError(err, false, false), "")
		return nil, fmt.Errorf("policy: %s", msg)
	}
	return c.Build()
}

// Load reads a policy file: a bare policy section, or any YAML file with a
// top-level policy key (such as a plan; its other keys are ignored).
func Load(file string) (Policy, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("policy %w", err)
	}
	if err := yamlfile.CheckAliases(file, data); err != nil {
		return nil, fmt.Errorf("policy %w", err)
	}
	var probe map[string]any
	if err := yaml.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("policy %s: %s", file, yaml.FormatError(err, false, false))
	}
	if inner, ok := probe["policy"]; ok {
		m, ok := inner.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("policy %s: policy: want a mapping, got %T", file, inner)
		}
		p, err := FromPlan(m)
		if err != nil {
			return nil, locate(file, data, "$.policy.", err)
		}
		return p, nil
	}
	for _, planKey := range []string{"vendors", "vendor", "suites", "targets"} {
		if _, ok := probe[planKey]; ok {
			return nil, fmt.Errorf("policy %s: a plan without a policy section (it uses the default, every SHALL requirement passes)", file)
		}
	}
	if errs := UnknownFields(probe); len(errs) > 0 {
		return nil, locateFields(file, data, "$.", errs)
	}
	var c Config
	if _, err := yamlfile.Decode(file, data, &c); err != nil {
		return nil, fmt.Errorf("policy %w", err)
	}
	p, err := c.Build()
	if err != nil {
		return nil, locate(file, data, "$.", err)
	}
	return p, nil
}

// locate puts a policy file's error at the line and column of the field it
// names (a FieldError; prefix is the policy section's path in the file), or
// names the file alone when the error names no field.
func locate(file string, data []byte, prefix string, err error) error {
	var fe *FieldError
	if !errors.As(err, &fe) {
		return fmt.Errorf("%s: %w", file, err)
	}
	return locateFields(file, data, prefix, []*FieldError{fe})
}

// locateFields puts each of a policy file's field errors at the line and
// column of its field (prefix is the policy section's path in the file).
func locateFields(file string, data []byte, prefix string, errs []*FieldError) error {
	f, err := yamlfile.Parse(file, data)
	if err != nil {
		return fmt.Errorf("policy %w", err)
	}
	located := make([]error, len(errs))
	for i, e := range errs {
		located[i] = f.Errorf(prefix+e.Path, "%s", strings.TrimPrefix(e.Msg, "policy: "))
	}
	return fmt.Errorf("policy %w", errors.Join(located...))
}

// FieldError is a mistake in one field of a policy. Path ("rules[2].level")
// lets a plan or policy file point at the line it is on.
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string { return e.Msg }

// fieldOf is the field a rule's error names first ("level: ..." → "level"),
// or "" when it names none.
func fieldOf(msg string) string {
	name, _, ok := strings.Cut(msg, ":")
	if !ok || strings.ContainsAny(name, " \"") {
		return ""
	}
	return name
}

// Build checks a policy as written and returns it ready to decide.
func (c Config) Build() (Policy, error) {
	switch c.Rule {
	case "":
	case "all-shall":
		if len(c.Rules) > 0 {
			return nil, fmt.Errorf("policy: give rule: all-shall or rules, not both")
		}
		if len(c.Waivers) == 0 && c.Name == "" && c.MinRecords == nil {
			return AllShall{}, nil
		}
		c.Rules = []RuleConfig{{Require: requireAllPass, Level: model.Shall}}
	default:
		return nil, fmt.Errorf("policy: unknown rule %q (known: all-shall; or write rules)", c.Rule)
	}
	if len(c.Rules) == 0 {
		c.Rules = []RuleConfig{{Require: requireAllPass, Level: model.Shall}}
	}
	p := &Rules{Title: c.Name, Rules: make([]RuleConfig, len(c.Rules)), Waivers: make([]Waiver, len(c.Waivers)), MinRecords: DefaultMinRecords}
	if c.MinRecords != nil {
		if *c.MinRecords < 0 {
			return nil, &FieldError{Path: "min_records", Msg: fmt.Sprintf("policy: min_records: %d is not a count of records", *c.MinRecords)}
		}
		p.MinRecords = *c.MinRecords
	}
	copy(p.Rules, c.Rules)
	copy(p.Waivers, c.Waivers)
	for i := range p.Rules {
		if err := p.Rules[i].check(); err != nil {
			return nil, &FieldError{Path: strings.TrimSuffix(fmt.Sprintf("rules[%d].%s", i, fieldOf(err.Error())), "."), Msg: fmt.Sprintf("policy: rules[%d]: %v", i, err)}
		}
	}
	for i := range p.Waivers {
		w := &p.Waivers[i]
		switch {
		case strings.TrimSpace(w.Requirement) == "":
			return nil, &FieldError{Path: fmt.Sprintf("waivers[%d].requirement", i), Msg: fmt.Sprintf("policy: waivers[%d]: requirement: required", i)}
		case strings.TrimSpace(w.Justification) == "":
			return nil, &FieldError{Path: fmt.Sprintf("waivers[%d].justification", i), Msg: fmt.Sprintf("policy: waivers[%d] (%s): justification: required: say why the requirement is waived", i, w.Requirement)}
		case w.Expires == "":
			return nil, &FieldError{Path: fmt.Sprintf("waivers[%d].expires", i), Msg: fmt.Sprintf("policy: waivers[%d] (%s): expires: required: a waiver needs an expiry date (YYYY-MM-DD)", i, w.Requirement)}
		}
		t, err := parseDate(w.Expires)
		if err != nil {
			return nil, &FieldError{Path: fmt.Sprintf("waivers[%d].expires", i), Msg: fmt.Sprintf("policy: waivers[%d] (%s): expires: %q is not a date (YYYY-MM-DD)", i, w.Requirement, w.Expires)}
		}
		w.expires = t
		w.Expires = t.Format(time.DateOnly)
	}
	return p, nil
}

// parseDate accepts YYYY-MM-DD, and the timestamps YAML libraries may turn an
// unquoted date into.
func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
}

// threshold is the first of min, max and measure a rule gives ("" for none),
// so that a rule that takes none is reported at the one it has.
func (r *RuleConfig) threshold() string {
	switch {
	case r.Min != nil:
		return "min"
	case r.Max != nil:
		return "max"
	case r.Measure != "":
		return "measure"
	}
	return ""
}

func (r *RuleConfig) check() error {
	if r.Level != "" && !r.Level.Valid() {
		return fmt.Errorf("level: %q is not a level (want SHALL, SHOULD or MAY)", r.Level)
	}
	switch r.Otherwise {
	case "", "not-certified":
		r.Otherwise = "not-certified"
	case "conditional":
	default:
		return fmt.Errorf("otherwise: %q: want not-certified or conditional", r.Otherwise)
	}
	if r.Min != nil && (math.IsNaN(*r.Min) || *r.Min < 0) {
		return fmt.Errorf("min: %v is not a percentage", *r.Min)
	}
	if r.Max != nil && (math.IsNaN(*r.Max) || *r.Max < 0) {
		return fmt.Errorf("max: %v is not a percentage", *r.Max)
	}
	if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
		return fmt.Errorf("min %v is above max %v", *r.Min, *r.Max)
	}
	switch r.Require {
	case requireAllPass, requireExercised:
		if stray := r.threshold(); stray != "" {
			return fmt.Errorf("%s: require %s takes no min, max or measure", stray, r.Require)
		}
	case requirePassRate:
		if r.Min == nil {
			return fmt.Errorf("require pass-rate: min: required (a percentage)")
		}
		if *r.Min > 100 {
			return fmt.Errorf("min: %v is not a percentage (0 to 100)", *r.Min)
		}
		if r.Measure != "" || r.Max != nil {
			return fmt.Errorf("require pass-rate takes no measure or max")
		}
	case requireMeasure:
		if r.Measure == "" {
			return fmt.Errorf("require measure: measure: required (a measure name or glob such as \"completeness:*\")")
		}
		if _, err := path.Match(r.Measure, ""); err != nil {
			return fmt.Errorf("measure: %q is not a valid pattern: %w", r.Measure, err)
		}
		if r.Min == nil && r.Max == nil {
			return fmt.Errorf("require measure: min or max: required (a percentage of numerator over denominator)")
		}
		if r.Level != "" {
			return fmt.Errorf("require measure takes no level (limit it with suites or requirements)")
		}
	case "":
		return fmt.Errorf("require: required (%s)", strings.Join(requireKinds, ", "))
	default:
		msg := fmt.Sprintf("require: unknown %q", r.Require)
		if near := spelling.Closest(r.Require, requireKinds, 3); near != "" {
			msg += fmt.Sprintf(": did you mean %s?", near)
		}
		return fmt.Errorf("%s (want %s)", msg, strings.Join(requireKinds, ", "))
	}
	return nil
}

// Rules is a policy built from a plan: every rule must hold. A broken rule
// whose otherwise is conditional adds a condition; any other broken rule makes
// the vendor not certified. An interrupted run is never certified.
type Rules struct {
	Title   string
	Rules   []RuleConfig
	Waivers []Waiver
	// MinRecords is the evidence floor per target (see EvidenceFloor).
	MinRecords int
}

// Name describes the policy in one line for the report.
func (p *Rules) Name() string {
	var parts []string
	for _, r := range p.Rules {
		parts = append(parts, r.String())
	}
	s := strings.Join(parts, "; ")
	if len(p.Waivers) > 0 {
		s += fmt.Sprintf("; %d waiver(s)", len(p.Waivers))
	}
	if p.MinRecords != DefaultMinRecords {
		s += fmt.Sprintf("; at least %d record(s) per target", p.MinRecords)
	}
	if p.Title != "" {
		return p.Title + ": " + s
	}
	return s
}

func (r RuleConfig) String() string {
	var b strings.Builder
	switch r.Require {
	case requireAllPass:
		b.WriteString("every ")
		if r.Level != "" {
			b.WriteString(string(r.Level) + " ")
		}
		b.WriteString("requirement passes")
	case requirePassRate:
		if r.Level != "" {
			b.WriteString(string(r.Level) + " ")
		}
		fmt.Fprintf(&b, "pass rate at least %s%%", percent(*r.Min))
	case requireMeasure:
		fmt.Fprintf(&b, "measures %s", r.Measure)
		if r.Min != nil {
			fmt.Fprintf(&b, " at least %s%%", percent(*r.Min))
		}
		if r.Max != nil {
			if r.Min != nil {
				b.WriteString(" and")
			}
			fmt.Fprintf(&b, " at most %s%%", percent(*r.Max))
		}
	case requireExercised:
		b.WriteString("every ")
		if r.Level != "" {
			b.WriteString(string(r.Level) + " ")
		}
		b.WriteString("requirement exercised on some target (not skipped everywhere)")
	}
	if len(r.Suites) > 0 {
		fmt.Fprintf(&b, " in %s", strings.Join(r.Suites, ", "))
	}
	if len(r.Requirements) > 0 {
		fmt.Fprintf(&b, " for %s", strings.Join(r.Requirements, ", "))
	}
	if len(r.Checks) > 0 {
		fmt.Fprintf(&b, " checked by %s", strings.Join(r.Checks, ", "))
	}
	if r.Otherwise == "conditional" {
		b.WriteString(" (else conditional)")
	}
	return b.String()
}

// percent prints a percentage without trailing zeros.
func percent(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

// RequirementKey is how policies, waivers and diffs name a requirement.
func RequirementKey(res *model.Result) string { return res.Suite + "/" + res.Requirement }

// matchesRequirement reports whether a written requirement ("REQ" or
// "suite/REQ") names the result's requirement.
func matchesRequirement(written string, res *model.Result) bool {
	if strings.Contains(written, "/") {
		return written == RequirementKey(res)
	}
	return written == res.Requirement
}

func (r RuleConfig) selects(res *model.Result) bool {
	if r.Level != "" && res.Level != r.Level {
		return false
	}
	if len(r.Suites) > 0 && !slices.Contains(r.Suites, res.Suite) {
		return false
	}
	if len(r.Requirements) > 0 && !slices.ContainsFunc(r.Requirements, func(w string) bool { return matchesRequirement(w, res) }) {
		return false
	}
	if len(r.Checks) > 0 && !slices.Contains(r.Checks, res.Check) {
		return false
	}
	return true
}

// failed reports whether an outcome counts against a requirement: a failure,
// or a check that could not run. Warnings and skips do not.
func failed(o model.Outcome) bool { return o == model.Fail || o == model.Errored }

// AsOf is the date a report is judged on: its as-of date, or the day it started.
func AsOf(r *model.Report) time.Time {
	if t, err := parseDate(r.AsOf); err == nil {
		return t
	}
	y, m, d := r.StartedAt.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Decide applies every rule to the report.
func (p *Rules) Decide(r *model.Report) model.Verdict {
	v := model.Verdict{Policy: p.Name()}
	asOf := AsOf(r)
	var blocking, conditions []model.Breach

	// A waiver excuses its requirement's results until it expires; it is
	// "used" when it excused something a rule would otherwise count.
	used := make([]bool, len(p.Waivers))
	excused := func(res *model.Result) bool {
		for wi := range p.Waivers {
			w := &p.Waivers[wi]
			if matchesRequirement(w.Requirement, res) && !asOf.After(w.expires) {
				used[wi] = true
				return true
			}
		}
		return false
	}
	if !r.Complete {
		blocking = append(blocking, interrupted())
	}
	for ti := range r.Targets {
		if t := &r.Targets[ti]; t.Error != "" {
			blocking = append(blocking, unreadable(t))
		}
	}
	for i, rule := range p.Rules {
		effect := model.Blocks
		if rule.Otherwise == "conditional" {
			effect = model.Conditions
		}
		v.Rules = append(v.Rules, model.VerdictRule{Source: rule.String(), Effect: effect})
		broken := p.apply(i, effect, rule, r, excused)
		if effect == model.Conditions {
			conditions = append(conditions, broken...)
		} else {
			blocking = append(blocking, broken...)
		}
	}
	blocking = append(blocking, EvidenceFloor(r, p.MinRecords)...)
	var notes []string
	for wi := range p.Waivers {
		w := &p.Waivers[wi]
		use := model.WaiverUse{Requirement: w.Requirement, Justification: w.Justification, Expires: w.Expires}
		switch {
		case asOf.After(w.expires):
			use.Use = model.WaiverExpired
			notes = append(notes, fmt.Sprintf("waiver for %s expired on %s (report as of %s): it no longer counts", w.Requirement, w.Expires, asOf.Format(time.DateOnly)))
		case used[wi]:
			use.Use = model.WaiverUsed
			notes = append(notes, fmt.Sprintf("waived: %s until %s: %s", w.Requirement, w.Expires, w.Justification))
		default:
			use.Use = model.WaiverUnused
			notes = append(notes, fmt.Sprintf("waiver for %s (until %s) was not needed: the requirement did not fail", w.Requirement, w.Expires))
		}
		v.Waivers = append(v.Waivers, use)
	}
	unjudged := NotChecked(r)
	for _, b := range unjudged {
		notes = append(notes, b.Reason)
	}
	v.Breaches = append(append(blocking, conditions...), unjudged...)
	switch {
	case len(blocking) > 0:
		v.Decision = model.NotCertified
		for _, b := range blocking {
			v.Reasons = append(v.Reasons, b.Reason)
		}
		for _, c := range conditions {
			v.Reasons = append(v.Reasons, "also: "+c.Reason)
		}
	case len(conditions) > 0:
		v.Decision = model.ConditionallyCertified
		v.Reasons = []string{"every blocking rule holds; conditions apply"}
		for _, c := range conditions {
			v.Conditions = append(v.Conditions, c.Reason)
		}
	default:
		v.Decision = model.Certified
		v.Reasons = []string{"every rule holds: " + p.Name()}
	}
	v.Reasons = append(v.Reasons, notes...)
	return v
}

// apply returns the ways rule i is broken, one breach each.
func (p *Rules) apply(i int, effect model.Effect, rule RuleConfig, r *model.Report, excused func(*model.Result) bool) []model.Breach {
	var broken []model.Breach
	switch rule.Require {
	case requireAllPass:
		for ti := range r.Targets {
			t := &r.Targets[ti]
			for ri := range t.Results {
				res := &t.Results[ri]
				if !rule.selects(res) || !failed(res.Outcome) || excused(res) {
					continue
				}
				b := resultBreach(i, effect, res, t.Name)
				b.Reason = fmt.Sprintf("%s %s (%s) on %s: %s: %s", res.Level, RequirementKey(res), res.Title, t.Name, res.Outcome, res.Message)
				broken = append(broken, b)
			}
		}
	case requirePassRate:
		var passed, counted int
		for ti := range r.Targets {
			for ri := range r.Targets[ti].Results {
				res := &r.Targets[ti].Results[ri]
				// Skipped results had nothing to judge: they neither pass nor fail.
				if !rule.selects(res) || res.Outcome == model.Skip {
					continue
				}
				counted++
				if !failed(res.Outcome) || excused(res) {
					passed++
				}
			}
		}
		if counted == 0 {
			return nil
		}
		rate := 100 * float64(passed) / float64(counted)
		if rate < *rule.Min {
			broken = append(broken, model.Breach{Rule: i, Effect: effect, Level: rule.Level,
				Measure: "pass rate", Numerator: int64(passed), Denominator: int64(counted), Limit: "at least " + percent(*rule.Min) + "%",
				Reason: fmt.Sprintf("%s: %d of %d result(s) passed (%s%%)", rule.String(), passed, counted, percent(rate))})
		}
	case requireMeasure:
		for ti := range r.Targets {
			t := &r.Targets[ti]
			for ri := range t.Results {
				res := &t.Results[ri]
				if !rule.selects(res) {
					continue
				}
				for _, m := range res.Measures {
					if ok, _ := path.Match(rule.Measure, m.Name); !ok || m.Denominator == 0 {
						continue
					}
					// Compare without dividing: 95% of 20 is exactly 19.
					var limit string
					switch {
					case rule.Min != nil && float64(m.Numerator)*100 < *rule.Min*float64(m.Denominator):
						limit = "below " + percent(*rule.Min) + "%"
					case rule.Max != nil && float64(m.Numerator)*100 > *rule.Max*float64(m.Denominator):
						limit = "above " + percent(*rule.Max) + "%"
					default:
						continue
					}
					if !excused(res) {
						b := resultBreach(i, effect, res, t.Name)
						b.Measure, b.Numerator, b.Denominator, b.Limit = m.Name, int64(m.Numerator), int64(m.Denominator), limit
						b.Reason = fmt.Sprintf("%s %s on %s: %d/%d = %s%%, %s",
							RequirementKey(res), m.Name, t.Name, m.Numerator, m.Denominator, percent(100*m.Rate()), limit)
						broken = append(broken, b)
					}
				}
			}
		}
	case requireExercised:
		broken = unexercised(i, effect, rule, r, excused)
	}
	return broken
}

// unexercised returns a breach for each selected requirement that was skipped
// on every target it ran on: it judged nothing (no applicable records, too few
// cases, a capability the server did not declare) or, for a manual
// requirement, awaits attestation. A requirement skipped on one target and
// judged on another was exercised: a plan with FHIR and v2 targets skips each
// kind's requirements on the other's target. Reading the input is not a
// requirement of the supplier's and is never selected.
func unexercised(i int, effect model.Effect, rule RuleConfig, r *model.Report, excused func(*model.Result) bool) []model.Breach {
	type skips struct {
		first   *model.Result
		targets []string
		where   []string
	}
	var order []string
	skipped := map[string]*skips{}
	exercised := map[string]bool{}
	for ti := range r.Targets {
		t := &r.Targets[ti]
		for ri := range t.Results {
			res := &t.Results[ri]
			if res.IsInput() || !rule.selects(res) {
				continue
			}
			key := RequirementKey(res)
			if res.Outcome != model.Skip {
				exercised[key] = true
				continue
			}
			s := skipped[key]
			if s == nil {
				s = &skips{first: res}
				skipped[key] = s
				order = append(order, key)
			}
			s.targets = append(s.targets, t.Name)
			s.where = append(s.where, fmt.Sprintf("%s (%s)", t.Name, res.Message))
		}
	}
	var broken []model.Breach
	for _, key := range order {
		s := skipped[key]
		if exercised[key] || excused(s.first) {
			continue
		}
		target := ""
		if len(s.targets) == 1 {
			target = s.targets[0]
		}
		b := resultBreach(i, effect, s.first, target)
		b.Reason = fmt.Sprintf("%s %s (%s) was not exercised: skip on %s", s.first.Level, key, s.first.Title, strings.Join(s.where, "; "))
		broken = append(broken, b)
	}
	return broken
}

// Regrade decides a stored report again under p, replacing its verdict.
func Regrade(r *model.Report, p Policy) { r.Verdict = p.Decide(r) }

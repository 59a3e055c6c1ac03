package quality

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
)

// counts is the state of checks that only count: records looked at and records
// with a defect. It merges by adding.
type counts struct {
	Records int64 `json:"records"`
	Defects int64 `json:"defects"`
}

func (c *counts) merge(o *counts) { c.Records += o.Records; c.Defects += o.Defects }

// countState is a per-record check that counts defects for a measure.
type countState struct {
	counts
	measure string
	rule    *rule
	eval    func(rec *model.Record, c *counts, p *picker) []model.Finding
}

func (s *countState) Observe(rec *model.Record) []model.Finding {
	p := s.rule.picker(rec)
	before := s.counts
	out := s.eval(rec, &s.counts, p)
	if len(p.errs) > 0 {
		// A record whose elements could not be selected is undecided: it is
		// reported, but counted neither as good nor as defective.
		s.counts = before
		return p.errs
	}
	return out
}

func (s *countState) Merge(other check.State) error {
	o, ok := other.(*countState)
	if !ok {
		return mergeError(s, other)
	}
	s.merge(&o.counts)
	return nil
}

func (s *countState) Finish(t *model.Tally) { t.Measure(s.measure, s.Defects, s.Records) }

// counting builds a check whose state counts records and defects.
func counting(r *rule, what, noun string, eval func(rec *model.Record, c *counts, p *picker) []model.Finding) check.Check {
	measure := r.name(what)
	r.gradeBy(measure, noun)
	return &checkWith{grading: r.grade, appliesTo: r.applies, newState: func() check.State {
		return &countState{rule: r, measure: measure, eval: eval}
	}}
}

// elements reads "element" (one expression) or "any_of" (a list: complete when
// any is present).
func elements(p check.Params) ([]string, error) {
	one, err := p.String("element", "")
	if err != nil {
		return nil, err
	}
	set, err := p.Strings("any_of")
	if err != nil {
		return nil, err
	}
	switch {
	case one != "" && len(set) > 0:
		return nil, fmt.Errorf("give element or any_of, not both")
	case one != "":
		return []string{one}, nil
	case len(set) > 0:
		return set, nil
	}
	return nil, fmt.Errorf("parameter \"element\" (or \"any_of\") is required")
}

func (r *rule) compileAll(param string, exprs []string) ([]Selector, error) {
	out := make([]Selector, len(exprs))
	for i, x := range exprs {
		s, err := r.compile(param, x)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func (e *engine) completeness(spec check.Spec, env *check.Env) (check.Check, error) {
	r, err := e.newRule(spec, Completeness, Verification, "element", "any_of")
	if err != nil {
		return nil, err
	}
	exprs, err := elements(spec.Params)
	if err != nil {
		return nil, err
	}
	sels, err := r.compileAll("element", exprs)
	if err != nil {
		return nil, err
	}
	r.defaultTypes(exprs...)
	what := strings.Join(exprs, " or ")
	return counting(r, "missing", "record(s) missing "+what, func(rec *model.Record, c *counts, p *picker) []model.Finding {
		c.Records++
		for _, s := range sels {
			if anyPresent(p.get(s)) {
				return nil
			}
		}
		c.Defects++
		return []model.Finding{r.finding(rec, "missing", exprs[0], what+" is missing or empty", "")}
	}), nil
}

// matcher decides whether a value is acceptable: a named format, a pattern or
// a list of values.
type matcher struct {
	desc string
	test func(string) bool
}

func newMatcher(p check.Params) (matcher, error) {
	format, err := p.String("format", "")
	if err != nil {
		return matcher{}, err
	}
	pattern, err := p.String("pattern", "")
	if err != nil {
		return matcher{}, err
	}
	values, err := p.Strings("values")
	if err != nil {
		return matcher{}, err
	}
	given := 0
	for _, ok := range []bool{format != "", pattern != "", len(values) > 0} {
		if ok {
			given++
		}
	}
	if given != 1 {
		return matcher{}, fmt.Errorf("give exactly one of format, pattern or values")
	}
	switch {
	case format != "":
		f, ok := formats[format]
		if !ok {
			return matcher{}, fmt.Errorf("parameter \"format\": unknown format %q (known: %s)", format, formatNames())
		}
		return matcher{desc: "a valid " + format, test: f}, nil
	case pattern != "":
		re, err := regexp.Compile("^(?:" + pattern + ")$")
		if err != nil {
			return matcher{}, fmt.Errorf("parameter \"pattern\": %w", err)
		}
		return matcher{desc: "matching " + pattern, test: re.MatchString}, nil
	}
	set := map[string]bool{}
	for _, v := range values {
		set[v] = true
	}
	return matcher{desc: "one of " + strings.Join(values, ", "), test: func(s string) bool { return set[s] }}, nil
}

func (e *engine) valueFormat(spec check.Spec, env *check.Env) (check.Check, error) {
	r, err := e.newRule(spec, Conformance, Verification, "element", "format", "pattern", "values")
	if err != nil {
		return nil, err
	}
	expr, err := spec.Params.String("element", "")
	if err != nil {
		return nil, err
	}
	if expr == "" {
		return nil, fmt.Errorf("parameter \"element\" is required")
	}
	sel, err := r.compile("element", expr)
	if err != nil {
		return nil, err
	}
	m, err := newMatcher(spec.Params)
	if err != nil {
		return nil, err
	}
	r.defaultTypes(expr)
	// The denominator is records carrying the element: absence is a matter of
	// completeness, not conformance.
	return counting(r, "invalid", "record(s) with "+expr+" not "+m.desc, func(rec *model.Record, c *counts, p *picker) []model.Finding {
		var out []model.Finding
		seen := false
		for _, n := range p.get(sel) {
			if !present(n.Value) {
				continue
			}
			seen = true
			s, ok := scalar(n.Value)
			if ok && m.test(s) {
				continue
			}
			out = append(out, r.finding(rec, "invalid", n.Path, fmt.Sprintf("%s is not %s", n.Path, m.desc), s))
		}
		if seen {
			c.Records++
		}
		if len(out) > 0 {
			c.Defects++
		}
		return out
	}), nil
}

func (e *engine) defaultValues(spec check.Spec, env *check.Env) (check.Check, error) {
	if _, ok := spec.Params["severity"]; !ok {
		// Each default is legal on its own; only their share matters.
		spec.Params = withParam(spec.Params, "severity", "information")
	}
	r, err := e.newRule(spec, Atemporal, Validation, "element", "values")
	if err != nil {
		return nil, err
	}
	expr, err := spec.Params.String("element", "")
	if err != nil {
		return nil, err
	}
	values, err := spec.Params.Strings("values")
	if err != nil {
		return nil, err
	}
	if expr == "" || len(values) == 0 {
		return nil, fmt.Errorf("parameters \"element\" and \"values\" (the default or unknown values) are required")
	}
	sel, err := r.compile("element", expr)
	if err != nil {
		return nil, err
	}
	defaults := map[string]bool{}
	for _, v := range values {
		defaults[v] = true
	}
	r.defaultTypes(expr)
	return counting(r, "default", "record(s) with a default value in "+expr, func(rec *model.Record, c *counts, p *picker) []model.Finding {
		c.Records++
		for _, n := range p.get(sel) {
			if s, ok := scalar(n.Value); ok && defaults[s] {
				c.Defects++
				return []model.Finding{r.finding(rec, "default", n.Path, fmt.Sprintf("%s holds the default value %q", n.Path, s), s)}
			}
		}
		return nil
	}), nil
}

// withParam returns a copy of p with key set.
func withParam(p check.Params, key string, v any) check.Params {
	out := check.Params{}
	for k, x := range p {
		out[k] = x
	}
	out[key] = v
	return out
}

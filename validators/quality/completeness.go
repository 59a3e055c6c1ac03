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
func elements(p completenessParams) ([]string, error) {
	switch {
	case p.Element != "" && len(p.AnyOf) > 0:
		return nil, fmt.Errorf("give element or any_of, not both")
	case p.Element != "":
		return []string{p.Element}, nil
	case len(p.AnyOf) > 0:
		return p.AnyOf, nil
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

func (e *engine) completeness(spec check.Spec, p completenessParams, env *check.Env) (check.Check, error) {
	r, err := e.newRule(spec, p.common)
	if err != nil {
		return nil, err
	}
	exprs, err := elements(p)
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

func newMatcher(p matchParams) (matcher, error) {
	format, pattern, values := p.Format, p.Pattern, p.Values
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

func (e *engine) valueFormat(spec check.Spec, p valueFormatParams, env *check.Env) (check.Check, error) {
	r, err := e.newRule(spec, p.common)
	if err != nil {
		return nil, err
	}
	expr := p.Element
	sel, err := r.compile("element", expr)
	if err != nil {
		return nil, err
	}
	m, err := newMatcher(p.matchParams)
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

func (e *engine) defaultValues(spec check.Spec, p defaultValuesParams, env *check.Env) (check.Check, error) {
	r, err := e.newRule(spec, p.common)
	if err != nil {
		return nil, err
	}
	expr, values := p.Element, p.Values
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

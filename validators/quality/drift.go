package quality

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
)

// dq-drift compares the distribution of an element with the same requirement's
// distribution in a previous report of the same vendor (the baseline): the
// shares of its categories, or of a numeric element's values in fixed bins.
// Both distributions are stored as measures ("dq.drift.current:male",
// "dq.drift.baseline:male"), so the outcome is graded from the report alone.
// The population stability index is the default statistic (warn 0.1, fail
// 0.25 by convention); chi-square grades by p-value instead.

const (
	driftCurrent  = "dq.drift.current:"
	driftBaseline = "dq.drift.baseline:"
)

type driftCheck struct {
	rule     *rule
	sel      Selector
	bins     []float64
	method   string
	baseline map[string]int64
	// note says why there is no baseline, when there is none.
	note string
}

func (e *engine) drift(spec check.Spec, p driftParams, env *check.Env) (check.Check, error) {
	r, err := e.newRule(spec, p.common)
	if err != nil {
		return nil, err
	}
	expr := p.Element
	c := &driftCheck{rule: r}
	if c.sel, err = r.compile("element", expr); err != nil {
		return nil, err
	}
	r.defaultTypes(expr)
	c.method = p.Method
	switch c.method {
	case "psi":
		if !r.grade.warn.set && !r.grade.fail.set {
			r.grade.warn, r.grade.fail = limit{set: true, v: 0.1}, limit{set: true, v: 0.25}
		}
	case "chi-square":
		if !r.grade.warn.set && !r.grade.fail.set {
			r.grade.warn, r.grade.fail = limit{set: true, v: 0.01}, limit{set: true, v: 0.001}
		}
	default:
		return nil, fmt.Errorf("parameter \"method\": %q: want psi or chi-square", c.method)
	}
	if r.grade.warn.rate || r.grade.fail.rate {
		return nil, fmt.Errorf("drift limits are plain numbers (PSI, or p-value for chi-square), not percentages")
	}
	for i, f := range p.Bins {
		if i > 0 && f <= c.bins[i-1] {
			return nil, fmt.Errorf("parameter \"bins\": edges must increase")
		}
		c.bins = append(c.bins, f)
	}
	path := p.Baseline
	if path == "" {
		path = env.Baseline
	}
	if path == "" {
		c.note = "no baseline report given (plan baseline or --baseline)"
		return c, nil
	}
	if !filepath.IsAbs(path) && env.PlanDir != "" {
		if _, err := os.Stat(path); err != nil {
			path = filepath.Join(env.PlanDir, path)
		}
	}
	c.baseline, err = loadBaseline(path, spec.Requirement)
	if err != nil {
		return nil, err
	}
	if c.baseline == nil {
		c.note = fmt.Sprintf("baseline %s has no result for %s", path, spec.Requirement)
	}
	return c, nil
}

// loadBaseline reads the current distribution of requirement req from a
// previous report, summed over its targets; nil when the report lacks it.
func loadBaseline(path, req string) (map[string]int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	var rep model.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("baseline %s: not a carecert report.json: %w", path, err)
	}
	if rep.Schema != model.ReportSchemaVersion {
		return nil, fmt.Errorf("baseline %s: schema %q, want %q", path, rep.Schema, model.ReportSchemaVersion)
	}
	var out map[string]int64
	for _, t := range rep.Targets {
		for _, res := range t.Results {
			if res.Requirement != req || res.Check != "dq-drift" {
				continue
			}
			for _, m := range res.Measures {
				if cat, ok := strings.CutPrefix(m.Name, driftCurrent); ok {
					if out == nil {
						out = map[string]int64{}
					}
					out[cat] += m.Numerator
				}
			}
		}
	}
	return out, nil
}

func (c *driftCheck) Applies(rec *model.Record) bool { return c.rule.applies(rec) }
func (c *driftCheck) NewState() check.State {
	return &driftState{check: c, Counts: map[string]int64{}}
}

// category names the class of a value: its text or code, or its numeric bin.
func (c *driftCheck) category(v any) (string, bool) {
	if c.bins != nil {
		f, ok := model.Number(v)
		if !ok {
			s, isStr := v.(string)
			if !isStr {
				return "", false
			}
			var err error
			if f, err = strconv.ParseFloat(s, 64); err != nil {
				return "", false
			}
		}
		i := sort.SearchFloat64s(c.bins, f)
		if i < len(c.bins) && c.bins[i] == f {
			i++
		}
		lo, hi := "(-inf", "+inf"
		if i > 0 {
			lo = "[" + strconv.FormatFloat(c.bins[i-1], 'g', -1, 64)
		}
		if i < len(c.bins) {
			hi = strconv.FormatFloat(c.bins[i], 'g', -1, 64)
		}
		return lo + "," + hi + ")", true
	}
	if m, ok := v.(map[string]any); ok {
		if cs, ok := m["coding"].([]any); ok && len(cs) > 0 {
			m, _ = cs[0].(map[string]any)
		}
		code, _ := m["code"].(string)
		return code, code != ""
	}
	s, ok := scalar(v)
	return s, ok && s != ""
}

type driftState struct {
	Counts map[string]int64 `json:"counts"`
	check  *driftCheck
}

func (s *driftState) Observe(rec *model.Record) []model.Finding {
	p := s.check.rule.picker(rec)
	for _, n := range p.get(s.check.sel) {
		if cat, ok := s.check.category(n.Value); ok {
			s.Counts[cat]++
			break
		}
	}
	return p.errs
}

func (s *driftState) Merge(other check.State) error {
	o, ok := other.(*driftState)
	if !ok {
		return mergeError(s, other)
	}
	for k, n := range o.Counts {
		s.Counts[k] += n
	}
	return nil
}

func (s *driftState) Finish(t *model.Tally) {
	var total, btotal int64
	for _, n := range s.Counts {
		total += n
	}
	for _, n := range s.check.baseline {
		btotal += n
	}
	for k, n := range s.Counts {
		t.Measure(driftCurrent+k, n, total)
	}
	for k, n := range s.check.baseline {
		t.Measure(driftBaseline+k, n, btotal)
	}
}

// Grade computes the statistic from the two distributions stored in the tally.
func (c *driftCheck) Grade(t *model.Tally) (model.Outcome, string) {
	cur, base := map[string]float64{}, map[string]float64{}
	var n, bn float64
	for _, m := range t.Measures {
		if k, ok := strings.CutPrefix(m.Name, driftCurrent); ok {
			cur[k] = float64(m.Numerator)
			n += float64(m.Numerator)
		} else if k, ok := strings.CutPrefix(m.Name, driftBaseline); ok {
			base[k] = float64(m.Numerator)
			bn += float64(m.Numerator)
		}
	}
	switch {
	case n == 0:
		return model.Skip, "no applicable records"
	case bn == 0:
		note := c.note
		if note == "" {
			note = "no baseline distribution"
		}
		return model.Skip, note
	}
	cats := map[string]bool{}
	for k := range cur {
		cats[k] = true
	}
	for k := range base {
		cats[k] = true
	}
	k := float64(len(cats))
	// Half a count in every class keeps the statistic finite when a class is
	// new or gone.
	if c.method == "psi" {
		var psi float64
		for cat := range cats {
			p := (cur[cat] + 0.5) / (n + 0.5*k)
			q := (base[cat] + 0.5) / (bn + 0.5*k)
			psi += (p - q) * math.Log(p/q)
		}
		msg := fmt.Sprintf("population stability index %.4f over %d class(es) (%d now, %d in the baseline)", psi, len(cats), int64(n), int64(bn))
		switch {
		case psi > c.rule.grade.fail.v:
			return model.Fail, msg + fmt.Sprintf(", above the fail limit %g", c.rule.grade.fail.v)
		case psi > c.rule.grade.warn.v:
			return model.Warn, msg + fmt.Sprintf(", above the warn limit %g", c.rule.grade.warn.v)
		}
		return model.Pass, msg
	}
	var chi float64
	for cat := range cats {
		q := (base[cat] + 0.5) / (bn + 0.5*k)
		e := n * q
		chi += (cur[cat] - e) * (cur[cat] - e) / e
	}
	pv := 1.0
	if k > 1 {
		pv = upperGamma((k-1)/2, chi/2)
	}
	msg := fmt.Sprintf("chi-square %.2f with %d degree(s) of freedom, p = %.4g", chi, len(cats)-1, pv)
	switch {
	case pv < c.rule.grade.fail.v:
		return model.Fail, msg + fmt.Sprintf(", below the fail level %g", c.rule.grade.fail.v)
	case pv < c.rule.grade.warn.v:
		return model.Warn, msg + fmt.Sprintf(", below the warn level %g", c.rule.grade.warn.v)
	}
	return model.Pass, msg
}

// upperGamma is the regularised upper incomplete gamma function Q(a, x), the
// survival function of chi-square with 2a degrees of freedom at 2x.
func upperGamma(a, x float64) float64 {
	if x <= 0 {
		return 1
	}
	lg, _ := math.Lgamma(a)
	if x < a+1 {
		// Series for P(a, x).
		sum, term := 1/a, 1/a
		for n := 1; n < 500; n++ {
			term *= x / (a + float64(n))
			sum += term
			if math.Abs(term) < math.Abs(sum)*1e-15 {
				break
			}
		}
		return 1 - sum*math.Exp(-x+a*math.Log(x)-lg)
	}
	// Continued fraction for Q(a, x) (Lentz).
	b := x + 1 - a
	cc := 1 / 1e-300
	d := 1 / b
	h := d
	for i := 1; i < 500; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < 1e-300 {
			d = 1e-300
		}
		cc = b + an/cc
		if math.Abs(cc) < 1e-300 {
			cc = 1e-300
		}
		d = 1 / d
		del := d * cc
		h *= del
		if math.Abs(del-1) < 1e-15 {
			break
		}
	}
	return math.Exp(-x+a*math.Log(x)-lg) * h
}

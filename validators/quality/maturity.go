package quality

import (
	"fmt"
	"math"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
)

// dq-maturity scores a feed in the spirit of the NHS Data Quality Maturity
// Index: for each key item, the records where it is complete and valid, less
// the default values beyond a tolerated share, over the records; the score is
// the mean of the item rates. Each item is a measure
// ("dq.maturity.item:NHS number") and the score is one more
// ("dq.maturity.score", basis points over 10000 per item), so the report shows
// the item table and a stored report can be graded again.

type maturityItem struct {
	name      string
	sel       Selector
	typ       string
	valid     *matcher
	defaults  map[string]bool
	tolerance float64
}

func (e *engine) maturity(spec check.Spec, p maturityParams, env *check.Env) (check.Check, error) {
	r, err := e.newRule(spec, p.common)
	if err != nil {
		return nil, err
	}
	var items []maturityItem
	var exprs []string
	seen := map[string]bool{}
	for i, ip := range p.Items {
		at := fmt.Sprintf("parameter \"items\"[%d]: ", i)
		it := maturityItem{name: ip.Name}
		expr := ip.Element
		if seen[it.name] {
			return nil, fmt.Errorf("%sduplicate item name %q", at, it.name)
		}
		seen[it.name] = true
		if it.sel, err = r.compile("items", expr); err != nil {
			return nil, fmt.Errorf("%s%w", at, err)
		}
		it.typ = typeFromExpr(expr)
		exprs = append(exprs, expr)
		if ip.matchParams.given() {
			mt, err := newMatcher(ip.matchParams)
			if err != nil {
				return nil, fmt.Errorf("%s%w", at, err)
			}
			it.valid = &mt
		}
		it.defaults = map[string]bool{}
		for _, d := range ip.Defaults {
			it.defaults[d] = true
		}
		lim := ip.Tolerance
		if lim.set && !lim.rate {
			return nil, fmt.Errorf("%stolerance is a percentage of records", at)
		}
		it.tolerance = lim.v
		items = append(items, it)
	}
	minScore, warnScore := p.MinScore, p.WarnScore
	r.defaultTypes(exprs...)
	c := &maturityCheck{rule: r, items: items, min: minScore, warn: warnScore}
	return c, nil
}

type maturityCheck struct {
	rule      *rule
	items     []maturityItem
	min, warn limit
}

const scoreMeasure = "dq.maturity.score"

func itemMeasure(name string) string { return "dq.maturity.item:" + name }

func (c *maturityCheck) Applies(rec *model.Record) bool { return c.rule.applies(rec) }
func (c *maturityCheck) NewState() check.State {
	return &maturityState{check: c, Items: make([]itemCounts, len(c.items))}
}

// Grade compares the score with min_score and warn_score.
func (c *maturityCheck) Grade(t *model.Tally) (model.Outcome, string) {
	m, ok := t.Lookup(scoreMeasure)
	if !ok || m.Denominator == 0 {
		return model.Skip, "no applicable records"
	}
	score := m.Rate()
	msg := fmt.Sprintf("maturity score %.1f%% over %d item(s)", 100*score, m.Denominator/10000)
	switch {
	case c.min.set && score < c.min.v:
		return model.Fail, msg + ", below the minimum " + c.min.String()
	case c.warn.set && score < c.warn.v:
		return model.Warn, msg + ", below the warning level " + c.warn.String()
	}
	return model.Pass, msg
}

type itemCounts struct {
	Records  int64 `json:"records"`
	Valid    int64 `json:"valid"`
	Defaults int64 `json:"defaults"`
}

type maturityState struct {
	Items []itemCounts `json:"items"`
	check *maturityCheck
}

func (s *maturityState) Observe(rec *model.Record) []model.Finding {
	p := s.check.rule.picker(rec)
	for i, it := range s.check.items {
		if it.typ != "" && it.typ != rec.Type {
			continue
		}
		ic := &s.Items[i]
		ic.Records++
		v, _ := firstScalar(p.get(it.sel))
		if v == "" {
			continue
		}
		if it.valid != nil && !it.valid.test(v) {
			continue
		}
		ic.Valid++
		if it.defaults[v] {
			ic.Defaults++
		}
	}
	return p.errs
}

func (s *maturityState) Merge(other check.State) error {
	o, ok := other.(*maturityState)
	if !ok || len(o.Items) != len(s.Items) {
		return mergeError(s, other)
	}
	for i := range s.Items {
		s.Items[i].Records += o.Items[i].Records
		s.Items[i].Valid += o.Items[i].Valid
		s.Items[i].Defaults += o.Items[i].Defaults
	}
	return nil
}

func (s *maturityState) Finish(t *model.Tally) {
	var points, scored int64
	for i, it := range s.check.items {
		ic := s.Items[i]
		if ic.Records == 0 {
			continue
		}
		excess := max(0, ic.Defaults-int64(math.Floor(it.tolerance*float64(ic.Records))))
		good := max(0, ic.Valid-excess)
		t.Measure(itemMeasure(it.name), good, ic.Records)
		points += int64(math.Round(10000 * float64(good) / float64(ic.Records)))
		scored++
	}
	if scored > 0 {
		t.Measure(scoreMeasure, points, 10000*scored)
	}
}

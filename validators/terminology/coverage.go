package terminology

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
)

// defaultNational are the code systems a national record is expected to use.
var defaultNational = []string{terminology.SNOMED, terminology.DMD, terminology.LOINC, terminology.ICD10, terminology.ICD10UK}

// coverageCheck measures, per coded element, how many records carry a
// national code or a local code that maps to one.
type coverageCheck struct {
	requirement string
	elements    []string
	byType      map[string][]string
	// defs maps an element as the suite names it to its definition path
	// (MedicationRequest.medicationCodeableConcept to .medication[x]).
	defs      map[string]string
	national  map[string]bool
	eng       *terminology.Engine
	el        *Elements
	threshold float64
	top       int
	examples  int
}

const measurePrefix = "mapped "

func newCoverageCheck(spec check.Spec, env *check.Env) (check.Check, error) {
	s, el, err := prepare(spec, env, "elements", "national", "maps", "threshold", "top", "examples")
	if err != nil {
		return nil, err
	}
	c := &coverageCheck{requirement: spec.Requirement, eng: s.Engine, el: el, byType: map[string][]string{}, national: map[string]bool{}}
	if c.elements, err = spec.Params.Strings("elements"); err != nil {
		return nil, err
	}
	if len(c.elements) == 0 {
		return nil, errors.New(`parameter "elements": name the coded elements to measure (e.g. [Condition.code, Observation.code])`)
	}
	c.defs = map[string]string{}
	for _, p := range c.elements {
		typ, _, _ := strings.Cut(p, ".")
		i := strings.LastIndexByte(p, '.')
		var def *element
		if i > 0 {
			def, _ = el.lookup(p[:i], p[i+1:])
		}
		if def == nil {
			return nil, fmt.Errorf("parameter \"elements\": %q is not an element of FHIR R4", p)
		}
		c.defs[p] = def.path
		c.byType[typ] = append(c.byType[typ], p)
	}
	nat, err := spec.Params.Strings("national")
	if err != nil {
		return nil, err
	}
	if len(nat) == 0 {
		nat = defaultNational
	}
	for _, n := range nat {
		c.national[n] = true
	}
	maps, err := spec.Params.Strings("maps")
	if err != nil {
		return nil, err
	}
	for _, m := range maps {
		if !filepath.IsAbs(m) && env.PlanDir != "" {
			m = filepath.Join(env.PlanDir, m)
		}
		ms, err := terminology.ReadMappingCSV(m)
		if err != nil {
			return nil, fmt.Errorf("parameter \"maps\": %w", err)
		}
		s.Engine.AddMappings(m, ms)
	}
	if c.threshold, err = spec.Params.Float("threshold", 0.95); err != nil {
		return nil, err
	}
	if c.threshold < 0 || c.threshold > 1 {
		return nil, fmt.Errorf("parameter \"threshold\": %g is not a share between 0 and 1 (or 0%%–100%%)", c.threshold)
	}
	if c.top, err = spec.Params.Int("top", 20); err != nil {
		return nil, err
	}
	if c.examples, err = spec.Params.Int("examples", 3); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *coverageCheck) Applies(rec *model.Record) bool {
	return appliesFHIR(rec) && len(c.byType[rec.Type]) > 0
}

func (c *coverageCheck) NewState() check.State {
	return &CoverageState{check: c, Elements: map[string]*ElementCoverage{}}
}

// Grade fails when an element's mapped share is below the threshold. It reads
// only the tally's measures, so a stored report can be graded again.
func (c *coverageCheck) Grade(t *model.Tally) (model.Outcome, string) {
	var low, all []string
	for _, m := range t.Measures {
		el, ok := strings.CutPrefix(m.Name, measurePrefix)
		if !ok || m.Denominator == 0 {
			continue
		}
		txt := fmt.Sprintf("%s %.1f%% (%d of %d)", el, 100*m.Rate(), m.Numerator, m.Denominator)
		all = append(all, txt)
		if m.Rate() < c.threshold {
			low = append(low, txt)
		}
	}
	switch {
	case len(all) == 0:
		return model.Skip, "no coded elements to measure"
	case len(low) > 0:
		return model.Fail, fmt.Sprintf("mapping coverage below %.1f%%: %s", 100*c.threshold, strings.Join(low, "; "))
	}
	return model.Pass, fmt.Sprintf("mapping coverage at least %.1f%%: %s", 100*c.threshold, strings.Join(all, "; "))
}

// CoverageState counts mapped records per element and remembers the unmapped
// local codes. It merges exactly across workers and shards.
type CoverageState struct {
	check    *coverageCheck
	Elements map[string]*ElementCoverage `json:"elements"`
}

// ElementCoverage is one element's counts.
type ElementCoverage struct {
	Records  int64                    `json:"records"`
	Mapped   int64                    `json:"mapped"`
	Unmapped map[string]*UnmappedCode `json:"unmapped,omitempty"`
}

// UnmappedCode is a local code that maps to no national code.
type UnmappedCode struct {
	System string `json:"system"`
	Code   string `json:"code"`
	Count  int64  `json:"count"`
	// Examples are the first records, in canonical order, that carry it.
	Examples []model.Location `json:"examples"`
}

func (s *CoverageState) Observe(rec *model.Record) []model.Finding {
	c := s.check
	var out []model.Finding
	for _, p := range c.byType[rec.Type] {
		var found []coded
		def := c.defs[p]
		c.el.Walk(rec.Resource(), rec.Type, func(x coded) {
			if x.Def == def && (def == p || strings.HasSuffix(x.Path, p[strings.LastIndexByte(p, '.'):])) {
				found = append(found, x)
			}
		})
		for _, x := range found {
			cs, _ := codings(x)
			if x.Type == "code" {
				continue
			}
			ec := s.element(p)
			ec.Records++
			if c.mapped(cs) {
				ec.Mapped++
				continue
			}
			var local []string
			for _, cd := range cs {
				if cd.Code == "" {
					continue
				}
				local = append(local, cd.System+"|"+cd.Code)
				s.remember(ec, cd, model.Location{File: rec.Source, Line: rec.LineOf(x.Path), Record: rec.Name(), Path: x.Path}, c.examples)
			}
			msg := "no national code and no mapping to one"
			if len(local) > 0 {
				msg = fmt.Sprintf("local code %s has no national code beside it and maps to none", strings.Join(local, ", "))
			}
			out = append(out, finding(rec, model.Warning, "terminology.unmapped", x.Path, msg, strings.Join(local, ", ")))
		}
	}
	return out
}

// mapped reports whether a value carries a national coding or a coding that
// maps to one.
func (c *coverageCheck) mapped(cs []terminology.Coding) bool {
	for _, cd := range cs {
		if c.national[cd.System] {
			return true
		}
	}
	for _, cd := range cs {
		for _, m := range c.eng.Translate(cd.System, cd.Code, "") {
			if c.national[m.TargetSystem] {
				return true
			}
		}
	}
	return false
}

func (s *CoverageState) element(p string) *ElementCoverage {
	ec := s.Elements[p]
	if ec == nil {
		ec = &ElementCoverage{Unmapped: map[string]*UnmappedCode{}}
		s.Elements[p] = ec
	}
	if ec.Unmapped == nil {
		ec.Unmapped = map[string]*UnmappedCode{}
	}
	return ec
}

func (s *CoverageState) remember(ec *ElementCoverage, cd terminology.Coding, at model.Location, keep int) {
	k := cd.System + "|" + cd.Code
	u := ec.Unmapped[k]
	if u == nil {
		u = &UnmappedCode{System: cd.System, Code: cd.Code}
		ec.Unmapped[k] = u
	}
	u.Count++
	u.Examples = keepFirst(append(u.Examples, at), keep)
}

// keepFirst keeps the first n locations in canonical order, so merged states
// keep the same examples whichever worker saw them.
func keepFirst(ls []model.Location, n int) []model.Location {
	slices.SortFunc(ls, func(a, b model.Location) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Record, b.Record), cmp.Compare(a.Path, b.Path))
	})
	if n < 1 {
		n = 1
	}
	if len(ls) > n {
		ls = ls[:n]
	}
	return ls
}

func (s *CoverageState) Merge(other check.State) error {
	o, ok := other.(*CoverageState)
	if !ok {
		return fmt.Errorf("mapping-coverage: cannot merge %T", other)
	}
	keep := 3
	if s.check != nil {
		keep = s.check.examples
	}
	for p, oe := range o.Elements {
		ec := s.element(p)
		ec.Records += oe.Records
		ec.Mapped += oe.Mapped
		for k, ou := range oe.Unmapped {
			u := ec.Unmapped[k]
			if u == nil {
				u = &UnmappedCode{System: ou.System, Code: ou.Code}
				ec.Unmapped[k] = u
			}
			u.Count += ou.Count
			u.Examples = keepFirst(append(u.Examples, ou.Examples...), keep)
		}
	}
	return nil
}

func (s *CoverageState) requirement() string {
	if s.check == nil {
		return ""
	}
	return s.check.requirement
}

// Finish records each element's measure and lists its unmapped local codes,
// most frequent first.
func (s *CoverageState) Finish(t *model.Tally) {
	top := 20
	if s.check != nil {
		top = s.check.top
	}
	paths := make([]string, 0, len(s.Elements))
	for p := range s.Elements {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		ec := s.Elements[p]
		t.Measure(measurePrefix+p, ec.Mapped, ec.Records)
		codes := make([]*UnmappedCode, 0, len(ec.Unmapped))
		for _, u := range ec.Unmapped {
			codes = append(codes, u)
		}
		slices.SortFunc(codes, func(a, b *UnmappedCode) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.System, b.System), cmp.Compare(a.Code, b.Code))
		})
		for rank, u := range codes {
			if rank >= top {
				break
			}
			var ex []string
			for _, l := range u.Examples {
				ex = append(ex, l.Record)
			}
			f := model.Finding{
				Severity: model.Information,
				Check:    s.requirement(),
				Code:     "terminology.unmapped-code",
				Message: fmt.Sprintf("#%d unmapped in %s: %s|%s in %d record(s), e.g. %s",
					rank+1, p, u.System, u.Code, u.Count, strings.Join(ex, ", ")),
				Evidence: u.System + "|" + u.Code,
			}
			if len(u.Examples) > 0 {
				f.Location = u.Examples[0]
			}
			t.Add(f)
		}
	}
}

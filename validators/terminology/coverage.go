package terminology

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
	"github.com/carecert/carecert/terminology/coverage"
)

// coverageCheck measures, per coded element, how many records carry a
// national code or a local code that maps to one.
type coverageCheck struct {
	requirement string
	elements    []string
	byType      map[string][]string
	// v2Fields are HL7 v2 coded fields ("OBX-3") measured in v2 messages.
	v2Fields []string
	// defs maps an element as the suite names it to its definition path
	// (MedicationRequest.medicationCodeableConcept to .medication[x]).
	defs      map[string]string
	mapper    *coverage.Mapper
	el        *Elements
	threshold float64
	top       int
	examples  int
}

func newCoverageCheck(spec check.Spec, params coverageParams, env *check.Env) (check.Check, error) {
	eng, el, err := prepare(params.Terminology, env)
	if err != nil {
		return nil, err
	}
	c := &coverageCheck{requirement: spec.Requirement, el: el, byType: map[string][]string{}, elements: params.Elements,
		threshold: params.Threshold, top: params.Top, examples: params.Examples}
	if len(c.elements) == 0 {
		return nil, errors.New(`parameter "elements": name the coded elements to measure (e.g. [Condition.code, Observation.code], or HL7 v2 fields such as OBX-3)`)
	}
	c.defs = map[string]string{}
	for _, p := range c.elements {
		if v2Field.MatchString(p) {
			c.v2Fields = append(c.v2Fields, p)
			continue
		}
		typ, _, _ := strings.Cut(p, ".")
		def := el.definitionPath(p)
		if def == "" || !strings.Contains(p, ".") {
			return nil, fmt.Errorf("parameter \"elements\": %q is not an element of FHIR R4 nor an HL7 v2 field such as OBX-3", p)
		}
		c.defs[p] = def
		c.byType[typ] = append(c.byType[typ], p)
	}
	// The maps are this requirement's: added to the engine, which other
	// requirements share, they would count as mapped there too.
	var own []terminology.Mapping
	for _, m := range params.Maps {
		if !filepath.IsAbs(m) && env.PlanDir != "" {
			m = filepath.Join(env.PlanDir, m)
		}
		ms, err := terminology.ReadMappingCSV(m)
		if err != nil {
			return nil, fmt.Errorf("parameter \"maps\": %w", err)
		}
		own = append(own, ms...)
	}
	c.mapper = coverage.NewMapper(eng, own, params.National)
	if c.threshold < 0 || c.threshold > 1 {
		return nil, fmt.Errorf("parameter \"threshold\": %g is not a share between 0 and 1 (or 0%%–100%%)", c.threshold)
	}
	return c, nil
}

func (c *coverageCheck) Applies(rec *model.Record) bool {
	if rec.Kind == model.KindHL7v2 {
		return len(c.v2Fields) > 0
	}
	return appliesFHIR(rec) && len(c.byType[rec.Type]) > 0
}

func (c *coverageCheck) NewState() check.State {
	return &CoverageState{check: c, Counts: coverage.New()}
}

// Grade fails when an element's mapped share is below the threshold.
func (c *coverageCheck) Grade(t *model.Tally) (model.Outcome, string) {
	return coverage.Grade(t, c.threshold)
}

// CoverageState counts mapped records per element and remembers the unmapped
// local codes. It merges exactly across workers and shards.
type CoverageState struct {
	check *coverageCheck
	*coverage.Counts
}

func (s *CoverageState) Observe(rec *model.Record) []model.Finding {
	if rec.Kind == model.KindHL7v2 {
		return s.observeV2(rec)
	}
	c := s.check
	var out []model.Finding
	for _, p := range c.byType[rec.Type] {
		def := c.defs[p]
		c.el.Each(rec, func(x codedValue) {
			if x.Def != def || def != p && !strings.HasSuffix(x.Path.String(), p[strings.LastIndexByte(p, '.'):]) {
				return
			}
			if _, isObject := x.Value.(map[string]any); x.Type == "code" || !isObject {
				// Not a coded value at all: the structure suite reports it.
				return
			}
			var buf [codingsBuf]terminology.Coding
			cs, _ := codings(x, buf[:0])
			if c.mapper.Mapped(cs) {
				// Most values are mapped: their path and line are never shown.
				s.Add(p, true, cs, model.Location{}, c.examples)
				return
			}
			path := x.Path.String()
			at := model.Location{File: rec.Source, Line: rec.LineOf(path), Record: rec.Name(), Path: path}
			s.Add(p, false, cs, at, c.examples)
			var local []string
			for _, cd := range cs {
				if cd.Code != "" {
					local = append(local, cd.System+"|"+cd.Code)
				}
			}
			msg := "no national code and no mapping to one"
			if len(local) > 0 {
				msg = fmt.Sprintf("local code %s has no national code beside it and maps to none", strings.Join(local, ", "))
			}
			out = append(out, finding(rec, model.Warning, "terminology.unmapped", path, msg, strings.Join(local, ", ")))
		})
	}
	return out
}

func (s *CoverageState) Merge(other check.State) error {
	o, ok := other.(*CoverageState)
	if !ok {
		return fmt.Errorf("mapping-coverage: cannot merge %T", other)
	}
	if o.Counts == nil {
		return nil
	}
	if s.Counts == nil {
		s.Counts = coverage.New()
	}
	s.Counts.Merge(o.Counts, s.check.examples)
	return nil
}

// Finish records each element's measure and lists its unmapped local codes,
// most frequent first.
func (s *CoverageState) Finish(t *model.Tally) {
	if s.Counts != nil {
		s.Counts.Finish(t, s.check.requirement, s.check.top)
	}
}

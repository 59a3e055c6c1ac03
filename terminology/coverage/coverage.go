// Package coverage measures how much of a feed's coding is national: per
// coded element, how many records carry a national code (or a local code a
// concept map takes to one), and which local codes do not map, ranked by
// frequency with example records. It knows nothing of FHIR or HL7 v2, so the
// checks of both use it (Condition.code, OBX-3). Counts are JSON and merge
// exactly across workers and shards.
package coverage

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
)

// National are the code systems a national record is expected to use by
// default: SNOMED CT, dm+d, LOINC, ICD-10 (WHO and UK).
func National() []string {
	return []string{terminology.SNOMED, terminology.DMD, terminology.LOINC, terminology.ICD10, terminology.ICD10UK}
}

// Mapper decides whether codings are national or map to a national code.
type Mapper struct {
	national map[string]bool
	// own are the measure's own mapping tables by source system and code.
	// They stay out of the engine, which the run's other requirements share.
	own map[[2]string][]terminology.Mapping
	// translate returns the mappings of a code (the engine's Translate).
	translate func(system, code string) []terminology.Mapping
}

// NewMapper returns a mapper for the national systems (National() when
// empty) that translates with the measure's own mappings and engine e's
// concept maps (e may be nil: none).
func NewMapper(e *terminology.Engine, own []terminology.Mapping, national []string) *Mapper {
	if len(national) == 0 {
		national = National()
	}
	m := &Mapper{national: map[string]bool{}, own: map[[2]string][]terminology.Mapping{}}
	for _, n := range national {
		m.national[n] = true
	}
	for _, t := range own {
		k := [2]string{t.SourceSystem, t.SourceCode}
		m.own[k] = append(m.own[k], t)
	}
	if e != nil {
		m.translate = func(system, code string) []terminology.Mapping { return e.Translate(system, code, "") }
	}
	return m
}

// Mapped reports whether any coding is national or translates to a national code.
func (m *Mapper) Mapped(cs []terminology.Coding) bool {
	for _, c := range cs {
		if m.national[c.System] {
			return true
		}
	}
	for _, c := range cs {
		if m.anyNational(m.own[[2]string{c.System, c.Code}]) {
			return true
		}
		if m.translate != nil && m.anyNational(m.translate(c.System, c.Code)) {
			return true
		}
	}
	return false
}

func (m *Mapper) anyNational(ts []terminology.Mapping) bool {
	for _, t := range ts {
		if m.national[t.TargetSystem] {
			return true
		}
	}
	return false
}

// Counts is the mapping coverage of every element seen.
type Counts struct {
	Elements map[string]*Element `json:"elements"`
}

// Element is one element's counts.
type Element struct {
	Records  int64                `json:"records"`
	Mapped   int64                `json:"mapped"`
	Unmapped map[string]*Unmapped `json:"unmapped,omitempty"`
}

// Unmapped is a local code that maps to no national code.
type Unmapped struct {
	System string `json:"system"`
	Code   string `json:"code"`
	Count  int64  `json:"count"`
	// Examples are the first records, in canonical order, that carry it.
	Examples []model.Location `json:"examples"`
}

// New returns empty counts.
func New() *Counts { return &Counts{Elements: map[string]*Element{}} }

func (c *Counts) element(name string) *Element {
	if c.Elements == nil {
		c.Elements = map[string]*Element{}
	}
	e := c.Elements[name]
	if e == nil {
		e = &Element{}
		c.Elements[name] = e
	}
	if e.Unmapped == nil {
		e.Unmapped = map[string]*Unmapped{}
	}
	return e
}

// Add counts one record's value of element: mapped, or not with its local
// codings (remembered with at as an example, keeping examples per code).
func (c *Counts) Add(element string, mapped bool, local []terminology.Coding, at model.Location, examples int) {
	e := c.element(element)
	e.Records++
	if mapped {
		e.Mapped++
		return
	}
	for _, cd := range local {
		if cd.Code == "" {
			continue
		}
		k := cd.System + "|" + cd.Code
		u := e.Unmapped[k]
		if u == nil {
			u = &Unmapped{System: cd.System, Code: cd.Code}
			e.Unmapped[k] = u
		}
		u.Count++
		u.Examples = keepFirst(append(u.Examples, at), examples)
	}
}

// Merge adds other into c.
func (c *Counts) Merge(other *Counts, examples int) {
	for name, oe := range other.Elements {
		e := c.element(name)
		e.Records += oe.Records
		e.Mapped += oe.Mapped
		for k, ou := range oe.Unmapped {
			u := e.Unmapped[k]
			if u == nil {
				u = &Unmapped{System: ou.System, Code: ou.Code}
				e.Unmapped[k] = u
			}
			u.Count += ou.Count
			u.Examples = keepFirst(append(u.Examples, ou.Examples...), examples)
		}
	}
}

// keepFirst keeps the first n locations in canonical order, so merged counts
// keep the same examples whichever worker saw them.
func keepFirst(ls []model.Location, n int) []model.Location {
	slices.SortFunc(ls, func(a, b model.Location) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Record, b.Record), cmp.Compare(a.Path, b.Path))
	})
	ls = slices.CompactFunc(ls, func(a, b model.Location) bool { return a == b })
	if n < 1 {
		n = 1
	}
	if len(ls) > n {
		ls = ls[:n]
	}
	return ls
}

// MeasurePrefix begins the name of each element's measure: "mapped Condition.code".
const MeasurePrefix = "mapped "

// Finish records each element's measure in t and lists its top unmapped
// local codes, most frequent first, as information findings of requirement.
func (c *Counts) Finish(t *model.Tally, requirement string, top int) {
	names := make([]string, 0, len(c.Elements))
	for n := range c.Elements {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		e := c.Elements[name]
		t.Measure(MeasurePrefix+name, e.Mapped, e.Records)
		codes := make([]*Unmapped, 0, len(e.Unmapped))
		for _, u := range e.Unmapped {
			codes = append(codes, u)
		}
		slices.SortFunc(codes, func(a, b *Unmapped) int {
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
				Severity:    model.Information,
				Requirement: requirement,
				Code:        "terminology.unmapped-code",
				Message: fmt.Sprintf("#%d unmapped in %s: %s|%s in %d record(s), e.g. %s",
					rank+1, name, u.System, u.Code, u.Count, strings.Join(ex, ", ")),
				Evidence: u.System + "|" + u.Code,
			}
			if len(u.Examples) > 0 {
				f.Location = u.Examples[0]
			}
			t.Add(f)
		}
	}
}

// Grade fails when an element's mapped share is below threshold; it reads only
// the tally's measures, so a stored report can be graded again.
func Grade(t *model.Tally, threshold float64) (model.Outcome, string) {
	var low, all []string
	for _, m := range t.Measures {
		name, ok := strings.CutPrefix(m.Name, MeasurePrefix)
		if !ok || m.Denominator == 0 {
			continue
		}
		txt := fmt.Sprintf("%s %.1f%% (%d of %d)", name, 100*m.Rate(), m.Numerator, m.Denominator)
		all = append(all, txt)
		if m.Rate() < threshold {
			low = append(low, txt)
		}
	}
	switch {
	case len(all) == 0:
		return model.Skip, "no coded elements to measure"
	case len(low) > 0:
		return model.Fail, fmt.Sprintf("mapping coverage below %.1f%%: %s", 100*threshold, strings.Join(low, "; "))
	}
	return model.Pass, fmt.Sprintf("mapping coverage at least %.1f%%: %s", 100*threshold, strings.Join(all, "; "))
}

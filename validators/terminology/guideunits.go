package terminology

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
	"github.com/carecert/carecert/terminology/runengine"
	"github.com/carecert/carecert/terminology/ucum"
)

// GuideUnits knows the units that profiles fix for Quantity elements: the
// profiles of the implementation guides a run loads (UK Core), which a
// resource claims in meta.profile, and profiles a suite names. Each profile
// is read from its snapshot once per run, on first use, and shared by every
// worker; the core vital signs profiles are covered by LOINC code instead
// (Elements.UnitRule), so that a run without guides behaves as before.
type GuideUnits struct {
	defs     *definitions.Registry
	eng      *terminology.Engine
	elements *elements.Index

	mu       sync.Mutex
	profiles map[string]*lazyProfile
	compiles atomic.Int64
}

type lazyProfile struct {
	once sync.Once
	p    *unitProfile
}

// unitProfile is one profile's unit rules, compiled from its snapshot.
type unitProfile struct {
	URL   string
	Type  string
	Rules []quantityRule
	// Err is why the profile could not be read (its snapshot failed).
	Err error
}

// quantityRule is a Quantity element whose unit a profile fixes.
type quantityRule struct {
	// Element is the element id ("Observation.component:SystolicBP.value[x]").
	Element string
	steps   []step
	// Want lists the units the profile allows (for messages); units holds
	// them parsed. Canonical, when set, allows every unit comparable with
	// it (a UCUM value set defined by "canonical = m").
	Want      []string
	units     []ucum.Unit
	Canonical string
	// ValueSet is the required value set the units come from, if any.
	ValueSet string
	// NotChecked, when set, is why units cannot be compared offline.
	NotChecked string
}

// step is one element of a rule's path from the resource down to the Quantity.
type step struct {
	name string
	// choice: name is the base of a choice element (value for value[x]),
	// matched by each Quantity type's suffix.
	choice bool
	slice  *sliceMatch
}

// sliceMatch tells the repetitions of a sliced element that belong to a
// slice, by the slicing's value and pattern discriminators.
type sliceMatch struct {
	name  string
	conds []sliceCond
}

type sliceCond struct {
	path []string
	// want holds the fixed or pattern values the slice gives at path; a
	// repetition belongs to the slice when a value there contains one.
	want []any
}

// isQuantityType reports a Quantity type, named or by its core canonical.
func isQuantityType(t string) bool {
	return coded.IsQuantity(strings.TrimPrefix(t, definitions.CoreBase))
}

// guideUnitsFor returns the run's GuideUnits, reading the definitions of the
// run's guides once; nil when no guide is loaded and the suite names no
// profile, so that such runs check units exactly as before.
func guideUnitsFor(env *check.Env, named bool) (*GuideUnits, error) {
	if len(env.Guides()) == 0 && !named {
		return nil, nil
	}
	return guideUnits.Get(env, env.Terminology)
}

// guideUnits are the unit rules of the run's guides, read from the run's
// definitions and compared with the run's terminology engine.
var guideUnits = check.NewServiceFamily(func(env *check.Env, _ check.Terminology) (*GuideUnits, error) {
	defs, err := definitions.Run.Get(env)
	if err != nil {
		return nil, err
	}
	eng, err := runengine.Run(env)
	if err != nil {
		return nil, err
	}
	ix, err := elements.R4()
	if err != nil {
		return nil, fmt.Errorf("guide units: %w", err)
	}
	return NewGuideUnits(defs, eng, ix), nil
})

// NewGuideUnits reads unit rules from the profiles of defs, comparing with
// value sets of eng; ix finds the resources held in a record (EachHeld).
func NewGuideUnits(defs *definitions.Registry, eng *terminology.Engine, ix *elements.Index) *GuideUnits {
	return &GuideUnits{defs: defs, eng: eng, elements: ix, profiles: map[string]*lazyProfile{}}
}

// fromGuide reports whether a canonical names a StructureDefinition of a
// loaded guide (not of the embedded core, whose units Elements knows).
func (g *GuideUnits) fromGuide(canonical string) bool {
	e, ok := g.defs.Lookup(canonical)
	return ok && e.ResourceType == "StructureDefinition" && !strings.HasPrefix(e.Source, "FHIR R4 core")
}

// profile returns the compiled unit rules of a profile, compiling them once.
func (g *GuideUnits) profile(canonical string) *unitProfile {
	g.mu.Lock()
	lp, ok := g.profiles[canonical]
	if !ok {
		lp = &lazyProfile{}
		g.profiles[canonical] = lp
	}
	g.mu.Unlock()
	lp.once.Do(func() { lp.p = g.compile(canonical) })
	return lp.p
}

// Compiled lists the profiles compiled so far, sorted.
func (g *GuideUnits) Compiled() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]string, 0, len(g.profiles))
	for u := range g.profiles {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// Compiles counts the profiles compiled: one per profile a run meets.
func (g *GuideUnits) Compiles() int { return int(g.compiles.Load()) }

func (g *GuideUnits) compile(canonical string) *unitProfile {
	g.compiles.Add(1)
	sd, err := g.defs.StructureDefinition(canonical)
	if err != nil {
		return &unitProfile{URL: canonical, Err: err}
	}
	p := &unitProfile{URL: sd.URL, Type: sd.Type}
	if sd.Snapshot == nil {
		return p
	}
	els := sd.Snapshot.Element
	byID := make(map[string]*definitions.ElementDefinition, len(els))
	for i := range els {
		byID[els[i].ElementID()] = &els[i]
	}
	for i := range els {
		el := &els[i]
		if r, ok := g.rule(el, byID, els); ok {
			p.Rules = append(p.Rules, r)
		}
	}
	return p
}

// rule reads the unit a profile fixes for a Quantity element: fixed or
// pattern Quantity on the element, fixed or pattern code on its .code, or a
// required binding on either; a system fixed to anything but UCUM leaves the
// element out (its codes are not units carecert can compare).
func (g *GuideUnits) rule(el *definitions.ElementDefinition, byID map[string]*definitions.ElementDefinition, els []definitions.ElementDefinition) (quantityRule, bool) {
	quantity := false
	for _, t := range el.TypeCodes() {
		quantity = quantity || isQuantityType(t)
	}
	if !quantity {
		return quantityRule{}, false
	}
	id := el.ElementID()
	var code, system, valueSet string
	for _, v := range []any{el.Fixed, el.Pattern} {
		if m, ok := v.(map[string]any); ok {
			if s, ok := m["code"].(string); ok {
				code = s
			}
			if s, ok := m["system"].(string); ok {
				system = s
			}
		}
	}
	if c := byID[id+".code"]; c != nil {
		if s := primitiveOf(c); s != "" {
			code = s
		} else if code == "" && c.Binding != nil && c.Binding.Strength == "required" {
			valueSet = c.Binding.ValueSet
		}
	}
	if s := byID[id+".system"]; s != nil && primitiveOf(s) != "" {
		system = primitiveOf(s)
	}
	if code == "" && valueSet == "" && el.Binding != nil && el.Binding.Strength == "required" {
		valueSet = el.Binding.ValueSet
	}
	if (code == "" && valueSet == "") || (system != "" && system != terminology.UCUM) {
		return quantityRule{}, false
	}
	steps, ok := pathSteps(id, byID, els)
	if !ok {
		return quantityRule{}, false
	}
	r := quantityRule{Element: id, steps: steps}
	switch {
	case code != "":
		r.Want = []string{code}
	default:
		r.ValueSet = valueSet
		g.valueSetUnits(&r, valueSet)
	}
	for _, w := range r.Want {
		u, err := ucum.Parse(w)
		if err != nil {
			r.NotChecked = fmt.Sprintf("the profile's unit %q is not UCUM: %v", w, err)
			break
		}
		r.units = append(r.units, u)
	}
	return r, true
}

// valueSetUnits fills a rule from a required value set of units: one that
// UCUM defines by canonical unit ("all-distance-units": canonical = m)
// allows every comparable unit; otherwise its expansion's units.
func (g *GuideUnits) valueSetUnits(r *quantityRule, valueSet string) {
	if c := ucumCanonical(g.defs, valueSet); c != "" {
		r.Canonical = c
		r.Want = []string{c}
		return
	}
	codes, err := g.eng.Expand(valueSet)
	if err != nil {
		r.NotChecked = err.Error()
		return
	}
	for _, c := range codes {
		if c.System == terminology.UCUM || c.System == "" {
			r.Want = append(r.Want, c.Code)
		}
	}
	if len(r.Want) == 0 {
		r.NotChecked = fmt.Sprintf("value set %s lists no UCUM unit", valueSet)
	}
}

// ucumCanonical returns X when a value set's only include is UCUM filtered
// by "canonical = X".
func ucumCanonical(defs *definitions.Registry, valueSet string) string {
	vs, err := defs.Resource(valueSet)
	if err != nil {
		return ""
	}
	compose, _ := vs["compose"].(map[string]any)
	inc := list(compose["include"])
	if len(inc) != 1 || compose["exclude"] != nil {
		return ""
	}
	in, _ := inc[0].(map[string]any)
	fs := list(in["filter"])
	if in["system"] != terminology.UCUM || len(fs) != 1 || in["concept"] != nil || in["valueSet"] != nil {
		return ""
	}
	f, _ := fs[0].(map[string]any)
	if f["property"] != "canonical" || f["op"] != "=" {
		return ""
	}
	v, _ := f["value"].(string)
	if ucum.Validate(v) != nil {
		return ""
	}
	return v
}

// primitiveOf returns an element's fixed or pattern value when it is a string.
func primitiveOf(el *definitions.ElementDefinition) string {
	if s, ok := el.Fixed.(string); ok {
		return s
	}
	s, _ := el.Pattern.(string)
	return s
}

// splitID splits an element id into its elements, each "name" or
// "name:slice" (slice names hold no dots).
func splitID(id string) []string { return strings.Split(id, ".") }

// pathSteps turns an element id into the steps that reach its values in a
// resource. A slice whose repetitions cannot be told apart (a discriminator
// other than value or pattern, or one the slice gives no value for) makes
// the rule unusable: it is left out rather than applied to every repetition.
func pathSteps(id string, byID map[string]*definitions.ElementDefinition, els []definitions.ElementDefinition) ([]step, bool) {
	parts := splitID(id)
	var steps []step
	for i := 1; i < len(parts); i++ {
		name, slice, _ := strings.Cut(parts[i], ":")
		st := step{name: name}
		if base, ok := strings.CutSuffix(name, "[x]"); ok {
			if slice != "" {
				// A type slice: value[x]:valueQuantity is the key valueQuantity.
				steps = append(steps, step{name: slice})
				continue
			}
			st = step{name: base, choice: true}
		} else if slice != "" {
			sliceID := strings.Join(parts[:i+1], ".")
			slicing := byID[strings.Join(append(append([]string(nil), parts[:i]...), name), ".")]
			m, ok := matchSlice(slice, sliceID, slicing, els)
			if !ok {
				return nil, false
			}
			st.slice = m
		}
		steps = append(steps, st)
	}
	return steps, true
}

func matchSlice(name, sliceID string, slicing *definitions.ElementDefinition, els []definitions.ElementDefinition) (*sliceMatch, bool) {
	if slicing == nil || slicing.Slicing == nil || len(slicing.Slicing.Discriminator) == 0 || strings.Contains(name, "/") {
		return nil, false
	}
	m := &sliceMatch{name: name}
	for _, d := range slicing.Slicing.Discriminator {
		if d.Type != "value" && d.Type != "pattern" {
			return nil, false
		}
		var c sliceCond
		target := sliceID
		if d.Path != "$this" {
			c.path = strings.Split(d.Path, ".")
			target += "." + d.Path
		}
		for i := range els {
			id := els[i].ElementID()
			if id != sliceID && !strings.HasPrefix(id, sliceID+".") {
				continue
			}
			if id != target && withoutSlices(id) != withoutSlices(target) {
				continue
			}
			if v := els[i].Fixed; v != nil {
				c.want = append(c.want, v)
			} else if v := els[i].Pattern; v != nil {
				c.want = append(c.want, v)
			}
		}
		if len(c.want) == 0 {
			return nil, false
		}
		m.conds = append(m.conds, c)
	}
	return m, true
}

// withoutSlices removes the slice names of an element id.
func withoutSlices(id string) string {
	parts := splitID(id)
	for i, p := range parts {
		parts[i], _, _ = strings.Cut(p, ":")
	}
	return strings.Join(parts, ".")
}

// matches reports whether a repetition belongs to the slice.
func (m *sliceMatch) matches(item map[string]any) bool {
	for _, c := range m.conds {
		vals := valuesAt(item, c.path)
		found := false
		for _, v := range vals {
			for _, w := range c.want {
				if contains(v, w) {
					found = true
				}
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// valuesAt returns the values at a simple path below obj, lists flattened.
func valuesAt(obj any, path []string) []any {
	cur := []any{obj}
	for _, p := range path {
		var next []any
		for _, c := range cur {
			m, _ := c.(map[string]any)
			switch v := m[p].(type) {
			case nil:
			case []any:
				next = append(next, v...)
			default:
				next = append(next, v)
			}
		}
		cur = next
	}
	return cur
}

// contains reports whether v holds pattern: every element of a pattern
// object is in v, every item of a pattern list matches some item of v, and
// primitives are equal.
func contains(v, pattern any) bool {
	switch p := pattern.(type) {
	case map[string]any:
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		for k, pv := range p {
			if !contains(m[k], pv) {
				return false
			}
		}
		return true
	case []any:
		l, ok := v.([]any)
		if !ok {
			l = []any{v}
		}
		for _, pi := range p {
			found := false
			for _, vi := range l {
				if contains(vi, pi) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	if v == nil {
		return false
	}
	if _, ok := v.(map[string]any); ok {
		return false
	}
	if _, ok := v.([]any); ok {
		return false
	}
	return fmt.Sprint(v) == fmt.Sprint(pattern)
}

// each calls visit with every Quantity of res, the resource at instance path
// root, at the rule's element, with its instance path
// ("Observation.component[0].valueQuantity").
func (r *quantityRule) each(res map[string]any, root string, visit func(q map[string]any, at string)) {
	type node struct {
		obj map[string]any
		at  string
	}
	cur := []node{{res, root}}
	for _, st := range r.steps {
		var next []node
		keys := []string{st.name}
		if st.choice {
			keys = keys[:0]
			// A profile can fix the units of any Quantity type, named as
			// a choice element's name ends (valueQuantity, valueAge).
			for _, t := range coded.QuantityTypes {
				keys = append(keys, st.name+t)
			}
		}
		for _, n := range cur {
			for _, k := range keys {
				val, ok := n.obj[k]
				if !ok {
					continue
				}
				items, isList := val.([]any)
				if !isList {
					items = []any{val}
				}
				for i, it := range items {
					m, ok := it.(map[string]any)
					if !ok || (st.slice != nil && !st.slice.matches(m)) {
						continue
					}
					at := n.at + "." + k
					if isList {
						at += "[" + strconv.Itoa(i) + "]"
					}
					next = append(next, node{m, at})
				}
			}
		}
		cur = next
	}
	for _, n := range cur {
		visit(n.obj, n.at)
	}
}

// allows reports whether u is comparable with a unit the rule allows.
func (r *quantityRule) allows(u ucum.Unit) bool {
	for _, w := range r.units {
		if w.Comparable(u) {
			return true
		}
	}
	return false
}

// check compares the units of a record with the profiles it claims (those of
// loaded guides) and the profiles the suite names, and those of every
// resource held in it (contained, a parameter's, an entry of a Bundle it
// holds) with the profiles each claims, as a record of its own claiming them
// is. Findings are keyed by path in done, so that one unit is reported once.
func (g *GuideUnits) check(rec *model.Record, named []*unitProfile, done map[string]bool) []model.Finding {
	if len(named) == 0 && rec.Deferred() {
		// A record proven from its bytes claims no profile, nor does any
		// resource in it (the proof leaves any meta.profile to the map
		// walk), so with no profile named there is nothing to compare: it
		// is not decoded for that.
		return nil
	}
	res := rec.Resource()
	out := g.judge(rec, res, rec.Type, rec.Type, named, done, nil)
	EachHeld(g.elements, res, rec.Type, rec.Type, func(m map[string]any, typ, at string) {
		out = g.judge(rec, m, typ, at, nil, done, out)
	})
	return out
}

// judge appends to out the units of res, a resource of type typ at path at
// in rec, that are not comparable with the profiles named or those res
// claims in meta.profile.
func (g *GuideUnits) judge(rec *model.Record, res map[string]any, typ, at string, named []*unitProfile, done map[string]bool, out []model.Finding) []model.Finding {
	profiles := append([]*unitProfile(nil), named...)
	meta, _ := res["meta"].(map[string]any)
	for i, x := range list(meta["profile"]) {
		u, _ := x.(string)
		if u == "" || !g.fromGuide(u) {
			continue
		}
		p := g.profile(u)
		if p.Err != nil {
			out = append(out, finding(rec, model.Information, terminology.IssueNotChecked, fmt.Sprintf("%s.meta.profile[%d]", at, i),
				fmt.Sprintf("units fixed by profile %s not checked: %v", u, p.Err), u))
			continue
		}
		profiles = append(profiles, p)
	}
	for _, p := range profiles {
		if p.Type != typ {
			continue
		}
		for i := range p.Rules {
			r := &p.Rules[i]
			r.each(res, at, func(q map[string]any, at string) {
				at += ".code"
				if done[at] || q["system"] != terminology.UCUM {
					return
				}
				unit, _ := q["code"].(string)
				u, err := ucum.Parse(unit)
				if err != nil {
					return // reported as an invalid unit
				}
				if r.NotChecked != "" {
					done[at] = true
					out = append(out, finding(rec, model.Information, terminology.IssueNotChecked, at,
						fmt.Sprintf("unit %q not compared with profile %s (%s): %s", unit, p.URL, r.Element, r.NotChecked), unit))
					return
				}
				if r.allows(u) {
					return
				}
				done[at] = true
				want := strings.Join(r.Want, " or ")
				if r.ValueSet != "" {
					want += " (value set " + r.ValueSet + ")"
				}
				out = append(out, finding(rec, model.Error, "terminology.unit-not-comparable", at,
					fmt.Sprintf("unit %q (%s) is not comparable with %s, the unit profile %s fixes for %s",
						unit, u.DimensionText(), want, p.URL, r.Element), unit))
			})
		}
	}
	return out
}

package terminology

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// ValueSet is a FHIR ValueSet's definition: its compose (or, for value sets
// published only as an expansion, the expansion's codes).
type ValueSet struct {
	URL     string
	Version string
	Name    string
	Source  string
	include []*part
	exclude []*part
}

// Membership is the answer to "is this code in the value set?". Unknown means
// the engine cannot tell offline, and says why: it never passes silently.
type Membership int

const (
	NotMember Membership = iota
	Member
	Unknown
)

func (m Membership) String() string {
	switch m {
	case Member:
		return "member"
	case Unknown:
		return "unknown"
	}
	return "not a member"
}

// part is one include or exclude of a compose.
type part struct {
	system    string
	version   string
	concepts  map[string]string // code -> display given by the value set
	order     []string
	filters   []filter
	valueSets []string
}

type filter struct {
	property, op, value string
	re                  *regexp.Regexp
}

func parseValueSet(res map[string]any, source string) (*ValueSet, error) {
	url := str(res["url"])
	if url == "" {
		return nil, fmt.Errorf("%s: ValueSet %v has no url", source, res["id"])
	}
	vs := &ValueSet{URL: url, Version: str(res["version"]), Name: str(res["name"]), Source: source}
	compose, _ := res["compose"].(map[string]any)
	var err error
	if compose != nil {
		if vs.include, err = parseParts(compose["include"], url); err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		if vs.exclude, err = parseParts(compose["exclude"], url); err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		return vs, nil
	}
	// A value set published only as an expansion: its contains lists the codes.
	exp, _ := res["expansion"].(map[string]any)
	bySystem := map[string]*part{}
	var walk func(list []any)
	walk = func(list []any) {
		for _, c := range list {
			cm, _ := c.(map[string]any)
			sys, code := str(cm["system"]), str(cm["code"])
			if sys != "" && code != "" {
				p := bySystem[sys]
				if p == nil {
					p = &part{system: sys, concepts: map[string]string{}}
					bySystem[sys] = p
					vs.include = append(vs.include, p)
				}
				p.add(code, str(cm["display"]))
			}
			walk(list0(cm["contains"]))
		}
	}
	walk(list0(exp["contains"]))
	return vs, nil
}

func (p *part) add(code, display string) {
	if _, dup := p.concepts[code]; !dup {
		p.order = append(p.order, code)
	}
	p.concepts[code] = display
}

func parseParts(v any, url string) ([]*part, error) {
	var out []*part
	for i, item := range list0(v) {
		m, _ := item.(map[string]any)
		p := &part{system: str(m["system"]), version: str(m["version"])}
		for _, c := range list0(m["concept"]) {
			cm, _ := c.(map[string]any)
			if p.concepts == nil {
				p.concepts = map[string]string{}
			}
			p.add(str(cm["code"]), str(cm["display"]))
		}
		for _, f := range list0(m["filter"]) {
			fm, _ := f.(map[string]any)
			fl := filter{property: str(fm["property"]), op: str(fm["op"]), value: str(fm["value"])}
			if fl.op == "regex" {
				re, err := regexp.Compile("^(?:" + fl.value + ")$")
				if err != nil {
					return nil, fmt.Errorf("ValueSet %s: compose[%d]: filter regex %q: %w", url, i, fl.value, err)
				}
				fl.re = re
			}
			p.filters = append(p.filters, fl)
		}
		for _, u := range list0(m["valueSet"]) {
			if s := str(u); s != "" {
				p.valueSets = append(p.valueSets, s)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// Expansion is a value set compiled for membership tests: what could be
// enumerated offline is held in sets; what could not (a whole external code
// system, a filter over content the engine does not have) is tested per code
// through a provider or a grammar, or answers Unknown with the reason.
type Expansion struct {
	URL string
	vs  *ValueSet
	inc []*compiledPart
	exc []*compiledPart
}

type compiledPart struct {
	p *part
	// members is set when the part could be enumerated offline.
	members map[string]bool
	// order lists members in definition order (for Expand).
	order []string
	cs    *CodeSystem
	// valueSets are the imported value sets, compiled.
	valueSets []*Expansion
	// missing names imported value sets that are not loaded.
	missing []string
	// reason says why the part cannot be decided offline, when it cannot.
	reason string
}

// compile builds the expansion of vs. stack guards against value sets that
// import themselves.
func (e *Engine) compile(vs *ValueSet, stack map[string]bool) *Expansion {
	x := &Expansion{URL: vs.URL, vs: vs}
	stack[vs.URL] = true
	defer delete(stack, vs.URL)
	for _, p := range vs.include {
		x.inc = append(x.inc, e.compilePart(p, stack))
	}
	for _, p := range vs.exclude {
		x.exc = append(x.exc, e.compilePart(p, stack))
	}
	return x
}

func (e *Engine) compilePart(p *part, stack map[string]bool) *compiledPart {
	cp := &compiledPart{p: p}
	for _, u := range p.valueSets {
		key := canonical(u)
		if stack[key] {
			cp.reason = fmt.Sprintf("value set %s imports itself", key)
			continue
		}
		sub, ok := e.expansionLocked(key, stack)
		if !ok {
			cp.missing = append(cp.missing, key)
			continue
		}
		cp.valueSets = append(cp.valueSets, sub)
	}
	if p.system == "" {
		return cp
	}
	cs := e.codeSystems[p.system]
	cp.cs = cs
	switch {
	case len(p.concepts) > 0 && len(p.filters) == 0:
		cp.members = make(map[string]bool, len(p.concepts))
		for _, c := range p.order {
			cp.members[c] = true
		}
		cp.order = p.order
	case cs != nil && cs.Complete():
		cp.members, cp.order, cp.reason = enumerate(cs, p)
	case e.providers[p.system] != nil || e.grammars[p.system] != nil:
		// Decided per code at validation time.
	case cs != nil && cs.Content == "not-present":
		cp.reason = fmt.Sprintf("code system %s is not available offline (its content is not distributed with FHIR)", p.system)
	case cs != nil:
		cp.reason = fmt.Sprintf("code system %s is loaded only as a %s, which cannot prove a code absent", p.system, cs.Content)
	default:
		cp.reason = fmt.Sprintf("code system %s is not available offline", p.system)
	}
	return cp
}

// enumerate lists the codes of a complete code system that a part selects.
func enumerate(cs *CodeSystem, p *part) (map[string]bool, []string, string) {
	selected := make([]string, 0, len(cs.order))
	for _, c := range cs.order {
		selected = append(selected, c.Code)
	}
	for _, f := range p.filters {
		keep, reason := applyFilter(cs, f, selected)
		if reason != "" {
			return nil, nil, reason
		}
		selected = keep
	}
	var keep []string
	for _, c := range selected {
		if _, named := p.concepts[c]; named || len(p.concepts) == 0 && cs.concepts[c].Withheld == "" {
			keep = append(keep, c)
		}
	}
	selected = keep
	m := make(map[string]bool, len(selected))
	for _, c := range selected {
		m[c] = true
	}
	return m, selected, ""
}

func applyFilter(cs *CodeSystem, f filter, codes []string) ([]string, string) {
	var keep []string
	test := func(pred func(c *Concept) bool) {
		for _, code := range codes {
			if c := cs.concepts[code]; c != nil && pred(c) {
				keep = append(keep, code)
			}
		}
	}
	isConcept := f.property == "concept" || f.property == "code"
	switch {
	case f.op == "is-a" && isConcept:
		test(func(c *Concept) bool { return cs.Subsumes(f.value, c.Code) })
	case f.op == "descendent-of" && isConcept:
		test(func(c *Concept) bool { return c.Code != f.value && cs.Subsumes(f.value, c.Code) })
	case f.op == "is-not-a" && isConcept:
		test(func(c *Concept) bool { return !cs.Subsumes(f.value, c.Code) })
	case f.op == "generalizes" && isConcept:
		test(func(c *Concept) bool { return cs.Subsumes(c.Code, f.value) })
	case f.op == "=" && isConcept:
		test(func(c *Concept) bool { return c.Code == f.value })
	case f.op == "=":
		test(func(c *Concept) bool { return hasValue(c, f.property, f.value) })
	case f.op == "regex":
		test(func(c *Concept) bool {
			if isConcept {
				return f.re.MatchString(c.Code)
			}
			for _, v := range c.Properties[f.property] {
				if f.re.MatchString(v) {
					return true
				}
			}
			return false
		})
	case f.op == "in" || f.op == "not-in":
		set := map[string]bool{}
		for _, v := range strings.Split(f.value, ",") {
			set[strings.TrimSpace(v)] = true
		}
		want := f.op == "in"
		test(func(c *Concept) bool {
			if isConcept {
				return set[c.Code] == want
			}
			for _, v := range c.Properties[f.property] {
				if set[v] {
					return want
				}
			}
			return !want
		})
	case f.op == "exists":
		want := f.value == "true"
		test(func(c *Concept) bool { return (len(c.Properties[f.property]) > 0) == want })
	default:
		return nil, fmt.Sprintf("filter %s %s %s is not supported offline", f.property, f.op, f.value)
	}
	return keep, ""
}

func hasValue(c *Concept, prop, value string) bool {
	if prop == "parent" {
		for _, p := range c.parents {
			if p == value {
				return true
			}
		}
	}
	for _, v := range c.Properties[prop] {
		if v == value {
			return true
		}
	}
	return false
}

// contains reports whether (system, code) is in the value set. An empty system
// (a FHIR `code` element, whose system the binding implies) matches any of the
// value set's systems.
func (x *Expansion) contains(ctx context.Context, e *Engine, system, code string) (Membership, string) {
	if system == "" {
		best, why := NotMember, ""
		for _, s := range x.Systems() {
			m, r := x.contains(ctx, e, s, code)
			if m == Member {
				return Member, ""
			}
			if m == Unknown {
				best, why = Unknown, r
			}
		}
		return best, why
	}
	var unsure []string
	for _, cp := range x.exc {
		switch m, r := cp.match(ctx, e, system, code); m {
		case Member:
			return NotMember, ""
		case Unknown:
			unsure = append(unsure, r)
		}
	}
	result := NotMember
	for _, cp := range x.inc {
		m, r := cp.match(ctx, e, system, code)
		if m == Member {
			result = Member
			break
		}
		if m == Unknown {
			result = Unknown
			unsure = append(unsure, r)
		}
	}
	if result == Member && len(unsure) > 0 {
		return Unknown, strings.Join(unsure, "; ")
	}
	if result == Unknown {
		return Unknown, strings.Join(unsure, "; ")
	}
	return result, ""
}

func (cp *compiledPart) match(ctx context.Context, e *Engine, system, code string) (Membership, string) {
	if cp.p.system != "" {
		if system != cp.p.system {
			return NotMember, ""
		}
		if m, r := cp.matchSystem(ctx, e, code); m != Member {
			return m, r
		}
	}
	for _, sub := range cp.valueSets {
		if m, r := sub.contains(ctx, e, system, code); m != Member {
			return m, r
		}
	}
	if len(cp.missing) > 0 {
		return Unknown, fmt.Sprintf("value set %s is not loaded", strings.Join(cp.missing, ", "))
	}
	if cp.p.system == "" && len(cp.valueSets) == 0 {
		return Unknown, cp.reason
	}
	return Member, ""
}

func (cp *compiledPart) matchSystem(ctx context.Context, e *Engine, code string) (Membership, string) {
	if cp.members != nil {
		if cp.members[code] {
			return Member, ""
		}
		if cp.cs != nil && !cp.cs.CaseSensitive {
			if c, ok := cp.cs.Concept(code); ok && cp.members[c.Code] {
				return Member, ""
			}
		}
		return NotMember, ""
	}
	if p := e.providers[cp.p.system]; p != nil {
		return matchProvider(ctx, p, cp.p, code)
	}
	if g := e.grammars[cp.p.system]; g != nil && len(cp.p.filters) == 0 {
		if g(code) == nil {
			return Member, ""
		}
		return NotMember, ""
	}
	if cp.cs != nil && len(cp.p.filters) == 0 {
		// A fragment can still prove a code is in it, unless R4's expander
		// withholds the code from a part drawn from the whole system.
		if c, ok := cp.cs.heldConcept(code); ok && c.Withheld == "" {
			return Member, ""
		}
	}
	return Unknown, cp.reason
}

// matchProvider decides a part over a code system held outside the engine
// (a SNOMED CT release loaded into SQLite).
func matchProvider(ctx context.Context, pv Provider, p *part, code string) (Membership, string) {
	c, ok, err := pv.Lookup(ctx, code)
	if err != nil {
		return Unknown, err.Error()
	}
	if !ok {
		return NotMember, ""
	}
	for _, f := range p.filters {
		isConcept := f.property == "concept" || f.property == "code"
		var in bool
		switch {
		case isConcept && (f.op == "is-a" || f.op == "descendent-of" || f.op == "is-not-a"):
			sub, err := pv.Subsumes(ctx, f.value, c.Code)
			if err != nil {
				return Unknown, err.Error()
			}
			switch f.op {
			case "is-a":
				in = sub
			case "descendent-of":
				in = sub && c.Code != f.value
			default:
				in = !sub
			}
		case isConcept && f.op == "=":
			in = c.Code == f.value
		case isConcept && f.op == "in":
			for _, v := range strings.Split(f.value, ",") {
				in = in || strings.TrimSpace(v) == c.Code
			}
		default:
			return Unknown, fmt.Sprintf("filter %s %s %s is not supported for %s", f.property, f.op, f.value, p.system)
		}
		if !in {
			return NotMember, ""
		}
	}
	if len(p.concepts) > 0 {
		if _, ok := p.concepts[c.Code]; !ok {
			return NotMember, ""
		}
	}
	return Member, ""
}

// Systems lists the code systems the value set draws codes from, sorted.
func (x *Expansion) Systems() []string {
	set := map[string]bool{}
	var walk func(*Expansion, int)
	walk = func(x *Expansion, depth int) {
		if depth > 16 {
			return
		}
		for _, cp := range x.inc {
			if cp.p.system != "" {
				set[cp.p.system] = true
			}
			for _, sub := range cp.valueSets {
				walk(sub, depth+1)
			}
		}
	}
	walk(x, 0)
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Coding is one code of an expansion.
type Coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

// Codes enumerates the value set. It fails, naming why, when some part cannot
// be enumerated offline (a whole external code system, a filter over content
// the engine does not hold).
func (x *Expansion) Codes(e *Engine) ([]Coding, error) {
	var out []Coding
	seen := map[Coding]bool{}
	excluded := map[[2]string]bool{}
	for _, cp := range x.exc {
		codes, err := cp.codes(e)
		if err != nil {
			return nil, fmt.Errorf("value set %s: exclude: %w", x.URL, err)
		}
		for _, c := range codes {
			excluded[[2]string{c.System, c.Code}] = true
		}
	}
	for _, cp := range x.inc {
		codes, err := cp.codes(e)
		if err != nil {
			return nil, fmt.Errorf("value set %s: %w", x.URL, err)
		}
		for _, c := range codes {
			if excluded[[2]string{c.System, c.Code}] || seen[c] {
				continue
			}
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, nil
}

func (cp *compiledPart) codes(e *Engine) ([]Coding, error) {
	if len(cp.missing) > 0 {
		return nil, fmt.Errorf("value set %s is not loaded", strings.Join(cp.missing, ", "))
	}
	var base []Coding
	if cp.p.system != "" {
		if cp.members == nil {
			return nil, fmt.Errorf("%s", cp.reason+" (cannot enumerate)")
		}
		for _, code := range cp.order {
			d := cp.p.concepts[code]
			if cp.cs != nil {
				if c, ok := cp.cs.Concept(code); ok && d == "" {
					d = c.Display
				}
			}
			base = append(base, Coding{System: cp.p.system, Code: code, Display: d})
		}
	}
	for i, sub := range cp.valueSets {
		codes, err := sub.Codes(e)
		if err != nil {
			return nil, err
		}
		if cp.p.system == "" && i == 0 {
			base = codes
			continue
		}
		keep := map[[2]string]bool{}
		for _, c := range codes {
			keep[[2]string{c.System, c.Code}] = true
		}
		var inter []Coding
		for _, c := range base {
			if keep[[2]string{c.System, c.Code}] {
				inter = append(inter, c)
			}
		}
		base = inter
	}
	if cp.p.system == "" && len(cp.valueSets) == 0 {
		return nil, fmt.Errorf("%s", cp.reason)
	}
	return base, nil
}

// canonical strips a |version suffix from a canonical URL.
func canonical(u string) string {
	if i := strings.IndexByte(u, '|'); i >= 0 {
		return u[:i]
	}
	return u
}

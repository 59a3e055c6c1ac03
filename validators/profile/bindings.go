package profile

import (
	"fmt"
	"strings"
	"sync"

	"github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
)

// CodeValidator decides whether a code is in a value set. The terminology
// engine satisfies it; EnumeratedCodes is the built-in fallback.
type CodeValidator interface {
	// Contains reports whether system|code is in the value set (a canonical
	// URL, optionally with |version). An empty system matches any system (a
	// bare code element). known is false when the validator cannot decide
	// (the value set is not loaded, or is defined by filters or by a code
	// system it does not hold): callers then raise nothing.
	Contains(valueSet, system, code string) (in, known bool)
}

// EnumeratedCodes decides membership for value sets that list their codes or
// include whole code systems whose concepts the registry holds: the small
// enumerated value sets of FHIR core (administrative-gender, observation-status,
// ...). Expansions are computed once per value set.
type EnumeratedCodes struct {
	defs *definitions.Registry
	mu   sync.RWMutex
	sets map[string]*expansion
}

type expansion struct {
	ok    bool // false: cannot be enumerated
	codes map[string]map[string]bool
}

// NewEnumeratedCodes returns a CodeValidator over a registry's value sets.
func NewEnumeratedCodes(defs *definitions.Registry) *EnumeratedCodes {
	return &EnumeratedCodes{defs: defs, sets: map[string]*expansion{}}
}

// Contains implements CodeValidator.
func (c *EnumeratedCodes) Contains(valueSet, system, code string) (bool, bool) {
	x := c.expand(valueSet, 0)
	if !x.ok {
		return false, false
	}
	if system == "" {
		for _, codes := range x.codes {
			if codes[code] {
				return true, true
			}
		}
		return false, true
	}
	return x.codes[system][code], true
}

func (c *EnumeratedCodes) expand(vs string, depth int) *expansion {
	c.mu.RLock()
	x, ok := c.sets[vs]
	c.mu.RUnlock()
	if ok {
		return x
	}
	x = c.build(vs, depth)
	c.mu.Lock()
	c.sets[vs] = x
	c.mu.Unlock()
	return x
}

func (c *EnumeratedCodes) build(vs string, depth int) *expansion {
	fail := &expansion{}
	if depth > 8 {
		return fail
	}
	res, err := c.defs.Resource(vs)
	if err != nil || res["resourceType"] != "ValueSet" {
		return fail
	}
	compose, _ := res["compose"].(map[string]any)
	return c.fromCompose(compose, depth)
}

// fromCompose enumerates the codes a ValueSet's compose selects, where
// every clause can be enumerated offline.
func (c *EnumeratedCodes) fromCompose(compose map[string]any, depth int) *expansion {
	fail := &expansion{}
	if compose == nil {
		return fail
	}
	x := &expansion{ok: true, codes: map[string]map[string]bool{}}
	includes, _ := compose["include"].([]any)
	for _, inc := range includes {
		if !c.include(x, inc, depth, true) {
			return fail
		}
	}
	excludes, _ := compose["exclude"].([]any)
	for _, exc := range excludes {
		if !c.include(x, exc, depth, false) {
			return fail
		}
	}
	return x
}

// include adds (or removes) the codes one include/exclude clause selects; it
// returns false when the clause cannot be enumerated.
func (c *EnumeratedCodes) include(x *expansion, clause any, depth int, add bool) bool {
	m, _ := clause.(map[string]any)
	if m == nil || m["filter"] != nil {
		return false
	}
	if imports, _ := m["valueSet"].([]any); len(imports) > 0 {
		if m["system"] != nil || !add {
			return false
		}
		for _, imp := range imports {
			url, _ := imp.(string)
			sub := c.expand(url, depth+1)
			if !sub.ok {
				return false
			}
			for sys, codes := range sub.codes {
				for code := range codes {
					put(x, sys, code, true)
				}
			}
		}
		return true
	}
	system, _ := m["system"].(string)
	if system == "" {
		return false
	}
	if concepts, _ := m["concept"].([]any); len(concepts) > 0 {
		for _, cc := range concepts {
			cm, _ := cc.(map[string]any)
			if code, ok := cm["code"].(string); ok {
				put(x, system, code, add)
			}
		}
		return true
	}
	cs, err := c.defs.Resource(system)
	if err != nil || cs["resourceType"] != "CodeSystem" || cs["content"] != "complete" {
		return false
	}
	eachConceptCode(cs["concept"], func(code string) { put(x, system, code, add) })
	return true
}

func put(x *expansion, system, code string, add bool) {
	if !add {
		delete(x.codes[system], code)
		return
	}
	if x.codes[system] == nil {
		x.codes[system] = map[string]bool{}
	}
	x.codes[system][code] = true
}

// codedBinding checks a Coding, CodeableConcept or Quantity (of any
// Quantity type: Age, Duration...) against the element's binding.
func (w *walker) codedBinding(m map[string]any, k *node, t *typeInfo, at pathAt) {
	switch {
	case t.code == "Coding" || coded.IsQuantity(t.code):
		system, _ := m["system"].(string)
		code, ok := m["code"].(string)
		if !ok {
			return
		}
		w.checkCode(k, system, code, at)
	case t.code == "CodeableConcept":
		codings, _ := m["coding"].([]any)
		w.conceptBinding(k, len(codings), func(i int) (string, string, bool) {
			cm, _ := codings[i].(map[string]any)
			system, _ := cm["system"].(string)
			code, ok := cm["code"].(string)
			return system, code, ok
		}, at)
	}
}

// conceptBinding checks a bound CodeableConcept by its n codings (coding
// gives each one's system and code, and whether it has a code) with
// conceptMember's rule: one coding in the value set satisfies it; when every
// coded coding is decidably outside, the first is reported by the binding's
// strength; when one cannot be decided and none is in, the binding is said
// not decided, a warning (information under a preferred binding, whose miss
// is no more), never an error and never a pass. An extensible binding's
// maxValueSet is asked the same way. The map walk and the stream path
// (which keeps the codings' strings as it passes them) share it.
func (w *walker) conceptBinding(k *node, n int, coding func(i int) (system, code string, ok bool), at pathAt) {
	in, known := w.e.conceptMember(k.binding.valueSet, n, coding)
	if in {
		return
	}
	first, coded := firstCoding(n, coding, func(system, code string) bool {
		_, kn := w.e.codes.Contains(k.binding.valueSet, system, code)
		return known || !kn
	})
	switch {
	case known:
		w.bindingFinding(k, first, at, "no coding is in")
	case coded:
		w.bindingUndecided(k, first, at, "a coding", ", and no other coding is in it")
	}
	if !bounded(k.binding) {
		return
	}
	if !coded {
		w.add(model.Error, CodeBinding, w.pathText(at), fmt.Sprintf("no coding has a code, but the extensible binding to %s admits only codes from its maximum value set %s (maxValueSet)", k.binding.valueSet, k.binding.maxValueSet), "")
		return
	}
	switch in, known := w.e.conceptMember(k.binding.maxValueSet, n, coding); {
	case in:
	case !known:
		unknown, _ := firstCoding(n, coding, func(system, code string) bool {
			_, kn := w.e.codes.Contains(k.binding.maxValueSet, system, code)
			return !kn
		})
		w.maxValueSetUnchecked(k, unknown, at)
	default:
		var shown []string
		for i := range n {
			if system, code, ok := coding(i); ok {
				shown = append(shown, system+"#"+code)
			}
		}
		w.add(model.Error, CodeBinding, w.pathText(at), fmt.Sprintf("no coding is in the maximum value set %s of the extensible binding to %s (maxValueSet), from which any code outside the binding's value set must come", k.binding.maxValueSet, k.binding.valueSet), strings.Join(shown, ", "))
	}
}

// firstCoding returns "system#code" of the first coding with a code that
// pick accepts (a copy, never a view of the record), and whether any
// coding has a code.
func firstCoding(n int, coding func(i int) (system, code string, ok bool), pick func(system, code string) bool) (shown string, coded bool) {
	for i := range n {
		system, code, ok := coding(i)
		if !ok {
			continue
		}
		coded = true
		if pick(system, code) {
			return system + "#" + code, true
		}
	}
	return "", coded
}

// checkCode checks one code (with its system, "" for a code element) by
// conceptMember's rule, as a concept of one coding: a code outside the value
// set is reported by the binding's strength, and one carecert cannot decide
// is said not decided (bindingUndecided), never passed in silence.
func (w *walker) checkCode(k *node, system, code string, at pathAt) {
	in, known := w.e.conceptMember(k.binding.valueSet, 1, func(int) (string, string, bool) { return system, code, true })
	if in || !known && !asksOfData(k.binding) && !bounded(k.binding) {
		return
	}
	// The evidence outlives the record's bytes, which the stream path's
	// code is a view of.
	shown := strings.Clone(code)
	if system != "" {
		shown = system + "#" + code
	}
	if known {
		w.bindingFinding(k, shown, at, "the code "+quote(shown)+" is not in")
	} else {
		w.bindingUndecided(k, shown, at, "the code", "")
	}
	if !bounded(k.binding) {
		return
	}
	// A code outside the value set (or one carecert cannot expand) must
	// come from the maximum value set, which holds the value set.
	switch in, known := w.e.codes.Contains(k.binding.maxValueSet, system, code); {
	case !known:
		w.maxValueSetUnchecked(k, shown, at)
	case !in:
		w.add(model.Error, CodeBinding, w.pathText(at), fmt.Sprintf("the code %s is in neither the value set %s of the extensible binding nor its maximum value set %s (maxValueSet), from which any other code must come", quote(shown), k.binding.valueSet, k.binding.maxValueSet), shown)
	}
}

// bounded says an extensible binding names a maximum value set, which the
// reference validator holds codes outside the binding's value set to; a
// required binding admits no others anyway, and a preferred one is advice.
func bounded(b *binding) bool {
	return b.maxValueSet != "" && b.strength == "extensible"
}

// asksOfData says a binding's strength asks something of the data
// (required, extensible), so that a code it cannot decide is said not
// decided; a preferred or example binding is advice.
func asksOfData(b *binding) bool {
	return b.strength == "required" || b.strength == "extensible"
}

// maxValueSetUnchecked says that a code was not judged against a binding's
// maximum value set, which carecert cannot expand offline: its limit, not the
// supplier's failure.
func (w *walker) maxValueSetUnchecked(k *node, shown string, at pathAt) {
	w.add(model.Information, CodeCodesUnchecked, w.pathText(at), fmt.Sprintf("%s was not checked against the maximum value set %s of the binding to %s: carecert cannot expand it offline", quote(shown), k.binding.maxValueSet, k.binding.valueSet), k.binding.maxValueSet)
}

// bindingUndecided says a bound value's membership was not decided:
// carecert's limit, never the supplier's failure, nor a pass. subject is what
// was asked of ("a coding" of a concept, "the code"), shown the code carecert
// could not decide, and tail what else the message says.
func (w *walker) bindingUndecided(k *node, shown string, at pathAt, subject, tail string) {
	// Only a binding that asks something of the data can be left
	// undecided: a preferred binding's miss is information, no requirement
	// of the data, so its "not decided" would be one finding per coded value
	// that tells no reader anything (952 on one Synthea copy) and would send
	// every such record from the stream scan to the full walk.
	if !asksOfData(k.binding) {
		return
	}
	w.add(model.Warning, CodeBinding, w.pathText(at), fmt.Sprintf("whether %s is in the value set %s (%s binding) was not decided: carecert cannot decide %s offline%s", subject, k.binding.valueSet, k.binding.strength, quote(shown), tail), shown)
}

func (w *walker) bindingFinding(k *node, shown string, at pathAt, subject string) {
	var sev model.Severity
	switch k.binding.strength {
	case "required":
		sev = model.Error
	case "extensible":
		sev = model.Warning
	case "preferred":
		sev = model.Information
	default:
		return
	}
	w.add(sev, CodeBinding, w.pathText(at), fmt.Sprintf("%s the value set %s (%s binding)", subject, k.binding.valueSet, k.binding.strength), shown)
}

func quote(s string) string { return "'" + s + "'" }

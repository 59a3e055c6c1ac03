package profile

import (
	"fmt"
	"strconv"

	"github.com/carecert/carecert/model"
)

// CodeConceptMap marks a ConceptMap whose scope or codes are not what it
// says they are.
const CodeConceptMap = "profile.conceptmap"

// conceptMapRules checks a ConceptMap against the terminology it names, as
// the reference validator's ConceptMapValidator does: its source and target
// scopes (R4 source[x] and target[x]) are value sets, so a canonical that
// names another kind of resource carecert holds (a CodeSystem, say) is an
// error; and each group's element codes are codes of the group's source
// code system, and their targets' codes of its target system, judged where
// carecert holds that system complete (where it holds only part of it, a
// code it lacks may still exist, so the question is left open). Such a code
// is also in the map's scope value set on its side, where carecert can
// enumerate that value set (an error), and a display given with it is one
// the code system gives the code (a warning). A source code mapped twice to
// the same target, or both to targets and to none, is a warning
// (mapDuplicates).
func (w *walker) conceptMapRules(m map[string]any, path string) {
	for _, scope := range []string{"sourceCanonical", "targetCanonical"} {
		c, _ := m[scope].(string)
		if c == "" {
			continue
		}
		if kind := w.heldKind(c); kind != "" && kind != "ValueSet" {
			w.add(model.Error, CodeConceptMap, path+"."+scope, fmt.Sprintf("%s names a %s: the scope of a ConceptMap is a value set", c, kind), c)
		}
	}
	// Scopes are judged by the run's code validator, else by what the
	// registry holds (guides and supporting definitions included).
	held := NewEnumeratedCodes(w.e.defs)
	for i, g := range objects(m["group"]) {
		gp := path + ".group[" + strconv.Itoa(i) + "]"
		src := w.mapSide(m, g, "source", held)
		tgt := w.mapSide(m, g, "target", held)
		elements := objects(g["element"])
		if src.system != "" && src.codes == nil && hasMapCode(elements, false) {
			w.codesUnjudged(gp+".source", "the group's source codes", src.system)
		}
		if tgt.system != "" && tgt.codes == nil && hasMapCode(elements, true) {
			w.codesUnjudged(gp+".target", "the group's target codes", tgt.system)
		}
		for j, el := range elements {
			ep := gp + ".element[" + strconv.Itoa(j) + "]"
			if code, ok := el["code"].(string); ok && src.codes != nil {
				w.mapCode(src, code, el, ep)
			}
			for k, t := range objects(el["target"]) {
				if code, ok := t["code"].(string); ok && tgt.codes != nil {
					w.mapCode(tgt, code, t, ep+".target["+strconv.Itoa(k)+"]")
				}
			}
		}
		w.mapDuplicates(elements, gp)
	}
}

// conceptMapSide is one side (source or target) of a ConceptMap group: its
// code system, the codes and displays of that system where carecert holds
// it complete (nil otherwise), and the map's scope value set on that side.
type conceptMapSide struct {
	side, system, scope string
	codes               map[string][]string
	held                *EnumeratedCodes
}

// mapSide reads one side of group g of ConceptMap m.
func (w *walker) mapSide(m, g map[string]any, side string, held *EnumeratedCodes) *conceptMapSide {
	s := &conceptMapSide{side: side, held: held}
	s.system, _ = g[side].(string)
	version, _ := g[side+"Version"].(string)
	if s.system != "" {
		if cs := w.e.completeSystem(s.system, version); cs != nil {
			s.codes = conceptDisplays(cs)
		}
	}
	for _, k := range []string{side + "Canonical", side + "Uri"} {
		if v, ok := m[k].(string); ok {
			s.scope = v
		}
	}
	return s
}

// mapCode judges one code of a side carecert holds complete, given in c
// (an element or a target) at cp: a code of the system, in the scope value
// set where carecert can enumerate it, with a display the system gives it.
func (w *walker) mapCode(s *conceptMapSide, code string, c map[string]any, cp string) {
	names, ok := s.codes[code]
	if !ok {
		w.add(model.Error, CodeConceptMap, cp+".code", fmt.Sprintf("the code %q is not defined in %s, the group's %s code system", code, s.system, s.side), code)
		return
	}
	if display, ok := c["display"].(string); ok && len(names) > 0 && !displayKnown(display, names) {
		w.add(model.Warning, CodeConceptMap, cp+".display", fmt.Sprintf("the display %q is not one %s gives the code %q (%s)", display, s.system, code, quoteList(names)), display)
	}
	if s.scope == "" {
		return
	}
	in, known := w.e.codes.Contains(s.scope, s.system, code)
	if !known {
		in, known = s.held.Contains(s.scope, s.system, code)
	}
	if known && !in {
		w.add(model.Error, CodeConceptMap, cp+".code", fmt.Sprintf("the code %q of %s is not in %s, the map's %s value set", code, s.system, s.scope, s.side), code)
	}
}

// mapDuplicates reports, as warnings, a group's source code mapped twice to
// the same target code, or mapped both to a target code and, by a target
// with none (unmatched, say), to nothing — or to nothing twice.
func (w *walker) mapDuplicates(elements []map[string]any, gp string) {
	none := map[string]string{}  // source code → equivalence of its target without a code
	pairs := map[string]string{} // source|target → equivalence
	for j, el := range elements {
		source, ok := el["code"].(string)
		if !ok {
			continue
		}
		for k, t := range objects(el["target"]) {
			eq, _ := t["equivalence"].(string)
			if eq == "" {
				continue
			}
			tp := gp + ".element[" + strconv.Itoa(j) + "].target[" + strconv.Itoa(k) + "]"
			target, hasTarget := t["code"].(string)
			switch was, seen := none[source]; {
			case !hasTarget && !seen:
				none[source] = eq
			case !hasTarget && was == eq:
				w.add(model.Warning, CodeConceptMap, tp, fmt.Sprintf("the source code %q is already mapped to no target (%s)", source, eq), source)
			case !hasTarget:
				w.add(model.Warning, CodeConceptMap, tp, fmt.Sprintf("the source code %q is mapped to no target as %s, and already as %s", source, eq, was), source)
			case seen:
				w.add(model.Warning, CodeConceptMap, tp, fmt.Sprintf("the source code %q is mapped to %q as %s, but also to no target (%s)", source, target, eq, was), source)
			}
			if !hasTarget {
				continue
			}
			key := source + "|" + target
			if was, seen := pairs[key]; seen {
				w.add(model.Warning, CodeConceptMap, tp, fmt.Sprintf("the source code %q is already mapped to %q (as %s)", source, target, was), source)
				continue
			}
			pairs[key] = eq
		}
	}
}

// hasMapCode reports whether a group's elements give a source code (or, with
// targets, a target code): a group that maps no code has nothing to judge.
func hasMapCode(elements []map[string]any, targets bool) bool {
	for _, el := range elements {
		if !targets {
			if _, ok := el["code"].(string); ok {
				return true
			}
			continue
		}
		for _, t := range objects(el["target"]) {
			if _, ok := t["code"].(string); ok {
				return true
			}
		}
	}
	return false
}

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
// code it lacks may still exist, so the question is left open).
func (w *walker) conceptMapRules(m map[string]any, path string) {
	for _, scope := range []string{"sourceCanonical", "targetCanonical"} {
		c, _ := m[scope].(string)
		if c == "" {
			continue
		}
		if entry, ok := w.e.defs.Lookup(c); ok && entry.ResourceType != "ValueSet" {
			kind := entry.ResourceType
			w.add(model.Error, CodeConceptMap, path+"."+scope, fmt.Sprintf("%s names a %s: the scope of a ConceptMap is a value set", c, kind), c)
		}
	}
	for i, g := range objects(m["group"]) {
		gp := path + ".group[" + strconv.Itoa(i) + "]"
		source, _ := g["source"].(string)
		target, _ := g["target"].(string)
		sv, _ := g["sourceVersion"].(string)
		tv, _ := g["targetVersion"].(string)
		sourceCodes, sourceKnown := w.mapSystemCodes(source, sv)
		targetCodes, targetKnown := w.mapSystemCodes(target, tv)
		elements := objects(g["element"])
		if source != "" && !sourceKnown && hasMapCode(elements, false) {
			w.codesUnjudged(gp+".source", "the group's source codes", source)
		}
		if target != "" && !targetKnown && hasMapCode(elements, true) {
			w.codesUnjudged(gp+".target", "the group's target codes", target)
		}
		for j, el := range elements {
			ep := gp + ".element[" + strconv.Itoa(j) + "]"
			if code, ok := el["code"].(string); ok && sourceKnown && !sourceCodes[code] {
				w.add(model.Error, CodeConceptMap, ep+".code", fmt.Sprintf("the code %q is not defined in %s, the group's source code system", code, source), code)
			}
			for k, t := range objects(el["target"]) {
				if code, ok := t["code"].(string); ok && targetKnown && !targetCodes[code] {
					w.add(model.Error, CodeConceptMap, ep+".target["+strconv.Itoa(k)+"].code", fmt.Sprintf("the code %q is not defined in %s, the group's target code system", code, target), code)
				}
			}
		}
	}
}

// mapSystemCodes returns the codes of a group's code system where carecert
// holds it complete.
func (w *walker) mapSystemCodes(system, version string) (map[string]bool, bool) {
	if system == "" {
		return nil, false
	}
	return w.e.completeCodes(system, version)
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

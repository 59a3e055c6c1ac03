package profile

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
)

// defaultMappingGroup is the group name the mapping language's short form
// (src.a -> tgt.a) gives a dependent rule that leaves the group to be found
// by the types of its variables: a default group of the map (typeMode types
// or type-and-types) whose source and target inputs have those types.
const defaultMappingGroup = "DefaultMappingGroupAnonymousAlias"

// defaultMappingVariable is the variable name the short form binds on both
// sides.
const defaultMappingVariable = "vvv"

// defaultGroup checks a dependent rule that asks for the default group of
// its variables' types: the map must have one, unless it imports others
// (which may). Variables whose types carecert cannot follow, or that are
// backbone elements, leave it not judged.
func (sm *structureMap) defaultGroup(scope smScope, path string) {
	src, ok1 := scope.has(defaultMappingVariable, "source")
	tgt, ok2 := scope.has(defaultMappingVariable, "target")
	if !ok1 || !ok2 || sm.imports || !plainType(src.typ) || !plainType(tgt.typ) {
		return
	}
	for _, g := range sm.groups {
		if mode, _ := g["typeMode"].(string); mode != "types" && mode != "type-and-types" {
			continue
		}
		inputs := objects(g["input"])
		if len(inputs) != 2 || inputs[0]["mode"] != "source" || inputs[1]["mode"] != "target" {
			continue
		}
		if sm.quietInputType(inputs[0]) == src.typ && sm.quietInputType(inputs[1]) == tgt.typ {
			return
		}
	}
	sm.w.add(model.Error, CodeStructureMap, path+".name", fmt.Sprintf("the dependent rule asks for the default group from %s to %s, but the map has no group of typeMode types or type-and-types with a %s source input and a %s target input (and it imports no other map)", src.typ, tgt.typ, src.typ, tgt.typ), "")
}

// plainType reports whether a variable's type is a type name carecert can
// compare with a group input's (not unknown, not a backbone element path).
func plainType(t string) bool { return t != "" && !strings.Contains(t, ".") }

// listModes warns about list settings a target does not need, as the
// reference validator's StructureMapValidator does: a listRuleId names the
// rule whose values a target shares, so it goes with the share list mode
// (R4 StructureMap.group.rule.target.listRuleId); and a rule that runs once
// (no source gives several values) has no list to handle.
func (sm *structureMap) listModes(t map[string]any, list bool, path string) {
	modes, _ := t["listMode"].([]any)
	_, hasRuleID := t["listRuleId"]
	if hasRuleID && !slices.Contains(modes, any("share")) {
		sm.w.add(model.Warning, CodeStructureMap, path+".listRuleId", "the target has a listRuleId but not the share list mode, the only one that uses it", "")
	}
	if list {
		return
	}
	if len(modes) > 0 {
		sm.w.add(model.Warning, CodeStructureMap, path+".listMode", "the target has a list mode, but its rule runs once (no source gives several values)", "")
	}
	if hasRuleID {
		sm.w.add(model.Warning, CodeStructureMap, path+".listRuleId", "the target has a listRuleId, but its rule runs once (no source gives several values)", "")
	}
}

// leadingPath is the path an expression starts with: a name and the names
// after it, each step a plain identifier; a step followed by "(" is a
// function and ends the path.
var leadingPath = regexp.MustCompile(`^\s*([A-Za-z][A-Za-z0-9]*)((?:\s*\.\s*[A-Za-z][A-Za-z0-9]*)*)\s*(\()?`)

// evaluatePath checks the path an evaluate expression starts with where it
// starts at a variable in scope whose type carecert follows: each step names
// an element of the type before it (the FHIRPath type check the reference
// validator runs on the expression). Anything after a function, a choice
// element or a type carecert cannot follow is not judged.
func (sm *structureMap) evaluatePath(expr string, scope smScope, path string) {
	m := leadingPath.FindStringSubmatch(expr)
	if m == nil {
		return
	}
	v, ok := scope.has(m[1], "source")
	if !ok {
		v, ok = scope.has(m[1], "target")
	}
	if !ok || v.typ == "" {
		return
	}
	var steps []string
	for _, s := range strings.Split(m[2], ".")[1:] {
		steps = append(steps, strings.TrimSpace(s))
	}
	if m[3] != "" && len(steps) > 0 {
		steps = steps[:len(steps)-1] // a function, not an element
	}
	on := v.typ
	for _, step := range steps {
		el, _, child := sm.ix.Resolve(on, step)
		if el == nil {
			sm.w.add(model.Error, CodeStructureMap, path, fmt.Sprintf("evaluate's expression %q reads %s on %s, which has no such element", expr, step, on), expr)
			return
		}
		if child == "" {
			return // a choice, or a type carecert does not follow
		}
		on = child
	}
}

// translate checks translate(source, map, output)'s first two parameters:
// the source is given and, written as an id, is a source variable in scope;
// the map is given and, written #id, is a ConceptMap the map contains. A
// ConceptMap carecert holds is then read against the bindings of the source
// and target elements (conceptMapBindings); one it does not hold is said to
// leave them not judged.
func (sm *structureMap) translate(on, element string, params []map[string]any, scope smScope, path string) {
	for i, what := range []string{"source", "map"} {
		if _, ok := typedValue(params[i], "value"); !ok {
			sm.w.add(model.Error, CodeStructureMap, fmt.Sprintf("%s.parameter[%d]", path, i), fmt.Sprintf("translate's %s parameter has no value", what), "")
			return
		}
	}
	var src smVar
	if id, ok := params[0]["valueId"].(string); ok {
		var found bool
		if src, found = scope.has(id, "source"); !found {
			sm.w.add(model.Error, CodeStructureMap, path+".parameter[0]", fmt.Sprintf("translate's source %q is no source variable in scope", id), id)
			return
		}
	}
	uri, ok := paramText(params[1])
	if !ok {
		uri, _ = params[1]["valueUri"].(string)
		if uri == "" {
			uri, _ = params[1]["valueCanonical"].(string)
		}
	}
	if uri == "" {
		return
	}
	cm := sm.w.heldDefinition(uri, "ConceptMap")
	if cm == nil {
		if strings.HasPrefix(uri, "#") {
			sm.w.add(model.Error, CodeStructureMap, path+".parameter[1]", fmt.Sprintf("translate's map %s names no ConceptMap this map contains", uri), uri)
			return
		}
		sm.w.add(model.Information, CodeStructureMap, path+".parameter[1]", fmt.Sprintf("translate's ConceptMap %s is not held, so its codes are not judged against the source and target bindings", uri), uri)
		return
	}
	tgt, _, _ := sm.ix.Resolve(on, element)
	if src.el != nil && tgt != nil {
		sm.conceptMapBindings(cm, uri, src.el, tgt, path)
	}
}

// codeExpander enumerates a value set's codes offline (the run's terminology
// engine), failing where it cannot.
type codeExpander interface {
	Expand(url string) ([]terminology.Coding, error)
}

// conceptMapBindings reads a translate's ConceptMap against the elements it
// maps between, as the reference validator's StructureMapValidator does (all
// warnings: a map may rightly leave codes to other rules): the source
// element has a required binding, every code of that value set has a
// mapping (unless the map's group for its system says what to do with
// unmapped codes), the target element has a required binding, and every
// code the map gives is in it. A value set carecert cannot expand or judge
// offline leaves its side not judged (information).
func (sm *structureMap) conceptMapBindings(cm map[string]any, uri string, src, tgt *elements.Element, path string) {
	at := path + ".parameter[1]"
	if !requiredBinding(src) {
		sm.w.add(model.Warning, CodeStructureMap, at, fmt.Sprintf("the source element %s has no required binding, so whether ConceptMap %s maps all its codes cannot be judged", src.Path, uri), uri)
	} else if x, ok := sm.w.e.codes.(codeExpander); !ok {
		sm.w.add(model.Information, CodeStructureMap, at, fmt.Sprintf("the source value set %s cannot be expanded here, so whether ConceptMap %s maps all its codes is not judged", src.Binding.ValueSet, uri), uri)
	} else if codes, err := x.Expand(src.Binding.ValueSet); err != nil {
		sm.w.add(model.Information, CodeStructureMap, at, fmt.Sprintf("the source value set %s cannot be expanded offline (%v), so whether ConceptMap %s maps all its codes is not judged", src.Binding.ValueSet, err, uri), uri)
	} else if missing := unmappedCodes(cm, codes); len(missing) > 0 {
		sm.w.add(model.Warning, CodeStructureMap, at, fmt.Sprintf("ConceptMap %s maps no target for %s of the source value set %s", uri, listSome(missing, 10), src.Binding.ValueSet), uri)
	}
	if !requiredBinding(tgt) {
		sm.w.add(model.Warning, CodeStructureMap, at, fmt.Sprintf("the target element %s has no required binding, so whether ConceptMap %s gives codes it takes cannot be judged", tgt.Path, uri), uri)
		return
	}
	var wrong []string
	unjudged := false
	for _, g := range objects(cm["group"]) {
		system, _ := g["target"].(string)
		for _, el := range objects(g["element"]) {
			for _, t := range objects(el["target"]) {
				code, _ := t["code"].(string)
				if code == "" || t["equivalence"] == "unmatched" || t["equivalence"] == "disjoint" {
					continue
				}
				in, known := sm.w.e.codes.Contains(tgt.Binding.ValueSet, system, code)
				unjudged = unjudged || !known
				if known && !in && !slices.Contains(wrong, code) {
					wrong = append(wrong, code)
				}
			}
		}
	}
	if unjudged {
		sm.w.add(model.Information, CodeStructureMap, at, fmt.Sprintf("the target value set %s cannot be judged offline, so whether ConceptMap %s gives only codes it holds is not judged", tgt.Binding.ValueSet, uri), uri)
	}
	if len(wrong) > 0 {
		sm.w.add(model.Warning, CodeStructureMap, at, fmt.Sprintf("ConceptMap %s gives %s, which the target element %s's value set %s does not hold", uri, listSome(wrong, 10), tgt.Path, tgt.Binding.ValueSet), uri)
	}
}

func requiredBinding(el *elements.Element) bool {
	return el.Binding != nil && el.Binding.Strength == "required" && el.Binding.ValueSet != ""
}

// unmappedCodes lists the codes a ConceptMap has no element for, among
// those of the groups of their system that say nothing of unmapped codes.
func unmappedCodes(cm map[string]any, codes []terminology.Coding) []string {
	mapped := map[string]bool{}
	covered := map[string]bool{} // systems whose unmapped codes the map handles
	for _, g := range objects(cm["group"]) {
		system, _ := g["source"].(string)
		if _, ok := g["unmapped"]; ok {
			covered[system] = true
		}
		for _, el := range objects(g["element"]) {
			if code, ok := el["code"].(string); ok {
				mapped[system+"|"+code] = true
			}
		}
	}
	var out []string
	for _, c := range codes {
		if !covered[c.System] && !mapped[c.System+"|"+c.Code] {
			out = append(out, c.Code)
		}
	}
	return out
}

package profile

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/model"
)

// CodeStructureMap marks a StructureMap whose groups, variables, paths or
// transforms cannot work as written.
const CodeStructureMap = "profile.structure-map"

// mapName is the form of the names a map's engine binds: a group, an
// input, a rule, a variable (letters and digits, starting with a letter; the
// mapping language's identifiers).
var mapName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9]*$`)

// transformParams says how many parameters each transform takes, where
// the mapping language fixes it (min, max; -1 for no limit).
var transformParams = map[string][2]int{
	"create": {0, 1}, "copy": {0, 1}, "reference": {1, 1}, "evaluate": {1, 1},
	"cc": {2, 3}, "append": {1, -1}, "uuid": {0, 0}, "translate": {3, 3},
}

// smVar is a variable in scope in a group's rules: its mode (source or
// target), the definition path of its type in the R4 element index ("" if
// carecert cannot follow it), the element it was read from or written to
// (nil for an input, or where carecert cannot follow it), and whether it may
// hold several values (it was read from a repeating element, or from one
// below such a variable).
type smVar struct {
	mode, typ string
	el        *elements.Element
	many      bool
}

// smScope holds the variables in scope, by mode and name.
type smScope map[string]smVar

func (s smScope) has(name, mode string) (smVar, bool) {
	v, ok := s[mode+":"+name]
	return v, ok
}

func (s smScope) add(name string, v smVar) { s[v.mode+":"+name] = v }

func (s smScope) copy() smScope {
	out := smScope{}
	for k, v := range s {
		out[k] = v
	}
	return out
}

// structureMap is the state of checking one map.
type structureMap struct {
	w          *walker
	ix         *elements.Index
	groups     map[string]map[string]any
	structures []map[string]any
	imports    bool
}

// structureMapRules checks what R4's invariants on StructureMap leave to a
// map's engine (R4 StructureMap and the FHIR Mapping Language; the reference
// validator's StructureMapValidator): group, input, rule and variable names
// are identifiers; group names and a group's inputs are unique; extends and
// dependent rules name a group of the map (unless it imports others), with
// one variable per input of that group, each in scope in the input's mode;
// an input's type is a structure the map declares (in a compatible mode) or
// a type carecert knows; a source's context is a source variable and a
// target's a target variable; where the variable's type is an R4 core type,
// a source or target element exists on it (through datatypes, backbone
// elements and choices), a choice is read as one of its types, a source's
// type is the element's type or one derived from it, and each
// transform has the number of parameters the mapping language gives it.
// Paths on logical models or profiles carecert does not hold are not judged.
func (w *walker) structureMapRules(m map[string]any, path string) {
	ix, err := elements.R4()
	if err != nil {
		return
	}
	sm := &structureMap{w: w, ix: ix, groups: map[string]map[string]any{}, structures: objects(m["structure"])}
	_, sm.imports = m["import"]
	groups := objects(m["group"])
	for i, g := range groups {
		name, _ := g["name"].(string)
		gp := path + ".group[" + strconv.Itoa(i) + "]"
		sm.name(name, "group", gp+".name")
		if _, dup := sm.groups[name]; dup {
			w.add(model.Error, CodeStructureMap, gp+".name", fmt.Sprintf("the group name %q is used by an earlier group: a dependent rule could not tell them apart", name), "")
			continue
		}
		sm.groups[name] = g
	}
	for i, g := range groups {
		sm.group(g, path+".group["+strconv.Itoa(i)+"]")
	}
}

// name reports a name that is not an identifier of the mapping language.
func (sm *structureMap) name(name, what, path string) {
	if name != "" && !mapName.MatchString(name) {
		sm.w.add(model.Error, CodeStructureMap, path, fmt.Sprintf("the %s name %q is not a mapping identifier (letters and digits, starting with a letter)", what, name), "")
	}
}

// group checks a group's extends, inputs and rules.
func (sm *structureMap) group(g map[string]any, path string) {
	if ext, _ := g["extends"].(string); ext != "" && sm.groups[ext] == nil && !sm.imports {
		sm.w.add(model.Error, CodeStructureMap, path+".extends", fmt.Sprintf("extends names the group %q, which the map does not have (and it imports no other map)", ext), "")
	}
	scope := smScope{}
	for k, in := range objects(g["input"]) {
		ip := path + ".input[" + strconv.Itoa(k) + "]"
		name, _ := in["name"].(string)
		mode, _ := in["mode"].(string)
		sm.name(name, "input", ip+".name")
		if scope.hasAny(name) {
			sm.w.add(model.Error, CodeStructureMap, ip+".name", fmt.Sprintf("the input name %q is used by an earlier input of the group", name), "")
			continue
		}
		scope.add(name, smVar{mode: mode, typ: sm.inputType(in, mode, ip)})
	}
	for j, r := range objects(g["rule"]) {
		sm.rule(r, scope.copy(), path+".rule["+strconv.Itoa(j)+"]")
	}
}

func (s smScope) hasAny(name string) bool {
	_, a := s["source:"+name]
	_, b := s["target:"+name]
	return a || b
}

// inputType resolves an input's type to a definition path carecert can
// follow, reporting a type that is neither a declared structure nor a type.
func (sm *structureMap) inputType(in map[string]any, mode, path string) string {
	typ, _ := in["type"].(string)
	if typ == "" {
		return ""
	}
	for _, s := range sm.structures {
		if s["alias"] != typ {
			continue
		}
		if smode, _ := s["mode"].(string); smode != "" && mode != smode && !(smode == "target" && mode == "source") {
			sm.w.add(model.Error, CodeStructureMap, path+".mode", fmt.Sprintf("the input has mode %s, but the structure %s it is typed with is declared with mode %s", mode, typ, smode), "")
		}
		break
	}
	t, named := sm.typeNamed(typ)
	if !named {
		sm.w.add(model.Error, CodeStructureMap, path+".type", fmt.Sprintf("the input type %q is neither the alias of a structure the map declares nor a FHIR type", typ), "")
	}
	return t
}

// typeNamed resolves a type a map names (an input's type, the type a
// create() target makes): the alias of a structure the map declares, a
// FHIR type, or a structure's URL. It returns the element-index type
// carecert can follow ("" where it cannot) and whether the name names a
// type; a URL outside FHIR's core that carecert does not hold, and a
// declared structure it cannot read, are not judged and count as named.
func (sm *structureMap) typeNamed(typ string) (string, bool) {
	for _, s := range sm.structures {
		if s["alias"] == typ {
			url, _ := s["url"].(string)
			return sm.structureType(url), true
		}
	}
	if sm.ix.HasType(typ) {
		return typ, true
	}
	t := sm.structureType(typ)
	return t, t != "" || strings.Contains(typ, "/") && !strings.HasPrefix(typ, definitions.CoreBase)
}

// structureType is the element-index type of a structure URL: a core type,
// or the base type of a profile carecert holds; "" otherwise.
func (sm *structureMap) structureType(url string) string {
	sd, err := sm.w.e.defs.StructureDefinition(url)
	if err != nil || sd.Kind == "logical" || !sm.ix.HasType(sd.Type) {
		return ""
	}
	return sd.Type
}

// rule checks a rule's name, sources, targets, nested rules and dependents,
// with the variables its sources and targets bind in scope for what follows.
func (sm *structureMap) rule(r map[string]any, scope smScope, path string) {
	name, _ := r["name"].(string)
	sm.name(name, "rule", path+".name")
	list := false // the rule runs once per value of a repeating source
	for k, s := range objects(r["source"]) {
		list = sm.source(s, scope, path+".source["+strconv.Itoa(k)+"]") || list
	}
	for k, t := range objects(r["target"]) {
		sm.target(t, scope, list, path+".target["+strconv.Itoa(k)+"]")
	}
	for k, nested := range objects(r["rule"]) {
		sm.rule(nested, scope.copy(), path+".rule["+strconv.Itoa(k)+"]")
	}
	for k, d := range objects(r["dependent"]) {
		sm.dependent(d, scope, path+".dependent["+strconv.Itoa(k)+"]")
	}
}

// source checks one rule source and binds its variable. It reports whether
// the source may give several values, so the rule runs as a list: it reads
// a repeating element, or an element below a variable that may hold several
// values, and its max does not bring that down to one.
func (sm *structureMap) source(s map[string]any, scope smScope, path string) bool {
	ctx, _ := s["context"].(string)
	sm.name(ctx, "context", path+".context")
	v, ok := scope.has(ctx, "source")
	if !ok {
		sm.w.add(model.Error, CodeStructureMap, path+".context", fmt.Sprintf("the source context %q is no source variable in scope (an input of mode source, or a variable an earlier source bound)", ctx), "")
		return false
	}
	bound := smVar{mode: v.mode, typ: v.typ, el: v.el, many: v.many}
	list := false
	if element, _ := s["element"].(string); element != "" {
		bound = smVar{mode: v.mode}
		if v.typ != "" {
			bound.typ, _ = sm.element(v.typ, element, s["type"], "source", path)
			if el, _, _ := sm.ix.Resolve(v.typ, element); el != nil {
				bound.el = el
				bound.many = v.many || el.Max != 1
				if max, ok := s["max"].(string); ok && max != "*" {
					if n, err := strconv.Atoi(max); err == nil {
						bound.many = n > 1
					}
				}
				list = bound.many
			}
		}
	}
	if variable, _ := s["variable"].(string); variable != "" {
		sm.name(variable, "variable", path+".variable")
		scope.add(variable, bound)
	}
	return list
}

// element resolves element on the type at definition path on, reporting an
// element that does not exist and a choice read as a type it does not allow;
// it returns the definition path of the element's type ("" if unknown) and
// whether the element exists.
func (sm *structureMap) element(on, element string, asType any, side, path string) (string, bool) {
	el, typ, childPath := sm.ix.Resolve(on, element)
	if el == nil {
		sm.w.add(model.Error, CodeStructureMap, path+".element", fmt.Sprintf("the %s element %q does not exist on %s", side, element, on), "")
		return "", false
	}
	t, _ := asType.(string)
	if !el.Choice || typ != "" {
		if t != "" && typ != "" && !sm.readsAs(typ, t) {
			sm.w.add(model.Error, CodeStructureMap, path+".type", fmt.Sprintf("the %s element %s.%s is a %s, so it cannot be read as a %s", side, on, element, typ, t), "")
		}
		return childPath, true
	}
	for _, allowed := range el.Types {
		if t != "" && allowed.Code == t {
			return t, true
		}
	}
	if t != "" {
		sm.w.add(model.Error, CodeStructureMap, path+".type", fmt.Sprintf("the %s element %s.%s cannot be a %s: it allows %s", side, on, element, t, typeCodes(el.Types)), "")
	}
	return "", true
}

// readsAs reports whether a value of an element's type typ may be read as
// type t: t is typ or a type derived from it (an element of type Resource
// read as a Patient, a string as a code), as the mapping language narrows a
// source by type. A plain type name no definition carecert holds names is no
// type an R4 element can have; a URL carecert does not hold is not judged.
func (sm *structureMap) readsAs(typ, t string) bool {
	if strings.Contains(t, "/") {
		return true
	}
	if _, err := sm.w.e.defs.BaseType(t); err != nil {
		return false
	}
	return sm.typeFits(t, typ)
}

func typeCodes(ts []elements.Type) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Code)
	}
	return strings.Join(out, ", ")
}

// target checks one rule target and binds its variable; list says whether
// its rule runs as a list (structuremap_translate.go judges its list modes).
func (sm *structureMap) target(t map[string]any, scope smScope, list bool, path string) {
	ctx, _ := t["context"].(string)
	variable, _ := t["variable"].(string)
	sm.name(variable, "variable", path+".variable")
	transform, _ := t["transform"].(string)
	params := objects(t["parameter"])
	if ctx == "" {
		if transform == "create" || transform == "uuid" {
			sm.transformParams(transform, len(params), path)
		}
		if variable != "" {
			scope.add(variable, smVar{mode: "target", typ: sm.createdType(transform, params, path)})
		}
		return
	}
	sm.name(ctx, "context", path+".context")
	v, ok := scope.has(ctx, "target")
	if !ok {
		sm.w.add(model.Error, CodeStructureMap, path+".context", fmt.Sprintf("the target context %q is no target variable in scope (an input of mode target, or a variable an earlier target bound)", ctx), "")
		return
	}
	typ := ""
	if v.typ != "" {
		sm.listModes(t, list, path)
	}
	if element, _ := t["element"].(string); element != "" && v.typ != "" {
		var found bool
		if typ, found = sm.element(v.typ, element, nil, "target", path); found { // its transform can be judged
			if transform == "" && len(params) > 0 {
				sm.w.add(model.Error, CodeStructureMap, path+".parameter", "the target has parameters but no transform to take them", "")
			} else if transform != "" {
				sm.transformParams(transform, len(params), path)
				sm.transformValues(transform, v.typ, element, params, scope, path)
			}
		}
	}
	if variable != "" {
		scope.add(variable, smVar{mode: "target", typ: typ})
	}
}

// createdType is the type a create('Type') target makes for its variable,
// where carecert can follow it. As for an input's type, the name is the
// alias of a structure the map declares or a FHIR type: one that is
// neither leaves the variable of no known type, an error (the reference
// validator's StructureMapValidator reports it too).
func (sm *structureMap) createdType(transform string, params []map[string]any, path string) string {
	if transform != "create" || len(params) != 1 {
		return ""
	}
	name, ok := paramText(params[0])
	if !ok || name == "" {
		return ""
	}
	t, named := sm.typeNamed(name)
	if !named {
		sm.w.add(model.Error, CodeStructureMap, path+".parameter[0]", fmt.Sprintf("create(%q) makes the target variable, but %q is neither the alias of a structure the map declares nor a FHIR type", name, name), name)
	}
	return t
}

// transformParams reports a parameter count the transform cannot take.
func (sm *structureMap) transformParams(transform string, n int, path string) {
	r, ok := transformParams[transform]
	if !ok || n >= r[0] && (r[1] < 0 || n <= r[1]) {
		return
	}
	want := fmt.Sprintf("%d to %d", r[0], r[1])
	switch {
	case r[0] == r[1]:
		want = strconv.Itoa(r[0])
	case r[1] < 0:
		want = fmt.Sprintf("at least %d", r[0])
	}
	sm.w.add(model.Error, CodeStructureMap, path+".transform", fmt.Sprintf("the transform %s takes %s parameters, this target gives it %d", transform, want, n), "")
}

// dependent checks a dependent rule's group and the variables it passes.
func (sm *structureMap) dependent(d map[string]any, scope smScope, path string) {
	name, _ := d["name"].(string)
	if name == defaultMappingGroup {
		sm.defaultGroup(scope, path)
		return
	}
	g := sm.groups[name]
	if g == nil {
		if !sm.imports {
			sm.w.add(model.Error, CodeStructureMap, path+".name", fmt.Sprintf("the dependent rule names the group %q, which the map does not have (and it imports no other map)", name), "")
		}
		return
	}
	vars, _ := d["variable"].([]any)
	inputs := objects(g["input"])
	if len(vars) != len(inputs) {
		sm.w.add(model.Error, CodeStructureMap, path, fmt.Sprintf("the dependent rule passes %d variables to the group %q, which has %d inputs", len(vars), name, len(inputs)), "")
		return
	}
	for k, raw := range vars {
		v, _ := raw.(string)
		mode, _ := inputs[k]["mode"].(string)
		sv, ok := scope.has(v, mode)
		if !ok && mode == "source" {
			sv, ok = scope.has(v, "target") // a target may be read as a source
		}
		if !ok {
			sm.w.add(model.Error, CodeStructureMap, path+".variable["+strconv.Itoa(k)+"]", fmt.Sprintf("the variable %q passed to the %s input of the group %q is no %s variable in scope", v, mode, name, mode), "")
			continue
		}
		if it := sm.quietInputType(inputs[k]); !sm.typeFits(sv.typ, it) {
			sm.w.add(model.Error, CodeStructureMap, path+".variable["+strconv.Itoa(k)+"]", fmt.Sprintf("the variable %q is a %s, but the input it is passed to in the group %q takes a %s", v, sv.typ, name, it), "")
		}
	}
}

// quietInputType is inputType without reporting: the type a group's input
// takes, "" where carecert cannot follow it.
func (sm *structureMap) quietInputType(in map[string]any) string {
	typ, _ := in["type"].(string)
	t, _ := sm.typeNamed(typ)
	return t
}

// typeFits reports whether a variable of type have may be passed to an input
// of type want: the same type or one derived from it (a Patient to a
// Resource input). Types carecert cannot follow, and element paths (a
// backbone element's), are not judged.
func (sm *structureMap) typeFits(have, want string) bool {
	if have == "" || want == "" || strings.Contains(have, ".") || strings.Contains(want, ".") {
		return true
	}
	for t, n := have, 0; t != "" && n < 16; n++ {
		if t == want {
			return true
		}
		sd, err := sm.w.e.defs.BaseType(t)
		if err != nil {
			return true
		}
		base, err := sm.w.e.defs.StructureDefinition(sd.BaseDefinition)
		if sd.BaseDefinition == "" || err != nil {
			return false
		}
		t = base.Type
	}
	return false
}

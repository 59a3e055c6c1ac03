package profile

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/fhirpath"
	"github.com/carecert/carecert/model"
)

// CodeDefinitionShape marks a StructureDefinition whose header or elements
// contradict what it is: its derivation, its base, its kind, where it may be
// used, or a constraint its element's types cannot carry.
const CodeDefinitionShape = "profile.definition-shape"

// typeTraits says which constraints each FHIR type can carry (R4 §5.1
// ElementDefinition: maxLength on things with a length, minValue/maxValue on
// ordered values, a binding on coded types; the reference validator's type
// characteristics). A type not listed is not judged.
var typeTraits = map[string][]string{
	"boolean": nil, "integer": {"range", "length"}, "decimal": {"range", "continuous", "length"},
	"base64Binary": {"size"}, "instant": {"range", "continuous", "length"}, "string": {"length", "bind"},
	"uri": {"length", "bind"}, "url": {"length", "bind"}, "canonical": {"target", "length"},
	"oid": {"length", "bind"}, "uuid": {"length", "bind"}, "id": {"length"}, "code": {"length", "bind"},
	"markdown": {"length"}, "date": {"range", "length"}, "dateTime": {"range", "continuous", "length"},
	"time": {"range", "continuous", "length"}, "positiveInt": {"range", "length"}, "unsignedInt": {"range", "length"},
	"xhtml": nil, "Address": nil, "Age": {"range", "continuous", "bind", "units"}, "Annotation": nil,
	"Attachment": {"size"}, "CodeableConcept": {"bind"}, "Coding": {"bind"}, "ContactPoint": nil,
	"Count": {"range"}, "Distance": {"range", "continuous", "bind", "units"}, "Duration": {"range", "continuous", "bind", "units"},
	"HumanName": nil, "Identifier": nil, "Money": {"range", "continuous"}, "Period": nil,
	"Quantity": {"range", "continuous", "bind", "units"}, "SimpleQuantity": {"range", "continuous", "bind", "units"},
	"MoneyQuantity": {"range", "continuous", "bind", "units"}, "Range": {"units", "bind"}, "Ratio": {"units"},
	"Reference": {"target"}, "SampledData": nil, "Signature": nil, "Timing": nil, "ContactDetail": nil,
	"Contributor": nil, "DataRequirement": nil, "Expression": nil, "ParameterDefinition": nil,
	"RelatedArtifact": nil, "TriggerDefinition": nil, "UsageContext": nil, "Dosage": nil, "Meta": nil,
	"Extension": {"bind"}, "Narrative": nil, "BackboneElement": nil, "Element": nil, "Resource": nil,
	"ElementDefinition": nil, "MarketingStatus": nil, "Population": nil, "ProdCharacteristic": nil,
	"ProductShelfLife": nil, "SubstanceAmount": nil,
}

// traitConstraints are the element constraints that need a type trait: an
// element property (or an extension on the element) and what it needs.
var traitConstraints = []struct {
	name, extension, trait string
}{
	{name: "maxLength", trait: "length"},
	{name: "minValue", trait: "range"},
	{name: "maxValue", trait: "range"},
	{name: "binding", trait: "bind"},
	{extension: "http://hl7.org/fhir/StructureDefinition/minLength", trait: "length"},
	{extension: "http://hl7.org/fhir/StructureDefinition/maxDecimalPlaces", trait: "continuous"},
	{extension: "http://hl7.org/fhir/StructureDefinition/maxSize", trait: "size"},
}

// structureDefinitionShape checks a StructureDefinition's header against
// what it derives from and its elements' constraints against their types, as
// the reference validator's StructureDefinitionValidator does beyond R4's
// invariants: a definition with a baseDefinition says how it derives from it;
// a constraint keeps its base's type, a specialisation defines another; its
// kind is its base's unless the base is abstract; only extension definitions
// have a context; an extension definition on Extension fixes Extension.url
// to its own URL; and maxLength, minValue/maxValue, a binding, minLength,
// maxDecimalPlaces and maxSize appear only on elements one of whose types can
// carry them. A base carecert cannot find leaves the header unjudged.
func (w *walker) structureDefinitionShape(m map[string]any, path string) {
	typ, _ := m["type"].(string)
	if _, ok := m["context"]; ok && typ != "Extension" {
		w.add(model.Error, CodeDefinitionShape, path+".context[0]", fmt.Sprintf("only extension definitions have a context: this StructureDefinition defines a %s", typ), "")
	}
	w.definitionType(m, typ, path, w.derivationFromBase(m, typ, path))
	for i, c := range objects(m["context"]) {
		if expr, _ := c["expression"].(string); c["type"] == "element" && expr != "" && !strings.Contains(expr, "#") && !w.elementExists(expr) {
			w.add(model.Error, CodeDefinitionShape, path+".context["+strconv.Itoa(i)+"].expression",
				fmt.Sprintf("the context names the element %s, which R4 does not define", expr), expr)
		}
	}
	if typ == "Extension" && m["baseDefinition"] == "http://hl7.org/fhir/StructureDefinition/Extension" {
		w.extensionURLFixed(m, path)
	}
	w.definitionPaths(m, typ, path)
	w.definitionReview(m, typ, path)
	baseKeys := w.baseInvariants(m)
	constraint := m["derivation"] == "constraint"
	url, _ := m["url"].(string)
	for _, view := range []string{"differential", "snapshot"} {
		v, _ := m[view].(map[string]any)
		keys := map[string]string{}
		for i, el := range objects(v["element"]) {
			ep := path + "." + view + ".element[" + strconv.Itoa(i) + "]"
			w.elementTraits(el, ep)
			w.elementDeclarations(m, el, view == "differential", ep)
			w.elementDefinitionRules(el, ep, view == "snapshot", constraint)
			if view == "differential" {
				w.invariantKeys(el, ep, url, baseKeys, keys)
			} else {
				w.invariantExpressions(el, ep, url, keys)
			}
		}
	}
}

// elementDefinitionRules checks one element definition on its own, as the
// reference validator does for every element of a StructureDefinition: a
// type names its code (an extension in place of the code's value leaves the
// type unnamed unless it is the fhir-type extension); a constraining
// profile's differential does not say what a missing element means, which
// only the element's own definition (or an extension's) may; and in a
// snapshot every element below the root is typed or refers to another
// element's content, and its fixed, pattern and default values are of one
// of its types.
func (w *walker) elementDefinitionRules(el map[string]any, path string, snapshot, constraint bool) {
	p, _ := el["path"].(string)
	var codes []string
	for j, t := range objects(el["type"]) {
		code, _ := t["code"].(string)
		for _, x := range objects(t["extension"]) {
			if x["url"] == "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type" {
				if c, ok := x["valueUrl"].(string); ok && c != "" {
					code = c
				}
			}
		}
		if code == "" {
			if _, ok := t["_code"]; ok {
				w.add(model.Error, CodeDefinitionShape, path+".type["+strconv.Itoa(j)+"].code",
					fmt.Sprintf("a type of %s has an extension on its code but no code: every type names its code", p), "")
			}
			continue
		}
		codes = append(codes, code)
	}
	if _, ok := el["meaningWhenMissing"]; ok && !snapshot && constraint && p != "Extension" && !strings.HasSuffix(p, ".extension") {
		w.add(model.Error, CodeDefinitionShape, path+".meaningWhenMissing",
			fmt.Sprintf("a profile cannot say what a missing %s means: only the element's own definition (or an extension's root) does", p), "")
	}
	id, _ := el["id"].(string)
	if !snapshot || !strings.Contains(id, ".") {
		return
	}
	if len(codes) == 0 {
		if _, ok := el["contentReference"]; !ok {
			w.add(model.Error, CodeDefinitionShape, path, fmt.Sprintf("snapshot element %s has neither a type nor a contentReference", id), "")
		}
		return
	}
	for _, prefix := range []string{"defaultValue", "fixed", "pattern"} {
		suffix, v := choiceValue(el, prefix)
		if v == nil || slices.ContainsFunc(codes, func(c string) bool { return strings.EqualFold(c, suffix) }) {
			continue
		}
		w.add(model.Error, CodeDefinitionShape, path+"."+prefix+suffix,
			fmt.Sprintf("%s%s is not of a type element %s has (%s)", prefix, suffix, id, strings.Join(codes, ", ")), "")
	}
}

// baseInvariants returns the constraint keys of the base's snapshot and
// their expressions (nil when the base is not loaded).
func (w *walker) baseInvariants(m map[string]any) map[string]string {
	baseURL, _ := m["baseDefinition"].(string)
	base, err := w.e.defs.StructureDefinition(baseURL)
	if baseURL == "" || err != nil || base.Snapshot == nil {
		return nil
	}
	out := map[string]string{}
	for _, ed := range base.Snapshot.Element {
		for _, c := range ed.Constraint {
			if _, ok := out[c.Key]; !ok {
				out[c.Key] = c.Expression
			}
		}
	}
	return out
}

// invariantKeys checks a differential element's constraints: a key names one
// expression, so a key the base already uses, or one used earlier in the
// differential, keeps that expression. A constraint sourced from another
// definition is that definition's to check.
func (w *walker) invariantKeys(el map[string]any, path, url string, base, seen map[string]string) {
	for i, c := range objects(el["constraint"]) {
		key, _ := c["key"].(string)
		expr, _ := c["expression"].(string)
		if src, _ := c["source"].(string); key == "" || expr == "" || (src != "" && src != url && !strings.HasPrefix(src, url+"|")) {
			continue
		}
		cp := path + ".constraint[" + strconv.Itoa(i) + "]"
		if prev, ok := base[key]; ok && prev != expr {
			w.add(model.Error, CodeDefinitionShape, cp+".key", fmt.Sprintf("constraint key %s is the base's for the expression %q: a new expression needs a new key", key, prev), key)
			continue
		}
		if prev, ok := seen[key]; ok && prev != expr {
			w.add(model.Error, CodeDefinitionShape, cp+".key", fmt.Sprintf("constraint key %s was given the expression %q earlier in this differential", key, prev), key)
			continue
		}
		seen[key] = expr
	}
}

// invariantExpressions checks a snapshot element's constraints: a key that
// recurs in the snapshot (as an inherited one does on many elements) keeps
// one expression, ele-1 apart, and the FHIRPath of each constraint this
// definition owns (no source, or its own URL) parses.
func (w *walker) invariantExpressions(el map[string]any, path, url string, seen map[string]string) {
	for i, c := range objects(el["constraint"]) {
		key, _ := c["key"].(string)
		expr, _ := c["expression"].(string)
		if prev, ok := seen[key]; ok && key != "" && expr != "" && key != "ele-1" && prev != expr {
			w.add(model.Error, CodeDefinitionShape, path+".constraint["+strconv.Itoa(i)+"].key",
				fmt.Sprintf("constraint key %s has the expression %q elsewhere in this snapshot", key, prev), key)
		} else if key != "" && expr != "" && !ok {
			seen[key] = expr
		}
		if src, _ := c["source"].(string); expr == "" || (src != "" && src != url && !strings.HasPrefix(src, url+"|")) {
			continue
		}
		if _, err := fhirpath.Compile(correctedExpression(key, expr)); err != nil {
			w.add(model.Error, CodeDefinitionShape, path+".constraint["+strconv.Itoa(i)+"].expression",
				fmt.Sprintf("the FHIRPath of constraint %s does not parse: %v", key, err), expr)
		}
	}
}

// derivationFromBase checks derivation, type and kind against the base, and
// says whether it reported the type.
func (w *walker) derivationFromBase(m map[string]any, typ, path string) (typeJudged bool) {
	baseURL, _ := m["baseDefinition"].(string)
	if baseURL == "" {
		return false
	}
	base, err := w.e.defs.StructureDefinition(baseURL)
	if err != nil {
		return false
	}
	derivation, _ := m["derivation"].(string)
	switch derivation {
	case "":
		w.add(model.Error, CodeDefinitionShape, path+".baseDefinition", fmt.Sprintf("this StructureDefinition derives from %s, so it says how (derivation constraint or specialization)", baseURL), "")
		return false
	case "constraint":
		if typ != base.Type {
			w.add(model.Error, CodeDefinitionShape, path+".type", fmt.Sprintf("a constraint on %s keeps its type %s, not %s", baseURL, base.Type, typ), typ)
			typeJudged = true
		}
	case "specialization":
		if typ == base.Type {
			w.add(model.Error, CodeDefinitionShape, path+".type", fmt.Sprintf("a specialization of %s defines a new type, not %s again", baseURL, typ), typ)
			typeJudged = true
		}
	}
	if kind, _ := m["kind"].(string); kind != "" && !base.Abstract && base.Kind != "" && kind != base.Kind {
		w.add(model.Error, CodeDefinitionShape, path+".kind", fmt.Sprintf("kind is %s, but its base %s is a %s", kind, baseURL, base.Kind), kind)
	}
	return typeJudged
}

// extensionURLFixed checks that an extension definition's differential fixes
// Extension.url to the definition's URL: that is how an instance names it.
func (w *walker) extensionURLFixed(m map[string]any, path string) {
	url, _ := m["url"].(string)
	if url == "" {
		return
	}
	diff, _ := m["differential"].(map[string]any)
	for i, el := range objects(diff["element"]) {
		if el["path"] != "Extension.url" {
			continue
		}
		typ, v := choiceValue(el, "fixed")
		fixed, _ := v.(string)
		if fixed == "" {
			break
		}
		if fixed != url {
			w.add(model.Error, CodeDefinitionShape, path+".differential.element["+strconv.Itoa(i)+"].fixed"+typ,
				fmt.Sprintf("Extension.url is fixed to %s, but this extension's URL is %s: instances name it by its URL", fixed, url), fixed)
		}
		return
	}
	w.add(model.Error, CodeDefinitionShape, path+".differential", fmt.Sprintf("the differential does not fix Extension.url to this extension's URL %s", url), "")
}

// elementTraits checks an element's constraints against its types' traits.
// The root element's type is its path; other elements are judged on the
// types they list themselves, all of them known to carecert.
func (w *walker) elementTraits(el map[string]any, path string) {
	p, _ := el["path"].(string)
	var codes []string
	if p != "" && !strings.Contains(p, ".") {
		codes = []string{p}
	} else {
		for _, t := range objects(el["type"]) {
			c, _ := t["code"].(string)
			codes = append(codes, c)
		}
	}
	have := map[string]bool{}
	for _, c := range codes {
		traits, ok := typeTraits[c]
		if !ok {
			return
		}
		for _, t := range traits {
			have[t] = true
		}
	}
	if len(codes) == 0 {
		return
	}
	exts := map[string]bool{}
	for _, x := range objects(el["extension"]) {
		if u, ok := x["url"].(string); ok {
			exts[u] = true
		}
	}
	for _, c := range traitConstraints {
		key, present := c.extension, exts[c.extension]
		if c.extension == "" {
			key, present = constraintKey(el, c.name)
		}
		if present && !have[c.trait] {
			w.add(model.Error, CodeDefinitionShape, path+"."+strings.TrimPrefix(key, "http://hl7.org/fhir/StructureDefinition/"),
				fmt.Sprintf("%s cannot constrain an element of type %s", key, strings.Join(codes, " or ")), "")
		}
	}
}

// constraintKey finds name or name[x] (minValueInteger) among an element's
// keys.
func constraintKey(el map[string]any, name string) (string, bool) {
	if _, ok := el[name]; ok {
		return name, true
	}
	for _, k := range slices.Sorted(maps.Keys(el)) {
		if rest, ok := strings.CutPrefix(k, name); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
			return k, true
		}
	}
	return "", false
}

// elementExists reports whether an element context's path names an element
// of R4: its first step names a core type or resource (CanonicalResource and
// MetadataResource, which R4 does not define, stand for CodeSystem and
// PlanDefinition, as the reference reads them), and each further step a
// child of the element before it, followed through datatypes, backbone
// elements, content references and base types by elements.Index.Resolve.
//
// A context names elements as the definitions do, so a choice is named with
// or without its "[x]" ("Observation.value[x]", "Observation.value"); a name
// carrying one of its types ("Observation.valueQuantity") is how an instance
// writes a value, not an element of the definition, and "[x]" on an element
// that is not a choice names nothing: the reference's definition navigator
// reads both so. Nothing is followed below a choice, whose children depend
// on the type an instance picks.
func (w *walker) elementExists(expr string) bool {
	ix, err := elements.R4()
	if err != nil {
		return true // the embedded index is part of the build; nothing to judge against
	}
	steps := strings.Split(expr, ".")
	switch steps[0] {
	case "CanonicalResource":
		steps[0] = "CodeSystem"
	case "MetadataResource":
		steps[0] = "PlanDefinition"
	}
	if !ix.HasType(steps[0]) {
		return false
	}
	parent := steps[0]
	for _, step := range steps[1:] {
		name, marked := strings.CutSuffix(step, "[x]")
		if parent == "" {
			return false
		}
		el, _, childPath := ix.Resolve(parent, name)
		if el == nil || el.Name() != name || marked && !el.Choice {
			return false
		}
		parent = childPath
	}
	return true
}

package profile

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

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
	if typ == "Extension" && m["baseDefinition"] == "http://hl7.org/fhir/StructureDefinition/Extension" {
		w.extensionURLFixed(m, path)
	}
	for _, view := range []string{"differential", "snapshot"} {
		v, _ := m[view].(map[string]any)
		for i, el := range objects(v["element"]) {
			at := path + "." + view + ".element[" + strconv.Itoa(i) + "]"
			w.elementTraits(el, at)
			w.elementDeclarations(m, el, view == "differential", at)
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

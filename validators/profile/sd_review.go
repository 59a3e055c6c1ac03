package profile

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
)

// CodeDefinitionReview marks what a StructureDefinition's author should
// review though the definition is valid: a choice that is legal but seldom
// meant (a context of Element, a binding to all of LOINC), a dependency on an
// experimental or deprecated definition, or a constraint a validator cannot
// apply. Warnings and information, never errors, as the reference validator
// has them.
const CodeDefinitionReview = "profile.definition-review"

// extTypeMustSupport marks a type, profile or target as must-support.
const extTypeMustSupport = "http://hl7.org/fhir/StructureDefinition/elementdefinition-type-must-support"

// allCodesValueSets are the value sets that hold every code of a large code
// system, part and answer codes, qualifiers and modifiers included, and what
// binding to one takes in.
var allCodesValueSets = map[string]string{
	"http://loinc.org/vs":                  "all of LOINC, part codes and answer lists included",
	"http://snomed.info/sct?fhir_vs":       "all of SNOMED CT, qualifiers included",
	"http://hl7.org/fhir/ValueSet/cpt-all": "all of CPT, modifiers and internal codes included",
}

// bindableTypes are the types whose values a binding constrains directly,
// for telling an author that one binding covers several of them.
var bindableTypes = map[string]bool{
	"code": true, "string": true, "url": true, "uri": true, "Coding": true,
	"CodeableConcept": true, "Quantity": true, "CodeableReference": true,
}

// definitionReview gives a StructureDefinition's author what the reference
// validator's StructureDefinitionValidator gives as warnings and hints
// (R4 §5.1, ElementDefinition): a definition building on an experimental base,
// or binding an experimental value set, without being experimental itself; a
// type profile that is deprecated, withdrawn or retired; an extension whose
// context is Element, or a FHIRPath context that is a plain element path; an
// abstract definition nothing held derives from; constraints without a key
// or an expression; bindings to a value set carecert does not find in the
// core's namespaces, to all of LOINC, SNOMED CT or CPT, or over several
// bindable types; must-support on a type but not its element; the pattern
// discriminator; a fixed or pattern value on a repeating element; and a
// slice that drops the must-support of the element it slices.
func (w *walker) definitionReview(m map[string]any, typ, path string) {
	experimental := m["experimental"] == true
	if base, _ := m["baseDefinition"].(string); base != "" && !experimental && w.experimentalDefinition(base) {
		w.add(model.Warning, CodeDefinitionReview, path+".baseDefinition", fmt.Sprintf("this definition builds on %s, which is experimental, but is not marked experimental itself", base), base)
	}
	if typ == "Extension" {
		w.contextReview(m, path)
	}
	w.abstractDescendants(m, typ, path)
	snap, _ := m["snapshot"].(map[string]any)
	hasSnapshot := len(objects(snap["element"])) > 0
	statusSeen := map[string]bool{}
	for _, view := range []string{"differential", "snapshot"} {
		v, _ := m[view].(map[string]any)
		els := objects(v["element"])
		for i, el := range els {
			ep := path + "." + view + ".element[" + strconv.Itoa(i) + "]"
			p, _ := el["path"].(string)
			w.constraintReview(el, ep)
			if b, ok := el["binding"].(map[string]any); ok {
				w.bindingReview(el, b, p, view == "snapshot", experimental, ep+".binding")
			}
			w.mustSupportReview(el, p, view == "snapshot", hasSnapshot, ep)
			w.typeProfileStatus(el, statusSeen, ep)
			if slicing, ok := el["slicing"].(map[string]any); ok {
				for j, d := range objects(slicing["discriminator"]) {
					if d["type"] == "pattern" {
						w.add(model.Information, CodeDefinitionReview, ep+".slicing.discriminator["+strconv.Itoa(j)+"].type",
							"the pattern discriminator is deprecated from R5 on: a value discriminator with a pattern[x] on the slices says the same", "pattern")
					}
				}
			}
			if view == "snapshot" {
				w.repeatingValueReview(el, ep)
				if el["mustSupport"] == true && el["slicing"] != nil {
					w.sliceMustSupport(els, i, path+".snapshot")
				}
			}
		}
	}
}

// experimentalDefinition reports whether the definition at url, as carecert
// holds it, is marked experimental.
func (w *walker) experimentalDefinition(url string) bool {
	return w.heldDefinition(url, "")["experimental"] == true
}

// contextReview warns of an extension context that is legal but seldom
// meant: Element (the extension may then be used anywhere), or a fhirpath
// context that is a plain element path, which an element context says
// better.
func (w *walker) contextReview(m map[string]any, path string) {
	for i, c := range objects(m["context"]) {
		expr, _ := c["expression"].(string)
		cp := path + ".context[" + strconv.Itoa(i) + "]"
		switch {
		case c["type"] == "element" && expr == "Element":
			w.add(model.Warning, CodeDefinitionReview, cp, "the context Element lets the extension be used on any element of any resource or type: name the elements it is meant for unless that is intended", expr)
		case c["type"] == "fhirpath" && expr != "" && w.baseElement(expr) != nil:
			w.add(model.Warning, CodeDefinitionReview, cp+".type", fmt.Sprintf("the context %s is an element path: give it the type element, not fhirpath", expr), expr)
		}
	}
}

// abstractDescendants warns of an abstract definition, with a base carecert
// holds, that no definition carecert holds derives from: nothing can be an
// instance of it.
func (w *walker) abstractDescendants(m map[string]any, typ, path string) {
	url, _ := m["url"].(string)
	base, _ := m["baseDefinition"].(string)
	if m["abstract"] != true || url == "" || base == "" {
		return
	}
	// The core's abstract types are the roots of its own types.
	if w.heldKind(base) == "" || strings.HasPrefix(url, definitions.CoreBase) {
		return
	}
	if w.e.defs.DerivesFrom(url) {
		return
	}
	for r := range w.bundleDefinitions() {
		if b, _ := r["baseDefinition"].(string); b == url || strings.HasPrefix(b, url+"|") {
			return
		}
	}
	w.add(model.Warning, CodeDefinitionReview, path+".abstract", fmt.Sprintf("%s is abstract, but no definition carecert holds derives from it: nothing can be an instance of it unless a definition elsewhere does", typ), url)
}

// constraintReview warns of a constraint without a key (nothing can report
// it by name) and notes one without an expression (no validator can check
// it).
func (w *walker) constraintReview(el map[string]any, path string) {
	for i, c := range objects(el["constraint"]) {
		cp := path + ".constraint[" + strconv.Itoa(i) + "]"
		key, _ := c["key"].(string)
		if key == "" {
			w.add(model.Warning, CodeDefinitionReview, cp, "the constraint has no key, so nothing can report it by name", "")
			continue
		}
		if expr, _ := c["expression"].(string); expr == "" {
			w.add(model.Information, CodeDefinitionReview, cp, fmt.Sprintf("the constraint %s has no expression, so no validator can check it", key), key)
		}
	}
}

// bindingReview reviews one binding: several bindable types under one
// binding (differential), a value set element without a URL (snapshot), a
// value set in the core's namespaces carecert does not hold, an experimental
// value set bound by a definition that is not experimental, and bindings to
// all of LOINC, SNOMED CT or CPT. That a bound URL is a value set at all is
// elementDeclarations'.
func (w *walker) bindingReview(el, b map[string]any, elementPath string, snapshot, experimental bool, path string) {
	if !snapshot {
		var bindable []string
		for _, t := range objects(el["type"]) {
			if c, _ := t["code"].(string); bindableTypes[c] {
				bindable = append(bindable, c)
			}
		}
		if len(bindable) > 1 {
			w.add(model.Information, CodeDefinitionReview, path, fmt.Sprintf("the binding of %s applies to each of its bindable types (%s)", elementPath, strings.Join(bindable, ", ")), "")
		}
	}
	vs, hasURL := b["valueSet"].(string)
	if _, ext := b["_valueSet"]; !hasURL {
		if ext && snapshot {
			w.add(model.Warning, CodeDefinitionReview, path+".valueSet", fmt.Sprintf("the binding of %s has no value set URL", elementPath), "")
		}
		return
	}
	if what, ok := allCodesValueSets[vs]; ok {
		w.add(model.Warning, CodeDefinitionReview, path+".valueSet", fmt.Sprintf("the binding is to %s (%s): review whether a narrower value set is meant", vs, what), vs)
	}
	kind := w.heldKind(vs)
	switch {
	case kind == "" && coreNamespace(vs):
		w.add(model.Warning, CodeDefinitionReview, path+".valueSet", fmt.Sprintf("the binding of %s names %s, a value set in FHIR's own namespace that FHIR R4 does not define", elementPath, vs), vs)
	case kind == "ValueSet" && !experimental && b["strength"] != "example" && w.experimentalDefinition(vs):
		w.add(model.Warning, CodeDefinitionReview, path+".valueSet", fmt.Sprintf("%s binds the experimental value set %s, but this definition is not marked experimental", elementPath, vs), vs)
	}
}

// coreNamespace reports whether a value set URL is in a namespace whose
// value sets carecert holds all of: FHIR's own and HL7 terminology's. A value
// set elsewhere that carecert does not hold is a guide carecert was not
// given, not the author's mistake.
func coreNamespace(vs string) bool {
	url, _, _ := strings.Cut(vs, "|")
	return strings.HasPrefix(url, "http://hl7.org/fhir/ValueSet/") || strings.HasPrefix(url, "http://terminology.hl7.org/ValueSet/")
}

// mustSupportReview reviews must-support set on a type, a type profile or a
// target profile (the type-must-support extension) while the element itself
// is not must-support: in a snapshot the inner marks say nothing (a warning);
// in a differential without a snapshot the element may still inherit it (a
// hint).
func (w *walker) mustSupportReview(el map[string]any, elementPath string, snapshot, hasSnapshot bool, path string) {
	if el["mustSupport"] == true || (!snapshot && hasSnapshot) || !typeMustSupport(el) {
		return
	}
	if snapshot {
		w.add(model.Warning, CodeDefinitionReview, path, fmt.Sprintf("%s has types, profiles or targets marked must-support, but is not must-support itself", elementPath), "")
		return
	}
	w.add(model.Information, CodeDefinitionReview, path, fmt.Sprintf("%s has types, profiles or targets marked must-support, but is not must-support itself: the inner marks are ignored unless it inherits must-support", elementPath), "")
}

// typeMustSupport reports whether a type of el, or one of its profiles or
// target profiles, carries the type-must-support extension set to true.
func typeMustSupport(el map[string]any) bool {
	marked := func(exts any) bool {
		for _, x := range objects(exts) {
			if x["url"] == extTypeMustSupport && x["valueBoolean"] == true {
				return true
			}
		}
		return false
	}
	for _, t := range objects(el["type"]) {
		if marked(t["extension"]) {
			return true
		}
		for _, companion := range []string{"_profile", "_targetProfile"} {
			list, _ := t[companion].([]any)
			for _, c := range list {
				if cm, ok := c.(map[string]any); ok && marked(cm["extension"]) {
					return true
				}
			}
		}
	}
	return false
}

// typeProfileStatus notes, once per URL and definition, a type profile that
// is deprecated or withdrawn (its standards-status extension) or retired
// (its status): the definition depends on something on its way out.
func (w *walker) typeProfileStatus(el map[string]any, seen map[string]bool, path string) {
	for j, t := range objects(el["type"]) {
		for k, p := range fhir.Strings(t["profile"]) {
			status, reason := w.definitionStatus(p)
			if status == "" || seen[p] {
				continue
			}
			seen[p] = true
			kind := "profile"
			if t["code"] == "Extension" {
				kind = "extension"
			}
			msg := fmt.Sprintf("this definition depends on the %s %s, which is %s", kind, p, status)
			if reason != "" {
				msg += ": " + reason
			}
			w.add(model.Information, CodeDefinitionReview, path+".type["+strconv.Itoa(j)+"].profile["+strconv.Itoa(k)+"]", msg, p)
		}
	}
}

// definitionStatus says whether the definition at url, as carecert holds
// it, is deprecated or withdrawn (its standards status, with the reason
// given) or retired (its status), as standingOf reads it; "" otherwise.
// The definition is read as held, not through its snapshot: a profile whose
// own base carecert lacks still states its standing.
func (w *walker) definitionStatus(url string) (status, reason string) {
	res := w.heldDefinition(url, "StructureDefinition")
	if res == nil {
		return "", ""
	}
	st, _ := res["status"].(string)
	if s := standingOf(st, rawExtensions(res)); s != nil {
		return s.why, s.note
	}
	return "", ""
}

// rawExtensions returns a resource's extensions as standingOf reads them.
func rawExtensions(res map[string]any) []json.RawMessage {
	var out []json.RawMessage
	for _, x := range objects(res["extension"]) {
		if b, err := json.Marshal(x); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// repeatingValueReview notes a fixed or pattern value on a snapshot element
// that repeats: it applies to every repeat, which authors have not always
// meant; for a primitive value, some validators apply it to the first repeat
// only, so it is a warning.
func (w *walker) repeatingValueReview(el map[string]any, path string) {
	id, _ := el["id"].(string)
	if !strings.Contains(id, ".") {
		return
	}
	if max, _ := el["max"].(string); max == "0" || max == "1" || max == "" {
		return
	}
	for _, prefix := range []string{"fixed", "pattern"} {
		suffix, v := choiceValue(el, prefix)
		if v == nil {
			continue
		}
		vp := path + "." + prefix + suffix
		w.add(model.Information, CodeDefinitionReview, vp, fmt.Sprintf("%s repeats, so its %s value applies to every repeat", id, prefix), "")
		// A choice suffix names a primitive in upper case: FixedString is a string.
		if suffix != "" && definitions.IsPrimitive(strings.ToLower(suffix[:1])+suffix[1:]) {
			w.add(model.Warning, CodeDefinitionReview, vp, fmt.Sprintf("%s repeats and its %s value is a primitive: some validators apply it to the first repeat only", id, prefix), "")
		}
	}
}

// sliceMustSupport warns of each slice of the must-support snapshot element
// at index i that is not must-support itself, and of a slice type the sliced
// element does not have, as the reference reads the snapshot.
func (w *walker) sliceMustSupport(els []map[string]any, i int, path string) {
	p, _ := els[i]["path"].(string)
	types := map[string]bool{}
	for _, t := range objects(els[i]["type"]) {
		if c, ok := t["code"].(string); ok {
			types[c] = true
		}
	}
	for j := i + 1; j < len(els); j++ {
		sp, _ := els[j]["path"].(string)
		if len(sp) < len(p) {
			break
		}
		if sp != p || els[j]["mustSupport"] == true {
			continue
		}
		name, _ := els[j]["sliceName"].(string)
		ep := path + ".element[" + strconv.Itoa(j) + "]"
		w.add(model.Warning, CodeDefinitionReview, ep, fmt.Sprintf("the slice %s of %s is not must-support, though the element it slices is", name, p), "")
		for k, t := range objects(els[j]["type"]) {
			if c, _ := t["code"].(string); c != "" && len(types) > 0 && !types[c] {
				w.add(model.Warning, CodeDefinitionReview, ep+".type["+strconv.Itoa(k)+"]", fmt.Sprintf("the slice %s of %s has the type %s, which the element it slices does not have", name, p, c), c)
			}
		}
	}
}

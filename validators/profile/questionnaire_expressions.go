package profile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
)

// Questionnaire item extensions read beyond the R4 elements.
const (
	// extEnableWhenExpression (SDC) decides whether an item is enabled by
	// a FHIRPath expression on the response, in place of enableWhen.
	extEnableWhenExpression = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
	// extEnableWhenFinnish is the Finnish PHR's earlier extension for the
	// same, a FHIRPath expression as a string; the reference reads it too.
	extEnableWhenFinnish = "http://phr.kanta.fi/StructureDefinition/fiphr-ext-questionnaire-enablewhen"
	// extReferenceResource lists the resource types a reference item may
	// point to.
	extReferenceResource = "http://hl7.org/fhir/StructureDefinition/questionnaire-referenceResource"
)

// enableWhenExpression returns an item's enabling FHIRPath expression, or ""
// (an expression in another language is not one carecert evaluates).
func enableExpression(item map[string]any) string {
	exts, _ := item["extension"].([]any)
	for _, raw := range exts {
		e, _ := raw.(map[string]any)
		switch e["url"] {
		case extEnableWhenExpression:
			x, _ := e["valueExpression"].(map[string]any)
			if lang, _ := x["language"].(string); lang == "text/fhirpath" {
				expr, _ := x["expression"].(string)
				return expr
			}
		case extEnableWhenFinnish:
			expr, _ := e["valueString"].(string)
			return expr
		}
	}
	return ""
}

// enableInvariant compiles an item's enabling expression once, with the
// questionnaire (a response evaluates it for every item beneath the item):
// nil when there is no expression or no FHIRPath engine.
func enableInvariant(fx Invariants, linkID, expr string) *invariant {
	if expr == "" || fx == nil {
		return nil
	}
	inv := &invariant{key: "enableWhenExpression of " + linkID, expr: expr}
	if x, err := fx.Compile(expr); err != nil {
		inv.unusable = "FHIRPath: " + err.Error()
	} else {
		inv.compiled = x
	}
	return inv
}

// extensionCodes returns the valueCode of each of an element's extensions
// with the url.
func extensionCodes(m map[string]any, url string) []string {
	var out []string
	exts, _ := m["extension"].([]any)
	for _, raw := range exts {
		e, _ := raw.(map[string]any)
		if e["url"] == url {
			if c, ok := e["valueCode"].(string); ok {
				out = append(out, c)
			}
		}
	}
	return out
}

// enabledByExpression evaluates an item's enabling expression on the
// response: true enables it, false or empty disables it (as a FHIRPath
// boolean test), an expression that cannot be evaluated decides nothing.
func (r *responseCheck) enabledByExpression(it *qItem, response map[string]any) tri {
	inv := it.enableInv
	if inv == nil {
		return unknown // no FHIRPath engine
	}
	if inv.compiled == nil {
		r.w.unevaluated(inv, inv.unusable)
		return unknown
	}
	ok, err := inv.compiled.Holds(Focus{Value: response, Type: "QuestionnaireResponse", DefPath: "QuestionnaireResponse", Resource: response, Root: r.w.root})
	if err != nil {
		r.w.unevaluated(inv, "FHIRPath: "+err.Error())
		return unknown
	}
	return truth(ok)
}

// referenceAnswer checks the resource type a reference answer names (from
// "Type/id" or an absolute URL ending in Type/id): a type FHIR defines, and
// one of the item's questionnaire-referenceResource types when it lists
// them. A reference whose type cannot be read (urn:, #id, identifier only)
// is not judged.
func (r *responseCheck) referenceAnswer(v qValue, qi *qItem, path string) {
	m, _ := v.v.(map[string]any)
	ref, _ := m["reference"].(string)
	typ := referencedType(ref)
	if typ == "" {
		return
	}
	switch {
	case !r.w.e.IsResourceType(typ):
		r.w.add(model.Error, CodeQuestionnaire, path, fmt.Sprintf("reference %s answering item '%s' names the resource type %s, which FHIR does not define", ref, qi.linkID, typ), "")
	case len(qi.referenceTypes) > 0 && !slices.Contains(qi.referenceTypes, typ):
		r.w.add(model.Error, CodeQuestionnaire, path, fmt.Sprintf("reference %s answering item '%s' points to a %s, but Questionnaire %s allows only %s (questionnaire-referenceResource)", ref, qi.linkID, typ, r.q.name, strings.Join(qi.referenceTypes, ", ")), "")
	}
}

// referencedType is the resource type of a RESTful reference: the segment
// before the id, ignoring a _history suffix; "" when there is none.
func referencedType(ref string) string {
	if ref == "" || strings.HasPrefix(ref, "#") || strings.HasPrefix(ref, "urn:") {
		return ""
	}
	typ, _, ok := fhir.LiteralReference(ref)
	if !ok || typ == "" || typ[0] < 'A' || typ[0] > 'Z' {
		return ""
	}
	return typ
}

// valueSetAnswer checks a coded answer (a Coding, or the text of a string or
// open-choice answer) against the item's answerValueSet: not a member is an
// error; a value set carecert cannot expand offline (filters, code systems
// it does not hold, such as ISO 3166) is said to be unchecked, never a pass
// and never the supplier's fault. Free text of an open choice is allowed.
func (r *responseCheck) valueSetAnswer(v qValue, qi *qItem, path string) {
	var system, code string
	switch x := v.v.(type) {
	case map[string]any:
		if v.typ != "Coding" {
			return
		}
		system, _ = x["system"].(string)
		code, _ = x["code"].(string)
	case string:
		if v.typ != "String" || qi.typ == "open-choice" {
			return
		}
		code = x
	}
	if code == "" {
		return
	}
	in, known := r.w.e.codes.Contains(qi.answerValueSet, system, code)
	switch {
	case !known:
		r.w.add(model.Warning, CodeAnswerUnchecked, path, fmt.Sprintf("answer %s to item '%s' was not checked against its answerValueSet %s, which carecert cannot expand offline", code, qi.linkID, qi.answerValueSet), "")
	case !in:
		r.w.add(model.Error, CodeQuestionnaire, path, fmt.Sprintf("answer %s to item '%s' is not in its answerValueSet %s in Questionnaire %s", code, qi.linkID, qi.answerValueSet, r.q.name), "")
	default:
		if coding, ok := v.v.(map[string]any); ok {
			r.answerDisplay(coding, qi, path)
		}
	}
}

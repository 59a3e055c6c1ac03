package profile

import (
	"fmt"
	"strconv"

	"github.com/carecert/carecert/model"
)

// Questionnaire derivation (R4 Questionnaire.derivedFrom, with the
// questionnaire-derivationType extension that says how a Questionnaire
// relates to the one it derives from).
const (
	extDerivationType    = "http://hl7.org/fhir/StructureDefinition/questionnaire-derivationType"
	systemDerivationType = "http://hl7.org/fhir/questionnaire-derivationType"
)

// derivation is one parent a Questionnaire is judged against: its items by
// linkId, and whether the derived form may add items of its own (extends)
// or only narrow the parent's (compliesWith).
type derivation struct {
	name    string
	items   map[string]map[string]any
	extends bool
}

// questionnaireDerivations judges a Questionnaire against each parent its
// derivedFrom names, where carecert holds the parent (contained, in the same
// Bundle, or loaded: the core or --ig). A parent it does not hold leaves the
// derivation not judged (a warning naming it, never an error). How the two
// relate comes from the questionnaire-derivationType extension on
// derivedFrom: extends and compliesWith are judged; inspiredBy asks for no
// judgement; no extension, or a type FHIR does not define, is a warning.
// Under extends and compliesWith every item the parent has keeps its type,
// does not start repeating, stays required, keeps its definition (an
// information finding: a change may be meant), keeps a maxLength no longer
// than the parent's, and keeps the kind of its answer list (options or a
// value set); options may only be dropped, never added. compliesWith also
// forbids items the parent does not have.
func (w *walker) questionnaireDerivations(m map[string]any, path string) {
	froms, _ := m["derivedFrom"].([]any)
	companions, _ := m["_derivedFrom"].([]any)
	var derivs []derivation
	for i, raw := range froms {
		canonical, _ := raw.(string)
		if canonical == "" {
			continue
		}
		dp := path + ".derivedFrom[" + strconv.Itoa(i) + "]"
		parent := w.heldDefinition(canonical, "Questionnaire")
		if parent == nil {
			w.add(model.Warning, CodeQuestionnaireUnknown, dp, fmt.Sprintf("the Questionnaire %s this one derives from is not held (not contained, not in the same Bundle, not loaded), so the derivation is not judged", canonical), "")
			continue
		}
		var ext map[string]any
		if i < len(companions) {
			if c, ok := companions[i].(map[string]any); ok {
				for _, e := range objects(c["extension"]) {
					if e["url"] == extDerivationType {
						ext = e
						break
					}
				}
			}
		}
		if ext == nil {
			w.add(model.Warning, CodeQuestionnaire, dp, fmt.Sprintf("derivedFrom %s does not say how this Questionnaire derives from it (the %s extension), so the derivation is not judged", canonical, extDerivationType), "")
			continue
		}
		coding, _ := ext["valueCoding"].(map[string]any)
		if coding == nil {
			w.add(model.Warning, CodeQuestionnaire, dp+".extension", fmt.Sprintf("the derivation type extension on derivedFrom %s has no Coding value, so the derivation is not judged", canonical), "")
			continue
		}
		system, _ := coding["system"].(string)
		code, _ := coding["code"].(string)
		switch {
		case system == systemDerivationType && (code == "extends" || code == "compliesWith"):
			derivs = append(derivs, derivation{name: canonical, items: itemsByLinkID(parent), extends: code == "extends"})
		case system == systemDerivationType && code == "inspiredBy":
			w.add(model.Information, CodeQuestionnaire, dp+".extension", fmt.Sprintf("this Questionnaire is only inspired by %s, which asks for no derivation to be judged", canonical), "")
		default:
			w.add(model.Warning, CodeQuestionnaire, dp+".extension", fmt.Sprintf("the derivation type %s#%s is not one FHIR defines (extends, compliesWith, inspiredBy), so the derivation from %s is not judged", system, code, canonical), "")
		}
	}
	if len(derivs) == 0 {
		return
	}
	var walk func(items any, p string)
	walk = func(items any, p string) {
		for i, it := range objects(items) {
			ip := p + ".item[" + strconv.Itoa(i) + "]"
			for _, d := range derivs {
				w.derivedItem(it, d, ip)
			}
			walk(it["item"], ip)
		}
	}
	walk(m["item"], path)
}

// itemsByLinkID indexes every item of a Questionnaire (the first, if a
// linkId repeats).
func itemsByLinkID(q map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	var walk func(items any)
	walk = func(items any) {
		for _, it := range objects(items) {
			if id, ok := it["linkId"].(string); ok {
				if _, seen := out[id]; !seen {
					out[id] = it
				}
			}
			walk(it["item"])
		}
	}
	walk(q["item"])
	return out
}

// derivedItem judges one item against the parent's item of its linkId.
func (w *walker) derivedItem(it map[string]any, d derivation, path string) {
	id, _ := it["linkId"].(string)
	if id == "" {
		return
	}
	pi := d.items[id]
	if pi == nil {
		if !d.extends {
			w.add(model.Error, CodeQuestionnaire, path, fmt.Sprintf("item '%s' is not in %s, which this Questionnaire complies with: a complying form adds no items", id, d.name), "")
		}
		return
	}
	fail := func(at, format string, args ...any) {
		w.add(model.Error, CodeQuestionnaire, at, fmt.Sprintf("item '%s' of %s: ", id, d.name)+fmt.Sprintf(format, args...), "")
	}
	if pt, _ := pi["type"].(string); pt != "" {
		if t, ok := it["type"].(string); ok && t != pt {
			fail(path+".type", "the parent's type is %s; a derived item keeps it, so it cannot be %s", pt, t)
		}
	}
	if pi["repeats"] != true && it["repeats"] == true {
		fail(path+".repeats", "it does not repeat there, so it cannot repeat here")
	}
	if pi["required"] == true {
		if r, ok := it["required"]; ok && r != true {
			fail(path+".required", "it is required there, so it stays required here")
		}
	}
	if pd, _ := pi["definition"].(string); pd != "" {
		switch def, ok := it["definition"].(string); {
		case !ok:
			w.add(model.Information, CodeQuestionnaire, path, fmt.Sprintf("item '%s' of %s has the definition %s, which is not repeated here", id, d.name, pd), "")
		case def != pd:
			w.add(model.Information, CodeQuestionnaire, path+".definition", fmt.Sprintf("item '%s' of %s has the definition %s; is the change to %s meant?", id, d.name, pd, def), "")
		}
	}
	if pl, ok := intOf(pi["maxLength"]); ok {
		switch l, has := intOf(it["maxLength"]); {
		case !has:
			fail(path, "it has a maxLength of %d, so it needs one here too, no greater", pl)
		case l > pl:
			fail(path+".maxLength", "its maxLength is %d, so it cannot be %d here", pl, l)
		}
	}
	w.derivedAnswers(it, pi, id, d, path, fail)
}

// derivedAnswers judges an item's answer list against the parent item's: a
// list of options stays a list of options, each one of the parent's; a value
// set stays a value set (whether a different one only narrows the parent's
// is not judged).
func (w *walker) derivedAnswers(it, pi map[string]any, id string, d derivation, path string, fail func(at, format string, args ...any)) {
	parentOptions := objects(pi["answerOption"])
	options := objects(it["answerOption"])
	vs, hasVS := it["answerValueSet"].(string)
	if len(parentOptions) > 0 {
		switch {
		case hasVS:
			fail(path+".answerValueSet", "its answers are listed as options, so they cannot become a value set here")
		case len(options) == 0:
			fail(path, "its answers are listed as %d options, so it lists options here too", len(parentOptions))
		}
		for k, o := range options {
			v, ok := typedValue(o, "value")
			if !ok || v.v == nil {
				continue
			}
			if !hasOption(parentOptions, v) {
				fail(path+".answerOption["+strconv.Itoa(k)+"]", "the option %s is not among its options there; a derived item may drop options, not add them", describeValue(v))
			}
		}
	}
	if pvs, ok := pi["answerValueSet"].(string); ok && pvs != "" {
		switch {
		case len(options) > 0:
			fail(path+".answerOption", "its answers come from the value set %s, so they cannot become a list of options here", pvs)
		case hasVS && vs != pvs:
			w.add(model.Information, CodeQuestionnaire, path+".answerValueSet", fmt.Sprintf("item '%s' of %s takes its answers from %s; whether %s only narrows it is not judged", id, d.name, pvs, vs), "")
		}
	}
}

// hasOption reports whether v is one of the options: the same primitive, the
// same Coding (system, version where both give one, code) or the same
// reference.
func hasOption(options []map[string]any, v qValue) bool {
	for _, o := range options {
		ov, ok := typedValue(o, "value")
		if !ok || ov.typ != v.typ {
			continue
		}
		if v.typ == "Coding" {
			a, _ := v.v.(map[string]any)
			b, _ := ov.v.(map[string]any)
			av, _ := a["version"].(string)
			bv, _ := b["version"].(string)
			if a["system"] == b["system"] && a["code"] == b["code"] && (av == "" || bv == "" || av == bv) {
				return true
			}
			continue
		}
		if sameValue(ov, v) == yes {
			return true
		}
	}
	return false
}

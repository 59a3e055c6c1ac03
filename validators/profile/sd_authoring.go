package profile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
)

// profileAuthoring checks what a constraining profile's differential says
// against its base and the profiles it names (R4 §5.1.0.4 "Profiling"):
// a profile may only narrow its base, so a value the base fixes stays fixed
// (same type, same value) and a pattern of the base stays met by the fixed or
// pattern value of the profile; a profile named on a type is a profile of
// that type, an extension profile is used as a modifier extension exactly
// when it defines one, and target profiles are given only on references and
// canonicals, a reference's being profiles of resources. The reference
// validator rejects each; a profile it cannot find is a warning.
func (w *walker) profileAuthoring(m map[string]any, path string) {
	baseURL, _ := m["baseDefinition"].(string)
	base, err := w.e.defs.StructureDefinition(baseURL)
	var byID, byPath map[string]*definitions.ElementDefinition
	if err == nil && base.Snapshot != nil {
		byID = make(map[string]*definitions.ElementDefinition, len(base.Snapshot.Element))
		byPath = make(map[string]*definitions.ElementDefinition, len(base.Snapshot.Element))
		for i := range base.Snapshot.Element {
			ed := &base.Snapshot.Element[i]
			byID[ed.ID] = ed
			if _, ok := byPath[ed.Path]; !ok {
				byPath[ed.Path] = ed
			}
		}
	}
	diff, _ := m["differential"].(map[string]any)
	for i, el := range objects(diff["element"]) {
		ep := path + ".differential.element[" + strconv.Itoa(i) + "]"
		if byID != nil {
			id, _ := el["id"].(string)
			be := byID[id]
			if be == nil {
				p, _ := el["path"].(string)
				be = byPath[p]
			}
			if be != nil {
				w.againstBase(el, be, baseURL, ep)
			}
		}
		elPath, _ := el["path"].(string)
		for j, t := range objects(el["type"]) {
			code, _ := t["code"].(string)
			tp := ep + ".type[" + strconv.Itoa(j) + "]"
			for k, p := range fhir.Strings(t["profile"]) {
				w.typeProfile(p, code, elPath, tp+".profile["+strconv.Itoa(k)+"]")
			}
			for k, p := range fhir.Strings(t["targetProfile"]) {
				w.targetProfile(p, code, tp+".targetProfile["+strconv.Itoa(k)+"]")
			}
		}
	}
}

// againstBase checks an element's fixed[x] and pattern[x] against those of
// the base element it constrains.
func (w *walker) againstBase(el map[string]any, be *definitions.ElementDefinition, baseURL, path string) {
	fixedType, fixed := choiceValue(el, "fixed")
	patternType, pattern := choiceValue(el, "pattern")
	switch {
	case be.Fixed != nil:
		if fixed != nil {
			if !strings.EqualFold(fixedType, be.FixedType) {
				w.add(model.Error, CodeFixed, path+".fixed"+fixedType, fmt.Sprintf("the base %s fixes this element as a %s, so the profile's fixed value must be a %s too, not a %s", baseURL, be.FixedType, be.FixedType, fixedType), "")
			} else if !equalValue(be.Fixed, fixed) {
				w.add(model.Error, CodeFixed, path+".fixed"+fixedType, fmt.Sprintf("the base %s fixes this element to %s; a profile cannot change it to %s", baseURL, compact(be.Fixed), compact(fixed)), "")
			}
		}
		if pattern != nil && (!strings.EqualFold(patternType, be.FixedType) || !equalValue(be.Fixed, pattern)) {
			w.add(model.Error, CodePattern, path+".pattern"+patternType, fmt.Sprintf("the base %s fixes this element to %s, so the profile can only fix it too, not give the pattern %s", baseURL, compact(be.Fixed), compact(pattern)), "")
		}
	case be.Pattern != nil:
		for _, v := range []struct {
			kind, typ string
			value     any
		}{{"fixed", fixedType, fixed}, {"pattern", patternType, pattern}} {
			if v.value == nil {
				continue
			}
			if !strings.EqualFold(v.typ, be.PatternType) || !matchesPattern(be.Pattern, v.value) {
				w.add(model.Error, CodePattern, path+"."+v.kind+v.typ, fmt.Sprintf("the base %s gives this element the pattern %s, which the profile's %s value %s does not meet", baseURL, compact(be.Pattern), v.kind, compact(v.value)), "")
			}
		}
	}
}

// choiceValue returns the type suffix ("Code", compared with type codes
// without regard to case) and value of prefix[x] in m.
func choiceValue(m map[string]any, prefix string) (string, any) {
	for k, v := range m {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
			return rest, v
		}
	}
	return "", nil
}

// typeProfile checks a profile named on a type: it constrains that type, and
// an extension profile is a modifier exactly when the element is a
// modifierExtension.
func (w *walker) typeProfile(url, code, elementPath, path string) {
	sd, err := w.e.defs.StructureDefinition(url)
	if err != nil {
		w.add(model.Warning, CodeProfile, path, fmt.Sprintf("profile %s is not loaded, so whether it fits the type %s is not checked", url, code), "")
		return
	}
	if !w.typeIsA(sd.Type, code) {
		w.add(model.Error, CodeProfile, path, fmt.Sprintf("profile %s constrains %s, but the element's type is %s", url, sd.Type, code), "")
		return
	}
	if sd.Type != "Extension" || sd.Snapshot == nil || len(sd.Snapshot.Element) == 0 {
		return
	}
	modifier := sd.Snapshot.Element[0].IsModifier
	inModifier := strings.HasSuffix(elementPath, ".modifierExtension")
	switch {
	case modifier && !inModifier:
		w.add(model.Error, CodeProfile, path, fmt.Sprintf("extension %s is a modifier extension, but %s is not a modifierExtension", url, elementPath), "")
	case !modifier && inModifier:
		w.add(model.Error, CodeProfile, path, fmt.Sprintf("extension %s is not a modifier extension, but %s is a modifierExtension", url, elementPath), "")
	}
}

// targetProfile checks a target profile: only references and canonicals have
// targets, and a reference's targets are profiles of resources.
func (w *walker) targetProfile(url, code, path string) {
	switch code {
	case "Reference", "CodeableReference", "canonical":
	default:
		w.add(model.Error, CodeProfile, path, fmt.Sprintf("the type %s has no targets: targetProfile is for Reference and canonical", code), "")
		return
	}
	sd, err := w.e.defs.StructureDefinition(url)
	if err != nil {
		w.add(model.Warning, CodeProfile, path, fmt.Sprintf("target profile %s is not loaded, so it is not checked", url), "")
		return
	}
	if code != "canonical" && sd.Kind != "resource" {
		w.add(model.Error, CodeProfile, path, fmt.Sprintf("target profile %s is of the %s %s, but a reference can only point at resources", url, sd.Kind, sd.Type), "")
	}
}

// typeIsA reports whether a profile whose type is typ can be named on an
// element of type code: typ is code, or derives from it through abstract
// types only (a Patient is a DomainResource and a Resource). A concrete type
// stops the walk, as the reference validator has it: in R4 Age, Count,
// Distance and Duration are specialisations of Quantity, not profiles of it,
// so a profile of Count does not fit a Quantity element.
func (w *walker) typeIsA(typ, code string) bool {
	sd, err := w.e.defs.BaseType(typ)
	for range 10 {
		if typ == code {
			return true
		}
		if err != nil || sd.BaseDefinition == "" {
			return false
		}
		next := strings.TrimPrefix(sd.BaseDefinition, definitions.CoreBase)
		if next == sd.BaseDefinition || next == typ {
			return false
		}
		// The base's definition is the next step's too.
		sd, err = w.e.defs.BaseType(next)
		if err != nil || !sd.Abstract && sd.Kind != "logical" {
			return false
		}
		typ = next
	}
	return false
}

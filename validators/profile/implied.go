package profile

import (
	"slices"

	"github.com/carecert/carecert/fhir/definitions"
)

const (
	loinc  = "http://loinc.org"
	snomed = "http://snomed.info/sct"
)

// vitalCode is a coding that may say an Observation is a vital sign.
type vitalCode struct{ system, code string }

// impliedProfiles returns the profiles a resource must conform to because of
// what it is: the vital-sign profile of each vital-sign code of an Observation.
func (e *Engine) impliedProfiles(typ string, res map[string]any) []string {
	if typ != "Observation" {
		return nil
	}
	code, _ := res["code"].(map[string]any)
	codings, _ := code["coding"].([]any)
	if len(codings) == 0 {
		return nil
	}
	var out []string
	for _, c := range codings {
		m, _ := c.(map[string]any)
		system, _ := m["system"].(string)
		s, _ := m["code"].(string)
		if url := e.vitalSign(system, s); url != "" && !slices.Contains(out, url) {
			out = append(out, url)
		}
	}
	return out
}

// vitalSign returns the vital-sign profile an Observation.code coding
// implies, or "".
func (e *Engine) vitalSign(system, code string) string {
	if system != loinc && system != snomed {
		return ""
	}
	e.vitalsOnce.Do(e.loadVitalSigns)
	return e.vitalSigns[vitalCode{system, code}]
}

// loadVitalSigns reads each vital-sign profile's own code from its
// definition (the LOINC code fixed on its Observation.code.coding slice)
// and adds the more specific codes of the sign. A profile carecert cannot
// compile implies nothing.
func (e *Engine) loadVitalSigns() {
	e.vitalSigns = map[vitalCode]string{}
	for _, id := range definitions.VitalSignProfiles() {
		url := definitions.CoreBase + id
		p, err := e.Compiled(url)
		if err != nil || p.root == nil {
			continue
		}
		code := child(p.root, "code")
		if code == nil {
			continue
		}
		coding := child(code, "coding")
		if coding == nil {
			continue
		}
		for _, s := range coding.slices {
			sys, c := child(s, "system"), child(s, "code")
			if sys == nil || c == nil || sys.fixed != loinc {
				continue
			}
			if v, ok := c.fixed.(string); ok {
				e.vitalSigns[vitalCode{loinc, v}] = url
			}
		}
		moreLOINC, moreSCT := definitions.MoreSpecificVitalCodes(id)
		for _, c := range moreLOINC {
			e.vitalSigns[vitalCode{loinc, c}] = url
		}
		for _, c := range moreSCT {
			e.vitalSigns[vitalCode{snomed, c}] = url
		}
	}
}

// vitalUnitsStrength is how strongly a binding to the vital-signs units holds.
// R4's vital-sign profiles bind every component value to the common UCUM
// units as required, which would forbid any other unit, and any coded or
// textual value, in a component of a vital sign; the reference validator
// reports such values as ones that should come from the value set, that is,
// it reads the binding as extensible. So does carecert.
func vitalUnitsStrength(strength, valueSet string) string {
	if u, _ := definitions.SplitCanonical(valueSet); u == "http://hl7.org/fhir/ValueSet/ucum-vitals-common" && strength == "required" {
		return "extensible"
	}
	return strength
}

package profile

import (
	"slices"

	"github.com/carecert/carecert/fhir/definitions"
)

// vitalSignProfiles are the core profiles of the vital signs table (R4
// §8.1.1): an Observation coded with one of their LOINC codes is a vital sign
// and must conform to that profile, whatever else it claims.
var vitalSignProfiles = []string{"vitalspanel", "resprate", "heartrate", "oxygensat", "bodytemp",
	"bodyheight", "headcircum", "bodyweight", "bmi", "bp"}

const loinc = "http://loinc.org"

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
	if system != loinc {
		return ""
	}
	e.vitalsOnce.Do(e.loadVitalSigns)
	return e.vitalSigns[code]
}

// loadVitalSigns reads each vital-sign profile's code from its definition:
// the LOINC code fixed on its Observation.code.coding slice.
func (e *Engine) loadVitalSigns() {
	e.vitalSigns = map[string]string{}
	for _, id := range vitalSignProfiles {
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
				e.vitalSigns[v] = url
			}
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

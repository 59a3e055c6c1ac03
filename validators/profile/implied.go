package profile

import (
	"fmt"
	"slices"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/terminology"
)

// vitalSignURLs are the canonical URLs of the core vital-sign profiles, by
// id; read only.
var vitalSignURLs = func() map[string]string {
	urls := map[string]string{}
	for _, id := range definitions.VitalSignProfiles() {
		urls[id] = definitions.CoreBase + id
	}
	return urls
}()

// implication is the one vital-sign profile an Observation is held to
// because of its code, and the coding it is implied by
// (definitions.ImpliedVital); url is "" when its code implies none.
type implication struct {
	definitions.ImpliedVital
	url string
}

// impliedProfiles returns the profiles a resource must conform to because of
// what it is: the vital-sign profile its Observation.code implies.
func (e *Engine) impliedProfiles(typ string, res map[string]any) []string {
	if by := e.implied(typ, res); by.url != "" {
		return []string{by.url}
	}
	return nil
}

// implied returns the vital-sign profile an Observation's code implies and
// the coding it is implied by.
func (e *Engine) implied(typ string, res map[string]any) implication {
	var by implication
	if typ != "Observation" {
		return by
	}
	code, _ := res["code"].(map[string]any)
	codings, _ := code["coding"].([]any)
	for _, c := range codings {
		m, _ := c.(map[string]any)
		system, _ := m["system"].(string)
		s, _ := m["code"].(string)
		by = e.implyBy(by, system, s)
	}
	return by
}

// implyBy returns which of by, the implication of the codings read so far,
// and the coding system|code that follows them implies the profile
// (definitions.ImpliedVital.Then). The map walk and the stream scan both
// pick by it; a profile carecert cannot compile implies nothing.
func (e *Engine) implyBy(by implication, system, code string) implication {
	v := by.Then(system, code, e.compilesVital)
	if v == by.ImpliedVital {
		return by
	}
	return implication{ImpliedVital: v, url: vitalSignURLs[v.Profile]}
}

// compilesVital says whether the core vital-sign profile id compiles.
func (e *Engine) compilesVital(id string) bool {
	p, err := e.Compiled(vitalSignURLs[id])
	return err == nil && p.root != nil
}

// profileNote is what a finding of the walk against p, a profile a resource
// of type typ is held to beyond its first, says of it: its URL and, when
// the resource's code implies it (claims implied) and its meta.profile does
// not claim it, the coding it is implied by, so that a supplier sees why a
// record is held to a profile it never named.
func (e *Engine) profileNote(p *Compiled, typ string, res map[string]any, implied bool) string {
	by := e.implied(typ, res)
	if !implied || by.url != p.URL || slices.Contains(metaProfiles(res), p.URL) {
		return " (profile " + p.URL + ")"
	}
	system := "LOINC"
	if by.System == terminology.SNOMED {
		system = "SNOMED CT"
	}
	return fmt.Sprintf(" (profile %s, implied by %s %s, R4 §8.1.1 vital signs)", p.URL, system, by.Code)
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

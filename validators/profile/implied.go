package profile

import (
	"fmt"
	"slices"

	"github.com/carecert/carecert/fhir/definitions"
)

const (
	loinc  = "http://loinc.org"
	snomed = "http://snomed.info/sct"
)

// vitalCode is a coding that may say an Observation is a vital sign.
type vitalCode struct{ system, code string }

// vitalSign is the profile a vital-sign coding implies and the coding's
// rank (definitions.VitalSignRank).
type vitalSign struct {
	url  string
	rank int
}

// implication is the one vital-sign profile an Observation is held to
// because of its code, and the coding it is implied by; url is "" when its
// code implies none.
type implication struct {
	vitalSign
	system, code string
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
// and the coding system|code that follows them implies the profile: the
// lower ranked, the earlier on a tie. The map walk and the stream scan
// both pick by it.
func (e *Engine) implyBy(by implication, system, code string) implication {
	v, ok := e.vitalSign(system, code)
	if !ok || by.url != "" && by.rank <= v.rank {
		return by
	}
	return implication{vitalSign: v, system: system, code: code}
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
	if by.system == snomed {
		system = "SNOMED CT"
	}
	return fmt.Sprintf(" (profile %s, implied by %s %s, R4 §8.1.1 vital signs)", p.URL, system, by.code)
}

// vitalSign returns the vital-sign profile an Observation.code coding
// implies, and the coding's rank.
func (e *Engine) vitalSign(system, code string) (vitalSign, bool) {
	if system != loinc && system != snomed {
		return vitalSign{}, false
	}
	e.vitalsOnce.Do(e.loadVitalSigns)
	v, ok := e.vitalSigns[vitalCode{system, code}]
	return v, ok
}

// loadVitalSigns reads each vital-sign profile's own code from its
// definition (the LOINC code fixed on its Observation.code.coding slice)
// and adds the more specific codes of the sign, each with its rank. A
// profile carecert cannot compile implies nothing.
func (e *Engine) loadVitalSigns() {
	e.vitalSigns = map[vitalCode]vitalSign{}
	add := func(id, url, system string, codes ...string) {
		rank, ok := definitions.VitalSignRank(id, system)
		if !ok {
			return
		}
		for _, c := range codes {
			e.vitalSigns[vitalCode{system, c}] = vitalSign{url: url, rank: rank}
		}
	}
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
				add(id, url, loinc, v)
			}
		}
		moreLOINC, moreSCT := definitions.MoreSpecificVitalCodes(id)
		add(id, url, loinc, moreLOINC...)
		add(id, url, snomed, moreSCT...)
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

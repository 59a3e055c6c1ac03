package profile

import (
	"slices"

	"github.com/carecert/carecert/fhir/definitions"
)

// vitalSignProfiles are the core profiles of the vital signs table (R4
// §8.1.1): an Observation coded with one of their codes is a vital sign and
// must conform to that profile, whatever else it claims.
var vitalSignProfiles = []string{"vitalspanel", "resprate", "heartrate", "oxygensat", "bodytemp",
	"bodyheight", "headcircum", "bodyweight", "bmi", "bp"}

const (
	loinc  = "http://loinc.org"
	snomed = "http://snomed.info/sct"
)

// moreSpecificVitalCodes are the codes, beyond the LOINC code each profile
// fixes, that say an Observation is that vital sign: LOINC codes of the
// same measurement taken a particular way or at a particular site, and
// SNOMED CT's codes for it. R4 §8.1.1 asks that an Observation recorded
// under a more specific code also carries the sign's own LOINC code, so the
// reference validator holds an Observation with any of these codes to the
// sign's profile, whose fixed coding then reports the missing LOINC code.
// SNOMED CT 271306003, which the reference lists under both respiratory and
// heart rate, implies neither here: carecert does not pick one.
var moreSpecificVitalCodes = map[string]struct{ loinc, snomed []string }{
	"vitalspanel": {snomed: []string{"46680005"}},
	"resprate": {loinc: []string{"11291-2", "19840-8", "33438-3", "76170-0", "76171-8", "76172-6", "76270-8"},
		snomed: []string{"86290005", "271625008"}},
	"heartrate": {loinc: []string{"11328-2", "40443-4", "55425-3", "60978-4", "68999-2", "69000-8", "73795-7", "73799-9",
		"76476-1", "76477-9", "8886-4", "8889-8", "8890-6", "8891-4", "8892-2", "8893-0"},
		snomed: []string{"249043002", "251670001", "399017001", "429525003", "429614003", "444981005"}},
	"oxygensat": {loinc: []string{"19224-5", "20564-1", "2709-4", "2710-2", "2713-6", "51733-4", "59408-5", "59417-6",
		"89276-0", "97549-0"},
		snomed: []string{"431314004", "442476006"}},
	"bodytemp": {loinc: []string{"60834-9", "60835-6", "60836-4", "60838-0", "60955-2", "61009-7", "75539-7", "75987-8",
		"76010-8", "76011-6", "76278-1", "8309-7", "8328-7", "8329-5", "8330-3", "8331-1", "8332-9", "8333-7", "8334-5",
		"91371-5", "98657-0", "98663-8"},
		snomed: []string{"1222808002", "276885007", "300076005", "307047009", "364246006", "386725007", "415882003",
			"415929009", "415945006", "415974002", "431598003", "698831002", "698832009", "708499008"}},
	"bodyheight": {loinc: []string{"3137-7", "3138-5", "8306-3", "8308-9"},
		snomed: []string{"1153637007", "1162392001", "1162417005", "1162418000", "1162419008", "1230278008", "50373000"}},
	"headcircum": {loinc: []string{"8287-5"},
		snomed: []string{"169876006", "1269262007", "363811000", "363812007"}},
	"bodyweight": {loinc: []string{"3141-9", "3142-7", "75292-3", "79348-9", "8350-1", "8351-9"},
		snomed: []string{"1162415002", "1162416001", "424927000", "425024002", "735395000", "784399000"}},
	"bmi": {loinc: []string{"89270-3"}, snomed: []string{"60621009"}},
	"bp": {loinc: []string{"35094-2", "55284-4", "76534-7", "8459-0", "8480-6"},
		snomed: []string{"163033001", "163035008", "251076008", "271649006", "271650006", "386534000", "386536003",
			"399304008", "407554009", "407556006", "716579001"}},
}

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
				e.vitalSigns[vitalCode{loinc, v}] = url
			}
		}
		for _, c := range moreSpecificVitalCodes[id].loinc {
			e.vitalSigns[vitalCode{loinc, c}] = url
		}
		for _, c := range moreSpecificVitalCodes[id].snomed {
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

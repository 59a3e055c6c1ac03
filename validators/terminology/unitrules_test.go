package terminology

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/terminology"
)

var _ = Describe("the core unit rules", func() {
	It("are what the core Observation profiles' snapshots fix", func() {
		units, profileUnits, err := readCoreUnitRules()
		Expect(err).NotTo(HaveOccurred())
		Expect(units).To(HaveLen(11), "the vital signs' LOINC codes and cholesterol's")
		Expect(coreUnitRules).To(Equal(units), "put in unitrules.go:\n%s", goLiteral(units))
		Expect(coreProfileUnits).To(Equal(profileUnits), "put in unitrules.go:\n%s", goLiteral(profileUnits))
	})
})

// goLiteral prints a table's entries as unitrules.go writes them.
func goLiteral[K comparable](m map[K]UnitRule) string {
	var b strings.Builder
	for k, r := range m {
		var key string
		switch k := any(k).(type) {
		case unitCode:
			key = fmt.Sprintf("{%q, %q}", k.system, k.code)
		case string:
			key = fmt.Sprintf("%q", k)
		}
		fmt.Fprintf(&b, "\t%s: {Code: %q, ValueSet: %q, Profile: %q},\n", key, r.Code, r.ValueSet, r.Profile)
	}
	return b.String()
}

// sdResource is the part of a StructureDefinition the unit rules need.
type sdResource struct {
	ResourceType string `json:"resourceType"`
	URL          string `json:"url"`
	// Type is not a string in every resource of the bundle.
	Type       any    `json:"type"`
	Derivation string `json:"derivation"`
	Snapshot   struct {
		Element []sdElement `json:"element"`
	} `json:"snapshot"`
}

// sdElement is the part of an ElementDefinition the unit rules need.
type sdElement struct {
	ID        string  `json:"id"`
	FixedCode *string `json:"fixedCode"`
	Binding   *struct {
		Strength string `json:"strength"`
		ValueSet string `json:"valueSet"`
	} `json:"binding"`
	FixedCodeableConcept   *codeableConcept `json:"fixedCodeableConcept"`
	PatternCodeableConcept *codeableConcept `json:"patternCodeableConcept"`
}

type codeableConcept struct {
	Coding []struct {
		System string `json:"system"`
		Code   string `json:"code"`
	} `json:"coding"`
}

// readCoreUnitRules reads the unit rules of the core Observation profiles
// from their snapshots, as coreUnitRules and coreProfileUnits hold them.
func readCoreUnitRules() (map[unitCode]UnitRule, map[string]UnitRule, error) {
	units, profileUnits := map[unitCode]UnitRule{}, map[string]UnitRule{}
	resources, err := r4core.Resources(r4core.ProfilesOthers)
	if err != nil {
		return nil, nil, err
	}
	// Only the Observation profiles matter: the archive's index finds
	// them without decompressing the other definitions.
	for _, r := range resources {
		if r.ResourceType != "StructureDefinition" || r.Type != "Observation" {
			continue
		}
		raw, err := r.Bytes()
		if err != nil {
			return nil, nil, err
		}
		var sd sdResource
		if err := json.Unmarshal(raw, &sd); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", r.Source(), err)
		}
		if typ, _ := sd.Type.(string); sd.ResourceType == "StructureDefinition" && typ == "Observation" && sd.Derivation == "constraint" {
			readUnitRules(units, profileUnits, sd.URL, sd.Snapshot.Element)
		}
	}
	return units, profileUnits, nil
}

var (
	unitCodeAt = regexp.MustCompile(`^(.*)\.code\.coding:[^.]+\.code$`)
	unitValue  = regexp.MustCompile(`^(.*)\.value\[x\](:valueQuantity)?\.code$`)
)

// readUnitRules finds, in a core Observation profile (the vital signs and
// lipid profiles), the LOINC code it fixes and the unit it fixes for the
// value; a core profile's unit is also kept by its id, for the observations
// held to it as a vital sign, whichever of the sign's codings they carry.
func readUnitRules(units map[unitCode]UnitRule, profileUnits map[string]UnitRule, url string, elems []sdElement) {
	codes := map[string]string{}
	rules := map[string]UnitRule{}
	for _, el := range elems {
		if m := unitCodeAt.FindStringSubmatch(el.ID); m != nil && el.FixedCode != nil {
			codes[m[1]] = *el.FixedCode
		}
		if el.ID == "Observation.code" {
			for _, cc := range []*codeableConcept{el.FixedCodeableConcept, el.PatternCodeableConcept} {
				if cc == nil {
					continue
				}
				for _, c := range cc.Coding {
					if c.System == "http://loinc.org" {
						codes["Observation"] = c.Code
					}
				}
			}
		}
		if m := unitValue.FindStringSubmatch(el.ID); m != nil {
			r := UnitRule{Profile: url}
			if el.FixedCode != nil {
				r.Code = *el.FixedCode
			} else if el.Binding != nil && el.Binding.Strength == "required" {
				r.ValueSet = el.Binding.ValueSet
			}
			if r.Code != "" || r.ValueSet != "" {
				rules[m[1]] = r
			}
		}
	}
	keep := func(c unitCode, r UnitRule) {
		if _, dup := units[c]; !dup {
			units[c] = r
		}
	}
	for ctx, code := range codes {
		if r, ok := rules[ctx]; ok && code != "" {
			keep(unitCode{terminology.LOINC, code}, r)
		}
	}
	if id, core := strings.CutPrefix(url, definitions.CoreBase); core {
		if r, ok := rules["Observation"]; ok {
			profileUnits[id] = r
		}
	}
}

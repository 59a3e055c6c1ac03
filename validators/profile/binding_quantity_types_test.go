package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
)

// A binding on an element of any Quantity type (Quantity, Age, Duration,
// SimpleQuantity) holds the value's system and code to the value set, as a
// Coding's: a code outside is reported by the binding's strength, one
// carecert cannot decide is "not decided". Before, only an element typed
// Quantity itself was held to its binding: Age, Duration and the other
// specialisations passed whatever their code.
var _ = Describe("a bound value of a Quantity type", func() {
	const ns = "http://example.org/StructureDefinition/"
	const ageUnits = "http://hl7.org/fhir/ValueSet/age-units"
	const findings = "http://hl7.org/fhir/ValueSet/clinical-findings"
	ucum := func(code string) string {
		return `{"value": 5, "system": "http://unitsofmeasure.org", "code": "` + code + `"}`
	}
	snomed := `{"value": 5, "system": "http://snomed.info/sct", "code": "258707000"}`
	resources := map[string]func(q string) (res, at string){
		"Age": func(q string) (string, string) {
			return `{"resourceType": "Condition", "id": "r1", "meta": {"profile": ["` + ns + `Condition"]}, "subject": {"reference": "Patient/1"}, "onsetAge": ` + q + `}`, ".onsetAge"
		},
		"Duration": func(q string) (string, string) {
			return `{"resourceType": "MedicationRequest", "id": "r1", "meta": {"profile": ["` + ns + `MedicationRequest"]}, "status": "active", "intent": "order", "subject": {"reference": "Patient/1"}, "medicationCodeableConcept": {"text": "m"}, "dispenseRequest": {"expectedSupplyDuration": ` + q + `}}`, ".dispenseRequest.expectedSupplyDuration"
		},
		"SimpleQuantity": func(q string) (string, string) {
			return `{"resourceType": "Observation", "id": "r1", "meta": {"profile": ["` + ns + `Observation"]}, "status": "final", "code": {"text": "t"}, "referenceRange": [{"low": ` + q + `}]}`, ".referenceRange[0].low"
		},
		"Quantity": func(q string) (string, string) {
			return `{"resourceType": "Observation", "id": "r1", "meta": {"profile": ["` + ns + `Observation"]}, "status": "final", "code": {"text": "t"}, "valueQuantity": ` + q + `}`, ".valueQuantity"
		},
	}
	elements := map[string][2]string{ // type: resource type, element
		"Age":            {"Condition", "Condition.onset[x]"},
		"Duration":       {"MedicationRequest", "MedicationRequest.dispenseRequest.expectedSupplyDuration"},
		"SimpleQuantity": {"Observation", "Observation.referenceRange.low"},
		"Quantity":       {"Observation", "Observation.value[x]"},
	}
	cases := []struct{ name, valueSet, quantity, verdict string }{
		{"a code in the value set", ageUnits, ucum("a"), ""},
		{"a code outside the value set (before: nothing but for Quantity)", ageUnits, ucum("kg"), "out"},
		{"a code carecert cannot decide (before: nothing)", findings, snomed, "undecided"},
	}
	for _, typ := range []string{"Age", "Duration", "SimpleQuantity", "Quantity"} {
		for _, c := range cases {
			el := elements[typ]
			e := newEngine(diffProfile(ns+el[0], el[0],
				`{"id": "`+el[1]+`", "path": "`+el[1]+`", "binding": {"strength": "required", "valueSet": "`+c.valueSet+`"}}`))
			res, below := resources[typ](c.quantity)
			for _, pl := range placements(el[0], "r1") {
				for _, format := range []string{"json", "xml"} {
					It(typ+": "+c.name+", "+pl.name+", in "+format, func() {
						got := bindingVerdicts(e, inFormat(format, pl.place(res)), c.valueSet)
						want := []string{}
						switch c.verdict {
						case "out":
							want = append(want, model.Error.String()+" out "+pl.at+below)
						case "undecided":
							want = append(want, model.Warning.String()+" undecided "+pl.at+below)
						}
						Expect(got).To(ConsistOf(want))
					})
				}
			}
		}
	}
})

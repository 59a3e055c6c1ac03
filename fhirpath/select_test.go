package fhirpath_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhirpath"
	"github.com/carecert/carecert/internal/sharedtest"
)

// evaluated is what the engine gives for an expression: its elements with
// values, as Select promises them.
func evaluated(expr *fhirpath.Expr, res map[string]any) []fhirpath.Selected {
	out, err := expr.EvaluateTyped(nil, res)
	Expect(err).NotTo(HaveOccurred(), expr.String())
	sel := []fhirpath.Selected{}
	for _, v := range out {
		if v.V != nil {
			sel = append(sel, fhirpath.Selected{Path: v.Path, Value: v.V})
		}
	}
	return sel
}

func selected(expr *fhirpath.Expr, res map[string]any) []fhirpath.Selected {
	sel, err := expr.Select(res)
	Expect(err).NotTo(HaveOccurred(), expr.String())
	if sel == nil {
		sel = []fhirpath.Selected{}
	}
	return sel
}

var _ = Describe("Select", func() {
	patient := decode(`{"resourceType": "Patient", "id": "p1",
		"identifier": [{"system": "urn:other", "value": "x"}, {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}],
		"name": [{"family": "Smith", "given": ["Ann", "Bea"]}, {"given": ["Cy"]}],
		"birthDate": "1980-01-01", "_gender": {"extension": [{"url": "urn:x", "valueCode": "unknown"}]},
		"deceasedDateTime": "2020-01-01",
		"telecom": [{"system": "phone", "value": "1"}, {"system": "email", "value": "a@b"}]}`)

	It("walks a plain path, locating every element it selects", func() {
		for expr, want := range map[string][]fhirpath.Selected{
			"Patient.identifier.where(system = 'https://fhir.nhs.uk/Id/nhs-number').value": {{Path: "Patient.identifier[1].value", Value: "9434765919"}},
			"Patient.name.given[1]":             {{Path: "Patient.name[0].given[1]", Value: "Bea"}},
			"Patient.identifier.first().system": {{Path: "Patient.identifier[0].system", Value: "urn:other"}},
			"Patient.deceased":                  {{Path: "Patient.deceasedDateTime", Value: "2020-01-01"}},
			"Patient.gender":                    {},
			"Observation.status":                {},
		} {
			Expect(selected(fhirpath.MustCompile(expr), patient)).To(Equal(want), expr)
		}
	})

	It("locates the elements of any other expression, and leaves computed values unlocated", func() {
		Expect(selected(fhirpath.MustCompile("Patient.identifier.where(system.endsWith('nhs-number')).value"), patient)).
			To(Equal([]fhirpath.Selected{{Path: "Patient.identifier[1].value", Value: "9434765919"}}))
		Expect(selected(fhirpath.MustCompile("Patient.name.given.count()"), patient)).To(Equal([]fhirpath.Selected{{Value: int64(3)}}))
	})

	// The walk is a shortcut inside the engine, so it must give exactly what
	// evaluation gives, on real records.
	It("gives what evaluation gives, for plain paths over the Synthea corpus", func() {
		exprs := []string{
			"Patient.name.given", "Patient.name[1].family", "Patient.name.first().given[0]", "Patient.birthDate",
			"Patient.identifier.where(system = 'http://hl7.org/fhir/sid/us-ssn').value",
			"Patient.identifier.type.coding.code", "Patient.address.line", "Patient.deceased", "Patient.multipleBirth",
			"Patient.extension.where(url = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex').value",
			"Observation.value", "Observation.valueQuantity.value", "Observation.code.coding.where(system = 'http://loinc.org').code",
			"Observation.component.value.unit", "Observation.effective", "Observation.category.coding.code",
			"Encounter.period.start", "Encounter.class.code", "Encounter.participant.individual.reference",
			"Condition.code.coding[0].display", "Condition.onset", "MedicationRequest.medication.coding.code",
			"Claim.item.sequence", "ExplanationOfBenefit.item.adjudication.amount.value",
		}
		files, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(len(files)).To(BeNumerically(">=", 3))
		compared := 0
		for _, file := range files[:3] {
			data, err := os.ReadFile(file)
			Expect(err).NotTo(HaveOccurred())
			for _, e := range decode(string(data))["entry"].([]any) {
				res := e.(map[string]any)["resource"].(map[string]any)
				for _, src := range exprs {
					expr := fhirpath.MustCompile(src)
					want := evaluated(expr, res)
					Expect(selected(expr, res)).To(Equal(want), src+" on "+res["resourceType"].(string))
					compared += len(want)
				}
			}
		}
		Expect(compared).To(BeNumerically(">", 1000))
	})
})

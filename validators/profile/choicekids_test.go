package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("a choice of several types whose shared children a profile constrains", func() {
	// As IPS does: effective[x] keeps both its types, and its extension is
	// limited to one, before the choice is narrowed.
	prof := diffProfile("http://example.org/StructureDefinition/medstmt", "MedicationStatement",
		`{"id": "MedicationStatement.effective[x]", "path": "MedicationStatement.effective[x]", "min": 1}`,
		`{"id": "MedicationStatement.effective[x].extension", "path": "MedicationStatement.effective[x].extension", "max": "1"}`)
	e := newEngine(prof)
	const url = "http://example.org/StructureDefinition/medstmt"
	stmt := func(effective string) string {
		return `{"resourceType": "MedicationStatement", "status": "active",
		  "medicationCodeableConcept": {"text": "simvastatin"}, "subject": {"reference": "Patient/p1"}, ` + effective + `}`
	}

	It("keeps the other children of each type", func() {
		Expect(validate(e, stmt(`"effectivePeriod": {"start": "2014"}`), url)).To(BeEmpty())
		Expect(validate(e, stmt(`"effectiveDateTime": "2014-01-01"`), url)).To(BeEmpty())
		Expect(validate(e, stmt(`"effectivePeriod": {"start": "2014", "colour": "red"}`), url)).To(ConsistOf(
			at(model.Error, profile.CodeUnknownElement, "MedicationStatement.effectivePeriod.colour")))
	})

	It("applies the profile's constraint on the shared child", func() {
		two := `"effectivePeriod": {"start": "2014", "extension": [
		  {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"},
		  {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "asked-unknown"}]}`
		Expect(validate(e, stmt(two), url)).To(ContainElement(
			at(model.Error, profile.CodeCardinality, "MedicationStatement.effectivePeriod.extension")))
	})
})

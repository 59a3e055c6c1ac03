package definitions_test

import (
	"errors"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/definitions"
)

// The core search parameters are R4's as published. The redistribution the
// core comes from adds parameters of later versions, changed two target
// lists and writes a choice's type test as `.ofType(T)` where R4 writes
// `as T` (fhir/r4core/NOTICE.md).
var _ = Describe("the core search parameters as R4 publishes them", func() {
	const base = definitions.CoreSearchParameterBase
	DescribeTable("a parameter R4 does not publish is unknown",
		func(url string) {
			_, err := core.SearchParameter(base + url)
			var nf *definitions.NotFoundError
			Expect(errors.As(err, &nf)).To(BeTrue(), "%v", err)
		},
		Entry("DetectedIssue's status (a later version's)", "DetectedIssue-status"),
		Entry("ServiceRequest's order-detail (a later version's)", "ServiceRequest-order-detail"),
	)
	DescribeTable("a parameter R4 publishes has R4's targets and expression",
		func(url string, targets []string, expression string) {
			sp, err := core.SearchParameter(base + url)
			Expect(err).NotTo(HaveOccurred())
			if targets != nil {
				Expect(sp.Target).To(ConsistOf(targets))
			}
			if expression != "" {
				Expect(sp.Expression).To(Equal(expression))
			}
		},
		Entry("MeasureReport's subject: no Organization, CareTeam or HealthcareService", "MeasureReport-subject",
			[]string{"Practitioner", "Group", "Device", "Patient", "PractitionerRole", "RelatedPerson", "Location"}, "MeasureReport.subject"),
		Entry("clinical-patient: a Group too", "clinical-patient", []string{"Patient", "Group"}, ""),
		Entry("a choice's type tested with as", "Observation-value-quantity", nil,
			"(Observation.value as Quantity) | (Observation.value as SampledData)"),
		Entry("a choice's type tested with as() (Condition's onset)", "Condition-onset-age", nil,
			"Condition.onset.as(Age) | Condition.onset.as(Range)"),
		Entry("a context's type tested with as", "ActivityDefinition-context", nil,
			"(ActivityDefinition.useContext.value as CodeableConcept)"),
	)
})

package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// A SearchParameter derived from a core one is compared with R4's parent as
// published: one R4 does not have is not found (a later version's
// DetectedIssue status), and an expression written as R4 writes its parent's
// type tests (`as Quantity`, `as(Age)`) selects what the parent selects.
var _ = Describe("SearchParameters derived from the core as R4 publishes it", func() {
	e := newEngine()
	const core = "http://hl7.org/fhir/SearchParameter/"
	DescribeTable("are compared with R4's parent",
		func(parent, base, typ, expression string, derivedFromUnknown bool) {
			fs := validate(e, searchParameter(core+parent, base, typ, expression))
			if !derivedFromUnknown {
				Expect(fs).To(BeEmpty())
				return
			}
			Expect(fs).To(ConsistOf(And(at(model.Warning, profile.CodeSearchParameter, "SearchParameter.derivedFrom"),
				HaveField("Message", ContainSubstring("is not a SearchParameter of FHIR R4 core")))))
		},
		Entry("DetectedIssue-status is no R4 parameter", "DetectedIssue-status", "DetectedIssue", "token", "DetectedIssue.status", true),
		Entry("ServiceRequest-order-detail is no R4 parameter", "ServiceRequest-order-detail", "ServiceRequest", "token", "ServiceRequest.orderDetail.text", true),
		Entry("Observation-value-quantity's expression as R4 writes it", "Observation-value-quantity", "Observation", "quantity",
			"(Observation.value as Quantity) | (Observation.value as SampledData)", false),
		Entry("Condition-onset-age's as() as R4 writes it", "Condition-onset-age", "Condition", "quantity",
			"Condition.onset.as(Age) | Condition.onset.as(Range)", false),
		Entry("ActivityDefinition-context's as R4 writes it", "ActivityDefinition-context", "ActivityDefinition", "token",
			"(ActivityDefinition.useContext.value as CodeableConcept)", false),
		Entry("DetectedIssue-code, an R4 parameter beside them", "DetectedIssue-code", "DetectedIssue", "token", "DetectedIssue.code", false),
	)
})

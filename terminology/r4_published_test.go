package terminology_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/terminology"
)

// The core value sets and code systems are R4's as published. The
// redistribution the core comes from adds a later version's value set and
// code system (detectedissue-status) and a code (questionnaire-item-control
// multi-select) to R4's (fhir/r4core/NOTICE.md); R4's own stay.
var _ = Describe("the core terminology as R4 publishes it", func() {
	var e *terminology.Engine
	BeforeEach(func() { e = terminology.NewCore(nil) })
	const itemControl = "http://hl7.org/fhir/questionnaire-item-control"

	It("has no value set or code system R4 does not publish", func() {
		_, ok := e.ValueSet("http://hl7.org/fhir/ValueSet/detectedissue-status")
		Expect(ok).To(BeFalse())
		Expect(e.KnowsSystem("http://hl7.org/fhir/detectedissue-status")).To(BeFalse())
		_, ok = e.ValueSet("http://hl7.org/fhir/ValueSet/observation-status")
		Expect(ok).To(BeTrue(), "R4's binding for DetectedIssue.status")
	})

	DescribeTable("judges a code of R4's code systems as R4 publishes them",
		func(system, code, valueSet string, valid bool) {
			res, err := e.ValidateCode(context.Background(), system, code, "", valueSet)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Valid()).To(Equal(valid), "%v", res.Issues)
		},
		Entry("a later version's multi-select is no R4 item control", itemControl, "multi-select", "", false),
		Entry("nor in R4's value set", itemControl, "multi-select", "http://hl7.org/fhir/ValueSet/questionnaire-item-control", false),
		Entry("R4's drop-down is", itemControl, "drop-down", "http://hl7.org/fhir/ValueSet/questionnaire-item-control", true),
		Entry("R4's check-box beside it too", itemControl, "check-box", "", true),
	)
})

package operationoutcome_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/operationoutcome"
)

var _ = Describe("an issue's type", func() {
	DescribeTable("follows the family of the finding's code, the first family that matches winning",
		func(code, want string) {
			rep := &model.Report{Targets: []model.TargetRun{{Name: "t", Results: []model.Result{{
				Suite: "s", Requirement: "R1", Outcome: model.Fail,
				Tally: model.Tally{Findings: []model.Finding{{Severity: model.Error, Code: code, Message: "m"}}},
			}}}}}
			issues := operationoutcome.Build(rep, false).Issue
			Expect(issues).To(HaveLen(1))
			Expect(issues[0].Code).To(Equal(want))
		},
		// carecert's own trouble, whatever else its code says
		Entry("carecert's own error", "carecert.internal-error", "exception"),
		Entry("carecert's own, naming a missing thing", "carecert.definitions-missing", "exception"),
		// required elements
		Entry("required", "structure.required", "required"),
		Entry("a required v2 field", "hl7v2.required-field", "required"),
		Entry("missing", "hl7v2.segment-missing", "required"),
		Entry("missing, before its family's value type", "nhs-number.missing", "required"),
		Entry("cardinality", "structure.cardinality", "required"),
		Entry("required, before binding", "profile.required-binding", "required"),
		// invariants
		Entry("invariant", "profile.invariant", "invariant"),
		Entry("invariant not evaluated", "profile.invariant-not-evaluated", "invariant"),
		// code validity
		Entry("binding", "profile.binding", "code-invalid"),
		Entry("code", "terminology.unknown-code", "code-invalid"),
		Entry("code, before its structure family", "structure.code", "code-invalid"),
		Entry("code system", "profile.codesystem", "code-invalid"),
		Entry("display", "terminology.display-mismatch", "code-invalid"),
		// structure
		Entry("structure", "structure.unknown-element", "structure"),
		Entry("structure, before format", "structure.format", "structure"),
		Entry("structure, before range", "structure.number-range", "structure"),
		Entry("unreadable input", "input.unreadable", "structure"),
		// values
		Entry("an NHS number's check digit", "nhs-number.check-digit", "value"),
		Entry("format", "profile.format", "value"),
		Entry("range", "quality.out-of-range", "value"),
		// anything else
		Entry("a v2 table", "hl7v2.table", "processing"),
		Entry("coding (no whole 'code' in it)", "profile.coding", "processing"),
		Entry("terminology not checked", "terminology.not-checked", "processing"),
		Entry("a latency", "api.latency", "processing"),
	)
})

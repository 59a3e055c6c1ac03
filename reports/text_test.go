package reports_test

import (
	"bytes"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
)

var _ = Describe("finding lines on a console", func() {
	It("escape control characters in supplier values, so they cannot clear the screen or draw a verdict", func() {
		rep := &model.Report{Targets: []model.TargetRun{{Name: "t", Results: []model.Result{{Tally: model.Tally{Findings: []model.Finding{{
			Severity: model.Error, Message: "\"\x1b[2J\x1b[HALL GOOD\r\" is not a code", Evidence: "\x1b[32mCertified\u202e",
			Location: model.Location{File: "f.json", Line: 1},
		}}}}}}}}
		var out bytes.Buffer
		Expect(reports.FindingLines(&out, rep)).To(Succeed())
		Expect(out.String()).NotTo(ContainSubstring("\x1b"))
		Expect(out.String()).NotTo(ContainSubstring("\r"))
		Expect(out.String()).NotTo(ContainSubstring("\u202e"))
		Expect(out.String()).To(ContainSubstring(`\x1b[2J\x1b[HALL GOOD\r`))
		Expect(out.String()).To(ContainSubstring(`value: \x1b[32mCertified\u202e`))
	})

	It("say which other requirements report the same defect, so it is counted once", func() {
		at := model.Location{File: "p.json", Line: 3, Record: "Patient/a", Path: "Patient.birthDate"}
		rep := &model.Report{Targets: []model.TargetRun{{Name: "t", Results: []model.Result{{Tally: model.Tally{Findings: []model.Finding{
			{Severity: model.Error, Requirement: "fhir-r4-structure/STRUCT-02", Message: "not a date", Location: at, AlsoReportedBy: []string{"nhs-demographics/NHS-05"}},
			{Severity: model.Error, Requirement: "dq-core/DQ-01", Message: "odd", Location: model.Location{File: "p.json", Line: 4}},
		}}}}}}}
		var out bytes.Buffer
		Expect(reports.FindingLines(&out, rep)).To(Succeed())
		Expect(out.String()).To(ContainSubstring("p.json:3: error Patient/a at Patient.birthDate: not a date [fhir-r4-structure/STRUCT-02] (also reported by nhs-demographics/NHS-05)\n"))
		Expect(out.String()).To(ContainSubstring("odd [dq-core/DQ-01]\n"))
	})
})

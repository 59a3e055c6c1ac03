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
})

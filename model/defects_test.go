package model_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
)

func at(sev model.Severity, record, path string) model.Finding {
	return model.Finding{Severity: sev, Code: "x", Message: "m", Location: model.Location{Record: record, Path: path}}
}

var _ = Describe("Defects", func() {
	It("counts one defect for a record and path that several requirements report, at the worst severity", func() {
		rs := []model.Reported{
			{Suite: "s", Requirement: "s/STRUCT-02", Findings: []model.Finding{at(model.Error, "Patient/1", "Patient.birthDate")}},
			{Suite: "p", Requirement: "p/PROF-01", Findings: []model.Finding{at(model.Error, "Patient/1", "Patient.birthDate"), at(model.Warning, "Patient/1", "Patient.name")}},
			{Suite: "n", Requirement: "n/NHS-05", Findings: []model.Finding{at(model.Warning, "Patient/1", "Patient.birthDate")}},
		}
		Expect(model.GroupDefects(rs, nil)).To(ConsistOf(model.Error, model.Warning))
		Expect(model.GroupDefects(rs, func(r model.Reported) bool { return r.Suite == "n" })).To(ConsistOf(model.Warning))

		model.MarkAlsoReported(rs)
		Expect(rs[0].Findings[0].AlsoReportedBy).To(Equal([]string{"p/PROF-01", "n/NHS-05"}))
		Expect(rs[1].Findings[0].AlsoReported()).To(Equal("also reported by s/STRUCT-02, n/NHS-05"))
		Expect(rs[1].Findings[1].AlsoReportedBy).To(BeEmpty(), "no other requirement reports Patient.name")
	})

	It("keeps two findings of one requirement at one path as two defects, and findings without a path as one each", func() {
		rs := []model.Reported{
			{Suite: "s", Requirement: "s/A", Findings: []model.Finding{at(model.Error, "Obs/1", "Observation.code"), at(model.Warning, "Obs/1", "Observation.code"), at(model.Error, "", "")}},
			{Suite: "s", Requirement: "s/B", Findings: []model.Finding{at(model.Information, "Obs/1", "Observation.code")}},
		}
		Expect(model.GroupDefects(rs, nil)).To(ConsistOf(model.Error, model.Warning, model.Error))
	})

	It("counts records clean of errors", func() {
		var d model.Defects
		d.Record(nil)
		d.Record([]model.Severity{model.Warning})
		d.Record([]model.Severity{model.Error, model.Error})
		d.Record(nil)
		Expect(d).To(Equal(model.Defects{Records: 4, Failing: 1, Errors: 2, Warnings: 1}))
		Expect(d.Clean()).To(Equal(0.75))
		var sum model.Defects
		sum.Merge(d)
		sum.Merge(d)
		Expect(sum.Total()).To(Equal(int64(6)))
	})
})

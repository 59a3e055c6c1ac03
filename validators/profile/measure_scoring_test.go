package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// scoredMeasure is a one-group Measure with the given scoring code and
// extensions.
func scoredMeasure(name, scoring, extensions string) string {
	return `{"resourceType": "Measure", "url": "http://example.org/Measure/` + name + `", "status": "active", ` + extensions + `
	  "scoring": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-scoring", "code": "` + scoring + `"}]},
	  "group": [{"population": [{"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "initial-population"}]},
	    "criteria": {"language": "text/cql", "expression": "IP"}}]}]}`
}

// scoredReport is a summary report of the named Measure's group with the
// given measureScore ("" for none).
func scoredReport(name, typ, score string) string {
	s := ""
	if score != "" {
		s = `, "measureScore": ` + score
	}
	return `{"resourceType": "MeasureReport", "status": "complete", "type": "` + typ + `", "measure": "http://example.org/Measure/` + name + `",
	  "period": {"start": "2025-01-01", "end": "2025-12-31"},
	  "group": [{"population": [{"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "initial-population"}]}, "count": 4}]` + s + `}]}`
}

var _ = Describe("MeasureReport scores by the Measure's scoring", func() {
	var e *profile.Engine
	BeforeEach(func() {
		e = newEngine(decoded(scoredMeasure("prop", "proportion", "")), decoded(scoredMeasure("cohort", "cohort", "")),
			decoded(scoredMeasure("ratio", "ratio", `"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-unit",
			  "valueCoding": {"system": "http://unitsofmeasure.org", "code": "d"}}],`)))
	})
	mr := func(src string) []model.Finding { return withCode(profile.CodeMeasureReport, validate(e, src)) }

	It("requires a proportion to be a unitless score between 0 and 1", func() {
		Expect(mr(scoredReport("prop", "summary", ""))).To(ConsistOf(at(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0]")))
		Expect(mr(scoredReport("prop", "summary", `{"value": 1.5}`))).To(ConsistOf(at(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0].measureScore.value")))
		Expect(mr(scoredReport("prop", "summary", `{"value": 0.5, "unit": "%"}`))).To(ConsistOf(at(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0].measureScore.unit")))
		Expect(mr(scoredReport("prop", "summary", `{"value": 0.5}`))).To(BeEmpty())
	})

	It("allows no score for a cohort", func() {
		Expect(mr(scoredReport("cohort", "summary", `{"value": 4}`))).To(ConsistOf(at(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0].measureScore")))
		Expect(mr(scoredReport("cohort", "summary", ""))).To(BeEmpty())
	})

	It("requires a ratio's score in the Measure's unit", func() {
		Expect(mr(scoredReport("ratio", "summary", `{"value": 3, "system": "http://unitsofmeasure.org", "code": "h"}`))).To(ConsistOf(
			at(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0].measureScore.code")))
		Expect(mr(scoredReport("ratio", "summary", `{"value": 3}`))).To(ConsistOf(at(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0].measureScore")))
		Expect(mr(scoredReport("ratio", "summary", `{"value": 3, "system": "http://unitsofmeasure.org", "code": "d"}`))).To(BeEmpty())
	})
})

package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// groupedMeasure is a Measure with the groups given (JSON, comma-separated).
func groupedMeasure(groups string) string {
	return `{"resourceType": "Measure", "url": "http://example.org/Measure/grouped", "status": "active", "group": [` + groups + `]}`
}

const (
	ipCode  = `{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "initial-population"}]}`
	denCode = `{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "denominator"}]}`
	oneGrp  = `{"code": {"text": "adults"}, "population": [{"code": ` + ipCode + `}, {"code": ` + denCode + `}]}`
)

var _ = Describe("Measure groups, populations and stratifiers carry codes", func() {
	e := newEngine()
	warnings := func(src string) []string { return pathsOf(validate(e, src), model.Warning, profile.CodeMeasureGroups) }

	DescribeTable("the Measure",
		func(groups string, want ...string) {
			Expect(warnings(groupedMeasure(groups))).To(ConsistOf(want))
			Expect(pathsOf(validate(e, groupedMeasure(groups)), model.Error, profile.CodeMeasureGroups)).To(BeEmpty())
		},
		Entry("one group, populations with codes", oneGrp),
		Entry("one group without a code, one population without a code", `{"population": [{"description": "all"}]}`),
		Entry("two groups with codes", oneGrp+","+oneGrp),
		Entry("no group", ``, "Measure"),
		Entry("a group without populations", `{"code": {"text": "adults"}}`, "Measure.group[0]"),
		Entry("two groups, one without a code", oneGrp+`, {"population": [{"code": `+ipCode+`}]}`, "Measure.group[1]"),
		Entry("two populations, one without a code", `{"population": [{"code": `+ipCode+`}, {"description": "the rest"}]}`, "Measure.group[0].population[1]"),
		Entry("two stratifiers, one without a code", `{"population": [{"code": `+ipCode+`}], "stratifier": [{"code": {"text": "age"}}, {"description": "sex"}]}`,
			"Measure.group[0].stratifier[1]"),
		Entry("one stratifier without a code", `{"population": [{"code": `+ipCode+`}], "stratifier": [{"description": "sex"}]}`),
		Entry("two stratifier components, one without a code", `{"population": [{"code": `+ipCode+`}], "stratifier": [{"code": {"text": "age and sex"},
			"component": [{"code": {"text": "age"}}, {"description": "sex"}]}]}`, "Measure.group[0].stratifier[0].component[1]"),
	)

	It("reads the same in XML", func() {
		xml := `<Measure xmlns="http://hl7.org/fhir"><url value="http://example.org/Measure/grouped"/><status value="active"/>
			<group><population><description value="all"/></population><population><description value="some"/></population></group></Measure>`
		Expect(pathsOf(validateXML(e, xml), model.Warning, profile.CodeMeasureGroups)).To(ConsistOf("Measure.group[0].population[0]", "Measure.group[0].population[1]"))
	})
})

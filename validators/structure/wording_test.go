package structure_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
)

var _ = Describe("schema findings worded for the format the record was written in", func() {
	c := newChecker()
	only := func(name, src string) []model.Finding {
		recs := records(name, src)
		Expect(recs).To(HaveLen(1))
		_, fs := c.run(recs[0])
		return fs
	}
	DescribeTable("the same defect in FHIR JSON and FHIR XML: same code and path, each in its own terms",
		func(code, path, jsonSrc, xmlSrc, jsonWords, xmlWords string) {
			for _, tc := range []struct{ name, src, words string }{{"p.json", jsonSrc, jsonWords}, {"p.xml", xmlSrc, xmlWords}} {
				fs := only(tc.name, tc.src)
				Expect(fs).To(HaveLen(1), tc.name)
				Expect(fs[0].Code).To(Equal(code), tc.name)
				Expect(fs[0].Path).To(Equal(path), tc.name)
				Expect(fs[0].Message).To(ContainSubstring(tc.words), tc.name)
			}
			Expect(only("p.xml", xmlSrc)[0].Message).NotTo(ContainSubstring("JSON"))
		},
		Entry("a boolean that is not true or false", "structure.type", "Patient.active",
			`{"resourceType":"Patient","active":"maybe"}`,
			`<Patient xmlns="http://hl7.org/fhir"><active value="maybe"/></Patient>`,
			"wrong JSON type: expected boolean, got string",
			`expected a boolean (true or false) in the value attribute, got "maybe"`),
		Entry("an integer that is not a number", "structure.type", "Patient.multipleBirthInteger",
			`{"resourceType":"Patient","multipleBirthInteger":"two"}`,
			`<Patient xmlns="http://hl7.org/fhir"><multipleBirthInteger value="two"/></Patient>`,
			"wrong JSON type: expected",
			`in the value attribute, got "two"`),
		Entry("a decimal beyond what FHIR can exchange", "structure.number-range", "Observation.valueQuantity.value",
			`{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1e999}}`,
			`<Observation xmlns="http://hl7.org/fhir"><status value="final"/><code><text value="x"/></code><valueQuantity><value value="1e999"/></valueQuantity></Observation>`,
			"outside the range of numbers JSON can exchange",
			"outside the range of numbers FHIR can exchange"),
		Entry("a single code that repeats", "structure.code", "Patient.gender",
			`{"resourceType":"Patient","gender":["male","female"]}`,
			`<Patient xmlns="http://hl7.org/fhir"><gender value="male"/><gender value="female"/></Patient>`,
			"an array is not one of the allowed codes",
			"a repeated element is not one of the allowed codes"),
	)
})

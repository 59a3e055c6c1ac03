package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// readOne reads one resource the way a target does, so the record carries
// the format it was written in.
func readOne(name, src string) *model.Record {
	var recs []*model.Record
	Expect(fhir.ReadStream(name, strings.NewReader(src), func(r *model.Record) error {
		r.Load()
		recs = append(recs, r)
		return nil
	})).To(Succeed())
	Expect(recs).To(HaveLen(1))
	Expect(recs[0].Problem).To(BeNil())
	return recs[0]
}

// coreErrors returns the error findings of a record under the core.
func coreErrors(rec *model.Record) []model.Finding {
	var out []model.Finding
	for _, f := range newEngine().ValidateRecord(rec, "", nil) {
		if f.Severity == model.Error {
			out = append(out, f)
		}
	}
	return out
}

var _ = Describe("findings worded for the format the record was written in", func() {
	DescribeTable("the same defect in FHIR JSON and FHIR XML: same code and path, each in its own terms",
		func(code, path, jsonSrc, xmlSrc, jsonWords, xmlWords string) {
			j := coreErrors(readOne("p.json", jsonSrc))
			x := coreErrors(readOne("p.xml", xmlSrc))
			Expect(j).To(ContainElement(at(model.Error, code, path)))
			Expect(x).To(ContainElement(at(model.Error, code, path)))
			find := func(fs []model.Finding) string {
				for _, f := range fs {
					if f.Code == code && f.Path == path {
						return f.Message
					}
				}
				return ""
			}
			Expect(find(j)).To(ContainSubstring(jsonWords))
			Expect(find(x)).To(ContainSubstring(xmlWords))
			Expect(find(x)).NotTo(ContainSubstring("JSON"))
		},
		Entry("a boolean that is not true or false", profile.CodeFormat, "Patient.active",
			`{"resourceType":"Patient","active":"maybe"}`,
			`<Patient xmlns="http://hl7.org/fhir"><active value="maybe"/></Patient>`,
			"must be a JSON boolean (true or false), got a string",
			`must be a boolean (true or false) in the value attribute, got "maybe"`),
		Entry("an integer that is not a number", profile.CodeFormat, "Patient.multipleBirthInteger",
			`{"resourceType":"Patient","multipleBirthInteger":"two"}`,
			`<Patient xmlns="http://hl7.org/fhir"><multipleBirthInteger value="two"/></Patient>`,
			"must be a JSON number, got a string",
			`must be a number in the value attribute, got "two"`),
		Entry("a decimal that is not a number", profile.CodeFormat, "Observation.valueQuantity.value",
			`{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":"1,5"}}`,
			`<Observation xmlns="http://hl7.org/fhir"><status value="final"/><code><text value="x"/></code><valueQuantity><value value="1,5"/></valueQuantity></Observation>`,
			"must be a JSON number, got a string",
			`must be a number in the value attribute, got "1,5"`),
		Entry("a decimal beyond what FHIR can exchange", profile.CodeFormat, "Observation.valueQuantity.value",
			`{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1e999}}`,
			`<Observation xmlns="http://hl7.org/fhir"><status value="final"/><code><text value="x"/></code><valueQuantity><value value="1e999"/></valueQuantity></Observation>`,
			"outside the range of numbers JSON can exchange",
			"outside the range of numbers FHIR can exchange"),
		Entry("a single-valued element that repeats", profile.CodeCardinality, "Patient.gender",
			`{"resourceType":"Patient","gender":["male","female"]}`,
			`<Patient xmlns="http://hl7.org/fhir"><gender value="male"/><gender value="female"/></Patient>`,
			"gender must be a single value, but it is a JSON array",
			"gender must be a single value, but the <gender> element is written more than once"),
	)
})

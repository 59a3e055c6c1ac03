package profile_test

import (
	"os"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("Parameters named as the core operations name theirs", func() {
	e := newEngine()
	notes := func(rec *model.Record) []string {
		out := []string{}
		for _, f := range e.ValidateRecord(rec, "", nil) {
			if f.Code == profile.CodeParameters {
				Expect(f.Severity).To(Equal(model.Information), f.Message)
				out = append(out, f.Path)
			}
		}
		return out
	}
	params := func(parameter string) *model.Record {
		return record(`{"resourceType": "Parameters", "parameter": [` + parameter + `]}`)
	}

	DescribeTable("one parameter",
		func(parameter string, want ...string) {
			Expect(notes(params(parameter))).To(ConsistOf(want))
		},
		Entry("a value of a type the operations give", `{"name": "code", "valueCode": "male"}`),
		Entry("a value of another type", `{"name": "code", "valueInteger": 1}`, "Parameters.parameter[0].valueInteger"),
		Entry("a complex value of another type", `{"name": "coding", "valueCodeableConcept": {"text": "x"}}`, "Parameters.parameter[0].valueCodeableConcept"),
		Entry("no value where the operations give one", `{"name": "system", "part": [{"name": "x", "valueString": "y"}]}`, "Parameters.parameter[0]"),
		Entry("a resource of a type the operations give", `{"name": "valueSet", "resource": {"resourceType": "ValueSet", "status": "draft"}}`),
		Entry("a resource of another type", `{"name": "valueSet", "resource": {"resourceType": "CodeSystem", "status": "draft", "content": "not-present"}}`, "Parameters.parameter[0].resource"),
		Entry("a value where the operations give a resource", `{"name": "valueSet", "valueUri": "http://hl7.org/fhir/ValueSet/languages"}`, "Parameters.parameter[0]"),
		Entry("any resource where the operations give Resource", `{"name": "input", "resource": {"resourceType": "Patient"}}`),
		Entry("a value where the operations give a value or a resource", `{"name": "source", "valueUri": "http://example.org/source"}`),
		Entry("a resource where the operations give a value or a resource", `{"name": "source", "resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}}`),
		Entry("another resource where the operations give a value or a resource", `{"name": "source", "resource": {"resourceType": "Patient"}}`, "Parameters.parameter[0].resource"),
		Entry("another value where the operations give a value or a resource", `{"name": "source", "valueBoolean": true}`, "Parameters.parameter[0].valueBoolean"),
		Entry("a name no core operation uses", `{"name": "colour", "valueInteger": 3}`),
		Entry("a name some operation leaves open (any type)", `{"name": "return", "valueInteger": 3}`),
	)

	It("reads the same in XML", func() {
		xml := `<Parameters xmlns="http://hl7.org/fhir"><parameter><name value="code"/><valueInteger value="1"/></parameter>
			<parameter><name value="system"/><valueUri value="http://loinc.org"/></parameter></Parameters>`
		Expect(notes(record(fromXML(xml)))).To(ConsistOf("Parameters.parameter[0].valueInteger"))
	})

	It("says nothing of the shared Parameters cases that use core names as the operations do", func() {
		for _, name := range []string{"parameters-reference.json", "parameters-profiled-resource-valid.json"} {
			data, err := os.ReadFile(sharedtest.Path("conformance-cases", "cases", name))
			Expect(err).NotTo(HaveOccurred())
			res, err := fhir.Decode(data)
			Expect(err).NotTo(HaveOccurred())
			rec := &model.Record{Kind: model.KindFHIR, Source: name, Type: "Parameters", Value: res}
			Expect(notes(rec)).To(BeEmpty(), name)
		}
	})
})

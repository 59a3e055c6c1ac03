package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("a _name companion on a complex element", func() {
	e := newEngine()

	DescribeTable("is an unknown element wherever the element is complex",
		func(src, path string) {
			Expect(validate(e, src)).To(ContainElement(And(at(model.Error, profile.CodeUnknownElement, path),
				HaveField("Message", ContainSubstring("only primitive elements have a _ companion")))))
		},
		Entry("a datatype alone", `{"resourceType":"Patient","id":"p1","_maritalStatus":{"id":"a"}}`, "Patient._maritalStatus"),
		Entry("beside its value", `{"resourceType":"Patient","id":"p1","maritalStatus":{"text":"married"},"_maritalStatus":{"id":"a"}}`, "Patient._maritalStatus"),
		Entry("a repeating datatype, as an array", `{"resourceType":"Patient","id":"p1","name":[{"family":"Quinn"}],"_name":[{"id":"n"}]}`, "Patient._name"),
		Entry("a backbone element", `{"resourceType":"Patient","id":"p1","contact":[{"name":{"family":"Quinn"}}],"_contact":[{"id":"c"}]}`, "Patient._contact"),
		Entry("a Reference inside a backbone element", `{"resourceType":"Encounter","id":"e1","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"participant":[{"individual":{"reference":"Practitioner/1"},"_individual":{"id":"a"}}]}`,
			"Encounter.participant[0]._individual"),
		Entry("a choice of a complex type", `{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"valueQuantity":{"value":1},"_valueQuantity":{"id":"q"}}`, "Observation._valueQuantity"),
	)

	It("still walks the value it stands beside", func() {
		found := validate(e, `{"resourceType":"Patient","id":"p1","maritalStatus":{"coding":[{"system":"not a uri","code":"M"}]},"_maritalStatus":{"id":"a"}}`)
		Expect(found).To(ContainElement(at(model.Error, profile.CodeUnknownElement, "Patient._maritalStatus")))
		Expect(len(found)).To(BeNumerically(">", 1), "the coding inside is still judged")
	})

	It("leaves companions of primitive elements alone, single and repeating, choices included", func() {
		Expect(validate(e, `{"resourceType":"Patient","id":"p1","birthDate":"1988-07-14","_birthDate":{"id":"b"},"name":[{"given":["Ann","Bo"],"_given":[null,{"id":"g"}]}]}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType":"Observation","id":"o1","status":"final","_status":{"id":"s"},"code":{"text":"x"},"valueString":"high","_valueString":{"id":"v"}}`)).To(BeEmpty())
	})
})

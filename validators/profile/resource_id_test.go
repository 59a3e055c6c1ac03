package profile_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("extensions on a resource's id", func() {
	e := newEngine()
	const original = `{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/originalText","valueString":"H2"}]}`

	DescribeTable("are an error on every resource, wherever it stands",
		func(src, path string) {
			Expect(validate(e, src)).To(ConsistOf(And(at(model.Error, profile.CodeExtension, path),
				HaveField("Message", ContainSubstring("the resource id takes no extensions")))))
		},
		Entry("a top-level resource", `{"resourceType":"Patient","id":"p1","_id":`+original+`}`, "Patient.id"),
		Entry("a definition", `{"resourceType":"Basic","id":"b1","_id":`+original+`,"code":{"text":"note"}}`, "Basic.id"),
		Entry("a contained resource", `{"resourceType":"Patient","id":"p1","contained":[{"resourceType":"Organization","id":"o","_id":`+original+`,"name":"Hillside"}],"managingOrganization":{"reference":"#o"}}`,
			"Patient.contained[0].id"),
		Entry("a resource inside Parameters", `{"resourceType":"Parameters","parameter":[{"name":"p","resource":{"resourceType":"Patient","id":"p1","_id":`+original+`}}]}`,
			"Parameters.parameter[0].resource.id"),
	)

	It("reads the same from XML, where the extension sits inside <id>", func() {
		m, err := fhirxml.Decode([]byte(`<Patient xmlns="http://hl7.org/fhir"><id value="p1"><extension url="http://hl7.org/fhir/StructureDefinition/originalText"><valueString value="H2"/></extension></id></Patient>`))
		Expect(err).NotTo(HaveOccurred())
		src, err := json.Marshal(m)
		Expect(err).NotTo(HaveOccurred())
		Expect(validate(e, string(src))).To(ConsistOf(at(model.Error, profile.CodeExtension, "Patient.id")))
	})

	It("leaves extensions on other primitives, and ids of elements, alone", func() {
		Expect(validate(e, `{"resourceType":"Patient","id":"p1","birthDate":"1988-07-14","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1988-07-14T06:20:00+01:00"}]}}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType":"Patient","id":"p1","name":[{"id":"n1","family":"Quinn","_family":`+original+`}]}`)).To(BeEmpty())
	})
})

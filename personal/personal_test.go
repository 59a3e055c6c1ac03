package personal_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
)

var _ = Describe("personal data", func() {
	DescribeTable("FHIR paths",
		func(path string, want bool) { Expect(personal.FHIRPath(path)).To(Equal(want)) },
		Entry("a patient's identifier", "Patient.identifier[0].value", true),
		Entry("a patient's birth date", "Patient.birthDate", true),
		Entry("a practitioner's name", "Practitioner.name[1].family", true),
		Entry("a related person's address", "RelatedPerson.address.postalCode", true),
		Entry("a patient's gender", "Patient.gender", false),
		Entry("the type of a patient's identifier: a code, naming no one", "Patient.identifier[0].type.coding[0].code", false),
		Entry("an identifier's system", "Patient.identifier[1].system", false),
		Entry("a telecom's use", "Patient.telecom[0].use", false),
		Entry("a contact's relationship", "Patient.contact[0].relationship[0].coding[0]", false),
		Entry("a contact's name", "Patient.contact[0].name.family", true),
		Entry("an identifier's value beside its type", "Patient.identifier.value", true),
		Entry("an observation's date", "Observation.effectiveDateTime", false),
		Entry("an element whose name starts like one", "Patient.identifierX", false),
		Entry("no element", "Patient", false),
	)

	DescribeTable("HL7 v2 paths",
		func(path string, want bool) { Expect(personal.V2Path(path)).To(Equal(want)) },
		Entry("the patient's date of birth", "PID-7", true),
		Entry("any field of the patient segment", "PID-8", true),
		Entry("next of kin", "NK1[2]-2.1", true),
		Entry("a guarantor", "GT1-3", true),
		Entry("the message header", "MSH-9", false),
		Entry("a visit", "PV1-3", false),
		Entry("too short", "PI", false),
	)

	DescribeTable("CSV column names",
		func(name string, want bool) { Expect(personal.Column(name)).To(Equal(want)) },
		Entry("NHS number", "NHS_Number", true),
		Entry("date of birth", "Date of Birth", true),
		Entry("DOB", "dob", true),
		Entry("postcode", "Post-Code", true),
		Entry("e-mail", "E_Mail", true),
		Entry("a count", "Hours_Delivered", false),
	)

	It("redacts evidence wherever the message quotes it, once", func() {
		f := model.Finding{Message: `NHS_Number "943 476 5918" fails the Modulus 11 check (found 943 476 5918)`, Evidence: "943 476 5918"}
		personal.Redact(&f)
		Expect(f.Evidence).To(Equal(personal.Redacted))
		Expect(f.Message).To(Equal(`NHS_Number "[redacted]" fails the Modulus 11 check (found [redacted])`))
		again := f
		personal.Redact(&again)
		Expect(again).To(Equal(f))
	})

	It("leaves a finding without evidence as its check worded it", func() {
		f := model.Finding{Message: "NHS_Number disagrees with the value at line 3"}
		personal.Redact(&f)
		Expect(f).To(Equal(model.Finding{Message: "NHS_Number disagrees with the value at line 3"}))
	})
})

package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// R4 §5.1.0.9 (ElementDefinition.type.profile): a datatype value must
// conform to one of the profiles its element's type names. The profiles
// below are our own: an Address that must say its use, one that must say
// its type, and a Patient profile whose address takes either.
var _ = Describe("datatype profiles named by an element's type", func() {
	const ns = "http://example.org/StructureDefinition/"
	addressProfile := func(name, required string) map[string]any {
		p := diffProfile(ns+name, "Address",
			`{"id": "Address", "path": "Address"}`,
			`{"id": "Address.`+required+`", "path": "Address.`+required+`", "min": 1}`)
		p["kind"] = "complex-type"
		return p
	}
	e := newEngine(
		addressProfile("address-with-use", "use"),
		addressProfile("address-with-type", "type"),
		diffProfile(ns+"patient-either", "Patient",
			`{"id": "Patient.address", "path": "Patient.address", "type": [{"code": "Address", "profile": ["`+ns+`address-with-use", "`+ns+`address-with-type"]}]}`),
		diffProfile(ns+"patient-use", "Patient",
			`{"id": "Patient.address", "path": "Patient.address", "type": [{"code": "Address", "profile": ["`+ns+`address-with-use"]}]}`),
	)
	patient := func(address string) string {
		return `{"resourceType": "Patient", "address": [` + address + `]}`
	}

	It("accepts a value that conforms to any one of the profiles", func() {
		Expect(validate(e, patient(`{"use": "home", "city": "Leeds"}`), ns+"patient-either")).To(BeEmpty())
		Expect(validate(e, patient(`{"type": "postal", "city": "Leeds"}`), ns+"patient-either")).To(BeEmpty())
	})

	It("rejects a value that conforms to none, naming the profiles tried and the first problem", func() {
		fs := validate(e, patient(`{"text": "somewhere"}`), ns+"patient-either")
		Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeTypeProfile, "Patient.address[0]",
			"does not conform to any of the profiles "+ns+"address-with-use, "+ns+"address-with-type")))
		Expect(fs[0].Message).To(ContainSubstring("use is required"))
	})

	It("checks a single profile the same way", func() {
		Expect(validate(e, patient(`{"use": "work"}`), ns+"patient-use")).To(BeEmpty())
		Expect(validate(e, patient(`{"type": "postal"}`), ns+"patient-use")).To(ConsistOf(
			saying(model.Error, profile.CodeTypeProfile, "Patient.address[0]", "does not conform to the profile "+ns+"address-with-use")))
	})
})

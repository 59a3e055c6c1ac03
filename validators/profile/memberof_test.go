package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// FHIRPath memberOf(valueSet) in a profile's invariants (FHIRPath §2.1.9.3
// of FHIR's FHIRPath functions), decided with the same offline value-set
// membership as the bindings: a code, a Coding, a CodeableConcept (one of
// its codings). A value set carecert cannot expand offline leaves the
// invariant not evaluated, never failed.
var _ = Describe("memberOf in invariants", func() {
	const url = "http://registry.acme-health.test/StructureDefinition/gendered-basic"
	const unknownURL = "http://registry.acme-health.test/StructureDefinition/unknown-vs-basic"
	constraint := func(vs string) string {
		return `{"id": "Basic.code", "path": "Basic.code", "constraint": [{"key": "acme-1", "severity": "error", "human": "code in the value set",
			"expression": "memberOf('` + vs + `')"}]}`
	}
	e := newEngine(
		diffProfile(url, "Basic", constraint("http://hl7.org/fhir/ValueSet/administrative-gender")),
		diffProfile(unknownURL, "Basic", constraint("http://registry.acme-health.test/ValueSet/not-loaded")))
	basic := func(coding string) string {
		return `{"resourceType": "Basic", "code": {"coding": [` + coding + `]}}`
	}
	const gender = `"system": "http://hl7.org/fhir/administrative-gender"`

	It("holds when a coding of the concept is in the value set", func() {
		Expect(validate(e, basic(`{`+gender+`, "code": "female"}`), url)).To(BeEmpty())
		Expect(validate(e, basic(`{"system": "http://snomed.info/sct", "code": "248152002"}, {`+gender+`, "code": "female"}`), url)).To(BeEmpty())
	})

	It("fails when no coding is in the value set", func() {
		Expect(validate(e, basic(`{`+gender+`, "code": "feminine"}`), url)).To(ConsistOf(
			saying(model.Error, profile.CodeInvariant, "Basic.code", "acme-1")))
		Expect(validate(e, basic(`{"system": "http://snomed.info/sct", "code": "248152002"}`), url)).To(ConsistOf(
			saying(model.Error, profile.CodeInvariant, "Basic.code", "acme-1")))
	})

	It("is not decided, and fails nothing, when the value set cannot be expanded offline", func() {
		for _, f := range validate(e, basic(`{`+gender+`, "code": "feminine"}`), unknownURL) {
			Expect(f.Code).NotTo(Equal(profile.CodeInvariant), f.Message)
		}
	})
})

package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("URI, OID and UUID forms", func() {
	e := newEngine()

	It("rejects bare oid: and uuid: prefixes, malformed URN UUIDs and OIDs without a real root", func() {
		bad := `{"resourceType": "Patient", "id": "p", "implicitRules": "oid:1.2.840.113619",
			"extension": [{"url": "http://example.org/fhir/StructureDefinition/x", "valueUri": "urn:uuid:0B2A6F5E-6C1E-4A8C-9D1F-2E3B4C5D6E7F"},
				{"url": "http://example.org/fhir/StructureDefinition/y", "valueUri": "urn:oid:1.2"},
				{"url": "http://example.org/fhir/StructureDefinition/z", "valueOid": "urn:oid:2.5"}]}`
		fs := validate(e, bad)
		Expect(fs).To(ContainElements(
			at(model.Error, profile.CodeFormat, "Patient.implicitRules"),
			at(model.Error, profile.CodeFormat, "Patient.extension[0].valueUri"),
			at(model.Error, profile.CodeFormat, "Patient.extension[1].valueUri"),
			at(model.Error, profile.CodeFormat, "Patient.extension[2].valueOid"),
		))
		good := `{"resourceType": "Patient", "id": "p", "implicitRules": "urn:oid:1.2.840.113619",
			"extension": [{"url": "http://example.org/fhir/StructureDefinition/x", "valueUri": "urn:uuid:0b2a6f5e-6c1e-4a8c-9d1f-2e3b4c5d6e7f"},
				{"url": "http://example.org/fhir/StructureDefinition/y", "valueUri": "urn:oid:1.3.6.1.4.1"},
				{"url": "http://example.org/fhir/StructureDefinition/z", "valueOid": "urn:oid:2.16.840.1.113883"}]}`
		Expect(formatFindings(validate(e, good))).To(BeEmpty())
	})

	It("requires canonical references and the canonical URL of a definition to be absolute", func() {
		bad := `{"resourceType": "ValueSet", "id": "v", "url": "ValueSet/local", "status": "draft",
			"compose": {"include": [{"valueSet": ["ValueSet/other"]}]}}`
		Expect(formatFindings(validate(e, bad))).To(ConsistOf(
			at(model.Error, profile.CodeFormat, "ValueSet.url"),
			at(model.Error, profile.CodeFormat, "ValueSet.compose.include[0].valueSet[0]"),
		))
		good := `{"resourceType": "ValueSet", "id": "v", "url": "http://example.org/fhir/ValueSet/local", "status": "draft",
			"compose": {"include": [{"valueSet": ["http://example.org/fhir/ValueSet/other|1.0"]}]}}`
		Expect(formatFindings(validate(e, good))).To(BeEmpty())
	})
})

var _ = Describe("Identifier systems and values", func() {
	e := newEngine()
	patient := func(identifier string) string {
		return `{"resourceType": "Patient", "id": "p", "identifier": [` + identifier + `]}`
	}

	It("requires an absolute system of a namespace", func() {
		Expect(formatFindings(validate(e, patient(`{"system": "hospital-mrn", "value": "123"}`)))).To(ConsistOf(
			at(model.Error, profile.CodeFormat, "Patient.identifier[0].system")))
		Expect(formatFindings(validate(e, patient(`{"system": "https://example.org/mrn", "value": "123"}, {"system": "urn:oid:1.2.36.146.595.217.0.1", "value": "9"}`)))).To(BeEmpty())
	})

	It("warns about characters a URI may not carry unescaped", func() {
		Expect(formatFindings(validate(e, patient(`{"system": "http://example.org/mrn|{site}", "value": "123"}`)))).To(ConsistOf(
			at(model.Warning, profile.CodeFormat, "Patient.identifier[0].system")))
	})

	It("requires a URI value with the system urn:ietf:rfc:3986", func() {
		Expect(formatFindings(validate(e, patient(`{"system": "urn:ietf:rfc:3986", "value": "0b2a6f5e-6c1e-4a8c-9d1f-2e3b4c5d6e7f"}`)))).To(ConsistOf(
			at(model.Error, profile.CodeFormat, "Patient.identifier[0].value")))
		Expect(formatFindings(validate(e, patient(`{"system": "urn:ietf:rfc:3986", "value": "urn:uuid:0b2a6f5e-6c1e-4a8c-9d1f-2e3b4c5d6e7f"}`)))).To(BeEmpty())
	})

	It("treats the RFC 4122 page as a wrong system: a warning for UUIDs, an error otherwise", func() {
		Expect(formatFindings(validate(e, patient(`{"system": "https://tools.ietf.org/html/rfc4122", "value": "0b2a6f5e-6c1e-4a8c-9d1f-2e3b4c5d6e7f"}`)))).To(ConsistOf(
			at(model.Warning, profile.CodeFormat, "Patient.identifier[0].system")))
		Expect(formatFindings(validate(e, patient(`{"system": "https://tools.ietf.org/html/rfc4122", "value": "abc"}`)))).To(ConsistOf(
			at(model.Error, profile.CodeFormat, "Patient.identifier[0].system")))
	})
})

var _ = Describe("Coding systems that nearly name a known one", func() {
	e := newEngine()
	obs := func(system string) string {
		return `{"resourceType": "Observation", "id": "o", "status": "final", "code": {"coding": [{"system": "` + system + `", "code": "8310-5"}]}}`
	}
	codingFindings := func(src string) []model.Finding {
		var out []model.Finding
		for _, f := range validate(e, src) {
			if f.Code == profile.CodeCoding {
				out = append(out, f)
			}
		}
		return out
	}

	It("rejects https: variants, trailing parts and specification pages", func() {
		for _, s := range []string{"https://loinc.org", "http://loinc.org/", "http://snomed.info/sct/900000000000207008",
			"https://terminology.hl7.org/CodeSystem/observation-category", "http://hl7.org/fhir/codesystem-observation-status.html",
			"http://build.fhir.org/ig/x/CodeSystem-y"} {
			Expect(codingFindings(obs(s))).To(ConsistOf(at(model.Error, profile.CodeCoding, "Observation.code.coding[0].system")), s)
		}
	})

	It("warns about a system one or two characters from a well-known one", func() {
		for _, s := range []string{"http://snomed.info/stc", "http://lonic.org", "http://unitsofmesure.org"} {
			Expect(codingFindings(obs(s))).To(ConsistOf(at(model.Warning, profile.CodeCoding, "Observation.code.coding[0].system")), s)
		}
	})

	It("finds nothing wrong with a well-known system itself, which the walk therefore does not ask about", func() {
		for _, s := range profile.WellKnownSystems {
			Expect(profile.NearMiss(e, s)).To(BeEmpty(), s)
			Expect(codingFindings(obs(s))).To(BeEmpty(), s)
		}
		Expect(profile.NearMiss(e, "http://loinc.org/x")).NotTo(BeEmpty())
	})

	It("accepts the systems themselves and unrelated https: systems", func() {
		for _, s := range []string{"http://loinc.org", "http://snomed.info/sct", "https://fhir.nhs.uk/CodeSystem/x", "http://example.org/codes"} {
			Expect(codingFindings(obs(s))).To(BeEmpty(), s)
		}
	})
})

// formatFindings keeps the format findings of a validation.
func formatFindings(fs []model.Finding) []model.Finding {
	var out []model.Finding
	for _, f := range fs {
		if f.Code == profile.CodeFormat {
			out = append(out, f)
		}
	}
	return out
}

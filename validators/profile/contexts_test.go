package profile_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// extensionDef is a simple extension with a string value and the given
// contexts (pairs of type and expression).
func extensionDef(url string, contexts ...string) map[string]any {
	var ctx []any
	for i := 0; i+1 < len(contexts); i += 2 {
		ctx = append(ctx, map[string]any{"type": contexts[i], "expression": contexts[i+1]})
	}
	var diff []any
	Expect(json.Unmarshal([]byte(`[{"id": "Extension", "path": "Extension"},
		{"id": "Extension.url", "path": "Extension.url", "fixedUri": "`+url+`"},
		{"id": "Extension.value[x]", "path": "Extension.value[x]", "type": [{"code": "string"}]}]`), &diff)).To(Succeed())
	return map[string]any{"resourceType": "StructureDefinition", "url": url, "name": "Test", "status": "draft", "kind": "complex-type",
		"abstract": false, "type": "Extension", "context": ctx, "derivation": "constraint",
		"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension", "differential": map[string]any{"element": diff}}
}

var _ = Describe("extension contexts", func() {
	const ns = "http://carecert.test/StructureDefinition/"
	e := newEngine(
		extensionDef(ns+"on-path", "fhirpath", "Patient.contact.where(relationship.exists())"),
		extensionDef(ns+"in-parent", "extension", ns+"parent"),
		extensionDef(ns+"parent", "element", "Element"),
		extensionDef(ns+"on-domain", "element", "DomainResource"),
		extensionDef(ns+"on-canonical", "element", "CanonicalResource"),
		extensionDef(ns+"on-backbone", "element", "BackboneElement"),
	)
	ext := func(name string) string { return `{"url": "` + ns + name + `", "valueString": "x"}` }
	contextError := func(path string) any {
		return saying(model.Error, profile.CodeExtension, path, "is not allowed here")
	}

	It("admits an extension whose context is a resource only on that resource, not on its elements", func() {
		birthPlace := `{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace", "valueAddress": {"city": "Leeds"}}`
		Expect(validate(e, `{"resourceType": "Patient", "extension": [`+birthPlace+`]}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType": "Patient", "contact": [{"extension": [`+birthPlace+`], "name": {"family": "Doe"}}]}`)).To(ConsistOf(
			contextError("Patient.contact[0].extension[0]")))
		Expect(validate(e, `{"resourceType": "Patient", "name": [{"extension": [`+birthPlace+`], "family": "Doe"}]}`)).To(ConsistOf(
			contextError("Patient.name[0].extension[0]")))
	})

	It("admits a data type context on the type and the types derived from it", func() {
		area := `{"url": "http://hl7.org/fhir/StructureDefinition/contactpoint-area", "valueString": "0113"}`
		Expect(validate(e, `{"resourceType": "Patient", "telecom": [{"extension": [`+area+`], "system": "phone", "value": "496 0000"}]}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType": "Patient", "extension": [`+area+`]}`)).To(ConsistOf(contextError("Patient.extension[0]")))
		uncertainty := `{"url": "http://hl7.org/fhir/StructureDefinition/iso21090-uncertainty", "valueDecimal": 1}`
		Expect(validate(e, `{"resourceType": "Condition", "subject": {"reference": "Patient/1"}, "onsetAge": {"extension": [`+uncertainty+`], "value": 40, "system": "http://unitsofmeasure.org", "code": "a"}}`)).To(BeEmpty())
	})

	It("evaluates fhirpath contexts on the resource", func() {
		Expect(validate(e, `{"resourceType": "Patient", "contact": [{"extension": [`+ext("on-path")+`], "relationship": [{"text": "mother"}], "name": {"family": "Doe"}}]}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType": "Patient", "contact": [{"extension": [`+ext("on-path")+`], "name": {"family": "Doe"}}]}`)).To(ConsistOf(
			contextError("Patient.contact[0].extension[0]")))
		Expect(validate(e, `{"resourceType": "Patient", "extension": [`+ext("on-path")+`]}`)).To(ConsistOf(contextError("Patient.extension[0]")))
	})

	It("admits an extension whose context is another extension only inside that extension", func() {
		Expect(validate(e, `{"resourceType": "Patient", "extension": [{"url": "`+ns+`parent", "extension": [`+ext("in-parent")+`]}]}`)).To(
			Not(ContainElement(contextError("Patient.extension[0].extension[0]"))))
		Expect(validate(e, `{"resourceType": "Patient", "extension": [`+ext("in-parent")+`]}`)).To(ConsistOf(contextError("Patient.extension[0]")))
		Expect(validate(e, `{"resourceType": "Patient", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace", "valueAddress": {"city": "Leeds", "extension": [`+ext("in-parent")+`]}}]}`)).To(
			ContainElement(contextError("Patient.extension[0].valueAddress.extension[0]")))
	})

	It("understands abstract types as contexts: DomainResource, CanonicalResource, BackboneElement", func() {
		Expect(validate(e, `{"resourceType": "Patient", "extension": [`+ext("on-domain")+`]}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType": "Patient", "name": [{"extension": [`+ext("on-domain")+`], "family": "Doe"}]}`)).To(ConsistOf(
			contextError("Patient.name[0].extension[0]")))
		Expect(validate(e, `{"resourceType": "Questionnaire", "status": "draft", "extension": [`+ext("on-canonical")+`]}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType": "Patient", "extension": [`+ext("on-canonical")+`]}`)).To(ConsistOf(contextError("Patient.extension[0]")))
		Expect(validate(e, `{"resourceType": "Patient", "contact": [{"extension": [`+ext("on-backbone")+`], "name": {"family": "Doe"}}]}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType": "Patient", "extension": [`+ext("on-backbone")+`]}`)).To(ConsistOf(contextError("Patient.extension[0]")))
	})
})

var _ = Describe("extension contexts through base types, extension values, context invariants and version ranges", func() {
	const ns = "http://carecert.test/StructureDefinition/"
	withInvariant := extensionDef(ns+"inactive-only", "element", "Patient")
	withInvariant["contextInvariant"] = []any{"Patient.active.not()"}
	versioned := func(name, start, end string) map[string]any {
		d := extensionDef(ns+name, "element", "Patient")
		d["extension"] = []any{map[string]any{"url": "http://hl7.org/fhir/StructureDefinition/version-specific-use",
			"extension": []any{map[string]any{"url": "startFhirVersion", "valueCode": start}, map[string]any{"url": "endFhirVersion", "valueCode": end}}}}
		return d
	}
	e := newEngine(
		extensionDef(ns+"on-text", "element", "DomainResource.text"),
		extensionDef(ns+"valued", "element", "Patient"),
		extensionDef(ns+"in-valued", "extension", ns+"valued"),
		withInvariant,
		versioned("r3-r4", "3.0", "4.3"),
		versioned("r5-on", "5.0", "6.0"),
	)
	ext := func(name string) string { return `{"url": "` + ns + name + `", "valueString": "x"}` }
	contextError := func(path string) any {
		return saying(model.Error, profile.CodeExtension, path, "is not allowed here")
	}
	const div = `"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"`

	It("admits a context path written on a base type (DomainResource.text) on that element of a derived resource only", func() {
		Expect(validate(e, `{"resourceType": "Patient", "text": {"extension": [`+ext("on-text")+`], `+div+`}}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "text": {"extension": [`+ext("on-text")+`], `+div+`}}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType": "Patient", "extension": [`+ext("on-text")+`]}`)).To(ConsistOf(contextError("Patient.extension[0]")))
		Expect(validate(e, `{"resourceType": "Patient", "name": [{"extension": [`+ext("on-text")+`], "family": "Doe"}]}`)).To(ConsistOf(contextError("Patient.name[0].extension[0]")))
	})

	It("admits an extension whose context is another extension on that extension's value too", func() {
		Expect(validate(e, `{"resourceType": "Patient", "extension": [{"url": "`+ns+`valued", "valueString": "x", "_valueString": {"extension": [`+ext("in-valued")+`]}}]}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType": "Patient", "name": [{"family": "Doe", "_family": {"extension": [`+ext("in-valued")+`]}}]}`)).To(ConsistOf(
			contextError("Patient.name[0].family.extension[0]")))
	})

	It("evaluates the definition's context invariants on the element the extension is used on", func() {
		Expect(validate(e, `{"resourceType": "Patient", "active": false, "extension": [`+ext("inactive-only")+`]}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType": "Patient", "active": true, "extension": [`+ext("inactive-only")+`]}`)).To(ConsistOf(
			saying(model.Error, profile.CodeExtension, "Patient.extension[0]", "context invariant Patient.active.not() does not hold")))
	})

	It("refuses an extension its definition declares for FHIR versions that leave out R4", func() {
		Expect(validate(e, `{"resourceType": "Patient", "extension": [`+ext("r3-r4")+`]}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType": "Patient", "extension": [`+ext("r5-on")+`]}`)).To(ConsistOf(
			saying(model.Error, profile.CodeExtension, "Patient.extension[0]", "defined for FHIR 5.0 to 6.0 only")))
	})
})

var _ = Describe("ele-1 on primitives", func() {
	e := newEngine()

	It("fails a primitive that has only an id, and accepts one with extensions", func() {
		Expect(validate(e, `{"resourceType": "Patient", "_birthDate": {"id": "b1"}}`)).To(ConsistOf(
			saying(model.Error, profile.CodeInvariant, "Patient.birthDate", "constraint ele-1 failed")))
		Expect(validate(e, `{"resourceType": "Patient", "name": [{"_given": [{"id": "g1"}]}]}`)).To(ConsistOf(
			saying(model.Error, profile.CodeInvariant, "Patient.name[0].given[0]", "constraint ele-1 failed")))
		Expect(validate(e, `{"resourceType": "Patient", "_birthDate": {"id": "b1", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}]}}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType": "Patient", "birthDate": "2000-01-01", "_birthDate": {"id": "b1"}}`)).To(BeEmpty())
	})
})

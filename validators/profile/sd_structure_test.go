package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// pathsOf returns the paths of the findings of one code and severity.
func pathsOf(fs []model.Finding, sev model.Severity, code string) []string {
	out := []string{}
	for _, f := range fs {
		if f.Severity == sev && f.Code == code {
			out = append(out, f.Path)
		}
	}
	return out
}

// sdHeader is a StructureDefinition on base with the header fields given
// (JSON members, comma-separated) and the differential elements.
func sdHeader(header, elements string) string {
	return `{"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/s", "name": "S", "status": "draft",
		"abstract": false, ` + header + `, "differential": {"element": [` + elements + `]}}`
}

var _ = Describe("StructureDefinition shape: derivation, base, context, Extension.url and the constraints a type can carry", func() {
	e := newEngine()
	const patient = `"kind": "resource", "type": "Patient", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient"`
	const root = `{"id": "Patient", "path": "Patient"}`
	shape := func(src string) []string {
		return pathsOf(validate(e, src), model.Error, profile.CodeDefinitionShape)
	}
	DescribeTable("the header against the base it derives from",
		func(header, elements string, want []string) {
			Expect(shape(sdHeader(header, elements))).To(ConsistOf(want))
		},
		Entry("a constraint on Patient of type Patient", patient+`, "derivation": "constraint"`, root, nil),
		Entry("a base without a derivation", patient, root, []string{"StructureDefinition.baseDefinition"}),
		Entry("a constraint of another type than its base",
			`"kind": "resource", "type": "Observation", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint"`,
			`{"id": "Observation", "path": "Observation"}`, []string{"StructureDefinition.type"}),
		Entry("a specialization that keeps its base's type",
			`"kind": "resource", "type": "Patient", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "specialization"`,
			root, []string{"StructureDefinition.type"}),
		Entry("a logical specialization of the abstract Element with a new type",
			`"kind": "logical", "type": "http://example.org/fhir/Ward", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Element", "derivation": "specialization"`,
			`{"id": "Ward", "path": "Ward"}`, nil),
		Entry("a constraint whose kind is not its base's",
			`"kind": "complex-type", "type": "Patient", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint"`,
			root, []string{"StructureDefinition.kind"}),
		Entry("a base carecert cannot find leaves the header alone",
			`"kind": "resource", "type": "Patient", "baseDefinition": "http://example.org/fhir/StructureDefinition/elsewhere"`, root, nil),
		Entry("a context on a resource profile",
			`"kind": "resource", "context": [{"type": "element", "expression": "Patient"}], "type": "Patient", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint"`,
			root, []string{"StructureDefinition.context[0]"}),
	)

	ext := func(fixed string) string {
		elements := `{"id": "Extension", "path": "Extension"}, {"id": "Extension.value[x]", "path": "Extension.value[x]", "type": [{"code": "string"}]}`
		if fixed != "" {
			elements += `, {"id": "Extension.url", "path": "Extension.url", "fixedUri": "` + fixed + `"}`
		}
		return sdHeader(`"kind": "complex-type", "context": [{"type": "element", "expression": "Patient"}], "type": "Extension",
			"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension", "derivation": "constraint"`, elements)
	}
	DescribeTable("an extension definition fixes Extension.url to its own URL",
		func(src string, want []string) { Expect(shape(src)).To(ConsistOf(want)) },
		Entry("fixed to its URL", ext("http://example.org/fhir/StructureDefinition/s"), nil),
		Entry("fixed to another URL", ext("http://example.org/fhir/StructureDefinition/t"), []string{"StructureDefinition.differential.element[2].fixedUri"}),
		Entry("not fixed at all", ext(""), []string{"StructureDefinition.differential"}),
	)

	one := func(el string) []string {
		return shape(sdHeader(patient+`, "derivation": "constraint"`, root+", "+el))
	}
	DescribeTable("a constraint on an element needs a type that can carry it",
		func(el string, want []string) { Expect(one(el)).To(ConsistOf(want)) },
		Entry("maxLength on a string", `{"id": "Patient.name.family", "path": "Patient.name.family", "type": [{"code": "string"}], "maxLength": 35}`, nil),
		Entry("maxLength on a boolean", `{"id": "Patient.active", "path": "Patient.active", "type": [{"code": "boolean"}], "maxLength": 5}`,
			[]string{"StructureDefinition.differential.element[1].maxLength"}),
		Entry("minValue on an integer", `{"id": "Patient.multipleBirth[x]", "path": "Patient.multipleBirth[x]", "type": [{"code": "integer"}], "minValueInteger": 1}`, nil),
		Entry("minValue on a code", `{"id": "Patient.gender", "path": "Patient.gender", "type": [{"code": "code"}], "minValueInteger": 1}`,
			[]string{"StructureDefinition.differential.element[1].minValueInteger"}),
		Entry("maxValue on a date", `{"id": "Patient.birthDate", "path": "Patient.birthDate", "type": [{"code": "date"}], "maxValueDate": "2024-12-31"}`, nil),
		Entry("a binding on a CodeableConcept", `{"id": "Patient.maritalStatus", "path": "Patient.maritalStatus", "type": [{"code": "CodeableConcept"}], "binding": {"strength": "required", "valueSet": "http://hl7.org/fhir/ValueSet/marital-status"}}`, nil),
		Entry("a binding on a date", `{"id": "Patient.birthDate", "path": "Patient.birthDate", "type": [{"code": "date"}], "binding": {"strength": "required", "valueSet": "http://hl7.org/fhir/ValueSet/administrative-gender"}}`,
			[]string{"StructureDefinition.differential.element[1].binding"}),
		Entry("maxSize on an Attachment", `{"id": "Patient.photo", "path": "Patient.photo", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/maxSize", "valueDecimal": 1024}], "type": [{"code": "Attachment"}]}`, nil),
		Entry("maxSize on a HumanName", `{"id": "Patient.name", "path": "Patient.name", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/maxSize", "valueDecimal": 1024}], "type": [{"code": "HumanName"}]}`,
			[]string{"StructureDefinition.differential.element[1].maxSize"}),
		Entry("maxDecimalPlaces on a date", `{"id": "Patient.birthDate", "path": "Patient.birthDate", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/maxDecimalPlaces", "valueInteger": 2}], "type": [{"code": "date"}]}`,
			[]string{"StructureDefinition.differential.element[1].maxDecimalPlaces"}),
		Entry("minLength on a string", `{"id": "Patient.name.family", "path": "Patient.name.family", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/minLength", "valueInteger": 2}], "type": [{"code": "string"}]}`, nil),
		Entry("a constraint judged on the types the element lists: none listed",
			`{"id": "Patient.active", "path": "Patient.active", "maxLength": 5}`, nil),
		Entry("one of several types carrying it is enough",
			`{"id": "Patient.deceased[x]", "path": "Patient.deceased[x]", "type": [{"code": "boolean"}, {"code": "dateTime"}], "maxValueDateTime": "2030-01-01T00:00:00Z"}`, nil),
	)
})

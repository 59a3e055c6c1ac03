package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("StructureDefinition paths: base chain, element paths, slicing at the root, discriminator paths, context invariants", func() {
	held := func(name, base string) map[string]any {
		return map[string]any{
			"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/" + name, "name": name, "status": "draft",
			"kind": "resource", "abstract": false, "type": "Patient", "derivation": "constraint",
			"baseDefinition": "http://example.org/fhir/StructureDefinition/" + base,
		}
	}
	e := newEngine(held("loop-a", "loop-b"), held("loop-b", "loop-a"), held("self", "self"))
	shape := func(src string) []string {
		return pathsOf(validate(e, src), model.Error, profile.CodeDefinitionShape)
	}
	const patient = `"kind": "resource", "type": "Patient", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint"`
	const root = `{"id": "Patient", "path": "Patient"}`
	inProfile := func(els string) []string { return shape(sdHeader(patient, root+", "+els)) }

	DescribeTable("a definition does not derive from itself",
		func(url, base string, want []string) {
			Expect(shape(`{"resourceType": "StructureDefinition", "url": "` + url + `", "name": "S", "status": "draft", "kind": "resource", "abstract": false,
				"type": "Patient", "derivation": "constraint", "baseDefinition": "` + base + `", "differential": {"element": [` + root + `]}}`)).To(ConsistOf(want))
		},
		Entry("a core base", "http://example.org/fhir/StructureDefinition/s", "http://hl7.org/fhir/StructureDefinition/Patient", nil),
		Entry("its own URL as its base, held", "http://example.org/fhir/StructureDefinition/self", "http://example.org/fhir/StructureDefinition/self",
			[]string{"StructureDefinition.baseDefinition"}),
		Entry("its own URL as its base, not held: a base carecert cannot find, as the reference reads it",
			"http://example.org/fhir/StructureDefinition/s", "http://example.org/fhir/StructureDefinition/s", nil),
		Entry("a base whose own base is this definition", "http://example.org/fhir/StructureDefinition/loop-b", "http://example.org/fhir/StructureDefinition/loop-a",
			[]string{"StructureDefinition.baseDefinition"}),
		Entry("a base carecert does not hold ends the walk", "http://example.org/fhir/StructureDefinition/s", "http://example.org/fhir/StructureDefinition/elsewhere", nil),
	)

	DescribeTable("every element's path starts with the type the definition defines",
		func(els string, want []string) { Expect(inProfile(els)).To(ConsistOf(want)) },
		Entry("Patient's elements", `{"id": "Patient.name", "path": "Patient.name", "min": 1}`, nil),
		Entry("another resource's element", `{"id": "Observation.status", "path": "Observation.status", "min": 1}`,
			[]string{"StructureDefinition.differential.element[1].path"}),
		Entry("a prefix that is not the type's name", `{"id": "Patients.name", "path": "Patients.name"}`,
			[]string{"StructureDefinition.differential.element[1].path"}),
	)

	It("reads a logical model's type by the last segment of its URL", func() {
		src := `{"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/Ward", "name": "Ward", "status": "draft",
			"kind": "logical", "abstract": false, "type": "http://example.org/fhir/StructureDefinition/Ward",
			"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Element", "derivation": "specialization",
			"differential": {"element": [{"id": "Ward", "path": "Ward"}, {"id": "Ward.bed", "path": "Ward.bed", "min": 0, "max": "1", "type": [{"code": "string"}]},
				{"id": "Room.bed", "path": "Room.bed", "min": 0, "max": "1", "type": [{"code": "string"}]}]}}`
		Expect(shape(src)).To(ConsistOf("StructureDefinition.differential.element[2].path"))
	})

	DescribeTable("the root of a differential is not sliced",
		func(els string, want []string) { Expect(inProfile(els)).To(ConsistOf(want)) },
		Entry("slicing on a repeating element",
			`{"id": "Patient.identifier", "path": "Patient.identifier", "slicing": {"discriminator": [{"type": "value", "path": "system"}], "rules": "open"}}`, nil),
		Entry("slicing at the root",
			`{"id": "Patient", "path": "Patient", "slicing": {"discriminator": [{"type": "value", "path": "id"}], "rules": "open"}}`,
			[]string{"StructureDefinition.differential.element[1].slicing"}),
	)

	// snapshot is a profile given by its snapshot alone: no differential is
	// applied to its base, so its discriminators are judged here.
	snapshot := func(el string) []string {
		return shape(`{"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/s", "name": "S", "status": "draft", "abstract": false, ` +
			patient + `, "snapshot": {"element": [{"id": "Patient", "path": "Patient", "min": 0, "max": "*"}, ` + el + `]}}`)
	}
	DescribeTable("a discriminator's path is FHIRPath naming something on the sliced element's types",
		func(el string, want []string) { Expect(snapshot(el)).To(ConsistOf(want)) },
		Entry("a child the type has",
			`{"id": "Patient.identifier", "path": "Patient.identifier", "type": [{"code": "Identifier"}], "slicing": {"discriminator": [{"type": "value", "path": "system"}], "rules": "open"}}`, nil),
		Entry("a discriminator through a datatype's children",
			`{"id": "Patient.identifier", "path": "Patient.identifier", "type": [{"code": "Identifier"}], "slicing": {"discriminator": [{"type": "pattern", "path": "type.coding.code"}], "rules": "open"}}`, nil),
		Entry("a discriminator naming a child the type does not have",
			`{"id": "Patient.identifier", "path": "Patient.identifier", "type": [{"code": "Identifier"}], "slicing": {"discriminator": [{"type": "value", "path": "namespace"}], "rules": "open"}}`,
			[]string{"StructureDefinition.snapshot.element[1].slicing.discriminator[0].path"}),
		Entry("a discriminator on a backbone element's own children",
			`{"id": "Patient.contact", "path": "Patient.contact", "type": [{"code": "BackboneElement"}], "slicing": {"discriminator": [{"type": "value", "path": "relationship"}], "rules": "open"}}`, nil),
		Entry("a backbone element's child it does not have",
			`{"id": "Patient.contact", "path": "Patient.contact", "type": [{"code": "BackboneElement"}], "slicing": {"discriminator": [{"type": "value", "path": "relation"}], "rules": "open"}}`,
			[]string{"StructureDefinition.snapshot.element[1].slicing.discriminator[0].path"}),
		Entry("an extension's url and value",
			`{"id": "Patient.extension", "path": "Patient.extension", "type": [{"code": "Extension"}], "slicing": {"discriminator": [{"type": "value", "path": "url"}, {"type": "type", "path": "value.ofType(string)"}], "rules": "open"}}`, nil),
		Entry("a discriminator that is not FHIRPath",
			`{"id": "Patient.identifier", "path": "Patient.identifier", "type": [{"code": "Identifier"}], "slicing": {"discriminator": [{"type": "value", "path": "system.where("}], "rules": "open"}}`,
			[]string{"StructureDefinition.snapshot.element[1].slicing.discriminator[0].path"}),
		Entry("a path it cannot follow is not judged: resolve()",
			`{"id": "Patient.generalPractitioner", "path": "Patient.generalPractitioner", "type": [{"code": "Reference"}], "slicing": {"discriminator": [{"type": "type", "path": "resolve()"}], "rules": "open"}}`, nil),
		Entry("$this is not judged",
			`{"id": "Patient.identifier", "path": "Patient.identifier", "type": [{"code": "Identifier"}], "slicing": {"discriminator": [{"type": "pattern", "path": "$this"}], "rules": "open"}}`, nil),
		Entry("an element inside a datatype is not judged, as its root's definition does not declare it",
			`{"id": "Patient.name.given", "path": "Patient.name.given", "type": [{"code": "string"}], "slicing": {"discriminator": [{"type": "value", "path": "nothing"}], "rules": "open"}}`, nil),
	)

	It("leaves a constraining profile's differential discriminators to the check that applies it to its base: one error, not two", func() {
		fs := validate(e, sdHeader(patient, root+`, {"id": "Patient.identifier", "path": "Patient.identifier", "slicing": {"discriminator": [{"type": "value", "path": "namespace"}], "rules": "open"}}`))
		Expect(pathsOf(fs, model.Error, profile.CodeDefinitionShape)).To(BeEmpty())
		Expect(pathsOf(fs, model.Error, profile.CodeSnapshot)).To(ConsistOf("StructureDefinition.differential.element[1].slicing.discriminator[0]"))
	})

	ext := func(invariants string) []string {
		return shape(sdHeader(`"kind": "complex-type", "context": [{"type": "element", "expression": "Patient"}], "contextInvariant": [`+invariants+`], "type": "Extension",
			"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension", "derivation": "constraint"`,
			`{"id": "Extension", "path": "Extension"}, {"id": "Extension.url", "path": "Extension.url", "fixedUri": "http://example.org/fhir/StructureDefinition/s"},
			{"id": "Extension.value[x]", "path": "Extension.value[x]", "type": [{"code": "string"}]}`))
	}
	DescribeTable("an extension's context invariants are FHIRPath",
		func(invariants string, want []string) { Expect(ext(invariants)).To(ConsistOf(want)) },
		Entry("one that parses", `"gender.exists()"`, nil),
		Entry("one that does not", `"gender.exists()", "gender = "`, []string{"StructureDefinition.contextInvariant[1]"}),
		Entry("one naming an element the context does not have", `"colour.exists()"`, []string{"StructureDefinition.contextInvariant[0]"}),
		Entry("a later branch of a union naming one", `"gender | colour"`, []string{"StructureDefinition.contextInvariant[0]"}),
		Entry("%extension and functions are not judged", `"%extension.value.exists() implies gender.exists()"`, nil),
	)

	DescribeTable("a context invariant's elements are judged on each element context",
		func(contexts, invariant string, want []string) {
			Expect(shape(sdHeader(`"kind": "complex-type", "context": [`+contexts+`], "contextInvariant": ["`+invariant+`"], "type": "Extension",
				"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension", "derivation": "constraint"`,
				`{"id": "Extension", "path": "Extension"}, {"id": "Extension.url", "path": "Extension.url", "fixedUri": "http://example.org/fhir/StructureDefinition/s"},
				{"id": "Extension.value[x]", "path": "Extension.value[x]", "type": [{"code": "string"}]}`))).To(ConsistOf(want))
		},
		Entry("a datatype element: the datatype's children", `{"type": "element", "expression": "Patient.name"}`, "family.exists()", nil),
		Entry("a datatype element: a child it does not have", `{"type": "element", "expression": "Patient.name"}`, "gender.exists()",
			[]string{"StructureDefinition.contextInvariant[0]"}),
		Entry("a backbone element: its own children", `{"type": "element", "expression": "Patient.contact"}`, "relationship.exists()", nil),
		Entry("two contexts: a name one of them has", `{"type": "element", "expression": "Patient"}, {"type": "element", "expression": "Practitioner"}`, "qualification.exists()", nil),
		Entry("two contexts: a name neither has", `{"type": "element", "expression": "Patient"}, {"type": "element", "expression": "Practitioner"}`, "colour.exists()",
			[]string{"StructureDefinition.contextInvariant[0]"}),
		Entry("a fhirpath context is not followed", `{"type": "fhirpath", "expression": "Patient.contact.where(gender = 'male')"}`, "colour.exists()", nil),
		Entry("Element is not followed", `{"type": "element", "expression": "Element"}`, "colour.exists()", nil),
	)
})

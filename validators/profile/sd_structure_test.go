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

var _ = Describe("StructureDefinition elements: type codes, meaningWhenMissing, snapshot types and values, constraint keys and FHIRPath", func() {
	e := newEngine()
	shape := func(src string) []string {
		return pathsOf(validate(e, src), model.Error, profile.CodeDefinitionShape)
	}
	const profileHeader = `"kind": "resource", "type": "Patient", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint"`
	const root = `{"id": "Patient", "path": "Patient"}`
	inProfile := func(el string) []string { return shape(sdHeader(profileHeader, root+", "+el)) }
	// logical is a logical model on Element whose snapshot holds the root and el.
	logical := func(el string) []string {
		return shape(`{"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/Ward", "name": "Ward", "status": "draft",
			"kind": "logical", "abstract": false, "type": "http://example.org/fhir/StructureDefinition/Ward",
			"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Element", "derivation": "specialization",
			"snapshot": {"element": [{"id": "Ward", "path": "Ward", "min": 0, "max": "*", "base": {"path": "Ward", "min": 0, "max": "*"}}, ` + el + `]}}`)
	}
	const bed = `"id": "Ward.bed", "path": "Ward.bed", "min": 0, "max": "1", "base": {"path": "Ward.bed", "min": 0, "max": "1"}`

	DescribeTable("a type names its code",
		func(el string, want []string) { Expect(logical(el)).To(ConsistOf(want)) },
		Entry("a code", `{`+bed+`, "type": [{"code": "string"}]}`, nil),
		Entry("the code given by the fhir-type extension", `{`+bed+`, "type": [{"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type", "valueUrl": "string"}], "code": "http://hl7.org/fhirpath/System.String"}]}`, nil),
		Entry("an extension on the code with no code: untyped too",
			`{`+bed+`, "type": [{"_code": {"extension": [{"url": "http://example.org/fhir/StructureDefinition/note", "valueString": "x"}]}}]}`,
			[]string{"StructureDefinition.snapshot.element[1].type[0].code", "StructureDefinition.snapshot.element[1]"}),
	)

	DescribeTable("every snapshot element below the root is typed or refers to content, and its values are of its types",
		func(el string, want []string) { Expect(logical(el)).To(ConsistOf(want)) },
		Entry("typed", `{`+bed+`, "type": [{"code": "Identifier"}]}`, nil),
		Entry("a content reference", `{`+bed+`, "contentReference": "#Ward"}`, nil),
		Entry("neither", `{`+bed+`}`, []string{"StructureDefinition.snapshot.element[1]"}),
		Entry("a fixed value of its type", `{`+bed+`, "type": [{"code": "code"}], "fixedCode": "ward"}`, nil),
		Entry("a pattern of one of its types", `{`+bed+`, "type": [{"code": "Coding"}, {"code": "CodeableConcept"}], "patternCodeableConcept": {"text": "bed"}}`, nil),
		Entry("a fixed value of another type", `{`+bed+`, "type": [{"code": "code"}], "fixedBoolean": true}`,
			[]string{"StructureDefinition.snapshot.element[1].fixedBoolean"}),
		Entry("a pattern of another type", `{`+bed+`, "type": [{"code": "Identifier"}], "patternCoding": {"code": "x"}}`,
			[]string{"StructureDefinition.snapshot.element[1].patternCoding"}),
		Entry("a default value of another type", `{`+bed+`, "type": [{"code": "boolean"}], "defaultValueString": "yes"}`,
			[]string{"StructureDefinition.snapshot.element[1].defaultValueString"}),
	)

	DescribeTable("a profile's differential leaves meaningWhenMissing to the element's own definition, extensions apart",
		func(el string, want []string) { Expect(inProfile(el)).To(ConsistOf(want)) },
		Entry("none", `{"id": "Patient.gender", "path": "Patient.gender", "min": 1}`, nil),
		Entry("on a resource element", `{"id": "Patient.deceased[x]", "path": "Patient.deceased[x]", "meaningWhenMissing": "alive"}`,
			[]string{"StructureDefinition.differential.element[1].meaningWhenMissing"}),
		Entry("on an extension slice", `{"id": "Patient.extension:ward", "path": "Patient.extension", "sliceName": "ward", "meaningWhenMissing": "no ward",
			"type": [{"code": "Extension", "profile": ["http://hl7.org/fhir/StructureDefinition/patient-birthPlace"]}]}`, nil),
	)

	DescribeTable("a constraint key names one expression",
		func(els string, want []string) { Expect(inProfile(els)).To(ConsistOf(want)) },
		Entry("a new key", `{"id": "Patient.name", "path": "Patient.name", "constraint": [{"key": "ward-1", "severity": "error", "human": "h", "expression": "family.exists()"}]}`, nil),
		Entry("the base's key with the base's expression",
			`{"id": "Patient.contact", "path": "Patient.contact", "constraint": [{"key": "pat-1", "severity": "error", "human": "h", "expression": "name.exists() or telecom.exists() or address.exists() or organization.exists()"}]}`, nil),
		Entry("the base's key for another expression",
			`{"id": "Patient.contact", "path": "Patient.contact", "constraint": [{"key": "pat-1", "severity": "error", "human": "h", "expression": "name.exists()"}]}`,
			[]string{"StructureDefinition.differential.element[1].constraint[0].key"}),
		Entry("a key of a core type's base for another expression",
			`{"id": "Patient.name", "path": "Patient.name", "constraint": [{"key": "ele-1", "severity": "error", "human": "h", "expression": "true"}]}`,
			[]string{"StructureDefinition.differential.element[1].constraint[0].key"}),
		Entry("one new key for two expressions",
			`{"id": "Patient.name", "path": "Patient.name", "constraint": [{"key": "ward-1", "severity": "error", "human": "h", "expression": "family.exists()"}]},
			{"id": "Patient.address", "path": "Patient.address", "constraint": [{"key": "ward-1", "severity": "error", "human": "h", "expression": "city.exists()"}]}`,
			[]string{"StructureDefinition.differential.element[2].constraint[0].key"}),
		Entry("a constraint sourced from the profile itself is judged",
			`{"id": "Patient.contact", "path": "Patient.contact", "constraint": [{"key": "pat-1", "severity": "error", "human": "h", "expression": "name.exists()", "source": "http://example.org/fhir/StructureDefinition/s"}]}`,
			[]string{"StructureDefinition.differential.element[1].constraint[0].key"}),
	)

	DescribeTable("a key recurring in a snapshot keeps one expression",
		func(second string, want []string) {
			Expect(logical(`{` + bed + `, "type": [{"code": "string"}], "constraint": [{"key": "ward-1", "severity": "error", "human": "h", "expression": "length() > 0"},
				{"key": "ele-1", "severity": "error", "human": "h", "expression": "hasValue() or children().exists()"}]},
				{"id": "Ward.room", "path": "Ward.room", "min": 0, "max": "1", "base": {"path": "Ward.room", "min": 0, "max": "1"}, "type": [{"code": "string"}], "constraint": [` + second + `]}`)).To(ConsistOf(want))
		},
		Entry("the same expression again", `{"key": "ward-1", "severity": "error", "human": "h", "expression": "length() > 0"}`, nil),
		Entry("another expression", `{"key": "ward-1", "severity": "error", "human": "h", "expression": "length() > 1"}`,
			[]string{"StructureDefinition.snapshot.element[2].constraint[0].key"}),
		Entry("ele-1 may vary", `{"key": "ele-1", "severity": "error", "human": "h", "expression": "hasValue()"}`, nil),
	)

	DescribeTable("the FHIRPath of a snapshot constraint the definition owns parses",
		func(expr, source string, want []string) {
			Expect(logical(`{` + bed + `, "type": [{"code": "string"}], "constraint": [{"key": "ward-1", "severity": "error", "human": "h", "expression": "` + expr + `"` + source + `}]}`)).To(ConsistOf(want))
		},
		Entry("a well-formed expression", "length() > 0", "", nil),
		Entry("an unclosed call", "length( > 0", "", []string{"StructureDefinition.snapshot.element[1].constraint[0].expression"}),
		Entry("an operator with no right side", "length() >", `, "source": "http://example.org/fhir/StructureDefinition/Ward"`,
			[]string{"StructureDefinition.snapshot.element[1].constraint[0].expression"}),
		Entry("another definition's constraint is that definition's to check", "length( > 0", `, "source": "http://example.org/fhir/StructureDefinition/other"`, nil),
	)
})

var _ = Describe("StructureDefinition extension contexts: an element context names an element R4 defines", func() {
	e := newEngine()
	ext := func(expr string) []string {
		return pathsOf(validate(e, sdHeader(`"kind": "complex-type", "context": [{"type": "element", "expression": "`+expr+`"}], "type": "Extension",
			"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension", "derivation": "constraint"`,
			`{"id": "Extension", "path": "Extension"}, {"id": "Extension.url", "path": "Extension.url", "fixedUri": "http://example.org/fhir/StructureDefinition/s"},
			{"id": "Extension.value[x]", "path": "Extension.value[x]", "type": [{"code": "string"}]}`)), model.Error, profile.CodeDefinitionShape)
	}
	DescribeTable("the context's path",
		func(expr string, want []string) { Expect(ext(expr)).To(ConsistOf(want)) },
		Entry("a resource", "Patient", nil),
		Entry("a resource's element", "Patient.contact", nil),
		Entry("an element inside a datatype the element has", "Patient.name.family", nil),
		Entry("a choice element", "Observation.value[x]", nil),
		Entry("a choice element named without [x]", "Observation.value", nil),
		Entry("a choice named by one of its types: an instance's name, not the definition's", "Observation.valueQuantity",
			[]string{"StructureDefinition.context[0].expression"}),
		Entry("a choice named by a type it does not have", "Observation.valueFoo",
			[]string{"StructureDefinition.context[0].expression"}),
		Entry("[x] on an element that is not a choice", "Patient.name[x]",
			[]string{"StructureDefinition.context[0].expression"}),
		Entry("below a choice, whose children depend on the type chosen", "Observation.value[x].unit",
			[]string{"StructureDefinition.context[0].expression"}),
		Entry("an element a resource inherits from its base", "Patient.meta.lastUpdated", nil),
		Entry("a backbone element's child", "Observation.component.code", nil),
		Entry("an element reached through a content reference", "Questionnaire.item.item.linkId", nil),
		Entry("a datatype's element", "HumanName.given", nil),
		Entry("MetadataResource read as PlanDefinition", "MetadataResource.useContext", nil),
		Entry("an element the resource does not have", "Patient.favouriteColour",
			[]string{"StructureDefinition.context[0].expression"}),
		Entry("an element the datatype does not have", "Patient.name.middle",
			[]string{"StructureDefinition.context[0].expression"}),
		Entry("a type R4 does not define", "Pet.name", []string{"StructureDefinition.context[0].expression"}),
	)
})

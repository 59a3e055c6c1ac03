package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("StructureDefinition declarations: the type it names, bindings, slicing and the sources of its invariants", func() {
	e := newEngine()
	shape := func(src string) []string {
		return pathsOf(validate(e, src), model.Error, profile.CodeDefinitionShape)
	}
	const obs = `"kind": "resource", "type": "Observation", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Observation", "derivation": "constraint"`
	const obsRoot = `{"id": "Observation", "path": "Observation"}`
	DescribeTable("StructureDefinition.type: a URL for a logical model, a FHIR type only for its own definition or a constraint, anything else namespaced",
		func(header, elements string, want []string) {
			Expect(shape(sdHeader(header, elements))).To(ConsistOf(want))
		},
		Entry("a logical model named by its URL",
			`"kind": "logical", "type": "http://example.org/fhir/Ward", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Element", "derivation": "specialization"`,
			`{"id": "Ward", "path": "Ward"}`, nil),
		Entry("a logical model with a bare name",
			`"kind": "logical", "type": "Ward", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Element", "derivation": "specialization"`,
			`{"id": "Ward", "path": "Ward"}`, []string{"StructureDefinition.type"}),
		Entry("a resource named by a URL",
			`"kind": "resource", "type": "http://example.org/fhir/Ward", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/DomainResource", "derivation": "specialization"`,
			`{"id": "Ward", "path": "Ward"}`, []string{"StructureDefinition.type"}),
		Entry("a complex type named by a URL",
			`"kind": "complex-type", "type": "http://example.org/fhir/Dose", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Element", "derivation": "specialization"`,
			`{"id": "Dose", "path": "Dose"}`, []string{"StructureDefinition.type"}),
		Entry("a constraint on a FHIR type", obs, obsRoot, nil),
		Entry("a FHIR resource type defined again by specialization",
			`"kind": "resource", "type": "Observation", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/DomainResource", "derivation": "specialization"`,
			obsRoot, []string{"StructureDefinition.type"}),
		Entry("a FHIR datatype defined again by specialization",
			`"kind": "complex-type", "type": "HumanName", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Element", "derivation": "specialization"`,
			`{"id": "HumanName", "path": "HumanName"}`, []string{"StructureDefinition.type"}),
		Entry("a FHIR type with no base at all",
			`"kind": "resource", "type": "Observation"`, obsRoot, []string{"StructureDefinition.type"}),
		Entry("a core profile's id is not a type",
			`"kind": "resource", "type": "vitalsigns", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/DomainResource", "derivation": "specialization"`,
			`{"id": "vitalsigns", "path": "vitalsigns"}`, []string{"StructureDefinition.type"}),
		Entry("a specialization keeping its base's type is reported once",
			`"kind": "resource", "type": "Patient", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "specialization"`,
			`{"id": "Patient", "path": "Patient"}`, []string{"StructureDefinition.type"}),
	)
	DescribeTable("element declarations",
		func(elements string, want []string) {
			Expect(shape(sdHeader(obs, obsRoot+", "+elements))).To(ConsistOf(want))
		},
		Entry("a binding to a value set",
			`{"id": "Observation.status", "path": "Observation.status", "binding": {"strength": "required", "valueSet": "http://hl7.org/fhir/ValueSet/observation-status"}}`, nil),
		Entry("a binding to a versioned value set",
			`{"id": "Observation.status", "path": "Observation.status", "binding": {"strength": "required", "valueSet": "http://hl7.org/fhir/ValueSet/observation-status|4.0.1"}}`, nil),
		Entry("a binding to the code system",
			`{"id": "Observation.status", "path": "Observation.status", "binding": {"strength": "required", "valueSet": "http://hl7.org/fhir/observation-status"}}`,
			[]string{"StructureDefinition.differential.element[1].binding.valueSet"}),
		Entry("a binding to a StructureDefinition",
			`{"id": "Observation.code", "path": "Observation.code", "binding": {"strength": "example", "valueSet": "http://hl7.org/fhir/StructureDefinition/Patient"}}`,
			[]string{"StructureDefinition.differential.element[1].binding.valueSet"}),
		Entry("a binding to a value set carecert does not hold is not judged",
			`{"id": "Observation.code", "path": "Observation.code", "binding": {"strength": "example", "valueSet": "http://example.org/fhir/ValueSet/tests"}}`, nil),
		Entry("slicing a repeating element",
			`{"id": "Observation.category", "path": "Observation.category", "slicing": {"discriminator": [{"type": "pattern", "path": "$this"}], "rules": "open"}}`, nil),
		Entry("slicing a choice",
			`{"id": "Observation.value[x]", "path": "Observation.value[x]", "slicing": {"discriminator": [{"type": "type", "path": "$this"}], "rules": "closed"}}`, nil),
		Entry("slicing an element that occurs once",
			`{"id": "Observation.code", "path": "Observation.code", "slicing": {"discriminator": [{"type": "pattern", "path": "$this"}], "rules": "open"}}`,
			[]string{"StructureDefinition.differential.element[1].slicing"}),
		Entry("slicing a backbone element's single child",
			`{"id": "Observation.referenceRange.low", "path": "Observation.referenceRange.low", "slicing": {"discriminator": [{"type": "value", "path": "code"}], "rules": "open"}}`,
			[]string{"StructureDefinition.differential.element[1].slicing"}),
		Entry("slicing inside a datatype is not judged",
			`{"id": "Observation.code.coding", "path": "Observation.code.coding", "slicing": {"discriminator": [{"type": "value", "path": "system"}], "rules": "open"}}`, nil),
		Entry("an invariant of the profile's own",
			`{"id": "Observation.status", "path": "Observation.status", "constraint": [{"key": "s-1", "severity": "error", "human": "h", "expression": "true", "source": "http://example.org/fhir/StructureDefinition/s"}]}`, nil),
		Entry("an invariant without a source",
			`{"id": "Observation.status", "path": "Observation.status", "constraint": [{"key": "s-1", "severity": "error", "human": "h", "expression": "true"}]}`, nil),
		Entry("an invariant whose source is its base",
			`{"id": "Observation.status", "path": "Observation.status", "constraint": [{"key": "s-1", "severity": "error", "human": "h", "expression": "true", "source": "http://hl7.org/fhir/StructureDefinition/Observation"}]}`,
			[]string{"StructureDefinition.differential.element[1].constraint[0].source"}),
	)
	It("takes an invariant's source naming the profile's own version, and judges sources only in the differential", func() {
		src := `{"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/s", "version": "2.1.0", "name": "S", "status": "draft",
			"abstract": false, ` + obs + `, "differential": {"element": [` + obsRoot + `,
			{"id": "Observation.status", "path": "Observation.status", "constraint": [
				{"key": "s-1", "severity": "error", "human": "h", "expression": "true", "source": "http://example.org/fhir/StructureDefinition/s|2.1.0"},
				{"key": "s-2", "severity": "error", "human": "h", "expression": "true", "source": "http://example.org/fhir/StructureDefinition/s|2.0.0"}]}]}}`
		Expect(shape(src)).To(ConsistOf("StructureDefinition.differential.element[1].constraint[1].source"))
	})
})

var _ = Describe("a resource HL7 publishes names one owning work group", func() {
	e := newEngine()
	wg := func(code string) string {
		return `{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-wg", "valueCode": "` + code + `"}`
	}
	DescribeTable("structuredefinition-wg extensions on a Library",
		func(url string, exts []string, want []string) {
			src := `{"resourceType": "Library", "extension": [` + strings.Join(exts, ", ") + `], "url": "` + url + `", "name": "L", "status": "draft",
				"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/library-type", "code": "logic-library"}]}}`
			if len(exts) == 0 {
				src = strings.Replace(src, `"extension": [], `, "", 1)
			}
			Expect(pathsOf(validate(e, src), model.Error, profile.CodeExtension)).To(ConsistOf(want))
		},
		Entry("HL7's, one work group", "http://hl7.org/fhir/Library/l", []string{wg("cds")}, nil),
		Entry("HL7's, none (publication checks only)", "http://hl7.org/fhir/Library/l", nil, nil),
		Entry("HL7's, two", "http://hl7.org/fhir/Library/l", []string{wg("cds"), wg("cqi")}, []string{"Library.extension[1]"}),
		Entry("HL7's, three", "http://hl7.org/fhir/Library/l", []string{wg("cds"), wg("cqi"), wg("fhir")}, []string{"Library.extension[1]", "Library.extension[2]"}),
		Entry("HL7's, the same group twice", "http://hl7.org/fhir/Library/l", []string{wg("cds"), wg("cds")}, []string{"Library.extension[1]"}),
		Entry("someone else's, two", "http://example.org/fhir/Library/l", []string{wg("cds"), wg("cqi")}, nil),
		Entry("terminology.hl7.org is not the reference's HL7 test", "http://terminology.hl7.org/Library/l", []string{wg("cds"), wg("cqi")}, nil),
	)
	It("leaves a resource that is no definition alone, though its url is HL7's (Device.url is a network address)", func() {
		src := `{"resourceType": "Device", "extension": [` + wg("cds") + `, ` + wg("cqi") + `], "url": "http://hl7.org/fhir/Device/d"}`
		Expect(pathsOf(validate(e, src), model.Error, profile.CodeExtension)).To(BeEmpty())
	})
})

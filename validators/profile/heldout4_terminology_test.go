package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("CodeSystem properties: one URI each, FHIR's own as FHIR defines them, internal codes that exist", func() {
	e := newEngine()
	cs := func(url, props, concepts string) string {
		return `{"resourceType": "CodeSystem", "url": "` + url + `", "name": "Triage", "status": "active", "content": "complete",
			"property": [` + props + `], "concept": [` + concepts + `]}`
	}
	const own = "http://example.org/fhir/CodeSystem/triage"
	const three = `{"code": "red"}, {"code": "amber", "concept": [{"code": "amber-plus"}]}, {"code": "green"}`
	DescribeTable("errors at the properties and values that break the rules",
		func(url, props, concepts string, want []string) {
			Expect(pathsOf(validate(e, cs(url, props, concepts)), model.Error, profile.CodeCodeSystem)).To(ConsistOf(want))
		},
		Entry("two properties with their own URIs", own,
			`{"code": "colour", "uri": "http://example.org/prop/colour", "type": "string"}, {"code": "hue", "uri": "http://example.org/prop/hue", "type": "string"}`, three, nil),
		Entry("two properties sharing a URI", own,
			`{"code": "colour", "uri": "http://example.org/prop/colour", "type": "string"}, {"code": "hue", "uri": "http://example.org/prop/colour", "type": "string"}`, three,
			[]string{"CodeSystem.property[1].uri"}),
		Entry("FHIR's status property as a code", own, `{"code": "status", "uri": "http://hl7.org/fhir/concept-properties#status", "type": "code"}`, three, nil),
		Entry("FHIR's status property as a boolean", own, `{"code": "status", "uri": "http://hl7.org/fhir/concept-properties#status", "type": "boolean"}`, three,
			[]string{"CodeSystem.property[0].type"}),
		Entry("FHIR's notSelectable property as a code", own, `{"code": "notSelectable", "uri": "http://hl7.org/fhir/concept-properties#notSelectable", "type": "code"}`, three,
			[]string{"CodeSystem.property[0].type"}),
		Entry("FHIR's child property under the code parent", own, `{"code": "parent", "uri": "http://hl7.org/fhir/concept-properties#child", "type": "code"}`, three,
			[]string{"CodeSystem.property[0].code"}),
		Entry("an invented property in HL7's space", own, `{"code": "urgency", "uri": "http://hl7.org/fhir/concept-properties#urgency", "type": "integer"}`, three,
			[]string{"CodeSystem.property[0].uri"}),
		Entry("an invented property in HL7's space, by an HL7 core code system", "http://hl7.org/fhir/triage-level",
			`{"code": "urgency", "uri": "http://hl7.org/fhir/concept-properties#urgency", "type": "integer"}`, three, nil),
		Entry("a property under the code system's own URL", "http://hl7.org/fhir/uv/ips/CodeSystem/triage",
			`{"code": "urgency", "uri": "http://hl7.org/fhir/uv/ips/CodeSystem/triage#urgency", "type": "integer"}`, three, nil),
		Entry("parent naming a code of the system, nested or not", own, `{"code": "parent", "uri": "http://hl7.org/fhir/concept-properties#parent", "type": "code"}`,
			`{"code": "red"}, {"code": "amber", "property": [{"code": "parent", "valueCode": "amber-plus"}], "concept": [{"code": "amber-plus", "property": [{"code": "parent", "valueCode": "amber"}]}]}`, nil),
		Entry("parent naming a code the system lacks", own, `{"code": "parent", "uri": "http://hl7.org/fhir/concept-properties#parent", "type": "code"}`,
			`{"code": "red"}, {"code": "amber", "concept": [{"code": "amber-plus", "property": [{"code": "parent", "valueCode": "orange"}]}]}`,
			[]string{"CodeSystem.concept[1].concept[0].property[0].valueCode"}),
		Entry("synonym naming a code the system lacks, under another code", own, `{"code": "same-as", "uri": "http://hl7.org/fhir/concept-properties#synonym", "type": "code"}`,
			`{"code": "red", "property": [{"code": "same-as", "valueCode": "crimson"}]}`, []string{"CodeSystem.concept[0].property[0].valueCode"}),
		Entry("a property of its own naming any code", own, `{"code": "family", "uri": "http://example.org/prop/family", "type": "code"}`,
			`{"code": "red", "property": [{"code": "family", "valueCode": "warm"}]}`, nil),
	)
})

var _ = Describe("ConceptMap scopes are value sets, and its codes are codes of its systems", func() {
	e := newEngine()
	cm := func(scope, group string) string {
		return `{"resourceType": "ConceptMap", "url": "http://example.org/fhir/ConceptMap/g", "name": "G", "status": "active", ` + scope + `, "group": [` + group + `]}`
	}
	const gender = `{"source": "http://hl7.org/fhir/administrative-gender", "target": "http://terminology.hl7.org/CodeSystem/v2-0001", "element": [`
	DescribeTable("errors at the scope or code that is not what the map says",
		func(scope, group string, want []string) {
			Expect(pathsOf(validate(e, cm(scope, group)), model.Error, profile.CodeConceptMap)).To(ConsistOf(want))
		},
		Entry("value sets as scopes, codes of both systems", `"sourceCanonical": "http://hl7.org/fhir/ValueSet/administrative-gender", "targetCanonical": "http://terminology.hl7.org/ValueSet/v2-0001"`,
			gender+`{"code": "female", "target": [{"code": "F", "equivalence": "equal"}]}, {"code": "male", "target": [{"code": "M", "equivalence": "equal"}]}]}`, nil),
		Entry("a code system as the source scope", `"sourceCanonical": "http://hl7.org/fhir/administrative-gender"`,
			gender+`{"code": "female", "target": [{"code": "F", "equivalence": "equal"}]}]}`, []string{"ConceptMap.sourceCanonical"}),
		Entry("a StructureDefinition as the target scope", `"targetCanonical": "http://hl7.org/fhir/StructureDefinition/Patient"`,
			gender+`{"code": "female", "target": [{"code": "F", "equivalence": "equal"}]}]}`, []string{"ConceptMap.targetCanonical"}),
		Entry("a scope carecert does not hold", `"sourceCanonical": "http://example.org/fhir/ValueSet/local"`,
			gender+`{"code": "female", "target": [{"code": "F", "equivalence": "equal"}]}]}`, nil),
		Entry("a source code the complete source system lacks", `"sourceUri": "http://example.org/fhir/ValueSet/local"`,
			gender+`{"code": "fem", "target": [{"code": "F", "equivalence": "equal"}]}]}`, []string{"ConceptMap.group[0].element[0].code"}),
		Entry("a target code the complete target system lacks, in a second target", `"sourceUri": "http://example.org/fhir/ValueSet/local"`,
			gender+`{"code": "other", "target": [{"code": "O", "equivalence": "equal"}, {"code": "X", "equivalence": "wider"}]}]}`,
			[]string{"ConceptMap.group[0].element[0].target[1].code"}),
		Entry("codes of systems carecert does not hold", `"sourceUri": "http://example.org/fhir/ValueSet/local"`,
			`{"source": "http://example.org/fhir/CodeSystem/a", "target": "http://example.org/fhir/CodeSystem/b", "element": [{"code": "x", "target": [{"code": "y", "equivalence": "equal"}]}]}`, nil),
	)
})

var _ = Describe("ValueSet compose names a code system by its URL, without a version suffix", func() {
	e := newEngine()
	vs := func(clause string) string {
		return `{"resourceType": "ValueSet", "url": "http://example.org/fhir/ValueSet/g", "name": "G", "status": "active", "compose": {"include": [` + clause + `]}}`
	}
	DescribeTable("errors and warnings at include.system",
		func(clause string, sev model.Severity, want []string) {
			Expect(pathsOf(validate(e, vs(clause)), sev, profile.CodeValueSet)).To(ConsistOf(want))
		},
		Entry("by URL", `{"system": "http://hl7.org/fhir/administrative-gender", "concept": [{"code": "male"}]}`, model.Error, nil),
		Entry("by URL, version apart", `{"system": "http://hl7.org/fhir/administrative-gender", "version": "4.0.1", "concept": [{"code": "male"}]}`, model.Error, nil),
		Entry("by the OID of a core code system", `{"system": "urn:oid:2.16.840.1.113883.4.642.4.2", "concept": [{"code": "male"}]}`, model.Error,
			[]string{"ValueSet.compose.include[0].system"}),
		Entry("by the OID of SNOMED CT, which the core holds as a code system", `{"system": "urn:oid:2.16.840.1.113883.6.96", "concept": [{"code": "22298006"}]}`, model.Error,
			[]string{"ValueSet.compose.include[0].system"}),
		Entry("by an OID carecert knows nothing of", `{"system": "urn:oid:1.2.826.0.1.3680043.2.1", "concept": [{"code": "x"}]}`, model.Error, nil),
		Entry("with a |version and no include.version", `{"system": "http://hl7.org/fhir/administrative-gender|4.0.1", "concept": [{"code": "male"}]}`, model.Error,
			[]string{"ValueSet.compose.include[0].system"}),
		Entry("with a |version other than include.version", `{"system": "http://hl7.org/fhir/administrative-gender|4.0.0", "version": "4.0.1"}`, model.Error,
			[]string{"ValueSet.compose.include[0].system"}),
		// The reference rejects the suffix even where include.version agrees
		// (its ValueSetValidator: the version belongs in include.version only).
		Entry("with the |version include.version repeats", `{"system": "http://hl7.org/fhir/administrative-gender|4.0.1", "version": "4.0.1"}`, model.Error,
			[]string{"ValueSet.compose.include[0].system"}),
		Entry("with an empty |version: a warning", `{"system": "http://hl7.org/fhir/administrative-gender|"}`, model.Warning,
			[]string{"ValueSet.compose.include[0].system"}),
	)
})

var _ = Describe("a document's relative stylesheet link names a resource it carries", func() {
	e := newEngine()
	doc := func(style string, extra string) string {
		return `{"resourceType": "Bundle", "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:9a1f6e2d-3c4b-4d5e-8f70-1a2b3c4d5e6f"},
			"type": "document", "timestamp": "2024-05-02T10:15:00Z", "link": [{"relation": "stylesheet", "url": "` + style + `"}],
			"entry": [{"fullUrl": "urn:uuid:4e8d1b2a-6c3f-4a5e-9b7d-0f1e2d3c4b5a", "resource": {"resourceType": "Composition", "status": "final",
			  "type": {"text": "Summary"}, "subject": {"reference": "urn:uuid:0c3e9a51-7d2b-4f86-a1c4-6e5b8d2f9a07"}, "date": "2024-05-02T10:15:00Z",
			  "author": [{"reference": "urn:uuid:0c3e9a51-7d2b-4f86-a1c4-6e5b8d2f9a07"}], "title": "Summary"}},
			 {"fullUrl": "urn:uuid:0c3e9a51-7d2b-4f86-a1c4-6e5b8d2f9a07", "resource": {"resourceType": "Patient", "id": "p"}}` + extra + `]}`
	}
	const binary = `, {"fullUrl": "urn:uuid:7b2c9d4e-1a3f-4e5d-8c6b-9a0f1e2d3c4b", "resource": {"resourceType": "Binary", "id": "css", "contentType": "text/css", "data": "cCB7fQ=="}}`
	DescribeTable("an error at the link whose stylesheet is not in the document",
		func(style, extra string, want []string) {
			var got []string
			for _, f := range validate(e, doc(style, extra)) {
				if f.Severity == model.Error && f.Code == profile.CodeBundle && f.Path == "Bundle.link[0].url" {
					got = append(got, f.Path)
				}
			}
			Expect(got).To(ConsistOf(want))
		},
		Entry("an absolute stylesheet", "https://hl7.org/fhir/fhir.css", "", nil),
		Entry("a Binary the document carries", "Binary/css", binary, nil),
		Entry("a Binary it does not carry", "Binary/other", binary, []string{"Bundle.link[0].url"}),
		Entry("a relative stylesheet and no Binary at all", "Binary/css", "", []string{"Bundle.link[0].url"}),
	)
})

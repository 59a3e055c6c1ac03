package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// reviewOf returns "severity path" of each definition-review finding of a
// record, information included.
func reviewOf(e *profile.Engine, rec *model.Record) []string {
	out := []string{}
	for _, f := range e.ValidateRecord(rec, "", nil) {
		if f.Code == profile.CodeDefinitionReview {
			out = append(out, f.Severity.String()+" "+f.Path)
		}
	}
	return out
}

var _ = Describe("StructureDefinition review: warnings and hints for what an author should look at again", func() {
	held := func(resourceType, name string, extra map[string]any) map[string]any {
		m := map[string]any{"resourceType": resourceType, "url": "http://example.org/fhir/" + resourceType + "/" + name, "name": name, "status": "draft"}
		if resourceType == "StructureDefinition" {
			for k, v := range map[string]any{"kind": "resource", "abstract": false, "type": "Patient", "derivation": "constraint", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient"} {
				m[k] = v
			}
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	deprecated := []any{map[string]any{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status", "valueCode": "deprecated"}}
	e := newEngine(
		held("StructureDefinition", "trial", map[string]any{"experimental": true}),
		held("StructureDefinition", "old", map[string]any{"extension": deprecated}),
		held("StructureDefinition", "gone", map[string]any{"status": "retired"}),
		held("StructureDefinition", "superseded", map[string]any{"extension": []any{map[string]any{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status", "valueCode": "deprecated",
			"_valueCode": map[string]any{"extension": []any{map[string]any{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status-reason", "valueMarkdown": "use the new one"}}}}}}),
		held("StructureDefinition", "shape", map[string]any{"kind": "logical", "abstract": true, "type": "http://example.org/fhir/StructureDefinition/shape",
			"derivation": "specialization", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Element"}),
		held("StructureDefinition", "circle", map[string]any{"kind": "logical", "type": "http://example.org/fhir/StructureDefinition/circle",
			"derivation": "specialization", "baseDefinition": "http://example.org/fhir/StructureDefinition/shape"}),
		held("StructureDefinition", "orphaned", map[string]any{"baseDefinition": "http://example.org/fhir/StructureDefinition/not-held",
			"extension": []any{map[string]any{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status", "valueCode": "withdrawn"}}}),
		held("ValueSet", "pilot", map[string]any{"experimental": true}),
		held("ValueSet", "settled", nil),
	)
	const patient = `"kind": "resource", "type": "Patient", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint"`
	const root = `{"id": "Patient", "path": "Patient"}`
	review := func(src string) []string { return reviewOf(e, record(src)) }
	inProfile := func(els string) []string { return review(sdHeader(patient, root+", "+els)) }

	DescribeTable("experimental dependencies of a definition that is not experimental",
		func(header, els string, want []string) { Expect(review(sdHeader(header, els))).To(ConsistOf(want)) },
		Entry("a settled base", patient, root, nil),
		Entry("an experimental base", `"kind": "resource", "type": "Patient", "baseDefinition": "http://example.org/fhir/StructureDefinition/trial", "derivation": "constraint"`, root,
			[]string{"warning StructureDefinition.baseDefinition"}),
		Entry("an experimental base of an experimental definition", `"experimental": true, "kind": "resource", "type": "Patient", "baseDefinition": "http://example.org/fhir/StructureDefinition/trial", "derivation": "constraint"`, root, nil),
		Entry("an experimental value set bound",
			patient, root+`, {"id": "Patient.maritalStatus", "path": "Patient.maritalStatus", "binding": {"strength": "required", "valueSet": "http://example.org/fhir/ValueSet/pilot"}}`,
			[]string{"warning StructureDefinition.differential.element[1].binding.valueSet"}),
		Entry("an experimental value set as an example only",
			patient, root+`, {"id": "Patient.maritalStatus", "path": "Patient.maritalStatus", "binding": {"strength": "example", "valueSet": "http://example.org/fhir/ValueSet/pilot"}}`, nil),
		Entry("a settled value set",
			patient, root+`, {"id": "Patient.maritalStatus", "path": "Patient.maritalStatus", "binding": {"strength": "required", "valueSet": "http://example.org/fhir/ValueSet/settled"}}`, nil),
	)

	DescribeTable("bindings",
		func(el string, want []string) { Expect(inProfile(el)).To(ConsistOf(want)) },
		Entry("all of LOINC", `{"id": "Patient.maritalStatus", "path": "Patient.maritalStatus", "binding": {"strength": "extensible", "valueSet": "http://loinc.org/vs"}}`,
			[]string{"warning StructureDefinition.differential.element[1].binding.valueSet"}),
		Entry("all of SNOMED CT", `{"id": "Patient.maritalStatus", "path": "Patient.maritalStatus", "binding": {"strength": "extensible", "valueSet": "http://snomed.info/sct?fhir_vs"}}`,
			[]string{"warning StructureDefinition.differential.element[1].binding.valueSet"}),
		Entry("all of CPT", `{"id": "Patient.maritalStatus", "path": "Patient.maritalStatus", "binding": {"strength": "extensible", "valueSet": "http://hl7.org/fhir/ValueSet/cpt-all"}}`,
			[]string{"warning StructureDefinition.differential.element[1].binding.valueSet"}),
		Entry("a core value set R4 does not define", `{"id": "Patient.maritalStatus", "path": "Patient.maritalStatus", "binding": {"strength": "required", "valueSet": "http://hl7.org/fhir/ValueSet/marital-statuses"}}`,
			[]string{"warning StructureDefinition.differential.element[1].binding.valueSet"}),
		Entry("a guide's value set carecert was not given is not judged", `{"id": "Patient.maritalStatus", "path": "Patient.maritalStatus", "binding": {"strength": "required", "valueSet": "http://example.org/fhir/ValueSet/elsewhere"}}`, nil),
		Entry("one binding over two bindable types",
			`{"id": "Patient.deceased[x]", "path": "Patient.deceased[x]", "type": [{"code": "string"}, {"code": "CodeableConcept"}], "binding": {"strength": "example", "valueSet": "http://hl7.org/fhir/ValueSet/marital-status"}}`,
			[]string{"information StructureDefinition.differential.element[1].binding"}),
		Entry("one bindable type among others",
			`{"id": "Patient.deceased[x]", "path": "Patient.deceased[x]", "type": [{"code": "boolean"}, {"code": "CodeableConcept"}], "binding": {"strength": "example", "valueSet": "http://hl7.org/fhir/ValueSet/marital-status"}}`, nil),
	)

	It("warns of a snapshot binding whose value set carries an extension but no URL, in JSON and XML alike", func() {
		const el = `{"id": "Patient.gender", "path": "Patient.gender", "min": 0, "max": "1", "type": [{"code": "code"}], "binding": {"strength": "required", "_valueSet": {"extension": [{"url": "http://example.org/fhir/StructureDefinition/note", "valueString": "to come"}]}}}`
		src := `{"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/s", "name": "S", "status": "draft", "abstract": false, ` +
			patient + `, "snapshot": {"element": [{"id": "Patient", "path": "Patient", "min": 0, "max": "*"}, ` + el + `]}}`
		Expect(review(src)).To(ConsistOf("warning StructureDefinition.snapshot.element[1].binding.valueSet"))
		xml := `<StructureDefinition xmlns="http://hl7.org/fhir"><url value="http://example.org/fhir/StructureDefinition/s"/><name value="S"/><status value="draft"/>
			<kind value="resource"/><abstract value="false"/><type value="Patient"/><baseDefinition value="http://hl7.org/fhir/StructureDefinition/Patient"/><derivation value="constraint"/>
			<snapshot><element id="Patient"><path value="Patient"/><min value="0"/><max value="*"/></element>
			<element id="Patient.gender"><path value="Patient.gender"/><min value="0"/><max value="1"/><type><code value="code"/></type>
			<binding><strength value="required"/><valueSet><extension url="http://example.org/fhir/StructureDefinition/note"><valueString value="to come"/></extension></valueSet></binding></element></snapshot></StructureDefinition>`
		m, err := fhirxml.Decode([]byte(xml))
		Expect(err).NotTo(HaveOccurred())
		Expect(reviewOf(e, &model.Record{Kind: model.KindFHIR, Source: "spec.xml", Line: 1, Type: fhir.ResourceType(m), Value: m})).To(
			ConsistOf("warning StructureDefinition.snapshot.element[1].binding.valueSet"))
	})

	DescribeTable("constraints a validator can report and check",
		func(c string, want []string) {
			Expect(inProfile(`{"id": "Patient.name", "path": "Patient.name", "constraint": [` + c + `]}`)).To(ConsistOf(want))
		},
		Entry("a key and an expression", `{"key": "ward-1", "severity": "error", "human": "h", "expression": "family.exists()"}`, nil),
		Entry("no key", `{"severity": "error", "human": "h", "expression": "family.exists()"}`,
			[]string{"warning StructureDefinition.differential.element[1].constraint[0]"}),
		Entry("no expression", `{"key": "ward-1", "severity": "error", "human": "h"}`,
			[]string{"information StructureDefinition.differential.element[1].constraint[0]"}),
	)

	ext := func(contexts string) []string {
		return review(sdHeader(`"kind": "complex-type", "context": [`+contexts+`], "type": "Extension",
			"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension", "derivation": "constraint"`,
			`{"id": "Extension", "path": "Extension"}, {"id": "Extension.url", "path": "Extension.url", "fixedUri": "http://example.org/fhir/StructureDefinition/s"},
			{"id": "Extension.value[x]", "path": "Extension.value[x]", "type": [{"code": "string"}]}`))
	}
	DescribeTable("extension contexts that are legal but seldom meant",
		func(contexts string, want []string) { Expect(ext(contexts)).To(ConsistOf(want)) },
		Entry("an element", `{"type": "element", "expression": "Patient.contact"}`, nil),
		Entry("Element: anywhere at all", `{"type": "element", "expression": "Element"}`, []string{"warning StructureDefinition.context[0]"}),
		Entry("a fhirpath context that is an element path", `{"type": "element", "expression": "Patient"}, {"type": "fhirpath", "expression": "Patient.contact"}`,
			[]string{"warning StructureDefinition.context[1].type"}),
		Entry("a fhirpath context that is an expression", `{"type": "fhirpath", "expression": "Patient.contact.where(gender = 'male')"}`, nil),
	)

	DescribeTable("an abstract definition something derives from",
		func(name string, want []string) {
			Expect(review(`{"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/` + name + `", "name": "N", "status": "draft",
				"kind": "logical", "abstract": true, "type": "http://example.org/fhir/StructureDefinition/` + name + `",
				"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Element", "derivation": "specialization",
				"differential": {"element": [{"id": "` + name + `", "path": "` + name + `"}]}}`)).To(ConsistOf(want))
		},
		Entry("one a held definition derives from", "shape", nil),
		Entry("one nothing held derives from", "polygon", []string{"warning StructureDefinition.abstract"}),
	)

	DescribeTable("must-support on a type but not on its element",
		func(src func() string, want []string) { Expect(review(src())).To(ConsistOf(want)) },
		Entry("in a differential without a snapshot: a hint", func() string {
			return sdHeader(patient, root+`, {"id": "Patient.generalPractitioner", "path": "Patient.generalPractitioner", "type": [{"code": "Reference",
				"targetProfile": ["http://hl7.org/fhir/StructureDefinition/Practitioner"],
				"_targetProfile": [{"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/elementdefinition-type-must-support", "valueBoolean": true}]}]}]}`)
		}, []string{"information StructureDefinition.differential.element[1]"}),
		Entry("the element must-support too", func() string {
			return sdHeader(patient, root+`, {"id": "Patient.generalPractitioner", "path": "Patient.generalPractitioner", "mustSupport": true, "type": [{"code": "Reference",
				"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/elementdefinition-type-must-support", "valueBoolean": true}]}]}`)
		}, nil),
		Entry("in a snapshot: a warning", func() string {
			return `{"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/s", "name": "S", "status": "draft", "abstract": false, ` +
				patient + `, "snapshot": {"element": [{"id": "Patient", "path": "Patient", "min": 0, "max": "*"},
				{"id": "Patient.generalPractitioner", "path": "Patient.generalPractitioner", "min": 0, "max": "*", "type": [{"code": "Reference",
				"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/elementdefinition-type-must-support", "valueBoolean": true}]}]}]}}`
		}, []string{"warning StructureDefinition.snapshot.element[1]"}),
	)

	DescribeTable("type profiles on their way out, once per profile",
		func(profiles string, want []string) {
			Expect(inProfile(`{"id": "Patient.managingOrganization", "path": "Patient.managingOrganization", "type": [{"code": "Reference", "profile": [` + profiles + `]}]}`)).To(ConsistOf(want))
		},
		Entry("a current profile", `"http://example.org/fhir/StructureDefinition/trial"`, nil),
		Entry("a deprecated one and a retired one",
			`"http://example.org/fhir/StructureDefinition/old", "http://example.org/fhir/StructureDefinition/gone", "http://example.org/fhir/StructureDefinition/old"`,
			[]string{"information StructureDefinition.differential.element[1].type[0].profile[0]", "information StructureDefinition.differential.element[1].type[0].profile[1]"}),
	)

	It("gives the reason a deprecation states, read as for an extension in data", func() {
		src := sdHeader(patient, root+`, {"id": "Patient.managingOrganization", "path": "Patient.managingOrganization", "type": [{"code": "Reference", "profile": ["http://example.org/fhir/StructureDefinition/superseded"]}]}`)
		Expect(e.ValidateRecord(record(src), "", nil)).To(ContainElement(saying(model.Information, profile.CodeDefinitionReview,
			"StructureDefinition.differential.element[1].type[0].profile[0]", "superseded, which is deprecated: use the new one")))
	})

	It("reads a type profile's standing as held, though carecert lacks its base and cannot build its snapshot", func() {
		src := sdHeader(patient, root+`, {"id": "Patient.managingOrganization", "path": "Patient.managingOrganization", "type": [{"code": "Reference", "profile": ["http://example.org/fhir/StructureDefinition/orphaned"]}]}`)
		Expect(e.ValidateRecord(record(src), "", nil)).To(ContainElement(saying(model.Information, profile.CodeDefinitionReview,
			"StructureDefinition.differential.element[1].type[0].profile[0]", "orphaned, which is withdrawn")))
	})

	It("counts a definition in the same Bundle that derives from an abstract one, and warns of one nothing derives from", func() {
		abstract := func(name string) string {
			return `{"resource": {"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/` + name + `", "name": "N", "status": "draft",
				"kind": "logical", "abstract": true, "type": "http://example.org/fhir/StructureDefinition/` + name + `",
				"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Element", "derivation": "specialization",
				"differential": {"element": [{"id": "` + name + `", "path": "` + name + `"}]}}}`
		}
		derived := `{"resource": {"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/triangle", "name": "T", "status": "draft",
			"kind": "logical", "abstract": false, "type": "http://example.org/fhir/StructureDefinition/triangle",
			"baseDefinition": "http://example.org/fhir/StructureDefinition/polygon|1.0", "derivation": "specialization",
			"differential": {"element": [{"id": "triangle", "path": "triangle"}]}}}`
		bundle := record(`{"resourceType": "Bundle", "type": "collection", "entry": [` + abstract("polygon") + `, ` + derived + `, ` + abstract("ellipse") + `]}`)
		Expect(reviewOf(e, entryRecord(bundle, 0))).To(BeEmpty(), "the triangle derives from the polygon")
		Expect(reviewOf(e, entryRecord(bundle, 2))).To(ConsistOf("warning StructureDefinition.abstract"), "nothing derives from the ellipse")
	})

	It("notes the pattern discriminator, R5's deprecated one", func() {
		Expect(inProfile(`{"id": "Patient.identifier", "path": "Patient.identifier", "slicing": {"discriminator": [{"type": "value", "path": "system"}, {"type": "pattern", "path": "type"}], "rules": "open"}}`)).To(
			ConsistOf("information StructureDefinition.differential.element[1].slicing.discriminator[1].type"))
	})

	snapshot := func(els string) []string {
		return review(`{"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/s", "name": "S", "status": "draft", "abstract": false, ` +
			patient + `, "snapshot": {"element": [{"id": "Patient", "path": "Patient", "min": 0, "max": "*"}, ` + els + `]}}`)
	}
	DescribeTable("fixed and pattern values on a repeating snapshot element",
		func(els string, want []string) { Expect(snapshot(els)).To(ConsistOf(want)) },
		Entry("a single element", `{"id": "Patient.gender", "path": "Patient.gender", "min": 0, "max": "1", "type": [{"code": "code"}], "fixedCode": "female"}`, nil),
		Entry("a repeating element with a complex pattern: a hint",
			`{"id": "Patient.identifier", "path": "Patient.identifier", "min": 0, "max": "*", "type": [{"code": "Identifier"}], "patternIdentifier": {"system": "urn:oid:1.2.3"}}`,
			[]string{"information StructureDefinition.snapshot.element[1].patternIdentifier"}),
		Entry("a repeating element with a primitive fixed value: a warning too",
			`{"id": "Patient.name.given", "path": "Patient.name.given", "min": 0, "max": "*", "type": [{"code": "string"}], "fixedString": "Ann"}`,
			[]string{"information StructureDefinition.snapshot.element[1].fixedString", "warning StructureDefinition.snapshot.element[1].fixedString"}),
	)

	DescribeTable("slices of a must-support element",
		func(slice string, want []string) {
			Expect(snapshot(`{"id": "Patient.identifier", "path": "Patient.identifier", "min": 0, "max": "*", "mustSupport": true, "type": [{"code": "Identifier"}],
				"slicing": {"discriminator": [{"type": "value", "path": "system"}], "rules": "open"}}, ` + slice)).To(ConsistOf(want))
		},
		Entry("a must-support slice", `{"id": "Patient.identifier:nhs", "path": "Patient.identifier", "sliceName": "nhs", "min": 0, "max": "1", "mustSupport": true, "type": [{"code": "Identifier"}]}`, nil),
		Entry("a slice that is not must-support",
			`{"id": "Patient.identifier:nhs", "path": "Patient.identifier", "sliceName": "nhs", "min": 0, "max": "1", "type": [{"code": "Identifier"}]}`,
			[]string{"warning StructureDefinition.snapshot.element[2]"}),
		Entry("one that is not must-support, of a type the element does not have",
			`{"id": "Patient.identifier:nhs", "path": "Patient.identifier", "sliceName": "nhs", "min": 0, "max": "1", "type": [{"code": "Reference"}]}`,
			[]string{"warning StructureDefinition.snapshot.element[2]", "warning StructureDefinition.snapshot.element[2].type[0]"}),
	)
})

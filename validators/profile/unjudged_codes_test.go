package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("codes carecert cannot judge are said to be unjudged, never passed silently nor blamed", func() {
	// A complete code system of our own, loaded as a guide's would be.
	triage := map[string]any{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/triage", "version": "1", "name": "Triage",
		"status": "active", "content": "complete", "concept": []any{
			map[string]any{"code": "red", "concept": []any{map[string]any{"code": "crimson"}}},
			map[string]any{"code": "green"}}}
	e := newEngine(triage)

	DescribeTable("information at what was not judged, and no error",
		func(src string, want []string) {
			found := everyFinding(e, src)
			Expect(pathsOf(found, model.Information, profile.CodeCodesUnchecked)).To(ConsistOf(want))
			Expect(pathsOf(found, model.Error, profile.CodeConceptMap)).To(BeEmpty())
			Expect(pathsOf(found, model.Error, profile.CodeCodeSystem)).To(BeEmpty())
			Expect(pathsOf(found, model.Error, profile.CodeValueSet)).To(BeEmpty())
		},
		Entry("a ConceptMap group between two systems carecert does not hold",
			`{"resourceType": "ConceptMap", "status": "active", "group": [{"source": "http://example.org/fhir/CodeSystem/a", "target": "http://example.org/fhir/CodeSystem/b",
			  "element": [{"code": "x", "target": [{"code": "y", "equivalence": "equal"}]}]}]}`,
			[]string{"ConceptMap.group[0].source", "ConceptMap.group[0].target"}),
		Entry("a ConceptMap group from a held system to SNOMED CT, which carecert holds only in part",
			`{"resourceType": "ConceptMap", "status": "active", "group": [{"source": "http://hl7.org/fhir/administrative-gender", "target": "http://snomed.info/sct",
			  "element": [{"code": "female", "target": [{"code": "248152002", "equivalence": "equal"}]}]}]}`,
			[]string{"ConceptMap.group[0].target"}),
		Entry("a ConceptMap group whose elements name no target codes says nothing of the target",
			`{"resourceType": "ConceptMap", "status": "active", "group": [{"source": "http://example.org/fhir/CodeSystem/a", "target": "http://example.org/fhir/CodeSystem/b",
			  "element": [{"code": "x", "target": [{"equivalence": "unmatched"}]}]}]}`,
			[]string{"ConceptMap.group[0].source"}),
		Entry("a ValueSet listing codes of a system carecert does not hold",
			`{"resourceType": "ValueSet", "status": "active", "compose": {"include": [{"system": "http://example.org/fhir/CodeSystem/a", "concept": [{"code": "x"}]},
			  {"system": "http://example.org/fhir/CodeSystem/b", "filter": [{"property": "concept", "op": "is-a", "value": "y"}]}, {"system": "http://example.org/fhir/CodeSystem/triage", "concept": [{"code": "green"}]}]}}`,
			[]string{"ValueSet.compose.include[0].system"}),
		Entry("a supplement of a code system carecert does not hold",
			`{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/s", "status": "active", "content": "supplement", "supplements": "http://example.org/fhir/CodeSystem/unknown",
			  "concept": [{"code": "x", "designation": [{"value": "Ex"}]}]}`,
			[]string{"CodeSystem.supplements"}),
		Entry("a fragment whose parent code it does not list, of a system carecert does not hold",
			`{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/frag", "status": "active", "content": "fragment",
			  "property": [{"code": "parent", "uri": "http://hl7.org/fhir/concept-properties#parent", "type": "code"}],
			  "concept": [{"code": "leaf", "property": [{"code": "parent", "valueCode": "root"}]}]}`,
			[]string{"CodeSystem.concept[0].property[0].valueCode"}),
		Entry("an example code system likewise",
			`{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/ex", "status": "active", "content": "example",
			  "property": [{"code": "parent", "uri": "http://hl7.org/fhir/concept-properties#parent", "type": "code"}],
			  "concept": [{"code": "leaf", "property": [{"code": "parent", "valueCode": "root"}]}]}`,
			[]string{"CodeSystem.concept[0].property[0].valueCode"}),
	)

	DescribeTable("judged where carecert holds the whole system",
		func(src string, code string, want []string) {
			found := everyFinding(e, src)
			Expect(pathsOf(found, model.Error, code)).To(ConsistOf(want))
			Expect(pathsOf(found, model.Information, profile.CodeCodesUnchecked)).To(BeEmpty())
		},
		Entry("a fragment of a held system naming a parent the system has",
			`{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/triage", "version": "1", "status": "active", "content": "fragment",
			  "property": [{"code": "parent", "uri": "http://hl7.org/fhir/concept-properties#parent", "type": "code"}],
			  "concept": [{"code": "crimson", "property": [{"code": "parent", "valueCode": "red"}]}]}`,
			profile.CodeCodeSystem, []string{}),
		Entry("a fragment of a held system naming a parent the system lacks",
			`{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/triage", "version": "1", "status": "active", "content": "fragment",
			  "property": [{"code": "parent", "uri": "http://hl7.org/fhir/concept-properties#parent", "type": "code"}],
			  "concept": [{"code": "crimson", "property": [{"code": "parent", "valueCode": "scarlet"}]}]}`,
			profile.CodeCodeSystem, []string{"CodeSystem.concept[0].property[0].valueCode"}),
		Entry("a complete code system naming a parent it lacks",
			`{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/mine", "status": "active", "content": "complete",
			  "property": [{"code": "parent", "uri": "http://hl7.org/fhir/concept-properties#parent", "type": "code"}],
			  "concept": [{"code": "leaf", "property": [{"code": "parent", "valueCode": "root"}]}]}`,
			profile.CodeCodeSystem, []string{"CodeSystem.concept[0].property[0].valueCode"}),
		Entry("a supplement of a held system adding to a code it lacks",
			`{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/s", "status": "active", "content": "supplement", "supplements": "http://example.org/fhir/CodeSystem/triage",
			  "concept": [{"code": "blue", "designation": [{"value": "Blue"}]}]}`,
			profile.CodeCodeSystem, []string{"CodeSystem.concept[0].code"}),
		Entry("a ConceptMap between held systems",
			`{"resourceType": "ConceptMap", "status": "active", "group": [{"source": "http://example.org/fhir/CodeSystem/triage", "target": "http://hl7.org/fhir/administrative-gender",
			  "element": [{"code": "red", "target": [{"code": "femal", "equivalence": "equal"}]}]}]}`,
			profile.CodeConceptMap, []string{"ConceptMap.group[0].element[0].target[0].code"}),
		Entry("a ValueSet listing codes of a held system",
			`{"resourceType": "ValueSet", "status": "active", "compose": {"include": [{"system": "http://example.org/fhir/CodeSystem/triage", "concept": [{"code": "amber"}]}]}}`,
			profile.CodeValueSet, []string{"ValueSet.compose.include[0].concept[0].code"}),
	)
})

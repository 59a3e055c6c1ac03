package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// A canonical "#id" refers to a definition contained in the resource (R4
// canonical datatype); the reference validator resolves every local
// #fragment among the ids and narrative anchors of the resource and of the
// Bundle it travels in, and refuses a canonical that finds none.
var _ = Describe("canonical #fragment references", func() {
	e := newEngine()

	references := func(fs []model.Finding) []model.Finding { return withCode(profile.CodeReference, fs) }

	DescribeTable("refuse a fragment that names nothing in the resource",
		func(src, path, fragment string) {
			Expect(references(validate(e, src))).To(ConsistOf(
				saying(model.Error, profile.CodeReference, path, "canonical "+fragment+" points at nothing in the resource")))
		},
		Entry("a ValueSet including a contained value set that is not there",
			`{"resourceType": "ValueSet", "id": "v", "url": "http://example.org/fhir/ValueSet/v", "status": "draft",
			  "compose": {"include": [{"valueSet": ["#missing"]}]}}`,
			"ValueSet.compose.include[0].valueSet[0]", "#missing"),
		Entry("a Questionnaire item's answer value set",
			`{"resourceType": "Questionnaire", "id": "q", "status": "draft",
			  "contained": [{"resourceType": "ValueSet", "id": "yesno", "status": "draft"}],
			  "item": [{"linkId": "1", "type": "choice", "answerValueSet": "#yes-no"}]}`,
			"Questionnaire.item[0].answerValueSet", "#yes-no"),
		Entry("a canonical in an extension",
			`{"resourceType": "Patient", "id": "p",
			  "extension": [{"url": "http://example.org/fhir/StructureDefinition/x", "valueCanonical": "#nothing"}]}`,
			"Patient.extension[0].valueCanonical", "#nothing"),
		Entry("a contained resource's canonical naming an id only another record has",
			`{"resourceType": "Observation", "id": "o", "status": "final", "code": {"text": "x"},
			  "contained": [{"resourceType": "Questionnaire", "id": "q", "status": "draft", "derivedFrom": ["#elsewhere"]}],
			  "focus": [{"reference": "#q"}]}`,
			"Observation.contained[0].derivedFrom[0]", "#elsewhere"),
	)

	DescribeTable("accept a fragment that finds its target",
		func(src string) {
			Expect(references(validate(e, src))).To(BeEmpty())
		},
		Entry("a contained value set",
			`{"resourceType": "Questionnaire", "id": "q", "status": "draft",
			  "contained": [{"resourceType": "ValueSet", "id": "yesno", "status": "draft"}],
			  "item": [{"linkId": "1", "type": "choice", "answerValueSet": "#yesno"}]}`),
		Entry("a sibling contained resource, from inside a contained one",
			`{"resourceType": "Observation", "id": "o", "status": "final", "code": {"text": "x"},
			  "contained": [{"resourceType": "Questionnaire", "id": "q", "status": "draft", "derivedFrom": ["#q0"]},
			                {"resourceType": "Questionnaire", "id": "q0", "status": "draft"}],
			  "focus": [{"reference": "#q"}]}`),
		Entry("an element id, which the reference validator also counts as a target",
			`{"resourceType": "Patient", "id": "p", "name": [{"id": "n1", "family": "Ames"}],
			  "extension": [{"url": "http://example.org/fhir/StructureDefinition/x", "valueCanonical": "#n1"}]}`),
		Entry("the resource's own id",
			`{"resourceType": "Patient", "id": "p",
			  "extension": [{"url": "http://example.org/fhir/StructureDefinition/x", "valueCanonical": "#p"}]}`),
		Entry("a bare # (the resource itself)",
			`{"resourceType": "Patient", "id": "p",
			  "extension": [{"url": "http://example.org/fhir/StructureDefinition/x", "valueCanonical": "#"}]}`),
	)

	It("finds a target anywhere in the Bundle the resource travels in", func() {
		bundle := record(`{"resourceType": "Bundle", "type": "collection", "entry": [
			{"fullUrl": "http://example.org/fhir/ValueSet/vs", "resource": {"resourceType": "ValueSet", "id": "vs", "status": "draft"}},
			{"fullUrl": "http://example.org/fhir/Patient/p", "resource": {"resourceType": "Patient", "id": "p",
			  "extension": [{"url": "http://example.org/fhir/StructureDefinition/x", "valueCanonical": "#vs"},
			                {"url": "http://example.org/fhir/StructureDefinition/y", "valueCanonical": "#none"}]}}]}`)
		Expect(references(e.ValidateRecord(entryRecord(bundle, 1), "", nil))).To(ConsistOf(
			saying(model.Error, profile.CodeReference, "Patient.extension[1].valueCanonical", "canonical #none points at nothing")))
	})
})

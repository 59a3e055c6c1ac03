package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// A uri or url "#id" is a local reference like a canonical's (R4 §2.24.0.1):
// the reference validator resolves it among the ids and narrative anchors of
// the resource and its Bundle, and judges one naming nothing by its place —
// an error where a contained resource must be there (a ValueSet's compose
// system), a note on Meta.source, a warning elsewhere.
var _ = Describe("uri and url #fragment references", func() {
	e := newEngine()

	references := func(src string) []model.Finding {
		return withCode(profile.CodeReference, e.ValidateRecord(record(src), "", nil))
	}

	DescribeTable("judge a fragment that names nothing by its place",
		func(src string, sev model.Severity, path, says string) {
			Expect(references(src)).To(ConsistOf(saying(sev, profile.CodeReference, path, says)))
		},
		Entry("a ValueSet including a contained code system that is not there: an error",
			`{"resourceType": "ValueSet", "id": "v", "url": "http://example.org/fhir/ValueSet/v", "status": "draft",
			  "compose": {"include": [{"system": "#cs", "concept": [{"code": "a"}]}]}}`,
			model.Error, "ValueSet.compose.include[0].system", "uri #cs points at nothing in the resource"),
		Entry("the same in an exclude",
			`{"resourceType": "ValueSet", "id": "v", "url": "http://example.org/fhir/ValueSet/v", "status": "draft",
			  "compose": {"include": [{"system": "http://loinc.org"}], "exclude": [{"system": "#gone", "concept": [{"code": "a"}]}]}}`,
			model.Error, "ValueSet.compose.exclude[0].system", "uri #gone points at nothing"),
		Entry("a uri in an extension: a warning",
			`{"resourceType": "Patient", "id": "p",
			  "extension": [{"url": "http://example.org/fhir/StructureDefinition/x", "valueUri": "#nowhere"}]}`,
			model.Warning, "Patient.extension[0].valueUri", "uri #nowhere points at nothing"),
		Entry("a url (Attachment.url): a warning",
			`{"resourceType": "DocumentReference", "id": "d", "status": "current",
			  "content": [{"attachment": {"contentType": "text/plain", "url": "#page2"}}]}`,
			model.Warning, "DocumentReference.content[0].attachment.url", "url #page2 points at nothing"),
		Entry("a uri in a contained resource, which only its container's ids can answer",
			`{"resourceType": "Observation", "id": "o", "status": "final", "code": {"text": "x"},
			  "contained": [{"resourceType": "Endpoint", "id": "ep", "status": "active", "address": "#elsewhere",
			                 "connectionType": {"system": "http://terminology.hl7.org/CodeSystem/endpoint-connection-type", "code": "hl7-fhir-rest"},
			                 "payloadType": [{"text": "any"}]}],
			  "extension": [{"url": "http://example.org/fhir/StructureDefinition/ep", "valueReference": {"reference": "#ep"}}]}`,
			model.Warning, "Observation.contained[0].address", "url #elsewhere points at nothing"),
		Entry("Meta.source, which servers fill with ids of their own: a note",
			`{"resourceType": "Patient", "id": "p", "meta": {"source": "#req-17"}}`,
			model.Information, "Patient.meta.source", "uri #req-17 points at nothing"),
	)

	DescribeTable("accept a fragment that finds its target, and leave alone what is not a reference",
		func(src string) {
			Expect(references(src)).To(BeEmpty())
		},
		Entry("a contained code system",
			`{"resourceType": "ValueSet", "id": "v", "url": "http://example.org/fhir/ValueSet/v", "status": "draft",
			  "contained": [{"resourceType": "CodeSystem", "id": "cs", "url": "http://example.org/fhir/CodeSystem/cs", "status": "draft", "content": "complete", "concept": [{"code": "a"}]}],
			  "compose": {"include": [{"system": "#cs", "concept": [{"code": "a"}]}]}}`),
		Entry("an element id",
			`{"resourceType": "Patient", "id": "p", "name": [{"id": "n1", "family": "Ames"}],
			  "extension": [{"url": "http://example.org/fhir/StructureDefinition/x", "valueUri": "#n1"}]}`),
		Entry("a narrative anchor",
			`{"resourceType": "Patient", "id": "p",
			  "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p id=\"intro\">Ames</p></div>"},
			  "extension": [{"url": "http://example.org/fhir/StructureDefinition/x", "valueUrl": "#intro"}]}`),
		Entry("a bare # (the resource itself)",
			`{"resourceType": "Patient", "id": "p", "meta": {"source": "#"}}`),
	)

	It("finds a uri's target anywhere in the Bundle the resource travels in", func() {
		bundle := record(`{"resourceType": "Bundle", "type": "collection", "entry": [
			{"fullUrl": "http://example.org/fhir/Binary/b", "resource": {"resourceType": "Binary", "id": "b", "contentType": "text/plain"}},
			{"fullUrl": "http://example.org/fhir/Patient/p", "resource": {"resourceType": "Patient", "id": "p",
			  "extension": [{"url": "http://example.org/fhir/StructureDefinition/x", "valueUri": "#b"},
			                {"url": "http://example.org/fhir/StructureDefinition/y", "valueUri": "#none"}]}}]}`)
		Expect(withCode(profile.CodeReference, e.ValidateRecord(entryRecord(bundle, 1), "", nil))).To(ConsistOf(
			saying(model.Warning, profile.CodeReference, "Patient.extension[1].valueUri", "uri #none points at nothing")))
	})
})

// entryRecord is the record of the i-th entry of a Bundle record, as a
// reader gives it: the entry's resource, with the Bundle as its container.
func entryRecord(bundle *model.Record, i int) *model.Record {
	res := bundle.Resource()["entry"].([]any)[i].(map[string]any)["resource"].(map[string]any)
	return &model.Record{Kind: model.KindFHIR, Source: "b.json", Type: res["resourceType"].(string), Value: res, Container: bundle}
}

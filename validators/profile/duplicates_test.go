package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("sets: element ids, contained ids, security labels", func() {
	e := newEngine()

	It("rejects two elements of one resource with the same id, and accepts distinct ids", func() {
		bad := `{"resourceType": "Patient", "id": "p", "name": [{"id": "n1", "family": "A"}, {"id": "n1", "family": "B"}],
			"_gender": {"id": "g"}, "gender": "male", "address": [{"id": "g", "city": "X"}]}`
		fs := withCode(profile.CodeDuplicate, validate(e, bad))
		Expect(fs).To(HaveLen(2))
		Expect(fs).To(ContainElement(at(model.Error, profile.CodeDuplicate, "Patient.name[1]")))
		good := `{"resourceType": "Patient", "id": "p", "name": [{"id": "n1", "family": "A"}, {"id": "n2", "family": "B"}],
			"contained": [{"resourceType": "Organization", "id": "n1", "name": "Org", "_name": {"id": "n1"}}], "managingOrganization": {"reference": "#n1"}}`
		Expect(withCode(profile.CodeDuplicate, validate(e, good))).To(BeEmpty())
	})

	It("rejects two contained resources with the same id", func() {
		bad := `{"resourceType": "Observation", "id": "o", "status": "final", "code": {"text": "x"},
			"contained": [{"resourceType": "Patient", "id": "x"}, {"resourceType": "Practitioner", "id": "x"}],
			"subject": {"reference": "#x"}, "performer": [{"reference": "#x"}]}`
		Expect(withCode(profile.CodeDuplicate, validate(e, bad))).To(ConsistOf(at(model.Error, profile.CodeDuplicate, "Observation.contained[1]")))
		good := `{"resourceType": "Observation", "id": "o", "status": "final", "code": {"text": "x"},
			"contained": [{"resourceType": "Patient", "id": "x"}, {"resourceType": "Practitioner", "id": "y"}],
			"subject": {"reference": "#x"}, "performer": [{"reference": "#y"}]}`
		Expect(withCode(profile.CodeDuplicate, validate(e, good))).To(BeEmpty())
	})

	It("rejects a security label given twice, and accepts the same code from two systems", func() {
		label := func(system, code string) string {
			return `{"system": "` + system + `", "code": "` + code + `"}`
		}
		conf := "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
		bad := `{"resourceType": "Patient", "id": "p", "meta": {"security": [` + label(conf, "R") + `,` + label(conf, "R") + `]}}`
		Expect(withCode(profile.CodeDuplicate, validate(e, bad))).To(ConsistOf(at(model.Error, profile.CodeDuplicate, "Patient.meta.security[1]")))
		good := `{"resourceType": "Patient", "id": "p", "meta": {"security": [` + label(conf, "R") + `,` + label("http://example.org/labels", "R") + `]}}`
		Expect(withCode(profile.CodeDuplicate, validate(e, good))).To(BeEmpty())
	})
})

var _ = Describe("Attachment size and hash against the data", func() {
	e := newEngine()
	// "hello, world\n": 13 bytes, SHA-1 zVDRl4SJcIWo0OPkE/hhKwl8A/E=.
	doc := func(attachment string) string {
		return `{"resourceType": "DocumentReference", "id": "d", "status": "current", "content": [{"attachment": ` + attachment + `}]}`
	}

	It("rejects a size or a hash that the data contradicts", func() {
		bad := doc(`{"contentType": "text/plain", "data": "aGVsbG8sIHdvcmxkCg==", "size": 12, "hash": "2jmj7l5rSw0yVb/vlWAYkK/YBwk="}`)
		Expect(withCode(profile.CodeAttachment, validate(e, bad))).To(ConsistOf(
			at(model.Error, profile.CodeAttachment, "DocumentReference.content[0].attachment.size"),
			at(model.Error, profile.CodeAttachment, "DocumentReference.content[0].attachment.hash"),
		))
	})

	It("accepts a size and a hash that describe the data", func() {
		good := doc(`{"contentType": "text/plain", "data": "aGVsbG8sIHdvcmxkCg==", "size": 13, "hash": "zVDRl4SJcIWo0OPkE/hhKwl8A/E="}`)
		Expect(withCode(profile.CodeAttachment, validate(e, good))).To(BeEmpty())
		byURL := doc(`{"contentType": "text/plain", "url": "http://example.org/doc.txt", "size": 99, "hash": "zVDRl4SJcIWo0OPkE/hhKwl8A/E="}`)
		Expect(withCode(profile.CodeAttachment, validate(e, byURL))).To(BeEmpty())
	})

	It("warns about an Attachment that describes nothing", func() {
		Expect(withCode(profile.CodeAttachment, validate(e, doc(`{"title": "a note"}`)))).To(ConsistOf(
			at(model.Warning, profile.CodeAttachment, "DocumentReference.content[0].attachment")))
	})
})

var _ = Describe("element ids in a StructureDefinition", func() {
	e := newEngine()

	It("gives a StructureDefinition's snapshot element ids of its own, since it repeats the differential's", func() {
		sd := `{"resourceType": "StructureDefinition", "id": "s", "url": "http://example.org/fhir/StructureDefinition/s", "name": "S", "status": "draft",
			"kind": "resource", "abstract": false, "type": "Patient", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint",
			"snapshot": {"element": [{"id": "Patient", "path": "Patient"}]}, "differential": {"element": [{"id": "Patient", "path": "Patient"}]}}`
		Expect(withCode(profile.CodeDuplicate, validate(e, sd))).To(BeEmpty())
	})
})

package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// R4 Bundle §2.36.4.1: an absolute reference of any scheme is looked up
// among the entries' fullUrls; a relative one is first made absolute with
// the service base of the referring entry's fullUrl.
var _ = Describe("references of other URI schemes in Bundles", func() {
	e := newEngine()
	// bundle holds a Medication at fullUrl target and an Observation whose
	// subject (Patient, Group, Device or Location only) refers to ref.
	bundle := func(typ, target, referrerURL, ref string) string {
		return `{"resourceType": "Bundle", "type": "` + typ + `", "timestamp": "2024-12-01T13:28:17+02:00",
		  "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:0b3b3f68-4b0a-4d0e-9d0e-2f8a2a6f3c11"}, "entry": [
			{"fullUrl": "` + target + `", "resource": {"resourceType": "Medication", "id": "m1"}},
			{"fullUrl": "` + referrerURL + `", "resource": {"resourceType": "Observation", "id": "o1", "status": "final",
			  "code": {"text": "x"}, "subject": {"reference": "` + ref + `"}}}]}`
	}
	subject := "Observation.subject.reference"

	It("resolves urn:oid:, urn:uuid: and non-RESTful http(s) references by fullUrl, taking the type of the entry found", func() {
		for _, url := range []string{"urn:oid:1.2.840.113619.6.1", "urn:uuid:8c3e6d1a-6a48-4b8a-9b0e-1e2b0f6a7c55",
			"https://records.example.org/meds/latest", "http://example.org/fhir/Medication/m1",
			"urn:isbn:0451450523", "urn:ietf:rfc:2648"} {
			fs := bundleFindings(e, bundle("collection", url, "urn:uuid:5d7a0c2e-1f3b-4c6d-8e9f-0a1b2c3d4e5f", url))
			// Found: so the element's target types judge the Medication.
			Expect(fs).To(ConsistOf(at(model.Error, profile.CodeReference, subject)), url)
			Expect(fs[0].Message).To(ContainSubstring("reference to a Medication, but this element may only refer to"), url)
		}
	})

	It("resolves a relative reference against the base of a RESTful fullUrl with a deep path", func() {
		fs := bundleFindings(e, bundle("collection", "https://h.example/base/r4/Medication/m1",
			"https://h.example/base/r4/Observation/o1", "Medication/m1"))
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeReference, subject)))
		Expect(fs[0].Message).To(ContainSubstring("reference to a Medication"))
	})

	It("reports an absolute reference a document does not hold, but leaves a collection's to a server", func() {
		for _, ref := range []string{"urn:oid:1.2.840.113619.6.2", "https://records.example.org/meds/other", "urn:isbn:0451450524",
			"urn:uuid:9f0e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f"} {
			fs := bundleFindings(e, bundle("document", "urn:oid:1.2.840.113619.6.1", "urn:uuid:5d7a0c2e-1f3b-4c6d-8e9f-0a1b2c3d4e5f", ref))
			Expect(fs).To(ContainElement(at(model.Error, profile.CodeReference, subject)), ref)
		}
		fs := bundleFindings(e, bundle("collection", "urn:oid:1.2.840.113619.6.1", "urn:uuid:5d7a0c2e-1f3b-4c6d-8e9f-0a1b2c3d4e5f",
			"https://records.example.org/fhir/Patient/p9"))
		Expect(fs).To(BeEmpty())
	})

	It("does not resolve an absolute reference to an entry with the same type and id at another base", func() {
		fs := bundleFindings(e, bundle("document", "http://a.example/fhir/Medication/m1",
			"http://a.example/fhir/Observation/o1", "http://b.example/fhir/Medication/m1"))
		Expect(fs).To(ContainElement(at(model.Error, profile.CodeReference, subject)))
	})
})

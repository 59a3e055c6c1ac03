package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// withoutFullURL is a Bundle of the type given whose first entry, with no
// fullUrl, holds an Observation whose subject is ref, and whose second entry
// is the Patient urn:uuid:…a02 (Patient/p2).
func withoutFullURL(typ, ref string) string {
	request, response := "", ""
	switch typ {
	case "transaction", "batch":
		request = `, "request": {"method": "POST", "url": "Observation"}`
		response = `, "request": {"method": "PUT", "url": "Patient/p2"}`
	case "transaction-response", "batch-response":
		request = `, "response": {"status": "201 Created"}`
		response = request
	}
	return `{"resourceType": "Bundle", "type": "` + typ + `", "entry": [
		{"resource": ` + subjectIs(ref) + request + `},
		{"fullUrl": "urn:uuid:0f4d3b2e-9a53-4c1e-9d8b-3c4a8f6f1a02", "resource": {"resourceType": "Patient", "id": "p2"}` + response + `}]}`
}

// A Bundle entry's references are resolved against its fullUrl (R4
// §2.36.4.1); the reference validator refuses any reference made from an
// entry without one, in every Bundle but a transaction's or batch's answer.
var _ = Describe("references from a Bundle entry without a fullUrl", func() {
	e := newEngine()
	const subject = "Observation.subject.reference"

	DescribeTable("are refused in a transaction or batch, where the fullUrl is otherwise optional",
		func(typ, ref string, relative bool) {
			want := []any{saying(model.Error, profile.CodeBundle, subject, "Bundle entry has no fullUrl, yet it refers to "+ref)}
			if relative {
				want = append(want, saying(model.Error, profile.CodeReference, subject, "relative reference "+ref+" cannot be resolved"))
			}
			fs := bundleAllFindings(e, withoutFullURL(typ, ref))
			Expect(fs).To(ContainElements(want...), typ+" "+ref)
			Expect(fs).NotTo(ContainElement(at(model.Error, profile.CodeBundle, "Bundle.entry[0]")), "the fullUrl itself is optional here")
			if !relative {
				Expect(withCode(profile.CodeReference, fs)).To(BeEmpty(), "an absolute reference resolves by its URL")
			}
		},
		Entry("a relative reference to another entry", "transaction", "Patient/p2", true),
		Entry("a relative reference to nothing carried", "transaction", "Patient/elsewhere", true),
		Entry("a conditional reference", "batch", "Patient?identifier=http://example.org/mrn|7", true),
		Entry("a urn:uuid: naming another entry", "transaction", "urn:uuid:0f4d3b2e-9a53-4c1e-9d8b-3c4a8f6f1a02", false),
		Entry("an absolute URL", "batch", "http://example.org/fhir/Patient/1", false),
	)

	It("says the entry's missing fullUrl once, and each relative reference that cannot resolve", func() {
		fs := bundleAllFindings(e, `{"resourceType": "Bundle", "type": "transaction", "entry": [
			{"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"},
			  "subject": {"reference": "Patient/p2"}, "performer": [{"reference": "Practitioner/d1"}, {"reference": "http://example.org/fhir/Practitioner/d2"}]},
			 "request": {"method": "POST", "url": "Observation"}}]}`)
		Expect(withCode(profile.CodeBundle, fs)).To(ConsistOf(saying(model.Error, profile.CodeBundle, subject, "has no fullUrl")))
		Expect(withCode(profile.CodeReference, fs)).To(ConsistOf(
			saying(model.Error, profile.CodeReference, subject, "relative reference Patient/p2 cannot be resolved"),
			saying(model.Error, profile.CodeReference, "Observation.performer[0].reference", "relative reference Practitioner/d1 cannot be resolved")))
	})

	It("is also said in other Bundles, beside the entry's missing fullUrl", func() {
		fs := bundleAllFindings(e, withoutFullURL("collection", "Patient/p2"))
		Expect(fs).To(ContainElements(
			saying(model.Error, profile.CodeBundle, subject, "has no fullUrl"),
			saying(model.Error, profile.CodeReference, subject, "cannot be resolved"),
			at(model.Error, profile.CodeBundle, "Bundle.entry[0]")))
	})

	DescribeTable("are left alone where the entry needs no fullUrl to resolve them",
		func(src string) {
			fs := bundleAllFindings(e, src)
			Expect(fs).NotTo(ContainElement(saying(model.Error, profile.CodeBundle, subject, "has no fullUrl")))
			Expect(fs).NotTo(ContainElement(saying(model.Error, profile.CodeReference, subject, "cannot be resolved")))
		},
		Entry("the answer to a transaction", withoutFullURL("transaction-response", "Patient/p2")),
		Entry("the answer to a batch", withoutFullURL("batch-response", "Patient/p2")),
		Entry("an entry with a fullUrl", inBundle("transaction", "Patient/p2")),
		Entry("a local #id reference to the entry's own contained resource", `{"resourceType": "Bundle", "type": "transaction", "entry": [
			{"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"},
			  "contained": [{"resourceType": "Patient", "id": "c1"}], "subject": {"reference": "#c1"}},
			 "request": {"method": "POST", "url": "Observation"}}]}`),
		Entry("an entry whose resource refers to nothing", `{"resourceType": "Bundle", "type": "transaction", "entry": [
			{"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"}},
			 "request": {"method": "POST", "url": "Observation"}}]}`),
	)
})

package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// subjectIs is an Observation whose subject is ref.
func subjectIs(ref string) string {
	return `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "subject": {"reference": "` + ref + `"}}`
}

// inBundle is a Bundle of the type given whose one entry (with a fullUrl) is
// an Observation whose subject is ref.
func inBundle(typ, ref string) string {
	request := ""
	if typ == "transaction" || typ == "batch" {
		request = `, "request": {"method": "POST", "url": "Observation"}`
	}
	return `{"resourceType": "Bundle", "type": "` + typ + `", "entry": [
		{"fullUrl": "urn:uuid:0f4d3b2e-9a53-4c1e-9d8b-3c4a8f6f1a01", "resource": ` + subjectIs(ref) + request + `}]}`
}

var _ = Describe("the format of references", func() {
	e := newEngine()
	defs, err := definitions.New(definitions.Options{Parent: core})
	Expect(err).NotTo(HaveOccurred())
	// untyped has the reference validator's default: an unresolved
	// reference's URL does not tell its target's type.
	untyped := profile.NewEngine(defs, profile.Options{Invariants: hooks.Invariants, Codes: hooks.Codes, UnresolvedUntyped: true})
	const subject = "Observation.subject.reference"

	It("warns of a relative reference of another shape outside a Bundle, which may mean something to its server", func() {
		for _, ref := range []string{"XXX/_history/1", "p1", "Patient/1/extra", "fhir/Patient/1", "Patient/a$b", "Patient/a$b/_history/1"} {
			fs := validate(e, subjectIs(ref))
			Expect(fs).To(ConsistOf(at(model.Warning, profile.CodeReference, subject)), ref)
			Expect(fs[0].Message).To(ContainSubstring("does not look like a valid reference"), ref)
		}
		for _, ref := range []string{"Patient/1", "Patient/1/_history/2", "http://example.org/fhir/Patient/1", "http://example.org/somewhere"} {
			Expect(validate(e, subjectIs(ref))).To(BeEmpty(), ref)
		}
		// A Type/id naming a type FHIR does not define: an error when the
		// URL is taken to tell the target's type (carecert's default), a
		// warning under the reference validator's default.
		for _, ref := range []string{"Patients/pt9", "Doctor/1/_history/2"} {
			fs := validate(e, subjectIs(ref))
			Expect(fs).To(ConsistOf(at(model.Error, profile.CodeReference, subject)), ref)
			Expect(fs[0].Message).To(ContainSubstring("which is not a FHIR resource type"), ref)
			Expect(validate(untyped, subjectIs(ref))).To(ConsistOf(at(model.Warning, profile.CodeReference, subject)), ref)
		}
		// Whitespace is never part of a reference.
		Expect(validate(e, subjectIs("Patient/a b"))).To(ConsistOf(at(model.Error, profile.CodeReference, subject)))
	})

	It("accepts a conditional reference whose query is a search, and refuses one whose query is not", func() {
		for _, ref := range []string{"Patient?identifier=http://ex.org/mrn|123", "Patient?name:exact=Smith&birthdate=1970", "Patient?general-practitioner.identifier=x"} {
			Expect(validate(e, subjectIs(ref))).To(BeEmpty(), ref)
		}
		for _, ref := range []string{"Patient?", "Patient?identifier", "Patient?a=b=c", "Patient?1name=x", "Patient?a=1&&b=2"} {
			fs := validate(e, subjectIs(ref))
			Expect(fs).To(ConsistOf(at(model.Error, profile.CodeReference, subject)), ref)
			Expect(fs[0].Message).To(ContainSubstring("does not have a search as its query"), ref)
		}
		// It names its type, held to the element's targets like Type/id.
		Expect(validate(e, subjectIs("Medication?code=x"))).To(ConsistOf(at(model.Error, profile.CodeReference, subject)))
	})

	It("allows conditional references inside a Bundle only in a transaction or batch", func() {
		for _, typ := range []string{"transaction", "batch"} {
			Expect(bundleFindings(e, inBundle(typ, "Patient?identifier=x"))).To(BeEmpty(), typ)
		}
		for _, typ := range []string{"collection", "document", "searchset"} {
			fs := bundleFindings(e, inBundle(typ, "Patient?identifier=x"))
			Expect(fs).To(ContainElement(at(model.Error, profile.CodeReference, subject)), typ)
			Expect(fs[0].Message).To(ContainSubstring("only a server processing a transaction or batch resolves one"), typ)
		}
	})

	It("refuses a relative reference in a Bundle entry that cannot be resolved against its fullUrl", func() {
		for _, typ := range []string{"collection", "transaction"} {
			for _, ref := range []string{"XXX/_history/1", "p1", "Patient/1/extra", "fhir/Patient/1"} {
				fs := bundleFindings(e, inBundle(typ, ref))
				Expect(fs).To(ConsistOf(at(model.Error, profile.CodeReference, subject)), typ+" "+ref)
				Expect(fs[0].Message).To(ContainSubstring("cannot be resolved against the entry's fullUrl"), typ+" "+ref)
			}
			// Two segments (or four with _history) have the shape: only
			// the type or id is odd, a warning as outside a Bundle.
			Expect(bundleFindings(e, inBundle(typ, "Patient/a$b"))).To(ConsistOf(at(model.Warning, profile.CodeReference, subject)), typ)
		}
	})
})

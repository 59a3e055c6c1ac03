package profile_test

import (
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// bundleFindings validates every entry of a Bundle written in the spec the
// way a run does (each entry a record inside the Bundle record, one sink), and
// returns the reference findings.
func bundleFindings(e *profile.Engine, src string) []model.Finding {
	return referenceFindings(e, readSource(src))
}

// bundleAllFindings is bundleFindings keeping the findings of every code.
func bundleAllFindings(e *profile.Engine, src string) []model.Finding {
	return streamFindings(e, readSource(src), func(model.Finding) bool { return true })
}

func readSource(src string) func(func(*model.Record) error) error {
	return func(each func(*model.Record) error) error {
		return fhir.ReadStream("spec.json", strings.NewReader(src), each)
	}
}

// fileFindings is bundleFindings for a shared conformance case.
func fileFindings(e *profile.Engine, name string) []model.Finding {
	return referenceFindings(e, func(each func(*model.Record) error) error {
		return fhir.ReadFile(filepath.Join(sharedtest.Path("conformance-cases", "cases"), name), each)
	})
}

func referenceFindings(e *profile.Engine, read func(func(*model.Record) error) error) []model.Finding {
	return streamFindings(e, read, func(f model.Finding) bool { return f.Code == profile.CodeReference })
}

func streamFindings(e *profile.Engine, read func(func(*model.Record) error) error, keep func(model.Finding) bool) []model.Finding {
	var out []model.Finding
	sink := &profile.Sink{}
	Expect(read(func(r *model.Record) error {
		r.Load()
		Expect(r.Problem).To(BeNil())
		for _, f := range e.ValidateRecord(r, "", sink) {
			if keep(f) {
				out = append(out, f)
			}
		}
		return nil
	})).To(Succeed())
	return out
}

// document is a document Bundle whose Composition refers to entries with the
// given references; the Observation occurs in versions 1 and 2.
func document(refs ...string) string {
	entries := ""
	for i, r := range refs {
		if i > 0 {
			entries += ", "
		}
		entries += `{"reference": "` + r + `"}`
	}
	return `{"resourceType": "Bundle", "type": "document", "timestamp": "2024-12-01T13:28:17+02:00",
	  "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:ba2d1426-ed83-4d55-8032-c6345382c92b"},
	  "entry": [
		{"fullUrl": "http://example.org/fhir/Composition/c1", "resource": {"resourceType": "Composition", "id": "c1",
		  "status": "final", "type": {"text": "note"}, "date": "2024-12-01", "title": "Note",
		  "subject": {"reference": "Patient/p1"}, "author": [{"reference": "Patient/p1"}],
		  "section": [{"entry": [` + entries + `]}]}},
		{"fullUrl": "http://example.org/fhir/Observation/o1", "resource": {"resourceType": "Observation", "id": "o1",
		  "meta": {"versionId": "1"}, "status": "final", "code": {"text": "height"}}},
		{"fullUrl": "http://example.org/fhir/Observation/o1", "resource": {"resourceType": "Observation", "id": "o1",
		  "meta": {"versionId": "2"}, "status": "amended", "code": {"text": "height"}}},
		{"fullUrl": "http://example.org/fhir/Patient/p1", "resource": {"resourceType": "Patient", "id": "p1"}}]}`
}

var _ = Describe("resolving references in Bundles", func() {
	e := newEngine()

	It("matches a versioned reference on meta.versionId", func() {
		Expect(bundleFindings(e, document("Observation/o1/_history/1", "Observation/o1/_history/2"))).To(BeEmpty())

		fs := bundleFindings(e, document("Observation/o1/_history/3"))
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeReference, "Composition.section[0].entry[0].reference")))
		Expect(fs[0].Message).To(And(
			ContainSubstring("reference Observation/o1/_history/3 is not found in the Bundle"),
			ContainSubstring("no entry with fullUrl http://example.org/fhir/Observation/o1 has meta.versionId 3"),
			ContainSubstring("(version 1)"), ContainSubstring("(version 2)"),
			ContainSubstring("a document Bundle must contain every resource it refers to")))
	})

	It("reports a reference without a version that matches several entries", func() {
		fs := bundleFindings(e, document("Observation/o1"))
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeReference, "Composition.section[0].entry[0].reference")))
		Expect(fs[0].Message).To(And(
			ContainSubstring("reference Observation/o1 matches 2 entries of the Bundle"),
			ContainSubstring("give the version")))
	})

	It("takes any version in a history Bundle, which holds every version by design", func() {
		src := `{"resourceType": "Bundle", "type": "history", "entry": [
			{"fullUrl": "http://example.org/fhir/Patient/p1", "resource": {"resourceType": "Patient", "id": "p1", "meta": {"versionId": "1"}},
			 "request": {"method": "POST", "url": "Patient"}, "response": {"status": "201"}},
			{"fullUrl": "http://example.org/fhir/Patient/p1", "resource": {"resourceType": "Patient", "id": "p1", "meta": {"versionId": "2"}},
			 "request": {"method": "PUT", "url": "Patient/p1"}, "response": {"status": "200"}},
			{"fullUrl": "http://example.org/fhir/Observation/o1", "resource": {"resourceType": "Observation", "id": "o1", "status": "final",
			  "code": {"text": "x"}, "subject": {"reference": "Patient/p1"}},
			 "request": {"method": "POST", "url": "Observation"}, "response": {"status": "201"}}]}`
		Expect(bundleFindings(e, src)).To(BeEmpty())
	})

	It("resolves a relative reference against the service base of the referring entry's fullUrl", func() {
		// Two servers hold a Patient/p1; the Observation's fullUrl says which.
		src := `{"resourceType": "Bundle", "type": "collection", "entry": [
			{"fullUrl": "http://a.example/fhir/Patient/p1", "resource": {"resourceType": "Patient", "id": "p1"}},
			{"fullUrl": "http://b.example/fhir/Patient/p1", "resource": {"resourceType": "Patient", "id": "p1"}},
			{"fullUrl": "http://a.example/fhir/Observation/o1", "resource": {"resourceType": "Observation", "id": "o1", "status": "final",
			  "code": {"text": "x"}, "subject": {"reference": "Patient/p1"}}}]}`
		Expect(bundleFindings(e, src)).To(BeEmpty())

		// An entry with the type and id under another fullUrl is not the
		// target: a warning names it.
		src = `{"resourceType": "Bundle", "type": "collection", "entry": [
			{"fullUrl": "urn:uuid:4e5aa5f2-dd58-47b0-83c8-6bea38669e67", "resource": {"resourceType": "Patient", "id": "p1"}},
			{"fullUrl": "http://a.example/fhir/Observation/o1", "resource": {"resourceType": "Observation", "id": "o1", "status": "final",
			  "code": {"text": "x"}, "subject": {"reference": "Patient/p1"}}}]}`
		fs := bundleFindings(e, src)
		Expect(fs).To(ConsistOf(at(model.Warning, profile.CodeReference, "Observation.subject.reference")))
		Expect(fs[0].Message).To(And(ContainSubstring("reference Patient/p1 does not resolve in the Bundle"),
			ContainSubstring("it means http://a.example/fhir/Patient/p1"),
			ContainSubstring("urn:uuid:4e5aa5f2-dd58-47b0-83c8-6bea38669e67")))
	})

	It("resolves a relative reference from an entry with a URN fullUrl to the URN of the same kind with its id", func() {
		// bundle is a collection whose Patient (fullUrl urn:uuid:…) refers to
		// its general practitioner by Type/id; the second entry is target.
		bundle := func(ref, target string) string {
			return `{"resourceType": "Bundle", "type": "collection", "entry": [
				{"fullUrl": "urn:uuid:0f4d3b2e-9a53-4c1e-9d8b-3c4a8f6f1a01", "resource": {"resourceType": "Patient",
				  "generalPractitioner": [{"reference": "` + ref + `"}]}},
				{"fullUrl": "urn:uuid:7b1e2f40-51c6-4d7b-a8a2-1f0e9c3d5b22", "resource": ` + target + `}]}`
		}
		practitioner := `{"resourceType": "Practitioner"}`
		Expect(bundleFindings(e, bundle("Practitioner/7b1e2f40-51c6-4d7b-a8a2-1f0e9c3d5b22", practitioner))).To(BeEmpty())

		// The entry found holds another type than the reference names.
		organization := `{"resourceType": "Organization", "name": "x"}`
		fs := bundleFindings(e, bundle("Practitioner/7b1e2f40-51c6-4d7b-a8a2-1f0e9c3d5b22", organization))
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeReference, "Patient.generalPractitioner[0].reference")))
		Expect(fs[0].Message).To(And(ContainSubstring("names the type Practitioner"), ContainSubstring("resource of type Organization")))

		// urn:oid: alike: Practitioner/1.2.3 from a urn:oid: entry is urn:oid:1.2.3.
		oids := `{"resourceType": "Bundle", "type": "collection", "entry": [
			{"fullUrl": "urn:oid:1.2.36.1", "resource": {"resourceType": "Patient", "generalPractitioner": [{"reference": "Practitioner/1.2.36.2"}]}},
			{"fullUrl": "urn:oid:1.2.36.2", "resource": {"resourceType": "Organization", "name": "x"}}]}`
		Expect(bundleFindings(e, oids)).To(ConsistOf(at(model.Error, profile.CodeReference, "Patient.generalPractitioner[0].reference")))
	})

	It("does not let an entry with the reference's type and id but another URN fullUrl match, and says so", func() {
		doc := func(typ string) string {
			return `{"resourceType": "Bundle", "type": "` + typ + `", "timestamp": "2024-12-01T13:28:17+02:00",
			  "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:ba2d1426-ed83-4d55-8032-c6345382c92b"},
			  "entry": [
				{"fullUrl": "urn:uuid:1c0a7e55-3f0b-4c3e-9b0e-62d1f2a7c001", "resource": {"resourceType": "Composition",
				  "status": "final", "type": {"text": "note"}, "date": "2024-12-01", "title": "Note",
				  "author": [{"reference": "Organization/lab"}]}},
				{"fullUrl": "urn:uuid:1c0a7e55-3f0b-4c3e-9b0e-62d1f2a7c002", "resource": {"resourceType": "Organization", "id": "lab", "name": "Lab"}}]}`
		}
		// In a document the reference must resolve: an error, and the
		// Organization it does not reach is an orphan.
		fs := bundleAllFindings(e, doc("document"))
		Expect(fs).To(ContainElements(
			at(model.Error, profile.CodeReference, "Composition.author[0].reference"),
			at(model.Error, profile.CodeBundle, "Bundle.entry[1]")))
		Expect(bundleFindings(e, doc("document"))[0].Message).To(And(ContainSubstring("it means urn:uuid:lab"),
			ContainSubstring("has the fullUrl urn:uuid:1c0a7e55-3f0b-4c3e-9b0e-62d1f2a7c002")))
		// In a collection the target may be elsewhere: a warning only.
		Expect(bundleFindings(e, doc("collection"))).To(ConsistOf(at(model.Warning, profile.CodeReference, "Composition.author[0].reference")))
	})

	It("requires documents and messages to hold what they refer to, but not other Bundles", func() {
		missing := func(typ string) string {
			return `{"resourceType": "Bundle", "type": "` + typ + `", "entry": [
				{"fullUrl": "http://example.org/fhir/Observation/o1", "resource": {"resourceType": "Observation", "id": "o1", "status": "final",
				  "code": {"text": "x"}, "subject": {"reference": "Patient/elsewhere"}}}]}`
		}
		for _, typ := range []string{"document", "message"} {
			fs := bundleFindings(e, missing(typ))
			Expect(fs).To(ConsistOf(at(model.Error, profile.CodeReference, "Observation.subject.reference")), typ)
			Expect(fs[0].Message).To(And(
				ContainSubstring("reference Patient/elsewhere is not found in the Bundle"),
				ContainSubstring("no entry has the fullUrl http://example.org/fhir/Patient/elsewhere"),
				ContainSubstring("a "+typ+" Bundle must contain every resource it refers to")), typ)
		}
		Expect(bundleFindings(e, missing("collection"))).To(BeEmpty())
		Expect(bundleFindings(e, missing("searchset"))).To(BeEmpty())
	})

	It("agrees with the reference validator on the versioned-references cases", func() {
		Expect(fileFindings(e, "bundle-document-versioned-references-good.json")).To(BeEmpty())
		fs := fileFindings(e, "bundle-document-versioned-references-bad.json")
		Expect(fs).To(ConsistOf(
			at(model.Error, profile.CodeReference, "Composition.section[0].entry[0].reference"),
			at(model.Error, profile.CodeReference, "Composition.section[0].entry[1].reference")))
	})
})

// parameters is a Parameters carrying a Patient and a Coverage whose
// beneficiary is ref.
func parameters(ref string) string {
	return `{"resourceType": "Parameters", "parameter": [
		{"name": "MemberPatient", "resource": {"resourceType": "Patient", "id": "1"}},
		{"name": "Coverage", "resource": {"resourceType": "Coverage", "id": "c1", "status": "active",
		  "beneficiary": {"reference": "` + ref + `"}, "payor": [{"reference": "Organization/payer"}]}}]}`
}

var _ = Describe("resolving references among the resources of a Parameters", func() {
	e := newEngine()

	It("resolves a reference to a resource the Parameters carries", func() {
		Expect(validate(e, parameters("Patient/1"))).To(BeEmpty())
		Expect(fileFindings(e, "parameters-reference.json")).To(BeEmpty())
	})

	It("reports a reference to a type it carries but an id it does not", func() {
		fs := validate(e, parameters("Patient/2"))
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeReference, "Parameters.parameter[1].resource.beneficiary.reference")))
		Expect(fs[0].Message).To(And(ContainSubstring("reference Patient/2 does not resolve"),
			ContainSubstring("this Parameters carries Patient/1 but not Patient/2")))

		fs = fileFindings(e, "parameters-reference-bad.json")
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeReference, "Parameters.parameter[2].resource.beneficiary.reference")))
	})

	It("leaves references to types it does not carry to the server", func() {
		// Organization/payer above is one; a Patient when none is carried is another.
		src := `{"resourceType": "Parameters", "parameter": [
			{"name": "Coverage", "resource": {"resourceType": "Coverage", "id": "c1", "status": "active",
			  "beneficiary": {"reference": "Patient/2"}, "payor": [{"reference": "Organization/payer"}]}}]}`
		Expect(validate(e, src)).To(BeEmpty())
	})

	It("resolves through the parameters-fullUrl extension, so the target's type is checked", func() {
		src := `{"resourceType": "Parameters", "parameter": [
			{"name": "subject", "valueReference": {"reference": "urn:uuid:d12004a7-5ed5-41ab-a8f2-0de5f0c98847", "type": "Patient"}},
			{"name": "resources", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/parameters-fullUrl",
			  "valueUri": "urn:uuid:d12004a7-5ed5-41ab-a8f2-0de5f0c98847"}],
			 "resource": {"resourceType": "Patient", "id": "d12004a7-5ed5-41ab-a8f2-0de5f0c98847"}}]}`
		Expect(validate(e, src)).To(BeEmpty())

		src = `{"resourceType": "Parameters", "parameter": [
			{"name": "subject", "valueReference": {"reference": "urn:uuid:d12004a7-5ed5-41ab-a8f2-0de5f0c98847", "type": "Patient"}},
			{"name": "resources", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/parameters-fullUrl",
			  "valueUri": "urn:uuid:d12004a7-5ed5-41ab-a8f2-0de5f0c98847"}],
			 "resource": {"resourceType": "Organization", "id": "o1", "name": "Payer"}}]}`
		fs := validate(e, src)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeReference, "Parameters.parameter[0].valueReference.type")))
		Expect(fs[0].Message).To(Equal("Reference.type says Patient but the reference points at a Organization"))
	})
})

var _ = Describe("target profiles of references", func() {
	const (
		patientURL     = "http://example.org/StructureDefinition/identified-patient"
		compositionURL = "http://example.org/StructureDefinition/identified-composition"
	)
	e := newEngine(
		diffProfile(patientURL, "Patient", `{"id": "Patient.identifier", "path": "Patient.identifier", "min": 1}`),
		diffProfile(compositionURL, "Composition", `{"id": "Composition.subject", "path": "Composition.subject",
			"type": [{"code": "Reference", "targetProfile": ["`+patientURL+`"]}]}`))
	claim := func(src string) string {
		return strings.Replace(src, `"resourceType": "Composition", "id": "c1",`, `"resourceType": "Composition", "id": "c1", "meta": {"profile": ["`+compositionURL+`"]},`, 1)
	}

	It("checks a target found in the Bundle against the profile the element requires of it", func() {
		fs := bundleFindings(e, claim(document("Observation/o1/_history/2")))
		Expect(fs).To(ContainElement(at(model.Error, profile.CodeReference, "Composition.subject.reference")))
		var msg string
		for _, f := range fs {
			if f.Path == "Composition.subject.reference" {
				msg = f.Message
			}
		}
		Expect(msg).To(ContainSubstring("reference Patient/p1 points at a Patient that does not conform to " + patientURL))
		Expect(msg).To(ContainSubstring("Patient.identifier: identifier is required"))
	})

	It("accepts a target that conforms, and raises nothing for a target outside the Bundle", func() {
		ok := strings.Replace(claim(document("Observation/o1/_history/2")), `"resourceType": "Patient", "id": "p1"}`,
			`"resourceType": "Patient", "id": "p1", "identifier": [{"value": "1"}]}`, 1)
		Expect(bundleFindings(e, ok)).NotTo(ContainElement(at(model.Error, profile.CodeReference, "Composition.subject.reference")))
		// A collection need not hold what it refers to.
		elsewhere := strings.Replace(claim(document("Observation/o1/_history/2")), `"subject": {"reference": "Patient/p1"}`,
			`"subject": {"reference": "https://other.example.net/fhir/Patient/p9"}`, 1)
		elsewhere = strings.Replace(elsewhere, `"type": "document"`, `"type": "collection"`, 1)
		Expect(bundleFindings(e, elsewhere)).To(BeEmpty())
	})
})

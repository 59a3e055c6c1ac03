package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
)

// A Bundle profile's entry profiles are checked in the Bundle's own walk,
// which finds what an entry's references point at among the entries but
// leaves the Bundle rules (an unresolved reference in a document, an
// ambiguous one) to the entry's own record: whether the entry's type is
// given one profile or several alternatives, in JSON and XML.
var _ = Describe("a Bundle profile's entry profiles, one or several", func() {
	const ns = "http://example.net/fhir/StructureDefinition/"
	observationProfile := func(name string) map[string]any {
		return diffProfile(ns+name, "Observation", `{"id": "Observation.status", "path": "Observation.status", "min": 1}`)
	}
	// the document's other entries are held to their core types
	bundleProfile := func(name string, entryProfiles ...string) map[string]any {
		entryProfiles = append(entryProfiles, "http://hl7.org/fhir/StructureDefinition/Composition", "http://hl7.org/fhir/StructureDefinition/Patient", "http://hl7.org/fhir/StructureDefinition/Practitioner")
		list := `"` + strings.Join(entryProfiles, `", "`) + `"`
		return diffProfile(ns+name, "Bundle",
			`{"id": "Bundle.entry.resource", "path": "Bundle.entry.resource", "type": [{"code": "Resource", "profile": [`+list+`]}]}`)
	}
	// obs-r asks for a performer that resolves to a Practitioner: a type
	// discriminator through resolve(), which the walk answers among the
	// entries
	byPerformer := diffProfile(ns+"obs-r", "Observation",
		`{"id": "Observation.performer", "path": "Observation.performer", "slicing": {"discriminator": [{"type": "type", "path": "$this.resolve()"}], "rules": "open"}}`,
		`{"id": "Observation.performer:doctor", "path": "Observation.performer", "sliceName": "doctor", "min": 1, "max": "1", "type": [{"code": "Reference", "targetProfile": ["http://hl7.org/fhir/StructureDefinition/Practitioner"]}]}`)
	e := newEngine(observationProfile("obs-a"), observationProfile("obs-b"), byPerformer,
		bundleProfile("one", ns+"obs-a"), bundleProfile("two", ns+"obs-a", ns+"obs-b"),
		bundleProfile("one-r", ns+"obs-r"), bundleProfile("two-r", ns+"obs-r", ns+"obs-b"))
	const practitioner = `{"fullUrl": "urn:uuid:4a7d0e6c-3b5f-4c1e-8a9b-6f5e4d3c2b1a", "resource": {"resourceType": "Practitioner", "name": [{"family": "Okafor"}]}}`
	document := func(profileName, subject, status string) string {
		return `{"resourceType": "Bundle", "meta": {"profile": ["` + ns + profileName + `"]}, "type": "document", "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:0c3f6a2e-9d1b-4e7a-8c5d-2b1a0f9e8d7c"},
			"timestamp": "2025-05-09T11:54:00Z", "entry": [
			{"fullUrl": "urn:uuid:1d4a7b3f-0e2c-4f8b-9d6e-3c2b1a0f9e8d", "resource": {"resourceType": "Composition", "status": "final", "type": {"text": "note"},
				"subject": {"reference": "urn:uuid:2e5b8c4a-1f3d-4a9c-8e7f-4d3c2b1a0f9e"}, "date": "2025-05-09", "author": [{"display": "Dr Okafor"}], "title": "Note",
				"section": [{"title": "Results", "entry": [{"reference": "urn:uuid:3f6c9d5b-2a4e-4b0d-9f8a-5e4d3c2b1a0f"}]}]}},
			{"fullUrl": "urn:uuid:2e5b8c4a-1f3d-4a9c-8e7f-4d3c2b1a0f9e", "resource": {"resourceType": "Patient"}},
			{"fullUrl": "urn:uuid:3f6c9d5b-2a4e-4b0d-9f8a-5e4d3c2b1a0f", "resource": {"resourceType": "Observation", ` + status + `"code": {"text": "glucose"}, "subject": {"reference": "` + subject + `"},
				"performer": [{"reference": "urn:uuid:4a7d0e6c-3b5f-4c1e-8a9b-6f5e4d3c2b1a"}]}},
			` + practitioner + `]}`
	}
	// bundleErrors are the errors of the Bundle's own record (not its
	// entries'), by code and path.
	bundleErrors := func(src string) []string {
		out := []string{}
		for _, f := range bundleAllFindings(e, src) {
			if f.Severity == model.Error && strings.HasPrefix(f.Path, "Bundle") {
				out = append(out, f.Code+" "+f.Path)
			}
		}
		return out
	}
	const known, unknown = "urn:uuid:2e5b8c4a-1f3d-4a9c-8e7f-4d3c2b1a0f9e", "urn:uuid:9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
	// One profile's findings are the entry's at their paths; several
	// alternatives give one finding naming those tried.
	DescribeTable("give the Bundle's record an error only where the entry fails them, in JSON and XML",
		func(subject, status string, fails bool) {
			for _, format := range []string{"json", "xml"} {
				for _, p := range []string{"one", "two", "one-r", "two-r"} {
					errs := bundleErrors(inFormat(format, document(p, subject, status)))
					if fails {
						Expect(errs).NotTo(BeEmpty(), p+" entry profile(s), "+format)
						Expect(errs).To(HaveEach(ContainSubstring("Bundle.entry[2].resource")), p+" entry profile(s), "+format)
					} else {
						Expect(errs).To(BeEmpty(), p+" entry profile(s), "+format)
					}
				}
			}
		},
		Entry("an observation meeting them, its subject in the document", known, `"status": "final", `, false),
		Entry("an observation meeting them, its subject not in the document (the entry's own record's error)", unknown, `"status": "final", `, false),
		Entry("an observation without the status they require", known, ``, true),
	)
})

package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/validators/profile"
)

// Which entry a reference made from an entry names depends on that entry's
// fullUrl (R4 §2.36.4.1: a relative reference is resolved against the
// service base of the referring entry's fullUrl): the same Bundle gives the
// same findings read as a file, whose entries are records, and held in a
// parameter, whose entries are walked with the Parameters, in JSON and XML.
// A target profile is checked on the entry the reference resolves to, and
// only on it.
var _ = Describe("a reference from an entry of a Bundle held in a parameter resolves as from the Bundle's own record", func() {
	const ns = "http://example.net/fhir/StructureDefinition/"
	e := newEngine(
		diffProfile(ns+"named-patient", "Patient", `{"id": "Patient.name", "path": "Patient.name", "min": 1}`),
		diffProfile(ns+"of-named-patient", "Observation",
			`{"id": "Observation.subject", "path": "Observation.subject", "type": [{"code": "Reference", "targetProfile": ["`+ns+`named-patient"]}]}`),
	)
	const here, there = "https://fhir.oakfield-trust.nhs.uk/R4/", "https://fhir.riverside.nhs.uk/R4/"
	bundle := func(subject, patientBase, patient string) string {
		return `{"resourceType": "Bundle", "type": "collection", "entry": [
			{"fullUrl": "` + here + `Observation/o1", "resource": {"resourceType": "Observation", "id": "o1", "meta": {"profile": ["` + ns + `of-named-patient"]},
				"status": "final", "code": {"text": "glucose"}, "subject": {"reference": "` + subject + `"}}},
			{"fullUrl": "` + patientBase + `Patient/p1", "resource": ` + patient + `}]}`
	}
	parameter := func(doc string) string {
		return `{"resourceType": "Parameters", "parameter": [{"name": "feed", "resource": ` + doc + `}]}`
	}
	// subjectFindings are the reference findings at the observation's
	// subject, by severity and what the message says of the target.
	subjectFindings := func(src string) []string {
		out := []string{}
		for _, f := range bundleAllFindings(e, src) {
			if f.Code == profile.CodeReference && strings.HasSuffix(f.Path, "subject.reference") {
				said, _, _ := strings.Cut(f.Message, ": ")
				out = append(out, f.Severity.String()+" "+said)
			}
		}
		return out
	}
	const named, unnamed = `{"resourceType": "Patient", "id": "p1", "name": [{"family": "Okafor"}]}`, `{"resourceType": "Patient", "id": "p1"}`
	DescribeTable("in a file and in a parameter, JSON and XML",
		func(doc string, want ...string) {
			for _, format := range []string{"json", "xml"} {
				Expect(subjectFindings(inFormat(format, doc))).To(ConsistOf(want), "the Bundle's own record, "+format)
				Expect(subjectFindings(inFormat(format, parameter(doc)))).To(ConsistOf(want), "held in a parameter, "+format)
			}
		},
		Entry("relative, to a Patient under another service base: unresolved, its profile not asked", bundle("Patient/p1", there, unnamed),
			"warning reference Patient/p1 does not resolve in the Bundle"),
		Entry("relative, to a Patient under the same base that lacks what the profile asks", bundle("Patient/p1", here, unnamed),
			"error reference Patient/p1 points at a Patient that does not conform to "+ns+"named-patient, which this element requires of its target"),
		Entry("relative, to a Patient under the same base that meets it", bundle("Patient/p1", here, named)),
		Entry("absolute, to the Patient under another base that lacks it", bundle(there+"Patient/p1", there, unnamed),
			"error reference "+there+"Patient/p1 points at a Patient that does not conform to "+ns+"named-patient, which this element requires of its target"),
	)
})

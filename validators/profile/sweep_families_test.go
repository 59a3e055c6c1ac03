package profile_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// fromXML returns the JSON form of a resource written in FHIR XML.
func fromXML(src string) string {
	m, err := fhirxml.Decode([]byte(src))
	Expect(err).NotTo(HaveOccurred(), src)
	out, err := json.Marshal(m)
	Expect(err).NotTo(HaveOccurred())
	return string(out)
}

var _ = Describe("contained resources have ids", func() {
	e := newEngine()
	It("is an error for each contained resource without one, in JSON and XML", func() {
		src := `{"resourceType": "Patient", "id": "p", "contained": [{"resourceType": "Organization", "name": "Hillside"}, {"resourceType": "Organization", "id": "o2", "name": "Vale"}],
			"managingOrganization": {"reference": "#o2"}}`
		Expect(pathsOf(validate(e, src), model.Error, profile.CodeDuplicate)).To(ConsistOf("Patient.contained[0]"))
		xml := `<Patient xmlns="http://hl7.org/fhir"><id value="p"/><contained><Organization><name value="Hillside"/></Organization></contained></Patient>`
		Expect(pathsOf(validate(e, fromXML(xml)), model.Error, profile.CodeDuplicate)).To(ConsistOf("Patient.contained[0]"))
	})
	It("accepts contained resources with ids, and top-level resources without one", func() {
		Expect(pathsOf(validate(e, `{"resourceType": "Patient", "contained": [{"resourceType": "Organization", "id": "o", "name": "Hillside"}], "managingOrganization": {"reference": "#o"}}`),
			model.Error, profile.CodeDuplicate)).To(BeEmpty())
	})
})

var _ = Describe("document stylesheets from outside the document", func() {
	e := newEngine()
	doc := func(url string) string {
		return `{"resourceType": "Bundle", "type": "document", "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"}, "timestamp": "2024-01-01T10:00:00Z",
			"link": [{"relation": "stylesheet", "url": "` + url + `"}],
			"entry": [{"fullUrl": "urn:uuid:5f1b9c2e-7a44-4d0e-9c43-2c1e7b0f9a11", "resource": {"resourceType": "Composition", "status": "final", "type": {"text": "note"}, "date": "2024-01-01", "author": [{"display": "Dr A"}], "title": "Note"}}]}`
	}
	DescribeTable("warnings, one per concern",
		func(url string, n int) {
			Expect(pathsOf(validate(e, doc(url)), model.Warning, profile.CodeBundle)).To(HaveLen(n))
			Expect(pathsOf(validate(e, doc(url)), model.Error, profile.CodeBundle)).To(BeEmpty())
		},
		Entry("FHIR's own stylesheet", "https://hl7.org/fhir/fhir.css", 0),
		Entry("another https stylesheet", "https://example.org/styles/doc.css", 1),
		Entry("a plain http stylesheet", "http://example.org/styles/doc.css", 2),
		Entry("a stylesheet no browser can fetch", "urn:uuid:9a2e5c1b-0d3f-4b7a-8e6c-1f2a3b4c5d6e", 2),
	)
})

var _ = Describe("a canonical resource's url as its entry's fullUrl", func() {
	e := newEngine()
	bundle := func(fullURL, url, id string) string {
		return `{"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "` + fullURL + `", "resource": {"resourceType": "ValueSet", "id": "` + id + `", "url": "` + url + `", "status": "active"}}]}`
	}
	DescribeTable("an error unless the url is the resource's own RESTful address",
		func(src string, want []string) {
			Expect(pathsOf(validate(e, src), model.Error, profile.CodeBundle)).To(ConsistOf(want))
		},
		Entry("a canonical URL that is no address", bundle("http://example.org/vs/gender", "http://example.org/vs/gender", "g"), []string{"Bundle.entry[0]"}),
		Entry("the RESTful address of the resource", bundle("http://example.org/fhir/ValueSet/g", "http://example.org/fhir/ValueSet/g", "g"), []string{}),
		Entry("a different fullUrl", bundle("urn:uuid:3e1f7a52-9c0b-4d8e-a6f1-2b3c4d5e6f70", "http://example.org/vs/gender", "g"), []string{}),
		Entry("an HL7 v2 table URL, which predates the rule", bundle("http://terminology.hl7.org/ValueSet/v2-0001", "http://terminology.hl7.org/ValueSet/v2-0001", "v2-0001"), []string{}),
	)
	It("leaves resources that are not canonical alone", func() {
		src := `{"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "http://example.org/devices/pump", "resource": {"resourceType": "Device", "id": "d", "url": "http://example.org/devices/pump"}}]}`
		Expect(pathsOf(validate(e, src), model.Error, profile.CodeBundle)).To(BeEmpty())
	})
})

var _ = Describe("a resource's language in its narrative", func() {
	e := newEngine()
	patient := func(lang, div string) string {
		return `{"resourceType": "Patient", "language": "` + lang + `", "text": {"status": "generated", "div": "` + div + `"}}`
	}
	DescribeTable("warnings at the div",
		func(src string, n int) {
			Expect(pathsOf(validate(e, src), model.Warning, profile.CodeNarrative)).To(HaveLen(n))
		},
		Entry("both attributes, the resource's language", patient("en-GB", `<div xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en-GB\" xml:lang=\"en-GB\">Ann</div>`), 0),
		Entry("neither attribute", patient("en-GB", `<div xmlns=\"http://www.w3.org/1999/xhtml\">Ann</div>`), 1),
		Entry("lang only", patient("en-GB", `<div xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en-GB\">Ann</div>`), 1),
		Entry("xml:lang only, and another language", patient("en-GB", `<div xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"fr\">Ann</div>`), 2),
		Entry("a resource that states no language", `{"resourceType": "Patient", "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Ann</div>"}}`, 0),
	)
	It("reads the same from XML", func() {
		xml := `<Patient xmlns="http://hl7.org/fhir"><language value="en-GB"/><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml" lang="en-GB" xml:lang="fr">Ann</div></text></Patient>`
		Expect(pathsOf(validate(e, fromXML(xml)), model.Warning, profile.CodeNarrative)).To(HaveLen(1))
		ok := `<Patient xmlns="http://hl7.org/fhir"><language value="en-GB"/><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml" lang="en-GB" xml:lang="en-GB">Ann</div></text></Patient>`
		Expect(pathsOf(validate(e, fromXML(ok)), model.Warning, profile.CodeNarrative)).To(BeEmpty())
	})
})

var _ = Describe("an Observation's subject, performer and time, as best practice", func() {
	bare := `{"resourceType": "Observation", "status": "final", "code": {"text": "pulse"}, "valueQuantity": {"value": 72}}`
	full := `{"resourceType": "Observation", "status": "final", "code": {"text": "pulse"}, "valueQuantity": {"value": 72},
		"subject": {"reference": "Patient/p"}, "performer": [{"reference": "Practitioner/d"}], "effectivePeriod": {"start": "2024-01-01"}}`
	It("says nothing under the default", func() {
		Expect(pathsOf(everyFinding(optionsEngine(profile.Options{}), bare), model.Information, profile.CodeBestPractice)).To(BeEmpty())
		Expect(pathsOf(everyFinding(optionsEngine(profile.Options{}), bare), model.Warning, profile.CodeBestPractice)).To(BeEmpty())
	})
	It("reports each missing one at the level asked for, and nothing for an Observation that has them", func() {
		for level, sev := range map[profile.BestPractice]model.Severity{
			profile.BestPracticeHint: model.Information, profile.BestPracticeWarning: model.Warning, profile.BestPracticeError: model.Error} {
			e := optionsEngine(profile.Options{BestPractice: level})
			Expect(pathsOf(everyFinding(e, bare), sev, profile.CodeBestPractice)).To(HaveLen(3), level.String())
			Expect(pathsOf(everyFinding(e, full), sev, profile.CodeBestPractice)).To(BeEmpty(), level.String())
		}
	})
})

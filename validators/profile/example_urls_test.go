package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// Example URLs (RFC 2606 domains, the acme domains, example OID arcs) in
// uri, url and canonical values: a
// pointer to an example server or definition is an error by default and
// accepted with allow-example-urls, as the reference validator's option
// decides; names (systems), a definition's own url, fullUrls and loaded
// definitions are not pointers that can fail.
var _ = Describe("example URLs in uri, url and canonical values", func() {
	const known = "http://example.org/StructureDefinition/known-patient"
	engine := func(allow bool) *profile.Engine {
		defs, err := definitions.New(definitions.Options{Parent: core})
		Expect(err).NotTo(HaveOccurred())
		Expect(defs.Add(diffProfile(known, "Patient", `{"id": "Patient", "path": "Patient"}`), "test")).To(Succeed())
		return profile.NewEngine(defs, profile.Options{Invariants: hooks.Invariants, Codes: hooks.Codes, AllowExampleURLs: allow})
	}
	strict, lenient := engine(false), engine(true)
	exampleFindings := func(e *profile.Engine, src string) []model.Finding {
		var out []model.Finding
		for _, f := range validate(e, src) {
			if f.Code == profile.CodeExampleURL {
				out = append(out, f)
			}
		}
		return out
	}
	document := func(url string) string {
		return `{"resourceType": "DocumentReference", "status": "current", "content": [{"attachment": {"contentType": "text/plain", "url": "` + url + `"}}]}`
	}

	It("rejects a url pointing at a FHIR resource on an example server, unless example URLs are allowed", func() {
		for _, u := range []string{"http://records.example.org/fhir/DocumentReference/7", "https://example.com/Binary/scan"} {
			Expect(exampleFindings(strict, document(u))).To(ConsistOf(
				saying(model.Error, profile.CodeExampleURL, "DocumentReference.content[0].attachment.url", "allow-example-urls accepts them")), u)
			Expect(exampleFindings(lenient, document(u))).To(BeEmpty(), u)
		}
		// A uri pointer (Provenance.policy) is held to the same rule.
		Expect(exampleFindings(strict, `{"resourceType": "Provenance", "recorded": "2024-01-01T00:00:00Z", "target": [{"display": "x"}],
			"agent": [{"who": {"display": "y"}}], "policy": ["http://policies.example.net/fhir/Consent/4"]}`)).To(ConsistOf(
			at(model.Error, profile.CodeExampleURL, "Provenance.policy[0]")))
	})

	It("rejects a canonical naming a definition on an example domain that is not loaded, and accepts a loaded one", func() {
		fs := exampleFindings(strict, `{"resourceType": "Patient", "meta": {"profile": ["http://example.org/StructureDefinition/elsewhere"]}}`)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeExampleURL, "Patient.meta.profile[0]")))
		Expect(exampleFindings(lenient, `{"resourceType": "Patient", "meta": {"profile": ["http://example.org/StructureDefinition/elsewhere"]}}`)).To(BeEmpty())
		Expect(exampleFindings(strict, `{"resourceType": "Patient", "meta": {"profile": ["`+known+`", "`+known+`|2.0"]}}`)).To(BeEmpty())
	})

	It("leaves names and identities alone: systems, a url that names no resource, a definition's own url, fullUrls", func() {
		Expect(exampleFindings(strict, `{"resourceType": "Patient", "identifier": [{"system": "http://example.org/mrn", "value": "1"}],
			"maritalStatus": {"coding": [{"system": "http://example.org/codes", "code": "M"}]}}`)).To(BeEmpty())
		Expect(exampleFindings(strict, document("https://images.example.com/scans/7.png"))).To(BeEmpty())
		Expect(exampleFindings(strict, `{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/colours", "status": "draft", "content": "not-present"}`)).To(BeEmpty())
		Expect(exampleFindings(strict, `{"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "http://example.org/fhir/Patient/1",
			"resource": {"resourceType": "Patient", "id": "1"}}]}`)).To(BeEmpty())
	})

	It("counts the acme domains and the example OID arcs as examples, as the reference does", func() {
		for _, u := range []string{"http://acme.com/fhir/DocumentReference/7", "https://records.acme.org/Binary/scan"} {
			Expect(exampleFindings(strict, document(u))).To(ConsistOf(at(model.Error, profile.CodeExampleURL, "DocumentReference.content[0].attachment.url")), u)
			Expect(exampleFindings(lenient, document(u))).To(BeEmpty(), u)
		}
		profiled := func(canonical string) string {
			return `{"resourceType": "Patient", "meta": {"profile": ["` + canonical + `"]}}`
		}
		for _, oid := range []string{"urn:oid:2.999.1.7", "urn:oid:1.3.6.1.4.1.32473.12"} {
			Expect(exampleFindings(strict, profiled(oid))).To(ConsistOf(at(model.Error, profile.CodeExampleURL, "Patient.meta.profile[0]")), oid)
			Expect(exampleFindings(lenient, profiled(oid))).To(BeEmpty(), oid)
		}
		// OIDs outside the example arcs, and an example OID naming an
		// identifier system (a name, not a pointer), are left alone.
		Expect(exampleFindings(strict, profiled("urn:oid:2.16.840.1.113883.4.642.1.1"))).To(BeEmpty())
		Expect(exampleFindings(strict, profiled("urn:oid:2.9990.1"))).To(BeEmpty())
		Expect(exampleFindings(strict, `{"resourceType": "Patient", "identifier": [{"system": "urn:oid:2.999.1.7", "value": "1"}]}`)).To(BeEmpty())
	})

	It("does not take a look-alike domain for an example one", func() {
		Expect(exampleFindings(strict, document("https://example.org.uk/fhir/DocumentReference/7"))).To(BeEmpty())
		Expect(exampleFindings(strict, document("https://notexample.com/fhir/DocumentReference/7"))).To(BeEmpty())
		Expect(exampleFindings(strict, document("https://acme.community/fhir/DocumentReference/7"))).To(BeEmpty())
	})
})

// The reference validator leaves the values of some extensions out of the
// example-URL rule (its exemption at the example step): a narrative's
// textLink (whose target it checks on its own), a CQL namespace, and the
// publisher's ig-page-name and web-source, found by the nearest absolute
// extension url above the value, loaded or not. The IPS links each section
// entry of its narrative to https://fhir.example.com/... so. Any other
// extension's value is held to the rule like any uri.
var _ = Describe("example URLs in the values of link extensions", func() {
	e := newEngine()
	patient := func(text, extension, telecom string) string {
		return `{"resourceType": "Patient", "id": "r1", "text": {"status": "generated", ` + text + `
			"div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p id=\"c1\">Asthma</p></div>"}` + extension + telecom + `}`
	}
	link := func(url, value string) string {
		return `"extension": [{"url": "` + url + `", "extension": [{"url": "htmlid", "valueString": "c1"}, {"url": "data", "valueUri": "` + value + `"}]}],`
	}
	const example = "https://fhir.example.com/Condition/8039e4a7"
	cases := []struct {
		name, resource string
		errors         []string
	}{
		{"a textLink's data on an example server (before)", patient(link("http://hl7.org/fhir/StructureDefinition/textLink", example), "", ""), nil},
		{"web-source on an example server (before)", patient("", `, "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/web-source", "valueUrl": "`+example+`"}]`, ""), nil},
		{"the publisher's older web-source (before)", patient("", `, "extension": [{"url": "http://hl7.org/fhir/tools/StructureDefinition/web-source", "valueUrl": "`+example+`"}]`, ""), nil},
		{"a CQL namespace (before)", patient("", `, "extension": [{"url": "http://hl7.org/fhir/uv/cql/StructureDefinition/cql-namespaceUri", "valueUri": "`+example+`"}]`, ""), nil},
		{"a sub-extension's data under another extension", patient(link("http://hl7.org/fhir/StructureDefinition/other-link", example), "", ""),
			[]string{profile.CodeExampleURL + " .text.extension[0].extension[1].valueUri"}},
		{"a telecom's address extension", patient("", "", `, "telecom": [{"system": "url", "value": "https://records.nhs.uk/x",
			"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/iso21090-TEL-address", "valueUrl": "`+example+`"}]}]`),
			[]string{profile.CodeExampleURL + " .telecom[0].extension[0].valueUrl"}},
	}
	for _, c := range cases {
		for _, pl := range placements("Patient", "r1") {
			for _, format := range []string{"json", "xml"} {
				It(c.name+", "+pl.name+", in "+format, func() {
					var got []string
					for _, f := range pl.errors(e, format, c.resource) {
						if strings.HasPrefix(f, profile.CodeExampleURL+" ") {
							got = append(got, f)
						}
					}
					Expect(got).To(ConsistOf(pl.paths(c.errors)))
				})
			}
		}
	}
})

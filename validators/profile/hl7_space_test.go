package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// refsOf lists "severity path" of a record's reference findings (errors,
// warnings and information).
func refsOf(e *profile.Engine, rec *model.Record) []string {
	out := []string{}
	for _, f := range findingsOf(e, rec, profile.CodeReference) {
		sev, rest, _ := strings.Cut(f, " ")
		_, path, _ := strings.Cut(rest, " ")
		out = append(out, sev+" "+path)
	}
	return out
}

var _ = Describe("a uri or url in FHIR's namespace names something that exists", func() {
	e := newEngine()
	provenance := func(policy string) string {
		return `{"resourceType": "Provenance", "target": [{"reference": "Patient/p"}], "recorded": "2024-03-04T10:15:00Z", "policy": ["` + policy + `"],
			"agent": [{"who": {"reference": "Practitioner/d"}}]}`
	}
	const policy = "Provenance.policy[0]"

	DescribeTable("Provenance.policy (a uri), in JSON and XML",
		func(uri string, want []string) {
			Expect(refsOf(e, record(provenance(uri)))).To(ConsistOf(want))
			xml := `<Provenance xmlns="http://hl7.org/fhir"><target><reference value="Patient/p"/></target><recorded value="2024-03-04T10:15:00Z"/>` +
				`<policy value="` + uri + `"/><agent><who><reference value="Practitioner/d"/></who></agent></Provenance>`
			Expect(refsOf(e, record(fromXML(xml)))).To(ConsistOf(want), "XML")
		},
		Entry("a core value set", "http://hl7.org/fhir/ValueSet/consent-policy", nil),
		Entry("a core value set R4 lacks", "http://hl7.org/fhir/ValueSet/oakfield-consent", []string{"error " + policy}),
		Entry("a structure definition R4 lacks: not checked (HL7's extensions pack publishes there too)", "http://hl7.org/fhir/StructureDefinition/OakfieldConsent", nil),
		Entry("an extension of HL7's extensions pack: not checked", "http://hl7.org/fhir/StructureDefinition/artifact-author", nil),
		Entry("a core code system", "http://hl7.org/fhir/consent-data-meaning", nil),
		Entry("one segment naming nothing", "http://hl7.org/fhir/oakfield-consent-policy", []string{"error " + policy}),
		Entry("a page of the specification: not checked (carecert holds no list of R4's pages)", "http://hl7.org/fhir/provenance.html", nil),
		Entry("a page of the specification at an anchor: not checked", "http://hl7.org/fhir/http.html#read", nil),
		Entry("a page-like name without .html still names a definition or nothing", "http://hl7.org/fhir/provenance-html", []string{"error " + policy}),
		Entry("a mapping space of R4's definitions", "http://hl7.org/fhir/fivews", nil),
		Entry("a version of a core value set R4 does not hold: not checked", "http://hl7.org/fhir/ValueSet/consent-policy|3.0.2", []string{"information " + policy}),
		Entry("an identifier system under /sid/: not checked (carecert lacks HL7's list)", "http://hl7.org/fhir/sid/oakfield-mrn", nil),
		Entry("a guide under hl7.org/fhir: not checked", "http://hl7.org/fhir/us/core/ValueSet/oakfield", nil),
		Entry("another version's page: not checked", "http://hl7.org/fhir/R5/ValueSet/oakfield", nil),
		Entry("a version number: not checked", "http://hl7.org/fhir/5.0", nil),
		Entry("a kind carecert does not hold whole: not checked", "http://hl7.org/fhir/ConsentPolicy/oakfield", nil),
		Entry("terminology.hl7.org: not checked", "http://terminology.hl7.org/CodeSystem/oakfield", nil),
		Entry("https is not the namespace", "https://hl7.org/fhir/ValueSet/oakfield-consent", nil),
		Entry("a third party's", "http://example.org/fhir/ValueSet/oakfield-consent", nil),
	)

	const missing = "http://hl7.org/fhir/ValueSet/oakfield-consent"
	DescribeTable("where the reference resolves a uri, and where it leaves it to others",
		func(src, want string) {
			src = strings.ReplaceAll(src, "URI", missing)
			if want == "" {
				Expect(refsOf(e, record(src))).To(BeEmpty())
				return
			}
			Expect(refsOf(e, record(src))).To(ConsistOf("error " + want))
		},
		Entry("an extension's valueUri", `{"resourceType": "Patient", "extension": [{"url": "http://example.org/fhir/StructureDefinition/consent", "valueUri": "URI"}]}`,
			"Patient.extension[0].valueUri"),
		Entry("an identifier's system", `{"resourceType": "Patient", "identifier": [{"system": "URI", "value": "1"}]}`, "Patient.identifier[0].system"),
		Entry("a value set's imported system", `{"resourceType": "ValueSet", "url": "http://example.org/fhir/ValueSet/v", "status": "draft", "compose": {"include": [{"system": "URI"}]}}`,
			"ValueSet.compose.include[0].system"),
		Entry("a coding's system: the terminology checks'", `{"resourceType": "Patient", "maritalStatus": {"coding": [{"system": "URI", "code": "M"}]}}`, ""),
		Entry("meta.source", `{"resourceType": "Patient", "meta": {"source": "URI"}}`, ""),
		Entry("a definition's own url", `{"resourceType": "ValueSet", "url": "URI", "status": "draft"}`, ""),
		Entry("an attachment's url", `{"resourceType": "Patient", "photo": [{"contentType": "image/png", "url": "URI"}]}`, ""),
		Entry("a network address", `{"resourceType": "Endpoint", "status": "active", "connectionType": {"system": "http://terminology.hl7.org/CodeSystem/endpoint-connection-type", "code": "hl7-fhir-rest"},
			"payloadType": [{"text": "any"}], "address": "URI"}`, ""),
	)

	// A TestScript links to the pages it tests (TestScript.metadata.link.url,
	// a uri): the same page, or a one-segment name that is no page, judged
	// alike wherever the TestScript is placed.
	DescribeTable("a TestScript's link to a page of the specification, wherever the TestScript is placed",
		func(place func(link string) *model.Record, at string) {
			for link, want := range map[string][]string{
				"http://hl7.org/fhir/patient.html":        {},
				"http://hl7.org/fhir/http.html#update":    {},
				"http://hl7.org/fhir/oakfield-page-index": {"error " + at + "metadata.link[0].url"},
			} {
				Expect(refsOf(e, place(link))).To(ConsistOf(want), link)
			}
		},
		Entry("top level, JSON", func(link string) *model.Record { return record(testScriptJSON(link)) }, "TestScript."),
		Entry("top level, XML", func(link string) *model.Record { return record(fromXML(testScriptXML(link))) }, "TestScript."),
		Entry("contained, JSON", func(link string) *model.Record {
			return record(`{"resourceType": "Basic", "code": {"text": "x"}, "contained": [` + testScriptJSON(link) + `],
				"extension": [{"url": "http://example.org/fhir/StructureDefinition/script", "valueReference": {"reference": "#t"}}]}`)
		}, "Basic.contained[0]."),
		Entry("contained, XML", func(link string) *model.Record {
			return record(fromXML(`<Basic xmlns="http://hl7.org/fhir"><contained>` + testScriptXML(link) + `</contained>` +
				`<extension url="http://example.org/fhir/StructureDefinition/script"><valueReference><reference value="#t"/></valueReference></extension>` +
				`<code><text value="x"/></code></Basic>`))
		}, "Basic.contained[0]."),
		Entry("a parameter's resource, JSON", func(link string) *model.Record {
			return record(`{"resourceType": "Parameters", "parameter": [{"name": "script", "resource": ` + testScriptJSON(link) + `}]}`)
		}, "Parameters.parameter[0].resource."),
		Entry("a Bundle entry, JSON", func(link string) *model.Record {
			return entryRecord(record(`{"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "http://example.net/TestScript/t", "resource": `+testScriptJSON(link)+`}]}`), 0)
		}, "TestScript."),
		Entry("a Bundle entry, XML", func(link string) *model.Record {
			return entryRecord(record(fromXML(`<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><fullUrl value="http://example.net/TestScript/t"/><resource>`+
				testScriptXML(link)+`</resource></entry></Bundle>`)), 0)
		}, "TestScript."),
	)

	It("counts a definition in the same Bundle", func() {
		bundle := record(`{"resourceType": "Bundle", "type": "collection", "entry": [
			{"fullUrl": "http://example.org/fhir/ValueSet/c", "resource": {"resourceType": "ValueSet", "id": "c", "url": "` + missing + `", "status": "draft"}},
			{"fullUrl": "http://example.org/fhir/Provenance/p", "resource": ` + provenance(missing) + `},
			{"fullUrl": "http://example.org/fhir/Provenance/q", "resource": ` + provenance("http://hl7.org/fhir/ValueSet/other-consent") + `}]}`)
		Expect(refsOf(e, entryRecord(bundle, 1))).To(BeEmpty())
		Expect(refsOf(e, entryRecord(bundle, 2))).To(ConsistOf("error " + policy))
	})
})

var _ = Describe("the version a canonical names of a definition carecert holds", func() {
	beds := func(version string) map[string]any {
		return map[string]any{"resourceType": "ValueSet", "url": "http://hl7.org/fhir/us/beds/ValueSet/beds", "version": version, "name": "Beds", "status": "active"}
	}
	e := newEngine(beds("1.0.0"), beds("2.0.0"))
	questionnaire := func(vs string) string {
		return `{"resourceType": "Questionnaire", "url": "http://example.net/q/1", "status": "draft", "item": [{"linkId": "b", "text": "Bed", "type": "choice", "answerValueSet": "` + vs + `"}]}`
	}
	const vsPath = "Questionnaire.item[0].answerValueSet"

	DescribeTable("two versions held",
		func(vs string, want []string) {
			Expect(refsOf(e, record(questionnaire(vs)))).To(ConsistOf(want))
		},
		Entry("no version: a warning, readers may take either", "http://hl7.org/fhir/us/beds/ValueSet/beds", []string{"warning " + vsPath}),
		Entry("a version held", "http://hl7.org/fhir/us/beds/ValueSet/beds|2.0.0", nil),
		Entry("a version abbreviated", "http://hl7.org/fhir/us/beds/ValueSet/beds|1.0", nil),
		Entry("a version not held: not checked", "http://hl7.org/fhir/us/beds/ValueSet/beds|3.0.0", []string{"information " + vsPath}),
		Entry("a core definition (one version) without a version", "http://hl7.org/fhir/ValueSet/administrative-gender", nil),
		Entry("a core definition in a version R4 does not have: not checked", "http://hl7.org/fhir/ValueSet/administrative-gender|3.0.2", []string{"information " + vsPath}),
	)

	It("judges a canonical against the definitions of the same Bundle: kind and versions", func() {
		bundle := record(`{"resourceType": "Bundle", "type": "collection", "entry": [
			{"resource": {"resourceType": "CodeSystem", "url": "http://hl7.org/fhir/ValueSet/rooms", "status": "draft", "content": "not-present"}},
			{"resource": {"resourceType": "ValueSet", "url": "http://hl7.org/fhir/ValueSet/wards", "version": "1", "status": "draft"}},
			{"resource": {"resourceType": "ValueSet", "url": "http://hl7.org/fhir/ValueSet/wards", "version": "2", "status": "draft"}},
			{"resource": ` + questionnaire("http://hl7.org/fhir/ValueSet/rooms") + `},
			{"resource": ` + questionnaire("http://hl7.org/fhir/ValueSet/wards") + `},
			{"resource": ` + questionnaire("http://hl7.org/fhir/ValueSet/wards|2") + `}]}`)
		Expect(refsOf(e, entryRecord(bundle, 3))).To(ConsistOf("error " + vsPath))
		Expect(refsOf(e, entryRecord(bundle, 4))).To(ConsistOf("warning " + vsPath))
		Expect(refsOf(e, entryRecord(bundle, 5))).To(BeEmpty())
	})
})

// testScriptJSON and testScriptXML are a TestScript whose metadata links to
// link, in JSON and in XML.
func testScriptJSON(link string) string {
	return `{"resourceType": "TestScript", "id": "t", "url": "http://example.net/TestScript/t", "name": "T", "status": "draft",
		"metadata": {"link": [{"url": "` + link + `"}], "capability": [{"required": true, "validated": false, "capabilities": "http://hl7.org/fhir/CapabilityStatement/example"}]}}`
}

func testScriptXML(link string) string {
	return `<TestScript xmlns="http://hl7.org/fhir"><id value="t"/><url value="http://example.net/TestScript/t"/><name value="T"/><status value="draft"/>` +
		`<metadata><link><url value="` + link + `"/></link><capability><required value="true"/><validated value="false"/>` +
		`<capabilities value="http://hl7.org/fhir/CapabilityStatement/example"/></capability></metadata></TestScript>`
}

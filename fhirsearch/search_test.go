package fhirsearch_test

import (
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirsearch"
)

func resource(js string) map[string]any {
	res, err := fhir.Decode([]byte(js))
	Expect(err).NotTo(HaveOccurred())
	return res
}

var patient = `{"resourceType":"Patient","id":"pat-1","gender":"female","birthDate":"1980-05-17","active":true,
  "meta":{"lastUpdated":"2025-03-04T10:00:00Z"},
  "name":[{"family":"Ó Briain","given":["Siobhán","Mary"]}],
  "identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}],
  "managingOrganization":{"reference":"Organization/org-1"}}`

var encounter = `{"resourceType":"Encounter","id":"enc-1","status":"finished",
  "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
  "subject":{"reference":"Patient/pat-1"},
  "period":{"start":"2025-08-14T10:00:00Z","end":"2025-08-16T01:00:00Z"}}`

var observation = `{"resourceType":"Observation","id":"obs-1","status":"final",
  "code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},
  "subject":{"reference":"Patient/pat-1"},"effectiveDateTime":"2025-08-14T10:59:00Z"}`

var glucose = `{"resourceType":"Observation","id":"obs-2","status":"final",
  "code":{"coding":[{"system":"http://loinc.org","code":"15074-8"}]},
  "valueQuantity":{"value":5.4,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"}}`

var _ = Describe("search parameters", func() {
	DescribeTable("match resources as FHIR defines",
		func(js, typ, query string, want bool) {
			q, err := url.ParseQuery(query)
			Expect(err).NotTo(HaveOccurred())
			cs, err := fhirsearch.Parse(typ, q)
			Expect(err).NotTo(HaveOccurred())
			Expect(fhirsearch.Match(resource(js), cs)).To(Equal(want))
		},
		Entry("token code", patient, "Patient", "gender=female", true),
		Entry("token code, other value", patient, "Patient", "gender=male", false),
		Entry("token, any of a comma list", patient, "Patient", "gender=male,female", true),
		Entry("token boolean", patient, "Patient", "active=true", true),
		Entry("token identifier system|value", patient, "Patient", "identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919", true),
		Entry("token identifier, wrong system", patient, "Patient", "identifier=urn:other|9434765919", false),
		Entry("token identifier value only", patient, "Patient", "identifier=9434765919", true),
		Entry("token CodeableConcept system|code", observation, "Observation", "code=http://loinc.org|8310-5", true),
		Entry("token CodeableConcept code only", observation, "Observation", "code=8310-5", true),
		Entry("token CodeableConcept other code", observation, "Observation", "code=http://loinc.org|29463-7", false),
		Entry("token Coding", encounter, "Encounter", "class=AMB", true),
		Entry("string prefix, case and accent insensitive", patient, "Patient", "family=o briain", true),
		Entry("string on any given name", patient, "Patient", "given=mar", true),
		Entry("string does not match in the middle", patient, "Patient", "family=briain", false),
		Entry("string :exact", patient, "Patient", "family:exact=Ó Briain", true),
		Entry("string :exact is case sensitive", patient, "Patient", "family:exact=ó briain", false),
		Entry("reference Type/id", observation, "Observation", "patient=Patient/pat-1", true),
		Entry("reference bare id", observation, "Observation", "patient=pat-1", true),
		Entry("reference other id", observation, "Observation", "subject=pat-2", false),
		Entry("date at day precision", patient, "Patient", "birthdate=1980-05-17", true),
		Entry("date at year precision", patient, "Patient", "birthdate=1980", true),
		Entry("date other day", patient, "Patient", "birthdate=1980-05-18", false),
		Entry("date gt", patient, "Patient", "birthdate=gt1979-12-31", true),
		Entry("date lt", patient, "Patient", "birthdate=lt1980-05-17", false),
		Entry("date ge on the day", patient, "Patient", "birthdate=ge1980-05-17", true),
		Entry("date le on the day", patient, "Patient", "birthdate=le1980-05-17", true),
		Entry("date ne", patient, "Patient", "birthdate=ne1980-05-17", false),
		Entry("dateTime within a day", observation, "Observation", "date=2025-08-14", true),
		Entry("Period overlapping gt", encounter, "Encounter", "date=gt2025-08-15", true),
		Entry("Period entirely before sa", encounter, "Encounter", "date=sa2025-08-17", false),
		Entry("Period eb a later date", encounter, "Encounter", "date=eb2025-09-01", true),
		Entry("quantity eq", glucose, "Observation", "value-quantity=5.4", true),
		Entry("quantity eq within the search number's precision", glucose, "Observation", "value-quantity=5", true),
		Entry("quantity eq outside it", glucose, "Observation", "value-quantity=5.41", false),
		Entry("quantity eq, another value", glucose, "Observation", "value-quantity=5.5", false),
		Entry("quantity gt below", glucose, "Observation", "value-quantity=gt5.3", true),
		Entry("quantity gt at the value", glucose, "Observation", "value-quantity=gt5.4", false),
		Entry("quantity lt at the value", glucose, "Observation", "value-quantity=lt5.4", false),
		Entry("quantity lt above", glucose, "Observation", "value-quantity=lt10", true),
		Entry("quantity ge at the value", glucose, "Observation", "value-quantity=ge5.4", true),
		Entry("quantity le at the value", glucose, "Observation", "value-quantity=le5.40", true),
		Entry("quantity le below", glucose, "Observation", "value-quantity=le5.39", false),
		Entry("quantity ne", glucose, "Observation", "value-quantity=ne5.4", false),
		Entry("quantity ap within 10%", glucose, "Observation", "value-quantity=ap5.0", true),
		Entry("quantity with system and code", glucose, "Observation", "value-quantity=5.4|http://unitsofmeasure.org|mmol/L", true),
		Entry("quantity with another code", glucose, "Observation", "value-quantity=5.4|http://unitsofmeasure.org|mg/dL", false),
		Entry("quantity with code only", glucose, "Observation", "value-quantity=5.4||mmol/L", true),
		Entry("quantity on a resource without one", observation, "Observation", "value-quantity=ge0", false),
		Entry("_id", patient, "Patient", "_id=pat-1", true),
		Entry("_lastUpdated ge", patient, "Patient", "_lastUpdated=ge2025-01-01", true),
		Entry("criteria combine with AND", observation, "Observation", "patient=pat-1&code=29463-7", false),
		Entry("control parameters are ignored", patient, "Patient", "gender=female&_count=5&_sort=family", true),
		Entry("a missing element never matches", encounter, "Encounter", "practitioner=Practitioner/p1", false),
	)

	DescribeTable("refuses what a server must answer with 400",
		func(typ, query, msg string) {
			q, err := url.ParseQuery(query)
			Expect(err).NotTo(HaveOccurred())
			_, err = fhirsearch.Parse(typ, q)
			Expect(err).To(MatchError(ContainSubstring(msg)))
		},
		Entry("unknown parameter", "Patient", "colour=blue", `unknown search parameter "colour" for Patient`),
		Entry("malformed date", "Patient", "_lastUpdated=not-a-date", `"not-a-date" is not a FHIR date`),
		Entry("unsupported modifier", "Patient", "gender:not=male", `modifier "not" is not supported`),
		Entry("empty value", "Patient", "gender=", "empty value"),
		Entry("quantity without a number", "Observation", "value-quantity=gtabc", `"abc" is not a quantity`),
	)

	It("lists each type's parameters, sorted, with the common ones", func() {
		var names []string
		for _, p := range fhirsearch.Params("Condition") {
			names = append(names, p.Name)
		}
		Expect(names).To(Equal([]string{"_id", "_lastUpdated", "clinical-status", "code", "onset-date", "patient", "recorded-date", "subject", "verification-status"}))
	})
})

var _ = Describe("chained parameters", func() {
	obs := resource(`{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/pat-1"}}`)
	pat := resource(patient)
	resolve := func(ref string) map[string]any {
		if ref == "Patient/pat-1" {
			return pat
		}
		return nil
	}

	DescribeTable("are judged on the referenced resource",
		func(name, value string, want bool) {
			cs, err := fhirsearch.Parse("Observation", url.Values{name: {value}})
			Expect(err).NotTo(HaveOccurred())
			Expect(cs).To(HaveLen(1))
			Expect(cs[0].Name()).To(Equal(name))
			ok, judged := fhirsearch.MatchWith(obs, cs, resolve)
			Expect(judged).To(BeTrue())
			Expect(ok).To(Equal(want))
		},
		Entry("typed, matching", "subject:Patient.gender", "female", true),
		Entry("typed, not matching", "subject:Patient.gender", "male", false),
		Entry("implied by the parameter", "patient.family", "Ó Bri", true),
		Entry("untyped, on whatever the reference resolves to", "subject.birthdate", "ge1980", true),
		Entry("another type than the reference's", "subject:Organization.name", "x", false),
	)

	It("says when the referenced resource is not at hand, and refuses what it cannot evaluate", func() {
		cs, err := fhirsearch.Parse("Observation", url.Values{"subject:Patient.gender": {"female"}})
		Expect(err).NotTo(HaveOccurred())
		_, judged := fhirsearch.MatchWith(obs, cs, nil)
		Expect(judged).To(BeFalse())
		Expect(fhirsearch.Match(obs, cs)).To(BeFalse())
		for _, name := range []string{"subject:Patient.colour", "code.text", "subject:Patient.organization.name"} {
			_, err := fhirsearch.Parse("Observation", url.Values{name: {"x"}})
			Expect(err).To(HaveOccurred(), name)
		}
	})

	DescribeTable("ReferenceTarget reads the type and id a resolver looks up",
		func(ref, typ, id string, ok bool) {
			gotTyp, gotID, gotOK := fhirsearch.ReferenceTarget(ref)
			Expect([]any{gotTyp, gotID, gotOK}).To(Equal([]any{typ, id, ok}))
		},
		Entry("relative", "Patient/pat-1", "Patient", "pat-1", true),
		Entry("absolute, versioned", "http://x.org/fhir/Patient/pat-1/_history/2", "Patient", "pat-1", true),
		Entry("a bare id", "pat-1", "", "", false),
	)
})

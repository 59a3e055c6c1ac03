package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// A profile may define a complex extension inline: it slices the resource's
// extension by url, fixes the slice's url and slices Extension.extension for
// the sub-extensions (R4 §5.1.0.5, §2.17). The sub-extensions are then held
// to the inline slices as any element is: cardinality (also when the
// extension has no sub-extension at all), value[x] types, bindings, and the
// closed slicing that leaves no room for an undeclared url. The profile
// below is our own: a place of origin with a required coded country and an
// optional date.
var _ = Describe("complex extensions a profile defines inline", func() {
	const url = "http://registry.acme-health.test/StructureDefinition/patient-origin"
	const ext = "http://registry.acme-health.test/ext/origin"
	slicing := func(rules string) string {
		return `"slicing": {"discriminator": [{"type": "value", "path": "url"}], "rules": "` + rules + `"}`
	}
	origin := func(profileURL, subRules string) map[string]any {
		return diffProfile(profileURL, "Patient",
			`{"id": "Patient.extension", "path": "Patient.extension", `+slicing("open")+`}`,
			`{"id": "Patient.extension:origin", "path": "Patient.extension", "sliceName": "origin", "min": 0, "max": "1"}`,
			`{"id": "Patient.extension:origin.extension", "path": "Patient.extension.extension", `+slicing(subRules)+`}`,
			`{"id": "Patient.extension:origin.extension:country", "path": "Patient.extension.extension", "sliceName": "country", "min": 1, "max": "1"}`,
			`{"id": "Patient.extension:origin.extension:country.url", "path": "Patient.extension.extension.url", "fixedUri": "country"}`,
			`{"id": "Patient.extension:origin.extension:country.value[x]", "path": "Patient.extension.extension.value[x]", "min": 1, "type": [{"code": "code"}],
				"binding": {"strength": "required", "valueSet": "http://hl7.org/fhir/ValueSet/iso3166-1-2"}}`,
			`{"id": "Patient.extension:origin.extension:since", "path": "Patient.extension.extension", "sliceName": "since", "min": 0, "max": "1"}`,
			`{"id": "Patient.extension:origin.extension:since.url", "path": "Patient.extension.extension.url", "fixedUri": "since"}`,
			`{"id": "Patient.extension:origin.extension:since.value[x]", "path": "Patient.extension.extension.value[x]", "type": [{"code": "date"}]}`,
			`{"id": "Patient.extension:origin.url", "path": "Patient.extension.url", "fixedUri": "`+ext+`"}`,
			`{"id": "Patient.extension:origin.value[x]", "path": "Patient.extension.value[x]", "max": "0"}`)
	}
	const closed, open = url + "-closed", url + "-open"
	e := newEngine(origin(closed, "closed"), origin(open, "open"))
	// content keeps the findings on the extension's content: the extension
	// itself is unknown (no definition of its own), which one spec asserts.
	content := func(subs, profileURL string) []model.Finding {
		var out []model.Finding
		for _, f := range validate(e, `{"resourceType": "Patient", "extension": [{"url": "`+ext+`", `+subs+`}]}`, profileURL) {
			if f.Code != profile.CodeUnknownExtension {
				out = append(out, f)
			}
		}
		return out
	}

	It("accepts sub-extensions that meet the inline slices", func() {
		for _, p := range []string{closed, open} {
			Expect(content(`"extension": [{"url": "country", "valueCode": "GB"}, {"url": "since", "valueDate": "2001-04"}]`, p)).To(BeEmpty(), p)
			Expect(content(`"extension": [{"url": "country", "valueCode": "FR"}]`, p)).To(BeEmpty(), p)
		}
	})

	It("still reports the extension's url as having no definition, saying the profile describes it inline", func() {
		fs := validate(e, `{"resourceType": "Patient", "extension": [{"url": "`+ext+`", "extension": [{"url": "country", "valueCode": "GB"}]}]}`, closed)
		// (The core's own walk reports it too, without the profile's slice.)
		Expect(fs).To(ContainElement(saying(model.Error, profile.CodeUnknownExtension, "Patient.extension[0]", `the profile's slice "origin" describes it inline`)))
		Expect(fs).To(HaveEach(at(model.Error, profile.CodeUnknownExtension, "Patient.extension[0]")))
	})

	It("holds each sub-extension to its slice's value types and binding", func() {
		Expect(content(`"extension": [{"url": "country", "valueCode": "XX"}]`, closed)).To(ConsistOf(
			saying(model.Error, profile.CodeBinding, "Patient.extension[0].extension[0].valueCode", "'XX'")))
		Expect(content(`"extension": [{"url": "country", "valueString": "GB"}]`, closed)).To(ContainElement(
			saying(model.Error, profile.CodeUnknownElement, "Patient.extension[0].extension[0].valueString", "allowed: code")))
		Expect(content(`"extension": [{"url": "country", "valueCode": "GB"}, {"url": "since", "valueDateTime": "2001-04-01T10:00:00Z"}]`, closed)).To(ConsistOf(
			saying(model.Error, profile.CodeUnknownElement, "Patient.extension[0].extension[1].valueDateTime", "allowed: date")))
	})

	It("holds the sub-extensions to their slices' cardinality, also when the extension has none", func() {
		Expect(content(`"extension": [{"url": "since", "valueDate": "2001"}]`, closed)).To(ConsistOf(
			saying(model.Error, profile.CodeSlicing, "Patient.extension[0].extension", `slice "country" of extension requires at least 1 value(s) but 0 matched`)))
		Expect(content(`"extension": [{"url": "country", "valueCode": "GB"}, {"url": "country", "valueCode": "FR"}]`, closed)).To(ConsistOf(
			saying(model.Error, profile.CodeSlicing, "Patient.extension[0].extension", `slice "country" of extension allows at most 1 value(s) but 2 matched`)))
		// A simple value where the inline definition makes it complex:
		// the value is forbidden and the required sub-extension missing.
		Expect(content(`"valueString": "GB"`, open)).To(ConsistOf(
			at(model.Error, profile.CodeCardinality, "Patient.extension[0].valueString"),
			saying(model.Error, profile.CodeSlicing, "Patient.extension[0].extension", `slice "country" of extension requires at least 1 value(s) but extension is absent`)))
		Expect(content(`"extension": [{"url": "country"}]`, closed)).To(ContainElement(
			at(model.Error, profile.CodeCardinality, "Patient.extension[0].extension[0].value[x]")))
	})

	It("rejects a sub-extension the inline definition does not declare when its slicing is closed, and admits it when open", func() {
		subs := `"extension": [{"url": "country", "valueCode": "GB"}, {"url": "region", "valueString": "Kent"}]`
		Expect(content(subs, closed)).To(ConsistOf(
			saying(model.Error, profile.CodeSlicing, "Patient.extension[0].extension[1]", "matches none of the slices and the slicing is closed")))
		Expect(content(subs, open)).To(BeEmpty())
	})
})

// The same rule outside extensions: a slice's minimum holds whether or not
// the sliced element is present (ElementDefinition.min on each slice).
var _ = Describe("required slices of an absent element", func() {
	const url = "http://registry.acme-health.test/StructureDefinition/patient-with-mrn"
	e := newEngine(diffProfile(url, "Patient",
		`{"id": "Patient.identifier", "path": "Patient.identifier", "slicing": {"discriminator": [{"type": "value", "path": "system"}], "rules": "open"}}`,
		`{"id": "Patient.identifier:mrn", "path": "Patient.identifier", "sliceName": "mrn", "min": 1, "max": "1"}`,
		`{"id": "Patient.identifier:mrn.system", "path": "Patient.identifier.system", "min": 1, "fixedUri": "http://hospital.acme-health.test/mrn"}`,
		`{"id": "Patient.identifier:passport", "path": "Patient.identifier", "sliceName": "passport", "min": 0, "max": "1"}`,
		`{"id": "Patient.identifier:passport.system", "path": "Patient.identifier.system", "min": 1, "fixedUri": "http://passports.acme-health.test"}`))

	It("reports a required slice when the element is left out, and only the required ones", func() {
		fs := validate(e, `{"resourceType": "Patient", "active": true}`, url)
		Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeSlicing, "Patient.identifier", `slice "mrn" of identifier requires at least 1 value(s) but identifier is absent`)))
	})

	It("is met by a value in the slice", func() {
		Expect(validate(e, `{"resourceType": "Patient", "identifier": [{"system": "http://hospital.acme-health.test/mrn", "value": "12"}]}`, url)).To(BeEmpty())
	})
})

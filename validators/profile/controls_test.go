package profile_test

import (
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/narrative"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// Element definition extensions that constrain instances: minLength (the
// core extensions pack), R5's mustHaveValue and valueAlternatives (used in
// R4 as cross-version extensions) and the narrative source and language
// controls. Each has an instance that meets it and one that does not.
// checkNarrative is narrative.Check, which the specs below shadow.
func checkNarrative(div string) narrative.Result { return narrative.Check(div) }

var _ = Describe("element definition controls", func() {
	const (
		ns          = "http://example.org/StructureDefinition/"
		minLength   = "http://hl7.org/fhir/StructureDefinition/minLength"
		mustHave    = "http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.mustHaveValue"
		alternative = "http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.valueAlternatives"
		source      = "http://hl7.org/fhir/StructureDefinition/narrative-source-control"
		language    = "http://hl7.org/fhir/StructureDefinition/narrative-language-control"
		absent      = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
		nullFlavor  = "http://hl7.org/fhir/StructureDefinition/iso21090-nullFlavor"
	)
	ext := func(url, value string) string { return `{"url": "` + url + `", ` + value + `}` }
	e := newEngine(
		diffProfile(ns+"long-family", "Patient",
			`{"id": "Patient.name.family", "path": "Patient.name.family", "extension": [`+ext(minLength, `"valueInteger": 3`)+`]}`),
		diffProfile(ns+"active-valued", "Patient",
			`{"id": "Patient.active", "path": "Patient.active", "extension": [`+ext(mustHave, `"valueBoolean": true`)+`]}`),
		diffProfile(ns+"active-or-absent", "Patient",
			`{"id": "Patient.active", "path": "Patient.active", "extension": [`+ext(alternative, `"valueCanonical": "`+absent+`"`)+`]}`),
		diffProfile(ns+"sourced", "Patient",
			`{"id": "Patient.text", "path": "Patient.text", "extension": [`+ext(source, `"valueCode": "error"`)+`]}`),
		diffProfile(ns+"sourced-lightly", "Patient",
			`{"id": "Patient.text", "path": "Patient.text", "extension": [`+ext(source, `"valueCode": "warning"`)+`]}`),
		diffProfile(ns+"no-languages", "Patient",
			`{"id": "Patient.text", "path": "Patient.text", "extension": [`+ext(language, `"valueCode": "_no"`)+`]}`),
		diffProfile(ns+"languages", "Patient",
			`{"id": "Patient.text", "path": "Patient.text", "extension": [`+ext(language, `"valueCode": "_yes"`)+`]}`),
		diffProfile(ns+"resource-language", "Patient",
			`{"id": "Patient.text", "path": "Patient.text", "extension": [`+ext(language, `"valueCode": "_resource"`)+`]}`),
		diffProfile(ns+"welsh", "Patient",
			`{"id": "Patient.text", "path": "Patient.text", "extension": [`+ext(language, `"valueCode": "cy"`)+`]}`),
	)
	patient := func(body string) string { return `{"resourceType": "Patient", ` + body + `}` }
	narrative := func(div string) string {
		return `"text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">` + div + `</div>"}`
	}
	sections := func(langs ...string) string {
		div := ""
		for _, l := range langs {
			div += `<div xml:lang=\"` + l + `\" lang=\"` + l + `\">text</div>`
		}
		return div
	}

	It("refuses a string shorter than the element's minLength", func() {
		Expect(validate(e, patient(`"name": [{"family": "Ngata"}]`), ns+"long-family")).To(BeEmpty())
		Expect(validate(e, patient(`"name": [{"family": "Ng"}]`), ns+"long-family")).To(ConsistOf(
			saying(model.Error, profile.CodeMinLength, "Patient.name[0].family", "less than the minimum length 3")))
	})

	It("refuses a primitive that stands on extensions alone where the profile requires a value", func() {
		Expect(validate(e, patient(`"active": true`), ns+"active-valued")).To(BeEmpty())
		Expect(validate(e, patient(`"_active": {"extension": [`+ext(absent, `"valueCode": "unknown"`)+`]}`), ns+"active-valued")).To(ConsistOf(
			saying(model.Error, profile.CodeValueAbsent, "Patient.active", "mustHaveValue")))
	})

	It("admits a missing value only with one of the profile's alternative extensions", func() {
		Expect(validate(e, patient(`"_active": {"extension": [`+ext(absent, `"valueCode": "unknown"`)+`]}`), ns+"active-or-absent")).To(BeEmpty())
		Expect(validate(e, patient(`"active": false`), ns+"active-or-absent")).To(BeEmpty())
		Expect(validate(e, patient(`"_active": {"extension": [`+ext(nullFlavor, `"valueCode": "MSK"`)+`]}`), ns+"active-or-absent")).To(ConsistOf(
			saying(model.Error, profile.CodeValueAbsent, "Patient.active", absent)))
	})

	It("asks every top-level part of the narrative to say where it came from, at the severity the profile sets", func() {
		Expect(validate(e, patient(narrative(`<p class=\"generated\">a</p><h1 class=\"boilerplate\">b</h1>`)), ns+"sourced")).To(BeEmpty())
		Expect(validate(e, patient(narrative(`loose text<p class=\"original\">a</p><p>unsourced</p>`)), ns+"sourced")).To(ConsistOf(
			saying(model.Error, profile.CodeNarrative, "Patient.text", `"loose text"`),
			saying(model.Error, profile.CodeNarrative, "Patient.text", `"unsourced"`)))
		Expect(validate(e, patient(narrative(`<p>unsourced</p>`)), ns+"sourced-lightly")).To(ConsistOf(
			saying(model.Warning, profile.CodeNarrative, "Patient.text", `"unsourced"`)))
	})

	It("forbids or requires language sections (top-level divs with xml:lang)", func() {
		Expect(validate(e, patient(narrative(`plain`)), ns+"no-languages")).To(BeEmpty())
		Expect(validate(e, patient(narrative(sections("en", "de"))), ns+"no-languages")).To(ConsistOf(
			saying(model.Error, profile.CodeNarrative, "Patient.text", "language sections (en, de)")))
		Expect(validate(e, patient(narrative(sections("en"))), ns+"languages")).To(BeEmpty())
		Expect(validate(e, patient(narrative(`<p lang=\"en\">not a section</p>`)), ns+"languages")).To(ConsistOf(
			saying(model.Error, profile.CodeNarrative, "Patient.text", "no language sections")))
	})

	It("requires a section in the resource's language, or in the language the profile names", func() {
		Expect(pathsOf(validate(e, patient(`"language": "en", `+narrative(sections("de", "en"))), ns+"resource-language"), model.Error, profile.CodeNarrative)).To(BeEmpty())
		withLanguage := validate(e, patient(`"language": "en", `+narrative(sections("de", "pt"))), ns+"resource-language")
		Expect(pathsOf(withLanguage, model.Error, profile.CodeNarrative)).To(ConsistOf("Patient.text"))
		Expect(withLanguage).To(ContainElement(saying(model.Error, profile.CodeNarrative, "Patient.text", "resource's language en")))
		Expect(validate(e, patient(narrative(sections("cy", "en"))), ns+"welsh")).To(BeEmpty())
		Expect(validate(e, patient(narrative(sections("en"))), ns+"welsh")).To(ConsistOf(
			saying(model.Error, profile.CodeNarrative, "Patient.text", "section in cy")))
	})

	// Allocations count parses without timing them: a profile's narrative
	// controls read the parse the div's own checks make, not one of their own.
	It("reads the narrative's sections from the parse its checks make", func() {
		div := `<div xmlns=\"http://www.w3.org/1999/xhtml\">` + strings.Repeat(`<p class=\"generated\">Some <b>text</b> here</p>`, 20) + `</div>`
		rec := record(patient(`"text": {"status": "generated", "div": "` + div + `"}`))
		parse := testing.AllocsPerRun(5, func() { checkNarrative(rec.Resource()["text"].(map[string]any)["div"].(string)) })
		controlled := testing.AllocsPerRun(5, func() { e.ValidateRecord(rec, ns+"sourced", nil) })
		plain := testing.AllocsPerRun(5, func() { e.ValidateRecord(rec, ns+"long-family", nil) })
		Expect(controlled-plain).To(BeNumerically("<", parse/4), "a second parse would cost %v", parse)
	})
})

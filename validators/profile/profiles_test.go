package profile_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

const nhsProfile = "http://example.org/StructureDefinition/nhs-patient"

// nhsPatient is a small profile in the style of UK Core: a sliced identifier
// with a fixed system, a maximum name length, a fixed and a pattern value,
// and must-support elements.
var nhsPatient = diffProfile(nhsProfile, "Patient",
	`{"id": "Patient.identifier", "path": "Patient.identifier", "min": 1, "mustSupport": true,
	  "slicing": {"discriminator": [{"type": "value", "path": "system"}], "rules": "closed"}}`,
	`{"id": "Patient.identifier:nhsNumber", "path": "Patient.identifier", "sliceName": "nhsNumber", "min": 1, "max": "1", "mustSupport": true}`,
	`{"id": "Patient.identifier:nhsNumber.system", "path": "Patient.identifier.system", "min": 1, "fixedUri": "https://fhir.nhs.uk/Id/nhs-number"}`,
	`{"id": "Patient.identifier:nhsNumber.value", "path": "Patient.identifier.value", "min": 1}`,
	`{"id": "Patient.identifier:local", "path": "Patient.identifier", "sliceName": "local", "max": "1"}`,
	`{"id": "Patient.identifier:local.system", "path": "Patient.identifier.system", "min": 1, "fixedUri": "http://example.org/local"}`,
	`{"id": "Patient.name", "path": "Patient.name", "mustSupport": true}`,
	`{"id": "Patient.name.family", "path": "Patient.name.family", "maxLength": 10}`,
	`{"id": "Patient.maritalStatus", "path": "Patient.maritalStatus", "mustSupport": true,
	  "patternCodeableConcept": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus"}]}}`,
	`{"id": "Patient.active", "path": "Patient.active", "fixedBoolean": true}`,
	`{"id": "Patient.telecom", "path": "Patient.telecom", "mustSupport": true}`,
)

const nhsOK = `{"resourceType": "Patient", "meta": {"profile": ["` + nhsProfile + `"]},
  "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}],
  "name": [{"family": "Smith"}], "active": true}`

var _ = Describe("validating against profiles", func() {
	e := newEngine(nhsPatient)

	It("validates every profile in meta.profile automatically", func() {
		Expect(validate(e, nhsOK)).To(BeEmpty())
		fs := validate(e, `{"resourceType": "Patient", "meta": {"profile": ["`+nhsProfile+`"]}, "name": [{"family": "Smith"}]}`)
		Expect(fs).To(ContainElement(at(model.Error, profile.CodeCardinality, "Patient.identifier")))
		Expect(fs[0].Message).To(ContainSubstring(nhsProfile))
	})

	It("warns about a claimed profile that is not loaded", func() {
		Expect(validate(e, `{"resourceType": "Patient", "meta": {"profile": ["http://registry.acme-health.test/unknown"]}}`)).To(ConsistOf(
			at(model.Warning, profile.CodeProfile, "Patient.meta.profile[0]")))
	})

	It("checks fixed values, patterns and maximum lengths", func() {
		fs := validate(e, `{"resourceType": "Patient",
			"identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}],
			"name": [{"family": "Featherstonehaugh"}], "active": false,
			"maritalStatus": {"coding": [{"system": "http://example.org/other", "code": "M"}]}}`, nhsProfile)
		Expect(fs).To(ConsistOf(
			at(model.Error, profile.CodeMaxLength, "Patient.name[0].family"),
			at(model.Error, profile.CodeFixed, "Patient.active"),
			at(model.Error, profile.CodePattern, "Patient.maritalStatus"),
			at(model.Warning, profile.CodeBinding, "Patient.maritalStatus"),
		))
	})

	It("says which slices were tried and why each rejected an element of a closed slicing", func() {
		fs := validate(e, `{"resourceType": "Patient", "identifier": [
			{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"},
			{"system": "http://example.org/hospital", "value": "H1"}]}`, nhsProfile)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeSlicing, "Patient.identifier[1]")))
		Expect(fs[0].Message).To(And(
			ContainSubstring(`slice "nhsNumber": system is "http://example.org/hospital", the slice requires "https://fhir.nhs.uk/Id/nhs-number"`),
			ContainSubstring(`slice "local": system is "http://example.org/hospital", the slice requires "http://example.org/local"`)))
	})

	It("checks slice cardinality, explaining why items did not match", func() {
		fs := validate(e, `{"resourceType": "Patient", "identifier": [{"system": "http://example.org/local", "value": "L1"}]}`, nhsProfile)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeSlicing, "Patient.identifier")))
		Expect(fs[0].Message).To(ContainSubstring(`slice "nhsNumber" of identifier requires at least 1 value(s) but 0 matched (item 0 rejected: system is "http://example.org/local"`))
	})

	It("validates an item against the constraints of its slice", func() {
		fs := validate(e, `{"resourceType": "Patient", "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number"}]}`, nhsProfile)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeCardinality, "Patient.identifier[0].value")))
	})
})

var _ = Describe("extensions", func() {
	e := newEngine()

	It("validates a known extension's value type and where it is used", func() {
		Expect(validate(e, `{"resourceType": "Patient", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace", "valueAddress": {"city": "Leeds"}}]}`)).To(BeEmpty())
		// One fault, one error: the value is there with a type the
		// extension does not allow, not also absent (choice_types_test.go).
		Expect(validate(e, `{"resourceType": "Patient", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace", "valueString": "Leeds"}]}`)).To(ConsistOf(
			at(model.Error, profile.CodeUnknownElement, "Patient.extension[0].valueString")))
		fs := validate(e, `{"resourceType": "Observation", "status": "final", "code": {"text": "x"},
			"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace", "valueAddress": {"city": "Leeds"}}]}`)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeExtension, "Observation.extension[0]")))
		Expect(fs[0].Message).To(ContainSubstring("allows only Patient"))
	})

	It("checks nested extensions of a complex extension", func() {
		Expect(validate(e, `{"resourceType": "Patient", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-nationality",
			"extension": [{"url": "code", "valueCodeableConcept": {"text": "British"}}]}]}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType": "Patient", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-nationality",
			"extension": [{"url": "code", "valueString": "British"}]}]}`)).To(ContainElement(
			at(model.Error, profile.CodeUnknownElement, "Patient.extension[0].extension[0].valueString")))
	})

	It("requires a value or nested extensions, not both (ext-1)", func() {
		Expect(validate(e, `{"resourceType": "Patient", "extension": [{"url": "http://example.org/x"}]}`)).To(ContainElement(
			at(model.Error, profile.CodeInvariant, "Patient.extension[0]")))
	})

	It("reports unknown extensions as errors naming the url and how to load or accept them", func() {
		fs := validate(e, `{"resourceType": "Patient", "extension": [{"url": "https://fhir.example.net/StructureDefinition/unknown", "valueString": "x"}]}`)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeUnknownExtension, "Patient.extension[0]")))
		Expect(fs[0].Message).To(ContainSubstring("https://fhir.example.net/StructureDefinition/unknown is unknown"))
		Expect(fs[0].Message).To(ContainSubstring("--ig"))
		Expect(fs[0].Message).To(ContainSubstring("extension_domains"))
		Expect(fs[0].Message).To(ContainSubstring("example URLs are not allowed"))
		Expect(fs[0].Evidence).To(Equal("https://fhir.example.net/StructureDefinition/unknown"))
	})

	It("warns, without failing, on HL7 extensions outside the R4 core: the extensions pack and cross-version extensions", func() {
		fs := validate(e, `{"resourceType": "Organization", "name": "Acme", "extension": [
			{"url": "http://hl7.org/fhir/StructureDefinition/organization-brand", "valueString": "x"},
			{"url": "http://hl7.org/fhir/5.0/StructureDefinition/extension-Organization.description", "valueString": "x"}]}`)
		Expect(fs).To(ConsistOf(
			at(model.Warning, profile.CodeUnknownExtension, "Organization.extension[0]"),
			at(model.Warning, profile.CodeUnknownExtension, "Organization.extension[1]")))
		Expect(fs[0].Message).To(ContainSubstring("extensions pack"))
		Expect(fs[1].Message).To(ContainSubstring("cross-version extension for FHIR 5.0"))
	})

	It("requires modifier extensions to be sent as modifierExtension, and only those", func() {
		fs := validate(e, `{"resourceType": "Patient", "modifierExtension": [
			{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}]}`)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeExtension, "Patient.modifierExtension[0]")))
		Expect(fs[0].Message).To(ContainSubstring("is not a modifier extension"))

		fs = validate(e, `{"resourceType": "NutritionOrder", "status": "active", "intent": "order", "patient": {"reference": "Patient/1"}, "dateTime": "2020-01-01", "oralDiet": {"type": [{"text": "soft"}]},
			"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/request-doNotPerform", "valueBoolean": true}]}`)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeExtension, "NutritionOrder.extension[0]")))
		Expect(fs[0].Message).To(ContainSubstring("is a modifier extension"))

		Expect(validate(e, `{"resourceType": "NutritionOrder", "status": "active", "intent": "order", "patient": {"reference": "Patient/1"}, "dateTime": "2020-01-01", "oralDiet": {"type": [{"text": "soft"}]},
			"modifierExtension": [{"url": "http://hl7.org/fhir/StructureDefinition/request-doNotPerform", "valueBoolean": true}]}`)).To(BeEmpty())
	})
})

var _ = Describe("the fhir-profile check", func() {
	registry := func() *check.Registry {
		r := check.NewRegistry()
		profile.Register(r)
		return r
	}

	It("reports each invariant it cannot evaluate once, as information, never silently", func() {
		env := profile.UseEngine(&check.Env{}, newEngineWithout())
		c, err := registry().Compile(check.Spec{Requirement: "R", Type: "fhir-profile", Params: params.Params{}}, env)
		Expect(err).NotTo(HaveOccurred())
		s1, s2 := c.NewState(), c.NewState()
		for _, s := range []check.State{s1, s2} {
			rec := record(cleanObservation)
			Expect(c.Applies(rec)).To(BeTrue())
			s.Observe(rec)
		}
		Expect(s1.Merge(s2)).To(Succeed())
		t := model.NewTally(0)
		s1.Finish(t)
		var keys []string
		for _, f := range t.Findings {
			Expect(f.Severity).To(Equal(model.Information))
			Expect(f.Code).To(Equal(profile.CodeNotEvaluated))
			keys = append(keys, f.Message[len("invariant "):len("invariant obs-6")])
		}
		Expect(keys).To(ContainElements("obs-6", "obs-7"))
		Expect(keys).To(HaveLen(len(t.Findings)))
	})

	It("measures must-support coverage per profile", func() {
		env := profile.UseEngine(&check.Env{}, newEngine(nhsPatient))
		c, err := registry().Compile(check.Spec{Requirement: "R", Type: "fhir-profile", Params: params.Params{"profile": nhsProfile}}, env)
		Expect(err).NotTo(HaveOccurred())
		s := c.NewState()
		s.Observe(record(nhsOK))
		s.Observe(record(`{"resourceType": "Patient", "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}], "telecom": [{"system": "phone", "value": "1"}], "name": [{"family": "A"}], "maritalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "code": "M"}]}}`))
		t := model.NewTally(0)
		s.Finish(t)
		m, ok := t.Lookup("must-support " + nhsProfile)
		Expect(ok).To(BeTrue())
		// 6 must-support elements (identifier, its slices nhsNumber and local,
		// which inherit must-support from it, name, maritalStatus, telecom)
		// × 2 records; the first populates 3, the second 5.
		Expect(m).To(Equal(model.Measure{Name: "must-support " + nhsProfile, Numerator: 8, Denominator: 12}))
	})

	It("accepts unknown extensions of the run's extension domains as warnings, and only those", func() {
		env := &check.Env{ExtensionDomains: []string{"https://fhir.supplier.example/"}}
		c, err := registry().Compile(check.Spec{Requirement: "R", Type: "fhir-profile", Params: params.Params{}}, env)
		Expect(err).NotTo(HaveOccurred())
		fs := c.NewState().Observe(record(`{"resourceType": "Patient", "extension": [
			{"url": "https://fhir.supplier.example/StructureDefinition/pet", "valueString": "cat"},
			{"url": "https://fhir.other.example/StructureDefinition/pet", "valueString": "dog"}]}`))
		Expect(fs).To(ConsistOf(
			at(model.Warning, profile.CodeUnknownExtension, "Patient.extension[0]"),
			at(model.Error, profile.CodeUnknownExtension, "Patient.extension[1]")))
		Expect(fs[0].Message).To(ContainSubstring("its domain https://fhir.supplier.example/ is listed in extension_domains"))
	})

	It("gives an errored result saying how to load a missing guide, not a silent pass", func() {
		c, err := registry().Compile(check.Spec{Requirement: "R", Type: "fhir-profile",
			Params: params.Params{"profile": "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient", "requires": "load UK Core with --ig"}}, engineEnv())
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Applies(record(cleanPatient))).To(BeTrue())
		g, ok := c.(check.Grader)
		Expect(ok).To(BeTrue())
		outcome, msg := g.Grade(model.NewTally(0))
		Expect(outcome).To(Equal(model.Errored))
		Expect(msg).To(ContainSubstring("load UK Core with --ig"))
	})

	It("refuses an unknown profile when no guide is named, and misspelt parameters", func() {
		_, err := registry().Compile(check.Spec{Requirement: "R", Type: "fhir-profile", Params: params.Params{"profile": "http://example.org/nope"}}, engineEnv())
		Expect(err).To(MatchError(ContainSubstring("http://example.org/nope")))
		_, err = registry().Compile(check.Spec{Requirement: "R", Type: "fhir-profile", Params: params.Params{"profil": "x"}}, engineEnv())
		Expect(err).To(MatchError(ContainSubstring("profil")))
	})
})

// engineEnv is a run environment whose shared engine reads the suite's core.
func engineEnv() *check.Env {
	return profile.UseEngine(&check.Env{}, newEngine())
}

var _ = Describe("bounds given as a Duration", func() {
	It("bounds a date relative to the run's as-of date", func() {
		const url = "http://example.org/StructureDefinition/near-birth"
		defs, err := definitions.New(definitions.Options{Parent: core})
		Expect(err).NotTo(HaveOccurred())
		Expect(defs.Add(diffProfile(url, "Patient",
			`{"id": "Patient.birthDate", "path": "Patient.birthDate", "maxValueDuration": {"value": 10, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"},
			  "minValueDuration": {"value": 150, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"}}`), "test")).To(Succeed())
		asOf := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		e := profile.NewEngine(defs, profile.Options{AsOf: asOf})

		Expect(validate(e, `{"resourceType": "Patient", "birthDate": "2035-12-31"}`, url)).To(BeEmpty())
		fs := validate(e, `{"resourceType": "Patient", "birthDate": "2036-01-02"}`, url)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeFixed, "Patient.birthDate")))
		Expect(fs[0].Message).To(ContainSubstring("after the maximum: 10 a after 2026-01-01, that is 2036-01-01"))
		fs = validate(e, `{"resourceType": "Patient", "birthDate": "1870"}`, url)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeFixed, "Patient.birthDate")))
		Expect(fs[0].Message).To(ContainSubstring("before the minimum"))
	})
})

var _ = Describe("content references in profiles", func() {
	It("read nested parts against the base definition of a parameter, not the profile's constraints on the outer one", func() {
		const url = "http://example.org/StructureDefinition/match-in"
		e := newEngine(diffProfile(url, "Parameters",
			`{"id": "Parameters.parameter", "path": "Parameters.parameter"}`,
			`{"id": "Parameters.parameter.name", "path": "Parameters.parameter.name", "patternString": "Member"}`,
			`{"id": "Parameters.parameter.part", "path": "Parameters.parameter.part", "min": 2,
			  "slicing": {"discriminator": [{"type": "value", "path": "name"}], "rules": "open"}}`,
			`{"id": "Parameters.parameter.part:patient", "path": "Parameters.parameter.part", "sliceName": "patient", "min": 1, "max": "1"}`,
			`{"id": "Parameters.parameter.part:patient.name", "path": "Parameters.parameter.part.name", "fixedString": "patient"}`,
			`{"id": "Parameters.parameter.part:patient.resource", "path": "Parameters.parameter.part.resource", "min": 1, "type": [{"code": "Patient"}]}`))
		ok := `{"resourceType": "Parameters", "parameter": [{"name": "Member", "part": [
			{"name": "patient", "resource": {"resourceType": "Patient"}},
			{"name": "note", "valueString": "x"}]}]}`
		Expect(validate(e, ok, url)).To(BeEmpty())
		fs := validate(e, `{"resourceType": "Parameters", "parameter": [{"name": "Member", "part": [
			{"name": "patient", "valueString": "no resource"}, {"name": "note", "valueString": "x"}]}]}`, url)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeCardinality, "Parameters.parameter[0].part[0].resource")))
	})
})

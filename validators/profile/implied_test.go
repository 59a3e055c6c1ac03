package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
)

// R4 §8.1.1 (Vital Signs): an Observation coded with a vital sign's LOINC
// code must conform to that vital sign's profile, though it names none.
var _ = Describe("implied vital-signs profiles", func() {
	e := newEngine()
	const category = `"category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}]`
	part := func(code, unit string) string {
		return `{"code": {"coding": [{"system": "http://loinc.org", "code": "` + code + `"}]},
			"valueQuantity": {"value": 120, "unit": "` + unit + `", "system": "http://unitsofmeasure.org", "code": "` + unit + `"}}`
	}
	bp := func(components string) string {
		return `{"resourceType": "Observation", "status": "final", ` + category + `,
			"code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
			"subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2024-05-01",
			"component": [` + components + `]}`
	}
	messages := func(fs []model.Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Path+": "+f.Message)
		}
		return out
	}

	It("accepts a blood pressure with its systolic and diastolic components, in either order", func() {
		Expect(messages(validate(e, bp(part("8480-6", "mm[Hg]")+","+part("8462-4", "mm[Hg]"))))).To(BeEmpty())
		Expect(messages(validate(e, bp(part("8462-4", "mm[Hg]")+","+part("8480-6", "mm[Hg]"))))).To(BeEmpty())
	})

	It("holds a blood pressure without its diastolic component to the bp profile", func() {
		Expect(messages(validate(e, bp(part("8480-6", "mm[Hg]"))))).To(ContainElement(And(
			ContainSubstring(`slice "DiastolicBP" of component requires at least 1 value(s) but 0 matched`),
			ContainSubstring("(profile http://hl7.org/fhir/StructureDefinition/bp, implied by LOINC 85354-9, R4 §8.1.1 vital signs)"))))
	})

	It("holds a component's unit to the one the bp profile fixes", func() {
		Expect(messages(validate(e, bp(part("8480-6", "mm[Hg]")+","+part("8462-4", "mmHg"))))).To(ContainElement(And(
			HavePrefix("Observation.component[1].valueQuantity.code: "), ContainSubstring("mm[Hg]"),
			ContainSubstring("(profile http://hl7.org/fhir/StructureDefinition/bp, implied by LOINC 85354-9, R4 §8.1.1 vital signs)"))))
	})

	It("requires the vital-signs category of a heart rate", func() {
		fs := validate(e, `{"resourceType": "Observation", "status": "final",
			"code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
			"subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2024-05-01",
			"valueQuantity": {"value": 60, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}}`)
		Expect(messages(fs)).To(ContainElement(And(HavePrefix("Observation.category"),
			ContainSubstring("(profile http://hl7.org/fhir/StructureDefinition/heartrate, implied by LOINC 8867-4, R4 §8.1.1 vital signs)"))))
	})

	It("reads the vital-signs units binding of a component as extensible: another unit is a warning, not an error", func() {
		fs := validate(e, `{"resourceType": "Observation", "status": "final", `+category+`,
			"code": {"coding": [{"system": "http://loinc.org", "code": "2708-6"}]},
			"subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2024-05-01",
			"valueQuantity": {"value": 97, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"},
			"component": [`+part("3151-8", "L/min")+`]}`)
		var errs []string
		for _, f := range fs {
			if f.Severity == model.Error {
				errs = append(errs, f.Path+": "+f.Message)
			}
		}
		Expect(errs).To(BeEmpty())
		Expect(fs).To(ContainElement(And(
			WithTransform(func(f model.Finding) model.Severity { return f.Severity }, Equal(model.Warning)),
			WithTransform(func(f model.Finding) string { return f.Path }, HavePrefix("Observation.component[0].value")),
			WithTransform(func(f model.Finding) string { return f.Message }, ContainSubstring("ucum-vitals-common")))))
	})

	It("leaves an Observation with another code to the base resource", func() {
		Expect(messages(validate(e, `{"resourceType": "Observation", "status": "final",
			"code": {"coding": [{"system": "http://loinc.org", "code": "2093-3"}]},
			"valueQuantity": {"value": 180, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"}}`))).To(BeEmpty())
	})
})

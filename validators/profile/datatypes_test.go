package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// Constraints declared on a datatype's own definition (per-1 on Period,
// qty-3 on Quantity...) hold wherever the datatype is used: as an element of
// a resource, inside a backbone element, inside another datatype, as a choice
// and as an extension's value. R4 snapshots list only ele-1 on those elements.
var _ = Describe("datatype invariants wherever the datatype occurs", func() {
	e := newEngine()

	DescribeTable("fail on the datatype's own constraint",
		func(src, key, path string) {
			Expect(validate(e, src)).To(ConsistOf(saying(model.Error, profile.CodeInvariant, path, "constraint "+key+" failed")))
		},
		Entry("per-1 on a resource element", `{"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}, "period": {"start": "2024-01-01T12:00:00Z", "end": "2024-01-01T10:00:00Z"}}`, "per-1", "Encounter.period"),
		Entry("per-1 with precisions that leave the order undecided (the comparison is empty)", `{"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}, "period": {"start": "2024-01-01", "end": "2024-01-01T10:00:00Z"}}`, "per-1", "Encounter.period"),
		Entry("per-1 across time zones", `{"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}, "period": {"start": "2024-01-01T12:00:00+02:00", "end": "2024-01-01T09:30:00Z"}}`, "per-1", "Encounter.period"),
		Entry("per-1 inside a datatype (HumanName.period)", `{"resourceType": "Patient", "name": [{"family": "Doe", "period": {"start": "2024-02-01", "end": "2024-01-01"}}]}`, "per-1", "Patient.name[0].period"),
		Entry("per-1 as a choice (effectivePeriod)", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "effectivePeriod": {"start": "2024-01-02", "end": "2024-01-01"}}`, "per-1", "Observation.effectivePeriod"),
		Entry("per-1 as an extension's value", `{"resourceType": "Patient", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace", "valueAddress": {"city": "Leeds", "period": {"start": "2024-01-02", "end": "2024-01-01"}}}]}`, "per-1", "Patient.extension[0].valueAddress.period"),
		Entry("qty-3 on a choice (valueQuantity)", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueQuantity": {"value": 5, "code": "mg"}}`, "qty-3", "Observation.valueQuantity"),
		Entry("qty-3 in a backbone element", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "referenceRange": [{"low": {"value": 1, "code": "mg"}}]}`, "qty-3", "Observation.referenceRange[0].low"),
		Entry("sqty-1 of the SimpleQuantity profile the element's type names", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "referenceRange": [{"low": {"value": 1, "comparator": "<"}}]}`, "sqty-1", "Observation.referenceRange[0].low"),
		Entry("rng-2", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueRange": {"low": {"value": 5}, "high": {"value": 3}}}`, "rng-2", "Observation.valueRange"),
		Entry("rat-1", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueRatio": {"numerator": {"value": 1}}}`, "rat-1", "Observation.valueRatio"),
		Entry("cpt-2 on a resource element", `{"resourceType": "Patient", "telecom": [{"value": "0113 496 0000"}]}`, "cpt-2", "Patient.telecom[0]"),
		Entry("cpt-2 inside a datatype (ContactDetail.telecom)", `{"resourceType": "Questionnaire", "status": "draft", "contact": [{"name": "x", "telecom": [{"value": "0113 496 0000"}]}]}`, "cpt-2", "Questionnaire.contact[0].telecom[0]"),
		Entry("att-1", `{"resourceType": "Patient", "photo": [{"data": "aGVsbG8="}]}`, "att-1", "Patient.photo[0]"),
		Entry("age-1 (a datatype derived from Quantity)", `{"resourceType": "Condition", "subject": {"reference": "Patient/1"}, "onsetAge": {"value": 40, "system": "http://example.org/units", "code": "a"}}`, "age-1", "Condition.onsetAge"),
		Entry("drt-1 two datatypes deep (Timing.repeat.boundsDuration)", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "effectiveTiming": {"repeat": {"boundsDuration": {"system": "http://unitsofmeasure.org", "code": "d"}}}}`, "drt-1", "Observation.effectiveTiming.repeat.boundsDuration"),
	)

	DescribeTable("raise nothing on the same datatypes used correctly",
		func(src string) {
			Expect(validate(e, src)).To(BeEmpty())
		},
		Entry("Period in order", `{"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}, "period": {"start": "2024-01-01T10:00:00Z", "end": "2024-01-01T12:00:00Z"}}`),
		Entry("Period of different precisions whose order is clear", `{"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}, "period": {"start": "2024-01-01", "end": "2024-01-02T10:00:00Z"}}`),
		Entry("Period in order across time zones", `{"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}, "period": {"start": "2024-01-01T12:00:00+02:00", "end": "2024-01-01T10:30:00Z"}}`),
		Entry("qty-3 satisfied by a code's extension-only companion and a system", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueQuantity": {"value": 5, "system": "http://unitsofmeasure.org", "_code": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}]}}}`),
		Entry("an open Period", `{"resourceType": "Patient", "name": [{"family": "Doe", "period": {"start": "2024-02-01"}}]}`),
		Entry("Quantity with system and code", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueQuantity": {"value": 5, "system": "http://unitsofmeasure.org", "code": "mg"}}`),
		Entry("Range in order", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueRange": {"low": {"value": 3}, "high": {"value": 5}}}`),
		Entry("ContactPoint with system", `{"resourceType": "Patient", "telecom": [{"system": "phone", "value": "0113 496 0000"}]}`),
		Entry("Attachment with contentType", `{"resourceType": "Patient", "photo": [{"contentType": "image/png", "data": "aGVsbG8="}]}`),
		Entry("a logical Reference (no reference, only an identifier)", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "subject": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9000000009"}}}`),
		Entry("a canonical resource without a name", `{"resourceType": "Questionnaire", "status": "draft"}`),
	)

	It("counts a constraint that evaluates to empty as failing", func() {
		p := diffProfile("http://example.org/StructureDefinition/born-late", "Patient",
			`{"id": "Patient", "path": "Patient", "constraint": [{"key": "late-1", "severity": "error", "human": "born after 2000", "expression": "birthDate > @2000-01-01"}]}`)
		pe := newEngine(p)
		Expect(validate(pe, `{"resourceType": "Patient", "birthDate": "2001-05-01"}`, "http://example.org/StructureDefinition/born-late")).To(BeEmpty())
		Expect(validate(pe, `{"resourceType": "Patient", "birthDate": "1999-05-01"}`, "http://example.org/StructureDefinition/born-late")).To(ConsistOf(
			saying(model.Error, profile.CodeInvariant, "Patient", "constraint late-1 failed")))
		Expect(validate(pe, `{"resourceType": "Patient"}`, "http://example.org/StructureDefinition/born-late")).To(ConsistOf(
			saying(model.Error, profile.CodeInvariant, "Patient", "constraint late-1 failed")), "no birthDate: the comparison is empty")
	})

	It("reads the canonical name rule as later versions state it: optional, and the whole name", func() {
		Expect(validate(e, `{"resourceType": "Questionnaire", "status": "draft", "name": "PreOpCheck"}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType": "Questionnaire", "status": "draft", "name": "pre-op Check"}`)).To(ConsistOf(
			saying(model.Warning, profile.CodeInvariant, "Questionnaire", "constraint que-0 failed")))
	})
})

var _ = Describe("dom-3: contained resources referenced from the narrative", func() {
	e := newEngine()
	withDiv := func(div string) string {
		return `{"resourceType": "Observation", "status": "final", "code": {"text": "x"},
		  "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">` + div + `</div>"},
		  "contained": [{"resourceType": "Binary", "id": "img1", "contentType": "image/png"}]}`
	}

	It("counts a link or an image pointing at the contained resource, and nothing else", func() {
		Expect(validate(e, withDiv(`<a href=\"#img1\">the image</a>`))).To(BeEmpty())
		Expect(validate(e, withDiv(`<img src='#img1'/>`))).To(BeEmpty())
		Expect(validate(e, withDiv(`<a href=\"#other\">elsewhere</a>`))).To(ContainElement(
			saying(model.Error, profile.CodeInvariant, "Observation", "constraint dom-3 failed")))
	})
})

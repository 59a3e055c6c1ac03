package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// limited is a Questionnaire whose items limit their answers by extension.
const limited = `{"resourceType": "Questionnaire", "url": "http://example.org/Questionnaire/limited", "status": "active",
  "item": [
    {"linkId": "age", "type": "integer", "extension": [
      {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0},
      {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 120}]},
    {"linkId": "weight", "type": "decimal", "extension": [
      {"url": "http://hl7.org/fhir/StructureDefinition/maxDecimalPlaces", "valueInteger": 1}]},
    {"linkId": "visit", "type": "date", "extension": [
      {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueDate": "2020-01-01"}]},
    {"linkId": "nhs", "type": "string", "maxLength": 10, "extension": [
      {"url": "http://hl7.org/fhir/StructureDefinition/minLength", "valueInteger": 10},
      {"url": "http://hl7.org/fhir/StructureDefinition/regex", "valueString": "[0-9]+"}]},
    {"linkId": "names", "type": "string", "repeats": true, "extension": [
      {"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-minOccurs", "valueInteger": 2},
      {"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs", "valueInteger": 3}]},
    {"linkId": "height", "type": "quantity", "extension": [
      {"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption", "valueCoding": {"system": "http://unitsofmeasure.org", "code": "cm"}},
      {"url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-maxQuantity", "valueQuantity": {"value": 250, "system": "http://unitsofmeasure.org", "code": "cm"}}]},
    {"linkId": "distance", "type": "quantity", "extension": [
      {"url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-minQuantity", "valueQuantity": {"value": 1, "system": "http://unitsofmeasure.org", "code": "km"}},
      {"url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-maxQuantity", "valueQuantity": {"value": 5, "system": "http://unitsofmeasure.org", "code": "km"}}]},
    {"linkId": "load", "type": "quantity", "extension": [
      {"url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-maxQuantity", "valueQuantity": {"value": 10, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}}]},
    {"linkId": "grade", "type": "integer", "answerOption": [{"valueInteger": 1}, {"valueInteger": 2}]},
    {"linkId": "slot", "type": "time", "answerOption": [{"valueTime": "08:00:00"}, {"valueTime": "14:00:00"}]},
    {"linkId": "shade", "type": "string", "answerOption": [{"valueString": "light"}, {"valueString": "dark"}]},
    {"linkId": "country", "type": "open-choice", "answerOption": [{"valueCoding": {"system": "urn:iso:std:iso:3166", "code": "NZ"}}]},
    {"linkId": "speed", "type": "quantity", "extension": [
      {"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-unitValueSet", "valueCanonical": "http://hl7.org/fhir/ValueSet/ucum-vitals-common"}]},
    {"linkId": "scan", "type": "attachment", "extension": [
      {"url": "http://hl7.org/fhir/StructureDefinition/mimeType", "valueCode": "image/"},
      {"url": "http://hl7.org/fhir/StructureDefinition/maxSize", "valueDecimal": 4}]},
    {"linkId": "symptoms", "type": "choice", "repeats": true, "answerOption": [
      {"valueCoding": {"system": "http://example.org/s", "code": "cough"}},
      {"valueCoding": {"system": "http://example.org/s", "code": "none"}, "extension": [
        {"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive", "valueBoolean": true}]}]},
    {"linkId": "contact", "type": "group", "required": true, "item": [{"linkId": "contact/phone", "type": "string"}]}]}`

// limitedResponse answers one item of limited (and the required group).
func limitedResponse(item string) string {
	return `{"resourceType": "QuestionnaireResponse", "questionnaire": "http://example.org/Questionnaire/limited", "status": "in-progress",
	  "item": [` + item + `, {"linkId": "contact", "item": [{"linkId": "contact/phone", "answer": [{"valueString": "1"}]}]}]}`
}

var _ = Describe("QuestionnaireResponse answers against the limits of their Questionnaire's extensions", func() {
	var e *profile.Engine
	BeforeEach(func() { e = newEngine(decoded(limited)) })

	DescribeTable("rejects an answer outside the item's limits",
		func(item string) {
			fs := questionnaireFindings(validate(e, limitedResponse(item)))
			Expect(fs).To(HaveLen(1))
			Expect(fs[0].Severity).To(Equal(model.Error))
		},
		Entry("integer below minValue", `{"linkId": "age", "answer": [{"valueInteger": -1}]}`),
		Entry("integer above maxValue", `{"linkId": "age", "answer": [{"valueInteger": 121}]}`),
		Entry("too many decimal places", `{"linkId": "weight", "answer": [{"valueDecimal": 70.25}]}`),
		Entry("date before minValue", `{"linkId": "visit", "answer": [{"valueDate": "2019-12-31"}]}`),
		Entry("string shorter than minLength", `{"linkId": "nhs", "answer": [{"valueString": "123"}]}`),
		Entry("string longer than maxLength", `{"linkId": "nhs", "answer": [{"valueString": "12345678901"}]}`),
		Entry("string not matching the regex", `{"linkId": "nhs", "answer": [{"valueString": "12345abcde"}]}`),
		Entry("fewer answers than minOccurs", `{"linkId": "names", "answer": [{"valueString": "a"}]}`),
		Entry("more answers than maxOccurs", `{"linkId": "names", "answer": [{"valueString": "a"}, {"valueString": "b"}, {"valueString": "c"}, {"valueString": "d"}]}`),
		Entry("a unit that is not an option", `{"linkId": "height", "answer": [{"valueQuantity": {"value": 70, "system": "http://unitsofmeasure.org", "code": "[in_i]"}}]}`),
		Entry("a quantity above maxQuantity", `{"linkId": "height", "answer": [{"valueQuantity": {"value": 300, "system": "http://unitsofmeasure.org", "code": "cm"}}]}`),
		Entry("a quantity above maxQuantity once converted (10000 m, max 5 km)", `{"linkId": "distance", "answer": [{"valueQuantity": {"value": 10000, "system": "http://unitsofmeasure.org", "code": "m"}}]}`),
		Entry("a quantity below minQuantity once converted (500 m, min 1 km)", `{"linkId": "distance", "answer": [{"valueQuantity": {"value": 500, "system": "http://unitsofmeasure.org", "code": "m"}}]}`),
		Entry("a quantity of another kind than maxQuantity", `{"linkId": "load", "answer": [{"valueQuantity": {"value": 2, "system": "http://unitsofmeasure.org", "code": "[mi_i]"}}]}`),
		Entry("a quantity whose unit is only text", `{"linkId": "load", "answer": [{"valueQuantity": {"value": 2, "unit": "kg"}}]}`),
		Entry("an integer not among the item's answerOptions", `{"linkId": "grade", "answer": [{"valueInteger": 3}]}`),
		Entry("a time not among the item's answerOptions", `{"linkId": "slot", "answer": [{"valueTime": "09:00:00"}]}`),
		Entry("a string not among the item's answerOptions", `{"linkId": "shade", "answer": [{"valueString": "medium"}]}`),
		Entry("a coding of an open choice not among its options", `{"linkId": "country", "answer": [{"valueCoding": {"system": "urn:iso:std:iso:3166", "code": "AU"}}]}`),
		Entry("a unit outside the item's unit value set", `{"linkId": "speed", "answer": [{"valueQuantity": {"value": 3, "system": "http://unitsofmeasure.org", "code": "km/h"}}]}`),
		Entry("a unit without a code where a unit value set applies", `{"linkId": "speed", "answer": [{"valueQuantity": {"value": 3, "unit": "kg"}}]}`),
		Entry("an attachment of another type", `{"linkId": "scan", "answer": [{"valueAttachment": {"contentType": "application/pdf"}}]}`),
		Entry("an attachment larger than maxSize", `{"linkId": "scan", "answer": [{"valueAttachment": {"contentType": "image/png", "data": "aGVsbG8sIHdvcmxkCg=="}}]}`),
		Entry("an exclusive option with another", `{"linkId": "symptoms", "answer": [{"valueCoding": {"system": "http://example.org/s", "code": "none"}}, {"valueCoding": {"system": "http://example.org/s", "code": "cough"}}]}`),
	)

	DescribeTable("accepts an answer within the item's limits",
		func(item string) {
			Expect(questionnaireFindings(validate(e, limitedResponse(item)))).To(BeEmpty())
		},
		Entry("integer in range", `{"linkId": "age", "answer": [{"valueInteger": 120}]}`),
		Entry("one decimal place", `{"linkId": "weight", "answer": [{"valueDecimal": 70.2}]}`),
		Entry("date after minValue", `{"linkId": "visit", "answer": [{"valueDate": "2020-01-01"}]}`),
		Entry("string of the right length and pattern", `{"linkId": "nhs", "answer": [{"valueString": "9434765919"}]}`),
		Entry("answers within min and max occurs", `{"linkId": "names", "answer": [{"valueString": "a"}, {"valueString": "b"}, {"valueString": "c"}]}`),
		Entry("a quantity in an allowed unit", `{"linkId": "height", "answer": [{"valueQuantity": {"value": 180, "system": "http://unitsofmeasure.org", "code": "cm"}}]}`),
		Entry("a quantity within min and max once converted, the boundary included", `{"linkId": "distance", "answer": [{"valueQuantity": {"value": 1000, "system": "http://unitsofmeasure.org", "code": "m"}}]}`),
		Entry("a quantity in the unit of maxQuantity", `{"linkId": "load", "answer": [{"valueQuantity": {"value": 10, "system": "http://unitsofmeasure.org", "code": "kg"}}]}`),
		Entry("an integer, a time and a string among their answerOptions", `{"linkId": "grade", "answer": [{"valueInteger": 2}]}, {"linkId": "slot", "answer": [{"valueTime": "14:00:00"}]}, {"linkId": "shade", "answer": [{"valueString": "dark"}]}`),
		Entry("free text for an open choice", `{"linkId": "country", "answer": [{"valueString": "Aotearoa"}]}`),
		Entry("a unit in the item's unit value set", `{"linkId": "speed", "answer": [{"valueQuantity": {"value": 3, "system": "http://unitsofmeasure.org", "code": "kg"}}]}`),
		Entry("a small image", `{"linkId": "scan", "answer": [{"valueAttachment": {"contentType": "image/png", "data": "aGk="}}]}`),
		Entry("an exclusive option alone", `{"linkId": "symptoms", "answer": [{"valueCoding": {"system": "http://example.org/s", "code": "none"}}]}`),
	)

	It("rejects a required group with no items", func() {
		src := `{"resourceType": "QuestionnaireResponse", "questionnaire": "http://example.org/Questionnaire/limited", "status": "in-progress",
		  "item": [{"linkId": "contact"}]}`
		Expect(questionnaireFindings(validate(e, src))).To(ContainElement(at(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[0]")))
	})
})

// maxDecimalPlaces is one rule wherever it is given: a Questionnaire item's
// extension limits its answers, a profile's element its values; both count
// the digits after the point as the value is written, before any exponent
// (1.5e2 has one), in either format and wherever the resource is placed.
var _ = Describe("maxDecimalPlaces, counted one way on answers and on profiled elements", func() {
	questionnaires := newEngine(decoded(limited))
	guide := guideEngine()
	response := func(value string) string {
		return limitedResponse(`{"linkId": "weight", "answer": [{"valueDecimal": ` + value + `}]}`)
	}
	observation := func(value string) string {
		return `{"resourceType": "Observation", "id": "o1", "meta": {"profile": ["http://example.org/fhir/StructureDefinition/measured-observation"]},
			"identifier": [{"system": "http://example.org/fhir/lab-ids", "value": "AB-1234"}], "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": "2339-0"}]},
			"subject": {"reference": "Patient/p1"}, "valueQuantity": {"value": ` + value + `, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L"}}`
	}
	inBundle := func(res string) string {
		return `{"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "urn:uuid:6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "resource": ` + res + `}]}`
	}
	// places are the decimal-place findings of a document, however it is read
	places := func(e *profile.Engine, src string) []string {
		out := []string{}
		for _, f := range bundleAllFindings(e, src) {
			if strings.Contains(f.Message, "maxDecimalPlaces") {
				out = append(out, f.Severity.String()+" "+f.Path)
			}
		}
		return out
	}
	DescribeTable("one place allowed",
		func(value string, fails bool) {
			for _, c := range []struct {
				e    *profile.Engine
				src  string
				path string
			}{
				{questionnaires, response(value), "QuestionnaireResponse.item[0].answer[0].valueDecimal"},
				{guide, observation(value), "Observation.valueQuantity.value"},
			} {
				for _, doc := range []string{c.src, inFormat("xml", c.src), inBundle(c.src), inFormat("xml", inBundle(c.src))} {
					if fails {
						Expect(places(c.e, doc)).To(ConsistOf("error "+c.path), doc)
					} else {
						Expect(places(c.e, doc)).To(BeEmpty(), doc)
					}
				}
			}
		},
		Entry("none", "70", false),
		Entry("one", "70.2", false),
		Entry("one, with an exponent", "7.5e2", false),
		Entry("one, with a signed upper-case exponent", "7.5E+1", false),
		Entry("two", "70.25", true),
		Entry("two, with a negative exponent", "7.25e-1", true),
	)
})

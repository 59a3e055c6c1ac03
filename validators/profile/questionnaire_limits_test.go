package profile_test

import (
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
		Entry("a small image", `{"linkId": "scan", "answer": [{"valueAttachment": {"contentType": "image/png", "data": "aGk="}}]}`),
		Entry("an exclusive option alone", `{"linkId": "symptoms", "answer": [{"valueCoding": {"system": "http://example.org/s", "code": "none"}}]}`),
	)

	It("rejects a required group with no items", func() {
		src := `{"resourceType": "QuestionnaireResponse", "questionnaire": "http://example.org/Questionnaire/limited", "status": "in-progress",
		  "item": [{"linkId": "contact"}]}`
		Expect(questionnaireFindings(validate(e, src))).To(ContainElement(at(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[0]")))
	})
})

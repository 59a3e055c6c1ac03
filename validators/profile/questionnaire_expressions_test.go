package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// expressive is a Questionnaire whose items use what R4's elements cannot
// say: an enabling FHIRPath expression (SDC enableWhenExpression), reference
// items limited to resource types (questionnaire-referenceResource), and an
// item left at the abstract type question.
const expressive = `{"resourceType": "Questionnaire", "url": "http://example.org/Questionnaire/expressive", "status": "active",
  "item": [
    {"linkId": "smoker", "type": "boolean"},
    {"linkId": "packs", "type": "integer", "extension": [
      {"url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression",
       "valueExpression": {"language": "text/fhirpath", "expression": "%resource.item.where(linkId = 'smoker').answer.value = true"}}]},
    {"linkId": "clinician", "type": "reference", "repeats": true, "extension": [
      {"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-referenceResource", "valueCode": "Practitioner"},
      {"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-referenceResource", "valueCode": "PractitionerRole"}]},
    {"linkId": "anything", "type": "reference"},
    {"linkId": "vague", "type": "question"},
    {"linkId": "gender", "type": "choice", "answerValueSet": "http://hl7.org/fhir/ValueSet/administrative-gender"},
    {"linkId": "country", "type": "string", "answerValueSet": "http://hl7.org/fhir/ValueSet/jurisdiction"}]}`

func expressiveResponse(items string) string {
	return `{"resourceType": "QuestionnaireResponse", "questionnaire": "http://example.org/Questionnaire/expressive", "status": "completed", "item": [` + items + `]}`
}

var _ = Describe("Questionnaire item expressions, reference types and abstract items", func() {
	var e *profile.Engine
	BeforeEach(func() { e = newEngine(decoded(expressive)) })
	const smokes = `{"linkId": "smoker", "answer": [{"valueBoolean": true}]}`
	const abstains = `{"linkId": "smoker", "answer": [{"valueBoolean": false}]}`
	const packs = `{"linkId": "packs", "answer": [{"valueInteger": 2}]}`

	It("enables an item when its enableWhenExpression is true, and refuses an answer when it is false", func() {
		Expect(validate(e, expressiveResponse(smokes+`, `+packs))).To(BeEmpty())
		Expect(validate(e, expressiveResponse(abstains+`, `+packs))).To(ConsistOf(
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[1]", "item 'packs' has an answer, but its enableWhen conditions")))
	})

	It("limits reference answers to the types the item lists, and to resource types FHIR defines", func() {
		clinician := func(ref string) string {
			return `{"linkId": "clinician", "answer": [{"valueReference": {"reference": "` + ref + `"}}]}`
		}
		Expect(validate(e, expressiveResponse(clinician("Practitioner/1")))).To(BeEmpty())
		Expect(validate(e, expressiveResponse(clinician("https://example.org/fhir/PractitionerRole/2/_history/1")))).To(BeEmpty())
		Expect(validate(e, expressiveResponse(clinician("Organization/1")))).To(ConsistOf(
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[0].answer[0].valueReference", "allows only Practitioner, PractitionerRole")))
		Expect(validate(e, expressiveResponse(`{"linkId": "anything", "answer": [{"valueReference": {"reference": "Organization/1"}}]}`))).To(BeEmpty())
		Expect(validate(e, expressiveResponse(`{"linkId": "anything", "answer": [{"valueReference": {"reference": "https://example.org/Chicken/1"}}]}`))).To(ConsistOf(
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[0].answer[0].valueReference", "resource type Chicken, which FHIR does not define")))
	})

	It("refuses answers to an item left at the abstract type question", func() {
		Expect(validate(e, expressiveResponse(`{"linkId": "vague", "answer": [{"valueString": "x"}]}`))).To(ConsistOf(
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[0].answer", "abstract type")))
	})

	It("checks answers against an answerValueSet it can expand, and says so when it cannot", func() {
		gender := func(code string) string {
			return `{"linkId": "gender", "answer": [{"valueCoding": {"system": "http://hl7.org/fhir/administrative-gender", "code": "` + code + `"}}]}`
		}
		Expect(validate(e, expressiveResponse(gender("female")))).To(BeEmpty())
		Expect(validate(e, expressiveResponse(gender("feline")))).To(ConsistOf(
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[0].answer[0].valueCoding", "not in its answerValueSet")))
		Expect(validate(e, expressiveResponse(`{"linkId": "country", "answer": [{"valueString": "Australia"}]}`))).To(ConsistOf(
			saying(model.Warning, profile.CodeAnswerUnchecked, "QuestionnaireResponse.item[0].answer[0].valueString", "cannot expand offline")))
	})
})

package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// seasonal is a Questionnaire in use during 2024, with a one-line string
// question, a multi-line text question and an open choice.
const seasonal = `{"resourceType": "Questionnaire", "id": "seasonal", "url": "http://example.org/Questionnaire/seasonal", "status": "active",
	"effectivePeriod": {"start": "2024-01-01", "end": "2024"}, "item": [
	{"linkId": "name", "text": "Name", "type": "string"},
	{"linkId": "notes", "text": "Notes", "type": "text"},
	{"linkId": "colour", "text": "Colour", "type": "open-choice", "answerOption": [{"valueCoding": {"system": "http://example.org/cs", "code": "red", "display": "Red"}}]}]}`

// seasonalResponse answers it, authored when given, with the answers given.
func seasonalResponse(authored, items string) string {
	a := ""
	if authored != "" {
		a = `"authored": "` + authored + `", `
	}
	return `{"resourceType": "QuestionnaireResponse", "questionnaire": "http://example.org/Questionnaire/seasonal", "status": "in-progress", ` + a + `"item": [` + items + `]}`
}

var _ = Describe("QuestionnaireResponse authored dates and free text", func() {
	e := newEngine(decoded(seasonal))
	findings := func(src string) []model.Finding { return questionnaireFindings(validate(e, src)) }

	DescribeTable("the authored date against the Questionnaire's effective period",
		func(authored string, warned bool) {
			fs := findings(seasonalResponse(authored, ""))
			if warned {
				Expect(fs).To(ConsistOf(at(model.Warning, profile.CodeQuestionnaire, "QuestionnaireResponse.authored")))
			} else {
				Expect(fs).To(BeEmpty())
			}
		},
		Entry("inside it", "2024-06-01T10:00:00Z", false),
		Entry("on its last day (the end's precision is a year)", "2024-12-31T23:00:00Z", false),
		Entry("a month that overlaps its start", "2024-01", false),
		Entry("after its end", "2025-01-01T00:00:01Z", true),
		Entry("before its start", "2023-12-31T23:59:59Z", true),
		Entry("no authored date", "", false),
	)

	DescribeTable("free-text answers",
		func(items string, path string) {
			fs := findings(seasonalResponse("2024-06-01", items))
			if path == "" {
				Expect(fs).To(BeEmpty())
			} else {
				Expect(fs).To(ConsistOf(at(model.Warning, profile.CodeQuestionnaire, path)))
			}
		},
		Entry("a one-line string", `{"linkId": "name", "answer": [{"valueString": "Ann Lee"}]}`, ""),
		Entry("a string holding a line break", `{"linkId": "name", "answer": [{"valueString": "Ann\nLee"}]}`, "QuestionnaireResponse.item[0].answer[0].valueString"),
		Entry("a text answer over several lines", `{"linkId": "notes", "answer": [{"valueString": "line one\r\nline two"}]}`, ""),
		Entry("open-choice text of its own", `{"linkId": "colour", "answer": [{"valueString": "teal"}]}`, ""),
		Entry("open-choice text that is an option's display", `{"linkId": "colour", "answer": [{"valueString": "red"}]}`, "QuestionnaireResponse.item[0].answer[0].valueString"),
		Entry("open-choice text that is an option's code", `{"linkId": "colour", "answer": [{"valueString": "RED"}]}`, "QuestionnaireResponse.item[0].answer[0].valueString"),
	)

	It("reads the same in XML", func() {
		xml := `<QuestionnaireResponse xmlns="http://hl7.org/fhir"><questionnaire value="http://example.org/Questionnaire/seasonal"/><status value="in-progress"/>
			<authored value="2026-02-01"/><item><linkId value="name"/><answer><valueString value="Ann&#10;Lee"/></answer></item></QuestionnaireResponse>`
		Expect(questionnaireFindings(validateXML(e, xml))).To(ConsistOf(
			at(model.Warning, profile.CodeQuestionnaire, "QuestionnaireResponse.authored"),
			at(model.Warning, profile.CodeQuestionnaire, "QuestionnaireResponse.item[0].answer[0].valueString")))
	})
})

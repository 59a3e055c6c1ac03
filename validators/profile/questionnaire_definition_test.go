package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// questionnaireWith is a Questionnaire whose item "q2" is enabled when the
// question named answers true, among items q1 (before), q3 (after) and
// q2/inner (inside q2).
func questionnaireWith(question string) string {
	return `{"resourceType": "Questionnaire", "id": "q", "url": "http://example.org/Questionnaire/q", "status": "active", "item": [
		{"linkId": "q1", "text": "a", "type": "boolean"},
		{"linkId": "q2", "text": "b", "type": "group", "enableWhen": [{"question": "` + question + `", "operator": "=", "answerBoolean": true}],
		 "item": [{"linkId": "q2/inner", "text": "c", "type": "boolean"}]},
		{"linkId": "q3", "text": "d", "type": "boolean"}]}`
}

var _ = Describe("Questionnaire enableWhen targets", func() {
	e := newEngine()
	const at0 = "Questionnaire.item[1].enableWhen[0].question"

	It("accepts a condition on an earlier question", func() {
		Expect(questionnaireFindings(validate(e, questionnaireWith("q1")))).To(BeEmpty())
	})

	DescribeTable("rejects a condition on a question that cannot enable the item",
		func(question string) {
			Expect(questionnaireFindings(validate(e, questionnaireWith(question)))).To(ConsistOf(at(model.Error, profile.CodeQuestionnaire, at0)))
		},
		Entry("a question the Questionnaire does not have", "q9"),
		Entry("the item itself", "q2"),
		Entry("a question inside the item", "q2/inner"),
	)

	It("warns about a condition on a later question", func() {
		Expect(questionnaireFindings(validate(e, questionnaireWith("q3")))).To(ConsistOf(at(model.Warning, profile.CodeQuestionnaire, at0)))
	})
})

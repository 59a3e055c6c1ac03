package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// A Coding answer is validated against its item's answerValueSet as a whole
// Coding, as the reference validator asks its terminology service to: a
// display that is not the code's makes the answer fail the value set.
var _ = Describe("the display of a Coding answer in an answerValueSet", func() {
	var e *profile.Engine
	BeforeEach(func() { e = newEngine(decoded(expressive)) })
	gender := func(coding string) string {
		return expressiveResponse(`{"linkId": "gender", "answer": [{"valueCoding": ` + coding + `}]}`)
	}
	const at = "QuestionnaireResponse.item[0].answer[0].valueCoding"

	DescribeTable("refuses a display that is not the code's",
		func(coding string) {
			Expect(validate(e, gender(coding))).To(ConsistOf(saying(model.Error, profile.CodeQuestionnaire, at, "is not a valid member of its answerValueSet")))
		},
		Entry("another concept's display", `{"system": "http://hl7.org/fhir/administrative-gender", "code": "female", "display": "Male"}`),
		Entry("a display naming something else", `{"system": "http://hl7.org/fhir/administrative-gender", "code": "other", "display": "Australia"}`),
	)

	DescribeTable("accepts the code's display, or none",
		func(coding string) {
			Expect(validate(e, gender(coding))).To(BeEmpty())
		},
		Entry("the display", `{"system": "http://hl7.org/fhir/administrative-gender", "code": "female", "display": "Female"}`),
		Entry("the display in another case", `{"system": "http://hl7.org/fhir/administrative-gender", "code": "female", "display": "female"}`),
		Entry("no display", `{"system": "http://hl7.org/fhir/administrative-gender", "code": "unknown"}`),
	)

	It("judges only answers in the value set: one outside it is refused for its code alone", func() {
		Expect(validate(e, gender(`{"system": "http://hl7.org/fhir/administrative-gender", "code": "feline", "display": "Cat"}`))).To(ConsistOf(
			saying(model.Error, profile.CodeQuestionnaire, at, "not in its answerValueSet")))
	})
})

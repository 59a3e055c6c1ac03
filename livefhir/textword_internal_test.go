package livefhir

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The :text probe searches with the first word of a token's text; the judge
// (fhirsearch) matches :text from the text's first character, so a text
// that starts with a space offers no word: a good server returning the
// resource would otherwise be judged a mismatch.
var _ = DescribeTable("the word a :text probe searches with",
	func(concept map[string]any, want string) {
		Expect(textWord([]any{concept})).To(Equal(want))
	},
	Entry("the first word of the text", map[string]any{"text": "Blood pressure"}, "Blood"),
	Entry("a display when there is no text", map[string]any{"coding": []any{map[string]any{"display": "Heart rate"}}}, "Heart"),
	Entry("none from a text starting with a space", map[string]any{"text": " Blood pressure"}, ""),
	Entry("none shorter than three letters", map[string]any{"text": "BP reading"}, ""),
)

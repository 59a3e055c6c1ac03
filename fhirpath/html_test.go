package fhirpath_test

import (
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhirpath"
)

var _ = Describe("htmlChecks() and htmlChecks2() on a narrative", func() {
	narrative := func(div string) map[string]any {
		return decode(`{"resourceType": "Patient", "text": {"status": "generated", "div": ` + strconv.Quote(div) + `}}`)
	}

	DescribeTable("txt-1 (allowed elements and attributes) and txt-2 (some content)",
		func(div string, names, content bool) {
			p := narrative(div)
			Expect(eval("text.div.htmlChecks()", p)).To(Equal([]any{names}), div)
			Expect(eval("text.div.htmlChecks2()", p)).To(Equal([]any{content}), div)
		},
		Entry("basic formatting", `<div xmlns="http://www.w3.org/1999/xhtml"><p>Ann <b>Smith</b></p></div>`, true, true),
		Entry("a script", `<div xmlns="http://www.w3.org/1999/xhtml">x<script>alert(1)</script></div>`, false, true),
		Entry("an event attribute", `<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="x()">x</p></div>`, false, true),
		Entry("only whitespace", `<div xmlns="http://www.w3.org/1999/xhtml"> <p> </p> </div>`, true, false),
		Entry("not well-formed", `<div xmlns="http://www.w3.org/1999/xhtml"><p>x</div>`, false, false),
	)

	It("is empty without a narrative and refuses what is not one", func() {
		Expect(eval("text.div.htmlChecks()", decode(`{"resourceType": "Patient"}`))).To(BeEmpty())
		_, err := fhirpath.MustCompile("text.htmlChecks()").Evaluate(nil, narrative(`<div xmlns="http://www.w3.org/1999/xhtml">x</div>`))
		Expect(err).To(MatchError(ContainSubstring("htmlChecks() needs the XHTML of a narrative")))
	})
})

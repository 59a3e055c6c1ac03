package fhirpath_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhirpath"
)

var _ = Describe("the evaluation budget", func() {
	pat := map[string]any{"resourceType": "Patient", "id": "x", "name": []any{map[string]any{"given": []any{"a", "b"}}}}

	DescribeTable("stops an expression that asks for exponential work with an error, not exhausted memory",
		func(expr, want string) {
			e, err := fhirpath.Compile(expr)
			Expect(err).NotTo(HaveOccurred())
			_, err = e.Evaluate(nil, pat)
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("a string doubled each round", "id.repeat($this & $this)", "computed string"),
		Entry("a collection grown forever", "id.repeat($this & 'a')", "evaluation stopped after 2000000 steps"),
	)

	It("leaves ordinary expressions alone", func() {
		e := fhirpath.MustCompile("name.given.count() = 2 and id.length() = 1 and descendants().count() > 0")
		out, err := e.Evaluate(nil, pat)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(Equal([]any{true}))
	})
})

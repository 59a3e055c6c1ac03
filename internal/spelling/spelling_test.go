package spelling_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/spelling"
)

var _ = Describe("spelling suggestions", func() {
	DescribeTable("edit distance",
		func(a, b string, want int) { Expect(spelling.Distance(a, b)).To(Equal(want)) },
		Entry("equal", "Patient", "Patient", 0),
		Entry("one substitution", "Patiant", "Patient", 1),
		Entry("one deletion", "Patent", "Patient", 1),
		Entry("transposition counts twice", "Ptaient", "Patient", 2),
		Entry("from empty", "", "abc", 3),
	)

	It("suggests the nearest candidate within the limit, the first of equals, and nothing beyond", func() {
		types := []string{"Observation", "Patient", "Practitioner"}
		Expect(spelling.Closest("Pateint", types, 2)).To(Equal("Patient"))
		Expect(spelling.Closest("Observaton", types, 2)).To(Equal("Observation"))
		Expect(spelling.Closest("Medication", types, 2)).To(BeEmpty())
		Expect(spelling.Closest("ab", []string{"ax", "ay"}, 1)).To(Equal("ax"))
	})
})

package fhir_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
)

var _ = Describe("numbers a FHIR format can exchange", func() {
	DescribeTable("NumberProblem",
		func(n string, outside bool) {
			if outside {
				Expect(fhir.NumberProblem(n)).To(ContainSubstring("outside the range"))
			} else {
				Expect(fhir.NumberProblem(n)).To(BeEmpty())
			}
		},
		Entry("a plain decimal", "-12.50", false),
		Entry("300 digits without an exponent (the plain fast path's longest)", strings.Repeat("9", 300), false),
		Entry("308 digits: below the largest double", strings.Repeat("9", 308), false),
		Entry("309 digits: past the largest double", strings.Repeat("9", 309), true),
		Entry("309 digits after a fraction point are tiny, not out of range", "0."+strings.Repeat("0", 308)+"1", false),
		Entry("an exponent within range", "1.5e300", false),
		Entry("an exponent past the largest double", "1e309", true),
		Entry("a negative number past the largest double", "-"+strings.Repeat("9", 400), true),
	)
})

package ucum_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/terminology/ucum"
)

var _ = Describe("parsing", func() {
	DescribeTable("valid expressions reduce to their dimension",
		func(expr, dim string) {
			u, err := ucum.Parse(expr)
			Expect(err).NotTo(HaveOccurred())
			Expect(u.DimensionText()).To(Equal(dim))
		},
		Entry(nil, "mg/dL", "m-3.g"),
		Entry(nil, "10*3/uL", "m-3"),
		Entry(nil, "10^9/L", "m-3"),
		Entry(nil, "mm[Hg]", "m-1.s-2.g"),
		Entry(nil, "/min", "s-1"),
		Entry(nil, "{score}", "1"),
		Entry(nil, "{beats}/min", "s-1"),
		Entry(nil, "%", "1"),
		Entry(nil, "%{HbA1c}", "1"),
		Entry(nil, "kg/m2", "m-2.g"),
		Entry(nil, "mL/min/{1.73_m2}", "m3.s-1"),
		Entry(nil, "g.m-2", "m-2.g"),
		Entry(nil, "Cel", "K"),
		Entry(nil, "[degF]", "K"),
		Entry(nil, "[IU]/L", "m-3.[iU]"),
		Entry(nil, "ug/(kg.min)", "s-1"),
		Entry(nil, "cm[H2O]", "m-1.s-2.g"),
		Entry(nil, "[lb_av]", "g"),
		Entry(nil, "mmol/mol", "1"),
		Entry(nil, "kPa", "m-1.s-2.g"),
		Entry(nil, "1/min", "s-1"),
		Entry(nil, "B[10.nV]", "1"),
	)

	DescribeTable("invalid expressions fail with a reason",
		func(expr, reason string) {
			_, err := ucum.Parse(expr)
			Expect(err).To(MatchError(ContainSubstring(reason)))
		},
		Entry("a common mistake, with a hint", "mmHg", "UCUM writes mm[Hg]"),
		Entry("beats per minute", "bpm", "UCUM writes /min"),
		Entry("case matters", "KG", "unknown unit"),
		Entry("a prefix on a non-metric unit", "kmin", `unknown unit "kmin"`),
		Entry("a doubled operator", "mg//dL", "a unit is missing"),
		Entry("a trailing operator", "mg/", "a unit is missing at the end"),
		Entry("an open parenthesis", "(mg", "missing )"),
		Entry("a tab in an annotation", "{a\tb}", "not allowed in an annotation"),
		Entry("a non-ASCII annotation", "{°}", "not allowed in an annotation"),
		Entry("an unclosed annotation", "mg{abc", "not closed"),
		Entry("a space", "mg /dL", "not allowed"),
		Entry("empty", "", "empty unit"),
		Entry("unbalanced brackets", "mm[Hg", "unbalanced"),
	)
})

var _ = Describe("comparing and converting", func() {
	It("compares kinds of quantity", func() {
		for _, pair := range [][2]string{{"kg", "[lb_av]"}, {"mg/dL", "g/L"}, {"/min", "{beats}/min"}, {"Cel", "[degF]"}, {"mm[Hg]", "kPa"}, {"10*3/uL", "10*9/L"}} {
			ok, err := ucum.Comparable(pair[0], pair[1])
			Expect(err).NotTo(HaveOccurred())
			Expect(ok).To(BeTrue(), pair[0]+" ~ "+pair[1])
		}
		for _, pair := range [][2]string{{"kg", "/min"}, {"mg/dL", "mmol/L"}, {"[IU]/L", "U/L"}, {"cm", "%"}} {
			ok, err := ucum.Comparable(pair[0], pair[1])
			Expect(err).NotTo(HaveOccurred())
			Expect(ok).To(BeFalse(), pair[0]+" !~ "+pair[1])
		}
		_, err := ucum.Comparable("kg", "kgs")
		Expect(err).To(MatchError(ContainSubstring(`"kgs"`)))
	})

	It("converts ratio units and refuses the rest", func() {
		v, err := ucum.Convert(1, "[lb_av]", "kg")
		Expect(err).NotTo(HaveOccurred())
		Expect(v).To(BeNumerically("~", 0.45359237, 1e-9))
		v, err = ucum.Convert(100, "mg/dL", "g/L")
		Expect(err).NotTo(HaveOccurred())
		Expect(v).To(BeNumerically("~", 1, 1e-9))
		v, _ = ucum.Convert(760, "mm[Hg]", "kPa")
		Expect(v).To(BeNumerically("~", 101.325, 0.01))
		_, err = ucum.Convert(37, "Cel", "[degF]")
		Expect(err).To(MatchError(ContainSubstring("not a ratio unit")))
		_, err = ucum.Convert(1, "kg", "m")
		Expect(err).To(MatchError(ContainSubstring("not comparable")))
	})
})

package tables_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/validators/tables"
)

var _ = Describe("values", func() {
	It("matches code-list values ignoring case and punctuation, giving the canonical label", func() {
		cl, err := tables.NewCodeList([]string{"NFA - Moved to another LA", "Physical Support: Access & mobility only"})
		Expect(err).NotTo(HaveOccurred())
		l, ok := cl.Match("nfa moved to another la")
		Expect(ok).To(BeTrue())
		Expect(l).To(Equal("NFA - Moved to another LA"))
		l, ok = cl.Match("PHYSICAL SUPPORT - ACCESS AND MOBILITY ONLY")
		Expect(ok).To(BeFalse(), "'and' is a different word from '&'")
		_, ok = cl.Match("Physical support access & mobility only")
		Expect(ok).To(BeTrue())
		_, err = tables.NewCodeList([]string{"Carer", "CARER"})
		Expect(err).To(MatchError(ContainSubstring("differ only in case")))
	})

	DescribeTable("dates",
		func(s string, valid bool, format string, partial bool) {
			fs, err := tables.ParseDateFormats(nil)
			Expect(err).NotTo(HaveOccurred())
			_, name, ok := tables.ParseDate(s, fs)
			Expect(ok).To(Equal(valid))
			Expect(name).To(Equal(format))
			Expect(tables.IsPartialDate(s)).To(Equal(partial))
		},
		Entry("ISO", "2025-04-01", true, "YYYY-MM-DD", false),
		Entry("day first", "01/04/2025", true, "DD/MM/YYYY", false),
		Entry("29 February in a leap year", "2024-02-29", true, "YYYY-MM-DD", false),
		Entry("29 February otherwise", "2025-02-29", false, "", false),
		Entry("31 April", "31/04/2025", false, "", false),
		Entry("year and month", "1950-03", false, "", true),
		Entry("month and year", "03/1950", false, "", true),
		Entry("year only", "1950", false, "", true),
		Entry("zero day", "1950-03-00", false, "", true),
		Entry("text", "unknown", false, "", false),
	)

	It("refuses date formats it cannot read", func() {
		_, err := tables.ParseDateFormats([]string{"YYYY/DD/MM"})
		Expect(err).To(MatchError(ContainSubstring("YYYY/DD/MM")))
	})

})

var _ = Describe("SameLabel", func() {
	DescribeTable("compares as Normalize does",
		func(a, b string) {
			Expect(tables.SameLabel(a, b)).To(Equal(tables.Normalize(a) == tables.Normalize(b)))
		},
		Entry("equal", "Service", "Service"),
		Entry("case", "service user", "Service User"),
		Entry("punctuation", "NFA-Moved to another LA", "nfa moved to another la"),
		Entry("prefix only", "Service", "Services"),
		Entry("longer first", "Services", "Service"),
		Entry("empty and punctuation", "", " - "),
		Entry("empty and text", "", "a"),
		Entry("accents", "Médecins", "medecins"),
		Entry("accents equal", "Médecins", "MÉDECINS"),
		Entry("digits", "NFA - 100% NHS", "nfa 100 nhs"),
	)
})

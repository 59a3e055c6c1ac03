package fhirsearch_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhirsearch"
)

var _ = Describe("result parameters", func() {
	obs := func(id, when string) map[string]any {
		return resource(`{"resourceType":"Observation","id":"` + id + `","status":"final","code":{"text":"x"},"effectiveDateTime":"` + when + `"}`)
	}

	DescribeTable("Compare orders by one _sort rule",
		func(rule, a, b string, want int) {
			c, err := fhirsearch.Compare("Observation", rule, obs("a", a), obs("b", b))
			Expect(err).NotTo(HaveOccurred())
			Expect(c).To(Equal(want))
		},
		Entry("ascending, earlier first", "date", "2024-01-01", "2025-01-01", -1),
		Entry("descending, later first", "-date", "2024-01-01", "2025-01-01", 1),
		Entry("precision: a year starts before its days", "date", "2024", "2024-03-01", -1),
		Entry("descending uses the end of the range: 2024 ends after March", "-date", "2024", "2024-03-01", -1),
		Entry("equal values are not told apart", "date", "2024-01-01", "2024-01-01", 0),
		Entry("a missing value is not told apart", "date", "", "2024-01-01", 0),
	)

	It("refuses a parameter it does not know, and sorts by rules in priority order", func() {
		_, err := fhirsearch.Compare("Observation", "-colour", nil, nil)
		Expect(err).To(MatchError(ContainSubstring(`unknown search parameter "colour"`)))
		list := []map[string]any{obs("c", "2025-01-01"), obs("a", "2024-01-01"), obs("b", "2025-01-01")}
		Expect(fhirsearch.Sort("Observation", "-date,_id", list)).To(Succeed())
		Expect([]any{list[0]["id"], list[1]["id"], list[2]["id"]}).To(Equal([]any{"b", "c", "a"}))
	})

	DescribeTable("Compare orders a quantity by its value, then its unit",
		func(rule, a, b string, want int) {
			quantity := func(id, q string) map[string]any {
				return resource(`{"resourceType":"Observation","id":"` + id + `","status":"final","code":{"text":"x"}` + q + `}`)
			}
			c, err := fhirsearch.Compare("Observation", rule, quantity("a", a), quantity("b", b))
			Expect(err).NotTo(HaveOccurred())
			Expect(c).To(Equal(want))
		},
		Entry("by number, not as text: 9 before 10", "value-quantity", `,"valueQuantity":{"value":9,"code":"mg"}`, `,"valueQuantity":{"value":10,"code":"mg"}`, -1),
		Entry("descending", "-value-quantity", `,"valueQuantity":{"value":9,"code":"mg"}`, `,"valueQuantity":{"value":10,"code":"mg"}`, 1),
		Entry("decimals and negatives", "value-quantity", `,"valueQuantity":{"value":-0.5}`, `,"valueQuantity":{"value":-0.25}`, -1),
		Entry("the same value written to another precision", "value-quantity", `,"valueQuantity":{"value":1.50,"code":"mg"}`, `,"valueQuantity":{"value":1.5,"code":"mg"}`, 0),
		Entry("equal values by unit code, not converted", "value-quantity", `,"valueQuantity":{"value":5,"code":"mg"}`, `,"valueQuantity":{"value":5,"code":"g"}`, 1),
		Entry("the unit text where there is no code", "value-quantity", `,"valueQuantity":{"value":5,"unit":"a"}`, `,"valueQuantity":{"value":5,"unit":"b"}`, -1),
		Entry("a quantity without a value is not told apart", "value-quantity", `,"valueQuantity":{"code":"mg"}`, `,"valueQuantity":{"value":5,"code":"mg"}`, 0),
		Entry("nor a resource without one", "value-quantity", ``, `,"valueQuantity":{"value":5,"code":"mg"}`, 0),
	)

	It("knows mandatory and summary elements from the core definitions", func() {
		Expect(fhirsearch.Mandatory("Observation")).To(ContainElements("status", "code"))
		Expect(fhirsearch.Mandatory("Patient")).To(BeEmpty())
		Expect(fhirsearch.ElementName("Observation", "valueQuantity")).To(Equal("value"))
		Expect(fhirsearch.IsChoice("Observation", "valueQuantity")).To(BeTrue())
		Expect(fhirsearch.ElementName("Patient", "colour")).To(BeEmpty())
	})

	It("subsets as _elements and _summary ask, keeping mandatory elements and tagging SUBSETTED", func() {
		o := resource(`{"resourceType":"Observation","id":"o","meta":{"versionId":"1"},"status":"final","code":{"text":"x"},
		  "text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"},"note":[{"text":"n"}],"valueQuantity":{"value":1}}`)
		e := fhirsearch.Elements(o, []string{"value"})
		Expect(e).To(HaveKey("valueQuantity"))
		Expect(e).To(HaveKey("status"))
		Expect(e).To(HaveKey("code"))
		Expect(e).NotTo(HaveKey("note"))
		Expect(fhirsearch.IsSubsetted(e)).To(BeTrue())
		Expect(fhirsearch.IsSubsetted(o)).To(BeFalse(), "the original is left alone")

		s, err := fhirsearch.Summary(o, "true")
		Expect(err).NotTo(HaveOccurred())
		Expect(s).To(HaveKey("valueQuantity")) // Observation.value[x] is a summary element
		Expect(s).NotTo(HaveKey("note"))
		Expect(s).NotTo(HaveKey("text"))
		Expect(fhirsearch.IsSubsetted(s)).To(BeTrue())
		d, err := fhirsearch.Summary(o, "data")
		Expect(err).NotTo(HaveOccurred())
		Expect(d).NotTo(HaveKey("text"))
		Expect(d).To(HaveKey("note"))
		whole, err := fhirsearch.Summary(o, "false")
		Expect(err).NotTo(HaveOccurred())
		Expect(fhirsearch.IsSubsetted(whole)).To(BeFalse())
		_, err = fhirsearch.Summary(o, "brief")
		Expect(err).To(HaveOccurred())
		Expect(fhirsearch.Holds(s, "value")).To(BeTrue())
		Expect(fhirsearch.Holds(s, "note")).To(BeFalse())
	})
})

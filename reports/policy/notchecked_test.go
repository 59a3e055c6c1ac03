package policy_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/policy"
)

// graded is a SHALL result graded by its tally, as the runner grades it,
// from records each carrying the findings given.
func graded(req string, level model.Level, records ...[]model.Finding) model.Result {
	t := model.NewTally(0)
	for _, fs := range records {
		t.Observe(fs)
	}
	r := result("fhir-r4-terminology", req, level, "")
	r.Outcome, r.Message = t.Grade()
	r.Tally = *t
	return r
}

var _ = Describe("a SHALL requirement no record of which was judged", func() {
	undecided := []model.Finding{{Severity: model.Information, Code: "terminology.not-checked",
		Message: "code system S is not held", Undecided: true}}
	judged := graded("TERM-01", model.Shall, nil, nil)
	unjudged := graded("TERM-02", model.Shall, undecided, undecided)
	partly := graded("TERM-03", model.Shall, undecided, nil)

	It("is a skip, not a pass", func() {
		Expect(unjudged.Outcome).To(Equal(model.Skip))
		Expect(unjudged.Message).To(HavePrefix("not checked: 2 record(s)"))
		Expect(partly.Outcome).To(Equal(model.Pass))
		Expect(partly.Message).To(HavePrefix("1 record(s) checked, 1 not checked"))
	})

	It("never leaves the default policy's Certified silent about it", func() {
		v := policy.AllShall{}.Decide(report(judged, unjudged, partly))
		Expect(v.Decision).To(Equal(model.Certified), "carecert's limit is not the supplier's failure")
		Expect(v.Reasons[0]).To(ContainSubstring("1 SHALL result(s) were not checked"))
		Expect(v.Reasons).To(ContainElement(HavePrefix("not decisive: SHALL fhir-r4-terminology/TERM-02 (TERM-02 title) on feed was not checked: not checked: 2 record(s)")))
		Expect(v.Breaches).To(HaveExactElements(MatchFields(IgnoreExtras, Fields{
			"Rule": Equal(-1), "Effect": Equal(model.NotDecisive), "Requirement": Equal("TERM-02"), "Outcome": Equal(model.Skip),
			"Measure": Equal("records not checked"), "Numerator": Equal(int64(2)), "Denominator": Equal(int64(2))})))
		Expect(policy.AllShall{}.Decide(report(judged, partly)).Reasons).To(Equal([]string{"every SHALL requirement passed on every target"}))
	})

	It("is said by a rules policy too, and blocks where the policy requires SHALL requirements exercised", func() {
		v := build("rules:\n  - require: all-pass\n    level: SHALL\n").Decide(report(judged, unjudged))
		Expect(v.Decision).To(Equal(model.Certified))
		Expect(v.Reasons).To(ContainElement(HavePrefix("not decisive: SHALL fhir-r4-terminology/TERM-02")))
		v = build("rules:\n  - require: all-pass\n    level: SHALL\n  - require: exercised\n    level: SHALL\n").Decide(report(judged, unjudged))
		Expect(v.Decision).To(Equal(model.NotCertified))
		Expect(v.Reasons[0]).To(HavePrefix("SHALL fhir-r4-terminology/TERM-02 (TERM-02 title) was not exercised: skip on feed (not checked: 2 record(s)"))
	})

	It("gives no evidence when it is the only requirement", func() {
		v := policy.AllShall{}.Decide(report(unjudged))
		Expect(v.Decision).To(Equal(model.NotCertified))
		Expect(v.Reasons).To(ContainElement("no evidence: no requirement evaluated anything (every result is skip)"))
	})

	It("leaves a SHOULD requirement not checked out of the verdict's lines", func() {
		should := graded("TERM-04", model.Should, undecided)
		Expect(should.Outcome).To(Equal(model.Skip))
		Expect(policy.NotChecked(report(judged, should))).To(BeEmpty())
	})
})

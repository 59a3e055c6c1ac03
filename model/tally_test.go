package model_test

import (
	"encoding/json"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
)

func finding(file string, line int, sev model.Severity) model.Finding {
	return model.Finding{Severity: sev, Requirement: "R1", Code: "x", Message: "m", Location: model.Location{File: file, Line: line}}
}

var _ = Describe("Tally", func() {
	It("counts records, failing records and findings by severity", func() {
		t := model.NewTally(10)
		t.Observe(nil)
		t.Observe([]model.Finding{finding("a", 1, model.Error), finding("a", 1, model.Warning)})
		t.Observe([]model.Finding{finding("a", 2, model.Warning)})
		Expect(t.Evaluated).To(Equal(int64(3)))
		Expect(t.Failing).To(Equal(int64(1)))
		Expect(t.Errors).To(Equal(int64(1)))
		Expect(t.Warnings).To(Equal(int64(2)))
		outcome, _ := t.Grade()
		Expect(outcome).To(Equal(model.Fail))
	})

	It("keeps the same bounded sample however the work was split", func() {
		whole := model.NewTally(5)
		parts := []*model.Tally{model.NewTally(5), model.NewTally(5), model.NewTally(5)}
		for i := 100; i > 0; i-- {
			f := []model.Finding{finding(fmt.Sprintf("f%02d", i%7), i, model.Error)}
			whole.Observe(f)
			parts[i%3].Observe(f)
		}
		merged := model.NewTally(5)
		for _, p := range []*model.Tally{parts[2], parts[0], parts[1]} {
			merged.Merge(p)
		}
		Expect(merged.Sample()).To(Equal(whole.Sample()))
		Expect(merged.Sample()).To(HaveLen(5))
		Expect(merged.Dropped).To(Equal(int64(95)))
		Expect(merged.Errors).To(Equal(whole.Errors))
		Expect(merged.Sample()[0].File).To(Equal("f00"))
	})

	It("adds measures by name and survives a JSON round trip", func() {
		a, b := model.NewTally(0), model.NewTally(0)
		a.Measure("complete", 3, 4)
		b.Measure("complete", 1, 4)
		b.Measure("accurate", 2, 2)
		a.Merge(b)
		m, ok := a.Lookup("complete")
		Expect(ok).To(BeTrue())
		Expect(m.Rate()).To(Equal(0.5))
		data, err := json.Marshal(a)
		Expect(err).NotTo(HaveOccurred())
		var back model.Tally
		Expect(json.Unmarshal(data, &back)).To(Succeed())
		Expect(back.Measures).To(Equal(a.Measures))
		Expect(back.Measures[0].Name).To(Equal("accurate"))
	})

	It("grades an empty tally as skipped", func() {
		outcome, msg := model.NewTally(0).Grade()
		Expect(outcome).To(Equal(model.Skip))
		Expect(msg).To(ContainSubstring("no applicable"))
	})
})

var _ = Describe("Severity", func() {
	It("parses the names suites use and rejects others", func() {
		for in, want := range map[string]model.Severity{"error": model.Error, "WARN": model.Warning, "info": model.Information} {
			got, err := model.ParseSeverity(in)
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(Equal(want))
		}
		_, err := model.ParseSeverity("catastrophic")
		Expect(err).To(MatchError(ContainSubstring(`unknown severity "catastrophic"`)))
	})
})

var _ = Describe("Outcome", func() {
	It("ranks outcomes from best to worst", func() {
		order := []model.Outcome{model.Skip, model.Pass, model.Warn, model.Fail, model.Errored}
		for i := 1; i < len(order); i++ {
			Expect(order[i].Rank()).To(BeNumerically(">", order[i-1].Rank()), string(order[i]))
		}
		Expect(model.Outcome("maybe").Rank()).To(Equal(-1))
	})
})

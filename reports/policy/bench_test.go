package policy_test

import (
	"fmt"
	"testing"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/policy"
)

// BenchmarkDecide grades a report of 1,000 results with measures and waivers.
func BenchmarkDecide(b *testing.B) {
	min := 90.0
	p, err := policy.Config{
		Rules: []policy.RuleConfig{
			{Require: "all-pass", Level: model.Shall},
			{Require: "pass-rate", Level: model.Should, Min: &min, Otherwise: "conditional"},
			{Require: "measure", Measure: "completeness:*", Min: &min, Otherwise: "conditional"},
		},
		Waivers: []policy.Waiver{{Requirement: "R-0007", Justification: "j", Expires: "2030-01-01"}},
	}.Build()
	if err != nil {
		b.Fatal(err)
	}
	rep := &model.Report{AsOf: "2026-01-01", Complete: true}
	t := model.TargetRun{Name: "feed"}
	for i := 0; i < 1000; i++ {
		level := []model.Level{model.Shall, model.Should, model.May}[i%3]
		outcome := []model.Outcome{model.Pass, model.Fail, model.Warn, model.Pass}[i%4]
		r := model.Result{Suite: "s", Requirement: fmt.Sprintf("R-%04d", i), Level: level, Outcome: outcome}
		r.Measures = []model.Measure{{Name: "completeness:Patient.birthDate", Numerator: int64(i % 100), Denominator: 100}}
		t.Results = append(t.Results, r)
	}
	rep.Targets = []model.TargetRun{t}
	b.ResetTimer()
	for b.Loop() {
		p.Decide(rep)
	}
}

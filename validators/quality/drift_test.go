package quality_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
)

// genders returns patients with the given counts of each gender.
func genders(counts map[string]int) []*model.Record {
	var lines []string
	for _, g := range []string{"female", "male", "other", "unknown"} {
		for i := 0; i < counts[g]; i++ {
			lines = append(lines, fmt.Sprintf(`{"resourceType":"Patient","id":"%s-%d","gender":"%s"}`, g, i, g))
		}
	}
	return records(lines...)
}

// baselineFile writes a report whose R1 result holds a drift distribution.
func baselineFile(counts map[string]int64) string {
	t := model.NewTally(0)
	var total int64
	for _, n := range counts {
		total += n
	}
	for k, n := range counts {
		t.Measure("dq.drift.current:"+k, n, total)
	}
	rep := model.Report{Schema: model.ReportSchemaVersion, Targets: []model.TargetRun{{Name: "feed", Results: []model.Result{
		{Suite: "s", Requirement: "R1", Check: "dq-drift", Tally: *t},
		{Suite: "s", Requirement: "R2", Check: "dq-drift"},
	}}}}
	data, err := json.Marshal(rep)
	Expect(err).NotTo(HaveOccurred())
	path := filepath.Join(GinkgoT().TempDir(), "report.json")
	Expect(os.WriteFile(path, data, 0o644)).To(Succeed())
	return path
}

var _ = Describe("drift against a baseline", func() {
	base := map[string]int64{"female": 480, "male": 470, "unknown": 50}

	It("passes a stable distribution and fails a shifted one, by PSI", func() {
		path := baselineFile(base)
		_, o, msg := run("dq-drift", params.Params{"element": "Patient.gender", "baseline": path},
			genders(map[string]int{"female": 250, "male": 240, "unknown": 30}))
		Expect(o).To(Equal(model.Pass), msg)
		Expect(msg).To(HavePrefix("population stability index 0.00"))

		t, o, msg := run("dq-drift", params.Params{"element": "Patient.gender", "baseline": path},
			genders(map[string]int{"female": 100, "male": 300, "other": 40, "unknown": 60}))
		Expect(o).To(Equal(model.Fail), msg)
		// Both distributions are in the tally: grading needs nothing else.
		m, _ := t.Lookup("dq.drift.baseline:female")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{480, 1000}))
		m, _ = t.Lookup("dq.drift.current:other")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{40, 500}))
	})

	It("grades by chi-square p-value when asked", func() {
		path := baselineFile(base)
		_, o, msg := run("dq-drift", params.Params{"element": "Patient.gender", "baseline": path, "method": "chi-square"},
			genders(map[string]int{"female": 48, "male": 47, "unknown": 5}))
		Expect(o).To(Equal(model.Pass), msg)
		Expect(msg).To(ContainSubstring("2 degree(s) of freedom"))
		_, o, msg = run("dq-drift", params.Params{"element": "Patient.gender", "baseline": path, "method": "chi-square"},
			genders(map[string]int{"female": 300, "male": 200, "unknown": 50}))
		Expect(o).To(Equal(model.Fail), msg)
	})

	It("bins numeric values", func() {
		recs := records(
			`{"resourceType":"Observation","id":"a","valueQuantity":{"value":5}}`,
			`{"resourceType":"Observation","id":"b","valueQuantity":{"value":10}}`,
			`{"resourceType":"Observation","id":"c","valueQuantity":{"value":250}}`,
		)
		t, o, _ := run("dq-drift", params.Params{"element": "Observation.valueQuantity.value", "bins": []any{10, 100}}, recs)
		Expect(o).To(Equal(model.Skip))
		var names []string
		for _, m := range t.Measures {
			names = append(names, fmt.Sprintf("%s=%d", m.Name, m.Numerator))
		}
		Expect(names).To(Equal([]string{"dq.drift.current:(-inf,10)=1", "dq.drift.current:[10,100)=1", "dq.drift.current:[100,+inf)=1"}))
	})

	It("skips, saying why, when the baseline lacks the requirement", func() {
		path := baselineFile(nil)
		_, o, msg := run("dq-drift", params.Params{"element": "Patient.gender", "baseline": path}, genders(map[string]int{"male": 3}))
		Expect(o).To(Equal(model.Skip))
		Expect(msg).To(ContainSubstring("has no result for R1"))
	})

	It("rejects a file that is not a carecert report", func() {
		path := filepath.Join(GinkgoT().TempDir(), "report.json")
		Expect(os.WriteFile(path, []byte(`{"resourceType":"Bundle"`), 0o644)).To(Succeed())
		Expect(compileErr("dq-drift", params.Params{"element": "Patient.gender", "baseline": path})).
			To(MatchError(ContainSubstring("not a carecert report.json")))
	})

	It("takes the vendor's previous report from the plan's baseline folder", func() {
		first := runPlan(11, 1004, nil, "", "dq-core")
		out := GinkgoT().TempDir()
		data, err := json.Marshal(first)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.MkdirAll(filepath.Join(out, "acme"), 0o755)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(out, "acme", "report.json"), data, 0o644)).To(Succeed())

		p := &runner.Plan{Baseline: out, Dir: "."}
		Expect(p.BaselineFor(runner.VendorPlan{Name: "Acme"})).To(Equal(filepath.Join(out, "acme", "report.json")))
		Expect(p.BaselineFor(runner.VendorPlan{Name: "Acme", Baseline: "/x/r.json"})).To(Equal("/x/r.json"))

		e := env()
		e.Baseline = p.BaselineFor(runner.VendorPlan{Name: "Acme"})
		c := compile("dq-core", "DQ-DRIFT-01", e)
		recs, _ := generate(12, 1004, nil)
		t := model.NewTally(0)
		s := c.NewState()
		for _, r := range recs {
			if c.Applies(r) {
				t.Observe(s.Observe(r))
			}
		}
		s.Finish(t)
		o, msg := c.(check.Grader).Grade(t)
		Expect(o).To(Equal(model.Pass), msg) // another seed, the same generator: no drift
		m, ok := t.Lookup("dq.drift.baseline:female")
		Expect(ok).To(BeTrue())
		Expect(m.Denominator).To(Equal(int64(100)))
	})
})

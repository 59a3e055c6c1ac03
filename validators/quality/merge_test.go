package quality_test

import (
	"context"
	"encoding/json"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/targettest"
	"github.com/carecert/carecert/suites"
)

// observeAll runs records through one state into a tally, as a runner worker.
func observeAll(c check.Check, s check.State, t *model.Tally, recs []*model.Record) {
	for _, r := range recs {
		if c.Applies(r) {
			t.Observe(s.Observe(r))
		}
	}
}

var _ = Describe("sharded runs", func() {
	recs, _ := generate(5, 2004, qualityDefects)

	It("merge into exactly the single-pass result for every requirement, through JSON", func() {
		reg := registry()
		for _, id := range []string{"dq-core", "nhs-demographics"} {
			s, err := suites.Builtin(id, reg)
			Expect(err).NotTo(HaveOccurred())
			for _, req := range s.Requirements {
				c, err := reg.Compile(req.Spec(), env())
				Expect(err).NotTo(HaveOccurred())

				whole := model.NewTally(10000)
				one := c.NewState()
				observeAll(c, one, whole, recs)
				one.Finish(whole)

				// Three shards: interleaved, and each shard reads its records
				// backwards so that "first seen" differs from feed order.
				var parts [3][]*model.Record
				for i := len(recs) - 1; i >= 0; i-- {
					parts[(i/7)%3] = append(parts[(i/7)%3], recs[i])
				}
				merged := model.NewTally(10000)
				var states []check.State
				for _, p := range parts {
					st, t := c.NewState(), model.NewTally(10000)
					observeAll(c, st, t, p)
					states = append(states, roundTrip(c, st))
					merged.Merge(t)
				}
				final := states[2]
				Expect(final.Merge(states[0])).To(Succeed())
				Expect(final.Merge(states[1])).To(Succeed())
				final.Finish(merged)

				Expect(merged.Measures).To(Equal(whole.Measures), req.ID)
				Expect(merged.Sample()).To(Equal(whole.Sample()), req.ID)
				Expect([]int64{merged.Evaluated, merged.Errors, merged.Warnings, merged.Information, merged.Dropped}).
					To(Equal([]int64{whole.Evaluated, whole.Errors, whole.Warnings, whole.Information, whole.Dropped}), req.ID)
				if g, ok := c.(check.Grader); ok {
					o1, m1 := g.Grade(whole)
					o2, m2 := g.Grade(merged)
					Expect([]string{string(o2), m2}).To(Equal([]string{string(o1), m1}), req.ID)
				}
			}
		}
	})

	It("refuses to merge a state of another check", func() {
		a := compile("dq-core", "DQ-UNIQ-01", env()).NewState()
		b := compile("dq-core", "DQ-REF-01", env()).NewState()
		Expect(a.Merge(b)).To(MatchError(ContainSubstring("cannot merge")))
	})

	It("keeps hashed keys, not records, in feed-level state", func() {
		c := compile("dq-core", "DQ-UNIQ-01", env())
		st := c.NewState()
		for _, r := range recs {
			st.Observe(r)
		}
		data, err := json.Marshal(st)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).NotTo(ContainSubstring(`"resourceType"`))
		Expect(string(data)).NotTo(ContainSubstring("nhs-number"))
		// Record names are kept once each in a byte arena, not per finding.
		Expect(len(data)).To(BeNumerically("<", 120*len(recs)))
	})
})

var _ = Describe("re-grading a stored result", func() {
	It("gives the same outcome from the tally read back from report JSON", func() {
		rep := runPlan(11, 1004, map[string]int{"missing-nhs-number": 6}, "", "nhs-demographics")
		data, err := json.Marshal(rep)
		Expect(err).NotTo(HaveOccurred())
		var back model.Report
		Expect(json.Unmarshal(data, &back)).To(Succeed())
		c := compile("nhs-demographics", "NHS-01", env()).(check.Grader)
		stored := result(&back, "NHS-01")
		outcome, msg := c.Grade(&stored.Tally)
		Expect(outcome).To(Equal(stored.Outcome))
		Expect(msg).To(Equal(stored.Message))
		Expect(outcome).To(Equal(model.Fail)) // 6 of 100 patients is above the 5% fail limit
		Expect(msg).To(HavePrefix("6 of 100 record(s) missing"))

		// A laxer policy grades the same stored numbers again.
		reg := registry()
		lax, err := reg.Compile(check.Spec{Requirement: "NHS-01", Type: "dq-completeness", Params: params.Params{
			"element": "Patient.identifier.where(system='https://fhir.nhs.uk/Id/nhs-number').value", "warn": "1%", "fail": "10%",
		}}, env())
		Expect(err).NotTo(HaveOccurred())
		outcome, _ = lax.(check.Grader).Grade(&stored.Tally)
		Expect(outcome).To(Equal(model.Warn))
	})
})

var _ = Describe("a run sharded across processes", func() {
	It("merges into the report of a single run, byte for byte but the clock", func() {
		plan := func() *runner.Plan {
			p := &runner.Plan{
				Date: "2026-01-01", SampleLimit: 10000, Suites: []string{"dq-core", "nhs-demographics"},
				Vendors: []runner.VendorPlan{{Name: "Acme", Targets: []map[string]any{{
					"type": "fixture", "seed": 11, "records": 2004,
					"defects": "duplicate-nhs-number=3,duplicate-resource-id=2,dangling-subject=3,observation-before-birth=2,events-after-death=1,stale-last-updated=2",
				}}}},
			}
			Expect(p.Check()).To(Succeed())
			return p
		}
		clock := func() time.Time { return time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC) }
		newRunner := func() *runner.Runner {
			return &runner.Runner{Checks: registry(), Targets: targettest.FHIR(), Workers: 2, Now: clock}
		}
		whole, err := newRunner().Run(context.Background(), plan())
		Expect(err).NotTo(HaveOccurred())

		var parts []*runner.Part
		var names []string
		for i := 1; i <= 3; i++ {
			r := newRunner()
			r.Shard = target.Shard{Index: i, Count: 3}
			part, err := r.RunPart(context.Background(), plan())
			Expect(err).NotTo(HaveOccurred())
			data, err := json.Marshal(part)
			Expect(err).NotTo(HaveOccurred())
			var back runner.Part
			Expect(json.Unmarshal(data, &back)).To(Succeed())
			parts = append(parts, &back)
			names = append(names, runner.PartName(i, 3))
		}
		merged, err := newRunner().Merge(context.Background(), parts, names)
		Expect(err).NotTo(HaveOccurred())
		Expect(merged).To(HaveLen(1))
		a, err := json.Marshal(whole[0].Targets)
		Expect(err).NotTo(HaveOccurred())
		b, err := json.Marshal(merged[0].Targets)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(b)).To(Equal(string(a)))
		Expect(merged[0].Verdict).To(Equal(whole[0].Verdict))
		Expect(result(merged[0], "NHS-03").Findings).To(HaveLen(3))
	})
})

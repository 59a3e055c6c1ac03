package runner

import (
	"context"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/targettest"
)

var _ = Describe("a preflighted plan", func() {
	It("runs without opening its targets for preflight again or parsing its suites again", func() {
		suite, plan := writeDemoPlan("[{type: counting, path: p.json}]")
		Expect(os.WriteFile(filepath.Join(filepath.Dir(plan), "p.json"), []byte(`{"resourceType":"Patient","id":"p"}`), 0o644)).To(Succeed())
		p, err := LoadPlan(plan)
		Expect(err).NotTo(HaveOccurred())
		r := &Runner{Checks: check.NewRegistry(), Targets: targettest.FHIR(), Workers: 1}
		opens := 0
		r.Targets.Register("counting", "a FHIR file that counts its openings", func(spec target.Spec) (target.Target, error) {
			opens++
			spec.Type = "fhir"
			t, _, err := r.Targets.Open(spec)
			return t, err
		})

		pf, err := r.PreflightPlan(p)
		Expect(err).NotTo(HaveOccurred())
		Expect(opens).To(Equal(2), "preflight opens each vendor's target once")
		// Gone after the waiver check parsed it: the run can only succeed on
		// the suite preflight parsed.
		Expect(os.Remove(suite)).To(Succeed())

		reps, err := r.RunPreflighted(context.Background(), pf)
		Expect(err).NotTo(HaveOccurred())
		Expect(reps).To(HaveLen(2))
		for _, rep := range reps {
			Expect(rep.Suites).To(ConsistOf(HaveField("ID", "demo")))
			Expect(rep.Targets).To(ConsistOf(HaveField("Records", int64(1))))
		}
		Expect(opens).To(Equal(4), "the run opens each target once more, to read it, and preflights nothing again")

		// Run on its own preflights afresh, so it reads the suite file again.
		_, err = r.Run(context.Background(), p)
		Expect(err).To(MatchError(ContainSubstring("demo.yaml")))
		Expect(opens).To(Equal(6))
	})
})

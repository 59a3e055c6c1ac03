package runner

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/runner/target/targettest"
)

// writeDemoPlan writes a one-suite plan (suite demo.yaml, with a waiver, so
// that preflight parses the suite) whose vendors A and B have targets.
func writeDemoPlan(targets string) (suite, plan string) {
	dir := GinkgoT().TempDir()
	suite = filepath.Join(dir, "demo.yaml")
	Expect(os.WriteFile(suite, []byte(`id: demo
version: "1"
title: Demonstrations
requirements:
  - {id: DEMO-01, level: SHALL, kind: manual, evidence: screenshot, title: A screen}
`), 0o644)).To(Succeed())
	plan = filepath.Join(dir, "plan.yaml")
	Expect(os.WriteFile(plan, []byte(`suites: [demo.yaml]
vendors:
  - {name: A, targets: `+targets+`}
  - {name: B, targets: `+targets+`}
policy:
  waivers: [{requirement: demo/DEMO-01, justification: shown later, expires: 2030-01-01}]
`), 0o644)).To(Succeed())
	return suite, plan
}

var _ = Describe("a run's suites", func() {
	It("are parsed once, for the waiver check and every vendor's compile", func() {
		suite, plan := writeDemoPlan("[{type: fixture}]")
		p, err := LoadPlan(plan)
		Expect(err).NotTo(HaveOccurred())
		r := &Runner{Checks: check.NewRegistry(), Targets: targettest.FHIR()}

		parsed := suiteCache{}
		Expect(r.preflight(p, parsed)).To(Succeed())
		// Gone after the waiver check read it: the vendors' compile can only
		// succeed on the suite already parsed.
		Expect(os.Remove(suite)).To(Succeed())
		for _, v := range p.Vendors {
			ss, cs, err := r.compile(p, v, &check.Env{}, parsed)
			Expect(err).NotTo(HaveOccurred())
			Expect(ss).To(HaveLen(1))
			Expect(ss[0]).To(BeIdenticalTo(parsed["demo.yaml"]))
			Expect(cs).To(HaveLen(1))
			Expect(cs[0].req.ID).To(Equal("DEMO-01"))
		}

		// A fresh cache (RunVendor's, Prepare's) reads the file again.
		_, _, err = r.compile(p, p.Vendors[0], &check.Env{}, suiteCache{})
		Expect(err).To(MatchError(ContainSubstring("demo.yaml")))
	})
})

package runner_test

import (
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/runner"
)

// A plan's terminology settings are decoded once, when it is loaded (or,
// for a part's plan, read): every vendor's checks get the vendor's own over
// the run's, with the command line's over the plan's, and a part carries
// them to the merge.
var _ = Describe("a plan's terminology settings", func() {
	load := func() *runner.Plan {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "feed.ndjson"), []byte(`{"resourceType":"Patient","id":"p"}`+"\n"), 0o644)).To(Succeed())
		p, err := runner.LoadPlan(writePlan(dir, `suites: [fhir-r4-structure]
terminology: {server: "http://127.0.0.1:1/fhir", server-timeout: 3s, snomed: run.db}
vendors:
  - {name: A, targets: [{name: feed, path: feed.ndjson}]}
  - {name: B, terminology: {snomed: b.db}, targets: [{name: feed, path: feed.ndjson}]}
`))
		Expect(err).NotTo(HaveOccurred())
		return p
	}
	server := check.Terminology{Server: "http://127.0.0.1:1/fhir", ServerTimeout: 3 * time.Second}

	It("gives each vendor its own settings over the run's", func() {
		p := load()
		run := server
		run.Snomed = "run.db"
		Expect(p.TerminologyFor(p.Vendors[0])).To(Equal(run))
		b := server
		b.Snomed = "b.db"
		Expect(p.TerminologyFor(p.Vendors[1])).To(Equal(b))
	})

	It("sets a command line's setting over the plan's, key by key, and refuses a bad one naming it", func() {
		p := load()
		Expect(p.SetTerminology("server-timeout", "7s")).To(Succeed())
		Expect(p.TerminologyFor(p.Vendors[0])).To(Equal(check.Terminology{Server: server.Server, ServerTimeout: 7 * time.Second, Snomed: "run.db"}))
		Expect(p.TerminologyFor(p.Vendors[1]).Snomed).To(Equal("b.db"), "a vendor's own still wins")

		Expect(p.SetTerminology("server-timeout", "soon")).To(MatchError(`option "server-timeout": "soon" is not a duration (e.g. 90s, 36h, 7d)`))
		Expect(p.SetTerminology("snomd", "x.db")).To(MatchError(HavePrefix("unknown option(s) snomd (did you mean snomed?")))
		Expect(p.TerminologyFor(p.Vendors[0]).ServerTimeout).To(Equal(7*time.Second), "a refused setting changes nothing")
	})

	It("travels with a part's plan to the merge", func() {
		p := load()
		Expect(p.SetTerminology("server-timeout", "7s")).To(Succeed())
		back := runShards(p, 1)[0]
		for i := range p.Vendors {
			Expect(back.Plan.TerminologyFor(back.Plan.Vendors[i])).To(Equal(p.TerminologyFor(p.Vendors[i])))
		}
	})
})

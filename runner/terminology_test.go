package runner_test

import (
	"context"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/terminology/runengine"
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
		Expect(p.SetTerminology("server-timeout", "7s", "--terminology server-timeout=7s")).To(Succeed())
		Expect(p.TerminologyFor(p.Vendors[0])).To(Equal(check.Terminology{Server: server.Server, ServerTimeout: 7 * time.Second, Snomed: "run.db"}))
		Expect(p.TerminologyFor(p.Vendors[1]).Snomed).To(Equal("b.db"), "a vendor's own still wins")

		Expect(p.SetTerminology("server-timeout", "soon", "--terminology server-timeout=soon")).To(MatchError(`option "server-timeout": "soon" is not a duration (e.g. 90s, 36h, 7d)`))
		Expect(p.SetTerminology("snomd", "x.db", "--terminology snomd=x.db")).To(MatchError(HavePrefix("unknown option(s) snomd (did you mean snomed?")))
		Expect(p.TerminologyFor(p.Vendors[0]).ServerTimeout).To(Equal(7*time.Second), "a refused setting changes nothing")
	})

	It("travels with a part's plan to the merge", func() {
		p := load()
		Expect(p.SetTerminology("server-timeout", "7s", "--terminology server-timeout=7s")).To(Succeed())
		back := runShards(p, 1)[0]
		for i := range p.Vendors {
			Expect(back.Plan.TerminologyFor(back.Plan.Vendors[i])).To(Equal(p.TerminologyFor(p.Vendors[i])))
		}
	})
})

// A SNOMED CT release that is there but does not open is found when a check
// first asks for it (runengine): the run's error names where the setting was
// written, the plan's line and column and the vendor, or the flag.
var _ = Describe("a terminology release that does not open", func() {
	run := func(plan string, flag bool) error {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "feed.ndjson"), []byte(`{"resourceType":"Patient","id":"p"}`+"\n"), 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "broken.db"), []byte("not a SNOMED CT release\n"), 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "codes.yaml"), []byte("id: codes\nversion: \"1\"\ntitle: Codes\n"+
			"requirements:\n  - {id: C1, level: SHALL, title: codes judged, check: judges-codes}\n"), 0o644)).To(Succeed())
		p, err := runner.LoadPlan(writePlan(dir, plan))
		Expect(err).NotTo(HaveOccurred())
		if flag {
			Expect(p.SetTerminology("snomed", filepath.Join(dir, "broken.db"), "--terminology snomed=broken.db")).To(Succeed())
		}
		r := newRunner(1)
		r.Checks.Register("judges-codes", "asks for the run's terminology engine", func(_ check.Spec, env *check.Env) (check.Check, error) {
			if _, err := runengine.Run(env); err != nil {
				return nil, err
			}
			return check.PerRecord(check.KindIs(model.KindFHIR), func(*model.Record) []model.Finding { return nil }), nil
		})
		_, err = r.Run(context.Background(), p)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("broken.db is not a carecert SNOMED CT file"), "the release's own error is kept")
		Expect(err.Error()).To(ContainSubstring("needed by suite codes requirement C1"))
		return err
	}

	It("names the plan's terminology: at its line and column", func() {
		err := run("suites: [./codes.yaml]\nterminology:\n  snomed: broken.db\nvendors: [{name: Oakfield, targets: [{path: feed.ndjson}]}]\n", false)
		Expect(err).To(MatchError(MatchRegexp(`^plan .*plan\.yaml:3:11: terminology\.snomed: the run's terminology "snomed": `)))
	})

	It("names the vendor's terminology: at its line and column, and the vendor", func() {
		err := run("suites: [./codes.yaml]\nvendors:\n  - name: Other\n    targets: [{path: feed.ndjson}]\n"+
			"  - name: Oakfield\n    terminology: {snomed: broken.db}\n    targets: [{path: feed.ndjson}]\n", false)
		Expect(err).To(MatchError(MatchRegexp(`^plan .*plan\.yaml:6:27: vendors\[1\]\.terminology\.snomed: the vendor's terminology "snomed": .*\(vendor "Oakfield"; needed by`)))
	})

	It("names the flag that set it over the plan's", func() {
		err := run("suites: [./codes.yaml]\nterminology: {server-timeout: 5s}\nvendors: [{name: Oakfield, targets: [{path: feed.ndjson}]}]\n", true)
		Expect(err).To(MatchError(HavePrefix(`--terminology snomed=broken.db: the run's terminology "snomed": `)))
	})
})

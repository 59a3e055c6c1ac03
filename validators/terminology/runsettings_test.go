package terminology_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target/targettest"
	codes "github.com/carecert/carecert/terminology"
	"github.com/carecert/carecert/terminology/runengine"
	"github.com/carecert/carecert/terminology/snomed/snomedtest"
	"github.com/carecert/carecert/validators/profile"
	"github.com/carecert/carecert/validators/terminology"
)

// A plan's terminology: is the run's: profile bindings and every
// terminology requirement naming none of its own judge codes with it, a
// requirement naming its own judges with that, and every engine of the run
// shares one copy of the R4 core.
var _ = Describe("the run's terminology settings", Ordered, func() {
	var dir string

	BeforeAll(func() {
		dir = GinkgoT().TempDir()
		editions(dir)

		// A guide whose Condition profile binds code (required) to the
		// hypertensive disorders: SNOMED CT is-a, which only a release decides.
		ig := filepath.Join(dir, "guide")
		Expect(os.MkdirAll(ig, 0o755)).To(Succeed())
		write := func(name, content string) {
			Expect(os.WriteFile(filepath.Join(ig, name), []byte(content), 0o644)).To(Succeed())
		}
		write("ValueSet-htn.json", `{"resourceType": "ValueSet", "url": "http://acme.test/ValueSet/htn", "status": "active",
			"compose": {"include": [{"system": "http://snomed.info/sct", "filter": [{"property": "concept", "op": "is-a", "value": "`+snomedtest.Htn+`"}]}]}}`)
		write("StructureDefinition-htn-condition.json", `{"resourceType": "StructureDefinition", "url": "http://acme.test/StructureDefinition/htn-condition",
			"name": "HtnCondition", "status": "active", "fhirVersion": "4.0.1", "kind": "resource", "abstract": false, "type": "Condition",
			"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Condition", "derivation": "constraint",
			"differential": {"element": [{"id": "Condition.code", "path": "Condition.code", "min": 1,
				"binding": {"strength": "required", "valueSet": "http://acme.test/ValueSet/htn"}}]}}`)
		cond := func(id, code, display string) string {
			return `{"resourceType":"Condition","id":"` + id + `","meta":{"profile":["http://acme.test/StructureDefinition/htn-condition"]},` +
				`"code":{"coding":[{"system":"http://snomed.info/sct","code":"` + code + `","display":"` + display + `"}]},"subject":{"reference":"Patient/p"}}`
		}
		Expect(os.WriteFile(filepath.Join(dir, "feed.ndjson"), []byte(cond("preg", snomedtest.PregHTN, "Hypertension in pregnancy")+"\n"+
			cond("asthma", snomedtest.Asthma, "Asthma")+"\n"), 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "suite.yaml"), []byte(`id: run-terminology
version: 1.0.0
title: the run's SNOMED CT release, and one requirement's own
requirements:
  - id: PROFILE
    level: SHALL
    title: conditions conform to their profiles
    check: fhir-profile
  - id: CURRENT
    level: SHALL
    title: codes exist in the run's edition
    check: fhir-code-system
  - id: LATER
    level: SHALL
    title: codes exist in the later edition
    check: fhir-code-system
    params: {snomed: later.db}
`), 0o644)).To(Succeed())
	})

	// load writes a plan (the suite and guide above, then rest: terminology
	// and vendors written as given) and returns it with a runner of the
	// terminology and profile checks.
	load := func(name, rest string) (*runner.Runner, *runner.Plan) {
		plan := filepath.Join(dir, name)
		Expect(os.WriteFile(plan, []byte("suites: [./suite.yaml]\nigs: [guide]\ndate: 2026-01-01\n"+rest), 0o644)).To(Succeed())
		p, err := runner.LoadPlan(plan)
		Expect(err).NotTo(HaveOccurred())
		reg := check.NewRegistry()
		terminology.Register(reg)
		profile.Register(reg)
		return &runner.Runner{Checks: reg, Targets: targettest.FHIR(), Tool: model.Tool{Name: "carecert", Version: "test"}, Workers: 2}, p
	}

	// run runs the plan, terminology: written as given, and returns the
	// report and the run's env.
	run := func(terminologyYAML string) (*model.Report, *check.Env) {
		r, p := load("plan.yaml", terminologyYAML+"vendors:\n  - name: Acme\n    targets: [{name: feed, path: feed.ndjson}]\n")
		env := r.Env(context.Background(), p)
		rep, err := r.RunVendor(context.Background(), p, p.Vendors[0], env)
		Expect(err).NotTo(HaveOccurred())
		return rep, env
	}

	findings := func(rep *model.Report, req, code string) []string {
		out := []string{}
		for _, f := range result(rep, req).Tally.Findings {
			if f.Code == code {
				out = append(out, fmt.Sprintf("%d %s %s", f.Line, f.Severity, f.Path))
			}
		}
		return out
	}

	It("makes profile bindings judge SNOMED CT codes with the plan's release", func() {
		rep, _ := run("terminology: {snomed: current.db}\n")
		Expect(findings(rep, "PROFILE", profile.CodeBinding)).To(Equal([]string{"2 error Condition.code"}), "asthma is no hypertensive disorder")
		Expect(result(rep, "PROFILE").Outcome).To(Equal(model.Fail))

		// Without a release, is-a over SNOMED CT cannot be decided offline:
		// nothing is failed for it, and nothing passed either: each binding
		// is said not decided, a warning.
		rep, _ = run("")
		Expect(findings(rep, "PROFILE", profile.CodeBinding)).To(Equal([]string{"1 warning Condition.code", "2 warning Condition.code"}))
	})

	It("judges a requirement naming its own release with it, and one naming none with the run's", func() {
		rep, _ := run("terminology: {snomed: current.db}\n")
		Expect(findings(rep, "CURRENT", "terminology.inactive")).To(BeEmpty())
		Expect(findings(rep, "LATER", "terminology.inactive")).To(Equal([]string{"1 warning Condition.code.coding[0].code"}))
	})

	It("loads the R4 core once for every engine of the run", func() {
		_, env := run("terminology: {snomed: current.db}\n")
		runs, err := runengine.Run(env)
		Expect(err).NotTo(HaveOccurred())
		own, err := runengine.For(env, check.Terminology{Snomed: "later.db"})
		Expect(err).NotTo(HaveOccurred())
		Expect(own).NotTo(BeIdenticalTo(runs))
		for _, eng := range []*codes.Engine{runs, own} {
			coreLoads, engines := eng.Sharing()
			Expect(coreLoads).To(Equal(1), "the R4 core is loaded once")
			// The content's engine, the run's (current.db) and LATER's (later.db).
			Expect(engines).To(Equal(3))
		}
	})

	// runVendors runs a plan whose vendors (YAML, written as given) all send
	// the feed, and returns their reports in order.
	runVendors := func(head, vendors string) []*model.Report {
		r, p := load("vendors.yaml", head+"vendors:\n"+vendors)
		reps, err := r.Run(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		return reps
	}

	It("lets a vendor name its own terminology over the plan's, for its checks only", func() {
		// The vendor without a release goes first, so the run builds a profile
		// engine without one before the vendor with one asks.
		reps := runVendors("", "  - {name: A, targets: [{name: feed, path: feed.ndjson}]}\n"+
			"  - {name: B, terminology: {snomed: current.db}, targets: [{name: feed, path: feed.ndjson}]}\n")
		Expect(reps).To(HaveLen(2))
		Expect(findings(reps[0], "PROFILE", profile.CodeBinding)).To(Equal([]string{"1 warning Condition.code", "2 warning Condition.code"}), "not decided without a release")
		Expect(findings(reps[1], "PROFILE", profile.CodeBinding)).To(Equal([]string{"2 error Condition.code"}))

		// A vendor's release replaces the plan's; the other keeps the plan's.
		reps = runVendors("terminology: {snomed: current.db}\n", "  - {name: A, targets: [{name: feed, path: feed.ndjson}]}\n"+
			"  - {name: B, terminology: {snomed: later.db}, targets: [{name: feed, path: feed.ndjson}]}\n")
		Expect(findings(reps[0], "CURRENT", "terminology.inactive")).To(BeEmpty())
		Expect(findings(reps[1], "CURRENT", "terminology.inactive")).To(Equal([]string{"1 warning Condition.code.coding[0].code"}))
	})

	// A release that does not open stops the run, naming where it was
	// written: the requirement's parameters, the vendor's terminology, or
	// the run's (the plan's terminology: or --terminology).
	DescribeTable("names the level of a SNOMED CT release that does not open",
		func(head, vendor, suite, want string) {
			Expect(os.WriteFile(filepath.Join(dir, "broken.db"), []byte("not a release"), 0o644)).To(Succeed())
			Expect(os.WriteFile(filepath.Join(dir, "own-release.yaml"), []byte("id: own-release\nversion: 1.0.0\ntitle: a requirement's own release\n"+
				"requirements:\n  - id: OWN\n    level: SHALL\n    title: codes exist\n    check: fhir-code-system\n    params: {snomed: broken.db}\n"), 0o644)).To(Succeed())
			r, p := load("levels.yaml", head+"vendors:\n  - {name: A, "+vendor+"targets: [{name: feed, path: feed.ndjson}]}\n")
			p.Suites = []string{suite}
			_, err := r.Run(context.Background(), p)
			Expect(err).To(MatchError(ContainSubstring(want + ` "snomed": `)))
			for _, other := range []string{"parameter", "the vendor's terminology", "the run's terminology"} {
				if other != want {
					Expect(err.Error()).NotTo(ContainSubstring(other+` "snomed"`), "the setting is %s's", want)
				}
			}
		},
		Entry("the plan's", "terminology: {snomed: broken.db}\n", "", "./suite.yaml", "the run's terminology"),
		Entry("the vendor's, over the plan's", "terminology: {snomed: current.db}\n", "terminology: {snomed: broken.db}, ", "./suite.yaml", "the vendor's terminology"),
		Entry("the requirement's, over the vendor's", "", "terminology: {snomed: current.db}, ", "./own-release.yaml", "parameter"),
	)

	It("refuses a mistyped vendor setting at its line and column", func() {
		plan := filepath.Join(dir, "bad-vendor.yaml")
		Expect(os.WriteFile(plan, []byte("suites: [./suite.yaml]\nvendors:\n  - name: A\n    terminology: {server-timeout: soon}\n    targets: [{path: feed.ndjson}]\n"), 0o644)).To(Succeed())
		_, err := runner.LoadPlan(plan)
		Expect(err).To(MatchError(ContainSubstring(plan + `:4:35: vendors[0].terminology.server-timeout: vendor A's terminology: "soon" is not a duration`)))
	})

	It("refuses a misspelt setting at its line and column", func() {
		plan := filepath.Join(dir, "bad.yaml")
		Expect(os.WriteFile(plan, []byte("suites: [./suite.yaml]\nterminology:\n  snomde: current.db\nvendors: [{name: A, targets: [{path: feed.ndjson}]}]\n"), 0o644)).To(Succeed())
		_, err := runner.LoadPlan(plan)
		Expect(err).To(MatchError(ContainSubstring(plan + ":3:11: terminology.snomde: the run's terminology: unknown option(s) snomde (did you mean snomed? known: snomed, server, server-timeout, server-cache)")))
	})
})

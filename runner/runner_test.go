package runner_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/xeipuuv/gojsonschema"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/targettest"
	"github.com/carecert/carecert/validators/structure"
)

func newRunner(workers int) *runner.Runner {
	reg := check.NewRegistry()
	structure.Register(reg)
	return &runner.Runner{
		Checks:  reg,
		Targets: targettest.FHIR(),
		Tool:    model.Tool{Name: "carecert", Version: "test"},
		Workers: workers,
		Now:     func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	}
}

func writePlan(dir, content string) string {
	p := filepath.Join(dir, "plan.yaml")
	Expect(os.WriteFile(p, []byte(content), 0o644)).To(Succeed())
	return p
}

func result(rep *model.Report, req string) model.Result {
	for _, r := range rep.Targets[0].Results {
		if r.Requirement == req {
			return r
		}
	}
	Fail("no result for " + req)
	return model.Result{}
}

const fixturePlan = `name: test plan
date: 2026-01-01
suites: [fhir-r4-structure]
vendors:
  - name: Clean Co
    targets:
      - {name: feed, type: fixture, seed: 3, records: 1500, defects: none}
  - name: Defect Co
    targets:
      - {name: feed, type: fixture, seed: 4, records: 1500, defects: all}
`

var _ = Describe("plans", func() {
	It("loads a plan with several vendors", func() {
		p, err := runner.LoadPlan(writePlan(GinkgoT().TempDir(), fixturePlan))
		Expect(err).NotTo(HaveOccurred())
		Expect(p.Vendors).To(HaveLen(2))
		Expect(p.Evidence).To(Equal("redacted"))
		Expect(p.Vendors[1].Slug()).To(Equal("defect-co"))
	})

	It("accepts the single-vendor shorthand", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "feed.ndjson"), []byte("{}\n"), 0o644)).To(Succeed())
		p, err := runner.LoadPlan(writePlan(dir, `suites: [fhir-r4-structure]
vendor: {name: Solo, release: "1.0"}
targets:
  - path: feed.ndjson
`))
		Expect(err).NotTo(HaveOccurred())
		Expect(p.Vendors).To(HaveLen(1))
		Expect(p.Vendors[0].Targets).To(HaveLen(1))
	})

	DescribeTable("rejects a bad plan, naming file, line and field",
		func(content, want string) {
			_, err := runner.LoadPlan(writePlan(GinkgoT().TempDir(), content))
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring("plan.yaml"))
			Expect(err.Error()).To(ContainSubstring(want))
		},
		Entry("no vendors", "suites: [x]\n", "vendors: required"),
		Entry("a vendor without targets", "suites: [x]\nvendors:\n  - name: A\n", ":3:9: vendors[0].targets: required: vendor A has no targets"),
		Entry("a target without a path", "suites: [x]\nvendors:\n  - name: A\n    targets:\n      - {name: t}\n", "vendors[0].targets[0]: a target needs a path or a url"),
		Entry("a misspelt generated feed, which has no path for that reason, with a suggestion", "suites: [x]\nvendors:\n  - name: A\n    targets: [{type: fixtur}]\n", `plan.yaml:4:15: vendors[0].targets[0]: unknown target type "fixtur": did you mean fixture?`),
		Entry("a bad date", "date: 01/02/2026\nsuites: [x]\nvendors: [{name: A, targets: [{path: f}]}]\n", `date: "01/02/2026" is not a date`),
		Entry("bad evidence", "evidence: some\nsuites: [x]\nvendors: [{name: A, targets: [{path: f}]}]\n", `evidence: "some": want redacted or full`),
		Entry("an unknown field", "suites: [x]\nvendorz: []\n", "plan.yaml:2:1"),
		Entry("a vendor given by name only, with a mistyped path", "suites: [fhir-r4-structure]\nvendor: Acme Health\ntargets:\n  - path: nowhere.ndjson\n", "plan.yaml:4:11: targets[0].path: no such file or folder"),
		Entry("a suite typo, with a suggestion", "suites: [fhir-r4-structure, fhir-r4-structur]\nvendors: [{name: A, targets: [{type: fixture}]}]\n", `plan.yaml:1:29: suites[1]: unknown suite "fhir-r4-structur": did you mean fhir-r4-structure?`),
		Entry("a vendor's suite typo", "vendors:\n  - name: A\n    suites: [dq-cor]\n    targets: [{type: fixture}]\n", `plan.yaml:3:14: vendors[0].suites[0]: unknown suite "dq-cor": did you mean dq-core?`),
		Entry("a missing suite file", "suites: [suites/mine.yaml]\nvendors: [{name: A, targets: [{type: fixture}]}]\n", `plan.yaml:1:10: suites[0]: suite file suites/mine.yaml: no such file or directory`),
		Entry("a policy rule's bad level, at the rule's field", "suites: [fhir-r4-structure]\nvendors: [{name: A, targets: [{type: fixture}]}]\npolicy:\n  rules:\n    - require: all-pass\n    - require: all-pass\n      level: MUST\n", `plan.yaml:7:14: policy.rules[1].level: rules[1]: level: "MUST" is not a level`),
		Entry("a misspelt policy rule kind, at its value, with a suggestion", "suites: [fhir-r4-structure]\nvendors: [{name: A, targets: [{type: fixture}]}]\npolicy:\n  rules:\n    - require: exercized\n      level: SHALL\n", `plan.yaml:5:16: policy.rules[0].require: rules[0]: require: unknown "exercized": did you mean exercised?`),
		Entry("a threshold on an exercised rule, at the threshold", "suites: [fhir-r4-structure]\nvendors: [{name: A, targets: [{type: fixture}]}]\npolicy:\n  rules:\n    - require: exercised\n      min: 90\n", `plan.yaml:6:12: policy.rules[0].min: rules[0]: min: require exercised takes no min, max or measure`),
		Entry("a waiver without an expiry date, at the waiver", "suites: [fhir-r4-structure]\nvendors: [{name: A, targets: [{type: fixture}]}]\npolicy:\n  waivers:\n    - requirement: fhir-r4-structure/STRUCT-01\n      justification: fixed in 12\n", `plan.yaml:5:18: policy.waivers[0].expires: waivers[0] (fhir-r4-structure/STRUCT-01): expires: required`),
		Entry("a misspelt key in a policy rule, at its line, with a suggestion", "suites: [fhir-r4-structure]\nvendors: [{name: A, targets: [{type: fixture}]}]\npolicy:\n  rules:\n    - require: all-pass\n      levle: SHALL\n", `plan.yaml:6:14: policy.rules[0].levle: unknown field "levle": did you mean level?`),
		Entry("every misspelt policy key at once", "suites: [fhir-r4-structure]\nvendors: [{name: A, targets: [{type: fixture}]}]\npolicy:\n  waivrs: []\n  rules:\n    - require: all-pass\n      levle: SHALL\n", "plan.yaml:4:11: policy.waivrs: unknown field \"waivrs\": did you mean waivers?"),
		Entry("every mistake at once, each at its line", "date: 01/02/2026\nevidence: some\nsuites: [fhir-r4-structure]\nvendors: [{name: A, targets: [{type: fixture}]}]\n", "2 problems:\n"),
		Entry("a bare policy file run as a plan", "rules:\n  - require: all-pass\n    level: SHALL\n", "is a policy file, not a plan"),
		Entry("two vendors in one folder", "suites: [x]\nvendors: [{name: A b, targets: [{path: f}]}, {name: a-B, targets: [{path: f}]}]\n", `share the report folder "a-b"`),
	)
})

var _ = Describe("running a plan", func() {
	It("counts a defect that two requirements report once, and says who else reports each finding", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "schema-again.yaml"), []byte(`id: schema-again
version: "1"
title: The same schema check under another requirement
kinds: [fhir]
requirements:
  - {id: AGAIN-01, level: SHALL, title: Schema again, check: fhir-json-schema}
`), 0o644)).To(Succeed())
		p, err := runner.LoadPlan(writePlan(dir, `name: overlap
date: 2026-01-01
suites: [fhir-r4-structure, schema-again.yaml]
vendors:
  - name: Defect Co
    targets:
      - {name: feed, type: fixture, seed: 4, records: 1500, defects: all}
`))
		Expect(err).NotTo(HaveOccurred())
		reps, err := newRunner(2).Run(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		rep := reps[0]
		struct02, again := result(rep, "STRUCT-02"), result(rep, "AGAIN-01")
		Expect(again.Errors).To(Equal(struct02.Errors), "every requirement keeps its own outcome and counts")
		Expect(again.Outcome).To(Equal(model.Fail))
		t := rep.Targets[0]
		Expect(t.Defects).NotTo(BeNil())
		// The schema errors count once, not twice: the findings total counts
		// them under both requirements.
		Expect(t.Defects.Errors).To(Equal(rep.Summary.Findings[model.Error] - again.Errors))
		Expect(t.Defects.Records).To(Equal(int64(1500)))
		Expect(t.SuiteDefects["schema-again"].Errors).To(Equal(again.Errors))
		Expect(*rep.Summary.Defects).To(Equal(*t.Defects))
		for _, f := range again.Findings {
			if f.Record != "" && f.Path != "" {
				Expect(f.AlsoReportedBy).To(ContainElement("fhir-r4-structure/STRUCT-02"), f.String())
			}
		}
	})

	It("certifies the clean vendor and not the one with seeded defects, counting each defect", func() {
		p, err := runner.LoadPlan(writePlan(GinkgoT().TempDir(), fixturePlan))
		Expect(err).NotTo(HaveOccurred())
		reps, err := newRunner(0).Run(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		Expect(reps).To(HaveLen(2))
		Expect(reps[0].Verdict.Decision).To(Equal(model.Certified))
		Expect(reps[1].Verdict.Decision).To(Equal(model.NotCertified))

		// "all" seeds DefaultCount(1500) = 3 of each of the eight kinds.
		per := int64(fixtures.DefaultCount(1500))
		Expect(result(reps[1], "INPUT").Errors).To(Equal(per))
		Expect(result(reps[1], "STRUCT-01").Errors).To(Equal(2 * per))
		Expect(result(reps[1], "STRUCT-02").Errors).To(Equal(5 * per))
		Expect(reps[1].Targets[0].Records).To(Equal(int64(1500)))
		Expect(reps[1].Verdict.Reasons).To(ContainElement(ContainSubstring("STRUCT-02")))
		Expect(reps[1].AsOf).To(Equal("2026-01-01"))
	})

	It("records the guides the run loaded, a relative one as found beside the plan, in a report its schema accepts", func() {
		dir := GinkgoT().TempDir()
		Expect(os.Mkdir(filepath.Join(dir, "guide"), 0o755)).To(Succeed())
		p, err := runner.LoadPlan(writePlan(dir, "igs: [guide, /elsewhere/pkg.tgz]\nsuites: [fhir-r4-structure]\n"+
			"vendors: [{name: A, targets: [{name: feed, type: fixture, seed: 3, records: 20, defects: none}]}]\n"))
		Expect(err).NotTo(HaveOccurred())
		reps, err := newRunner(1).Run(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		Expect(reps[0].Guides).To(Equal([]string{filepath.Join(dir, "guide"), "/elsewhere/pkg.tgz"}))
		data, err := reports.MarshalJSON(reps[0])
		Expect(err).NotTo(HaveOccurred())
		res, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(reports.Schema()), gojsonschema.NewBytesLoader(data))
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Errors()).To(BeEmpty())
		Expect(string(data)).To(ContainSubstring(`"guides": [`))
	})

	It("lists a manual requirement as skip awaiting attestation, even on a target that could not be read", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "demo.yaml"), []byte("id: demo\nversion: '1'\ntitle: Demonstrations\nrequirements:\n"+
			"  - {id: DEMO-01, level: SHALL, kind: manual, evidence: screenshot, title: The summary screen shows allergies}\n"), 0o644)).To(Succeed())
		p, err := runner.LoadPlan(writePlan(dir, "suites: [fhir-r4-structure, ./demo.yaml]\n"+
			"vendors: [{name: A, targets: [{name: feed, type: fixture, seed: 3, records: 20, defects: none}, {name: gone, type: unreachable, url: 'http://127.0.0.1:1/'}]}]\n"))
		Expect(err).NotTo(HaveOccurred())
		r := newRunner(1)
		r.Targets.Register("unreachable", "a target that cannot be opened", func(target.Spec) (target.Target, error) {
			return nil, errors.New("connection refused")
		})
		reps, err := r.Run(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		Expect(reps[0].Targets).To(HaveLen(2))
		Expect(reps[0].Targets[1].Error).To(ContainSubstring("connection refused"))
		for _, t := range reps[0].Targets {
			var found bool
			for _, res := range t.Results {
				if res.Requirement == "DEMO-01" {
					found = true
					Expect(res.Outcome).To(Equal(model.Skip), t.Name)
					Expect(res.Message).To(Equal(check.AwaitingAttestation), t.Name)
				} else if t.Name == "gone" {
					Expect(res.Outcome).To(Equal(model.Errored), res.Requirement)
				}
			}
			Expect(found).To(BeTrue(), t.Name)
		}
	})

	It("gives the same report with one worker as with many", func() {
		p, err := runner.LoadPlan(writePlan(GinkgoT().TempDir(), fixturePlan))
		Expect(err).NotTo(HaveOccurred())
		one, err := newRunner(1).Run(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		many, err := newRunner(7).Run(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		a, _ := json.Marshal(one)
		b, _ := json.Marshal(many)
		Expect(string(a)).To(Equal(string(b)))
	})

	It("keeps the results read before an interruption, marked incomplete", func() {
		p, err := runner.LoadPlan(writePlan(GinkgoT().TempDir(), `suites: [fhir-r4-structure]
vendors:
  - name: Big Co
    targets:
      - {name: feed, type: fixture, seed: 5, records: 200000, defects: all}
`))
		Expect(err).NotTo(HaveOccurred())
		ctx, cancel := context.WithCancel(context.Background())
		r := newRunner(2)
		var seen atomic.Int64
		r.Progress = progressFunc(func(n int) {
			if seen.Add(int64(n)) == 5000 {
				cancel()
			}
		})
		reps, err := r.Run(ctx, p)
		Expect(err).To(MatchError(context.Canceled))
		Expect(reps).To(HaveLen(1))
		rep := reps[0]
		Expect(rep.Complete).To(BeFalse())
		Expect(rep.Verdict.Decision).To(Equal(model.NotCertified))
		Expect(rep.Verdict.Reasons[0]).To(ContainSubstring("interrupted"))
		records := rep.Targets[0].Records
		Expect(records).To(BeNumerically(">=", 5000))
		Expect(records).To(BeNumerically("<", 200000))
		// Every record read was checked: nothing computed is lost.
		Expect(result(rep, "INPUT").Evaluated).To(Equal(records))
	})

	It("refuses an unknown target type before reading anything, at its line, with a suggestion", func() {
		p, err := runner.LoadPlan(writePlan(GinkgoT().TempDir(), `suites: [fhir-r4-structure]
vendors:
  - name: A
    targets:
      - {type: fixture, records: 5}
      - {type: fixtrue, url: "http://127.0.0.1:1/"}
`))
		Expect(err).NotTo(HaveOccurred())
		_, err = newRunner(1).Run(context.Background(), p)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(MatchRegexp(`plan.yaml:6:16: vendors\[0\]\.targets\[1\]\.type: unknown target type "fixtrue": did you mean fixture\? \(known: `))
	})

	It("refuses a waiver naming a requirement no suite of the plan has, at the waiver, with a suggestion", func() {
		p, err := runner.LoadPlan(writePlan(GinkgoT().TempDir(), `suites: [fhir-r4-structure]
vendors: [{name: A, targets: [{type: fixture, records: 5}]}]
policy:
  waivers:
    - {requirement: fhir-r4-structure/STRUCT-01, justification: real, expires: 2030-01-01}
    - requirement: fhir-r4-structure/STRUCT-1
      justification: a typo
      expires: 2030-01-01
    - {requirement: STRCT-02, justification: an id alone, expires: 2030-01-01}
    - {requirement: dq-core/DQ-01, justification: a suite not in the plan, expires: 2030-01-01}
`))
		Expect(err).NotTo(HaveOccurred())
		reps, err := newRunner(1).Run(context.Background(), p)
		Expect(reps).To(BeEmpty())
		Expect(err).To(HaveOccurred())
		msg := err.Error()
		Expect(msg).To(ContainSubstring("3 problems:"))
		Expect(msg).To(ContainSubstring(`plan.yaml:6:20: policy.waivers[1].requirement: "fhir-r4-structure/STRUCT-1" is in no suite of this plan, so the waiver would excuse nothing: did you mean fhir-r4-structure/STRUCT-01?`))
		Expect(msg).To(ContainSubstring(`plan.yaml:9:21: policy.waivers[2].requirement: "STRCT-02" is in no suite of this plan, so the waiver would excuse nothing: did you mean STRUCT-02?`))
		Expect(msg).To(ContainSubstring(`plan.yaml:10:21: policy.waivers[3].requirement: "dq-core/DQ-01" is in no suite of this plan`))
		Expect(msg).NotTo(ContainSubstring("waivers[0]"))
	})

	It("refuses a mistyped local path before reading anything, at its line, with the file it probably meant", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "export.ndjson"), []byte("{}\n"), 0o644)).To(Succeed())
		_, err := runner.LoadPlan(writePlan(dir, `suites: [fhir-r4-structure]
vendors:
  - name: Half Co
    targets:
      - {name: generated, type: fixture, records: 50}
      - name: missing
        path: exprot.ndjson
`))
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring(filepath.Join(dir, "plan.yaml") + ":7:15: vendors[0].targets[1].path: no such file or folder: " + filepath.Join(dir, "exprot.ndjson") + ": did you mean export.ndjson?"))
	})

	It("names the suite file, line and column, the requirement and the parameter of a check that cannot be compiled", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte(`id: mine
version: "1"
title: Mine
requirements:
  - {id: M1, level: SHALL, title: t, check: fhir-json-schema, params: {strictness: 3}}
`), 0o644)).To(Succeed())
		p, err := runner.LoadPlan(writePlan(dir, "suites: [./mine.yaml]\nvendors: [{name: A, targets: [{type: fixture}]}]\n"))
		Expect(err).NotTo(HaveOccurred())
		_, err = newRunner(0).Run(context.Background(), p)
		Expect(err).To(MatchError(ContainSubstring("mine.yaml:5:84: requirements[0].params.strictness: requirement M1, check fhir-json-schema: unknown parameter(s) strictness (the check takes no parameters)")))
	})
})

type progressFunc func(int)

func (f progressFunc) Start(string) {}
func (f progressFunc) Add(n int)    { f(n) }
func (f progressFunc) Done()        {}

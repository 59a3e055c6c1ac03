package policy_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/policy"
	"github.com/carecert/carecert/runner"
)

// result builds a result with an outcome; measures are name, num, den triples.
func result(suite, req string, level model.Level, outcome model.Outcome, measures ...model.Measure) model.Result {
	r := model.Result{Suite: suite, Requirement: req, Level: level, Title: req + " title", Check: "x", Outcome: outcome, Message: string(outcome) + " message"}
	r.Measures = measures
	return r
}

func report(results ...model.Result) *model.Report {
	return &model.Report{
		Schema: model.ReportSchemaVersion, Vendor: model.Vendor{Name: "Acme"},
		AsOf: "2026-03-01", StartedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Complete: true,
		Targets: []model.TargetRun{{Name: "feed", Records: 10, Results: results}},
	}
}

func build(yamlText string) policy.Policy {
	dir := GinkgoT().TempDir()
	file := filepath.Join(dir, "policy.yaml")
	Expect(os.WriteFile(file, []byte(yamlText), 0o644)).To(Succeed())
	p, err := policy.Load(file)
	Expect(err).NotTo(HaveOccurred())
	return p
}

func loadErr(yamlText string) error {
	dir := GinkgoT().TempDir()
	file := filepath.Join(dir, "policy.yaml")
	Expect(os.WriteFile(file, []byte(yamlText), 0o644)).To(Succeed())
	_, err := policy.Load(file)
	return err
}

const tiered = `
name: county procurement
rules:
  - require: all-pass
    level: SHALL
  - require: pass-rate
    level: SHOULD
    min: 90
    otherwise: conditional
  - require: measure
    measure: "completeness:*"
    min: 95
    otherwise: conditional
`

// shouldResults gives n SHOULD results of which failing fail.
func shouldResults(n, failing int) []model.Result {
	var out []model.Result
	for i := 0; i < n; i++ {
		o := model.Pass
		if i < failing {
			o = model.Fail
		}
		out = append(out, result("quality", "SH-"+string(rune('A'+i)), model.Should, o))
	}
	return out
}

var _ = Describe("FromPlan", func() {
	It("keeps every-SHALL-passes as the default for an empty section", func() {
		p, err := policy.FromPlan(nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(p).To(Equal(policy.AllShall{}))
		p, err = policy.FromPlan(map[string]any{"rule": "all-shall"})
		Expect(err).NotTo(HaveOccurred())
		Expect(p).To(Equal(policy.AllShall{}))
	})

	It("reads the policy section of a real plan file, dates included", func() {
		dir := GinkgoT().TempDir()
		plan := filepath.Join(dir, "plan.yaml")
		Expect(os.WriteFile(plan, []byte(`
suites: [fhir-r4-structure]
vendor: {name: Acme}
targets: [{type: fixture, records: 10}]
policy:
  rules:
    - require: all-pass
      level: SHALL
  waivers:
    - requirement: fhir-r4-structure/STRUCT-02
      justification: fix due in 3.3
      expires: 2026-06-30
`), 0o644)).To(Succeed())
		p, err := runner.LoadPlan(plan)
		Expect(err).NotTo(HaveOccurred())
		pol, err := policy.FromPlan(p.Policy)
		Expect(err).NotTo(HaveOccurred())
		v := pol.Decide(report(result("fhir-r4-structure", "STRUCT-02", model.Shall, model.Fail)))
		Expect(v.Decision).To(Equal(model.Certified))
		Expect(v.Reasons).To(ContainElement("waived: fhir-r4-structure/STRUCT-02 until 2026-06-30: fix due in 3.3"))
	})

	DescribeTable("rejects a policy the user got wrong, saying where and why",
		func(section map[string]any, want string) {
			_, err := policy.FromPlan(section)
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("unknown legacy rule", map[string]any{"rule": "most-shall"}, `unknown rule "most-shall"`),
		Entry("misspelt key", map[string]any{"waiver": []any{}}, `unknown field "waiver": did you mean waivers?`),
		Entry("misspelt key in a rule", map[string]any{"rules": []any{map[string]any{"require": "all-pass", "levle": "SHALL"}}}, `unknown field "levle": did you mean level?`),
		Entry("misspelt key in a waiver", map[string]any{"waivers": []any{map[string]any{"requirement": "S/R", "justification": "j", "expire": "2026-01-01"}}}, `unknown field "expire": did you mean expires?`),
		Entry("unknown requirement kind", map[string]any{"rules": []any{map[string]any{"require": "all-green"}}}, `rules[0]: require: unknown "all-green"`),
		Entry("misspelt requirement kind", map[string]any{"rules": []any{map[string]any{"require": "exercized"}}}, `rules[0]: require: unknown "exercized": did you mean exercised? (want all-pass, pass-rate, measure, exercised)`),
		Entry("exercised with a threshold", map[string]any{"rules": []any{map[string]any{"require": "exercised", "min": 90}}}, "require exercised takes no min, max or measure"),
		Entry("pass-rate without min", map[string]any{"rules": []any{map[string]any{"require": "pass-rate", "level": "SHOULD"}}}, "min: required"),
		Entry("min out of range", map[string]any{"rules": []any{map[string]any{"require": "pass-rate", "min": 120}}}, "120 is not a percentage"),
		Entry("negative max", map[string]any{"rules": []any{map[string]any{"require": "measure", "measure": "x", "max": -1}}}, "max: -1 is not a percentage"),
		Entry("min above max", map[string]any{"rules": []any{map[string]any{"require": "measure", "measure": "x", "min": 50, "max": 10}}}, "min 50 is above max 10"),
		Entry("measure without a limit", map[string]any{"rules": []any{map[string]any{"require": "measure", "measure": "x"}}}, "min or max: required"),
		Entry("max on a pass rate", map[string]any{"rules": []any{map[string]any{"require": "pass-rate", "min": 50, "max": 60}}}, "takes no measure or max"),
		Entry("bad level", map[string]any{"rules": []any{map[string]any{"require": "all-pass", "level": "MUST"}}}, `"MUST" is not a level`),
		Entry("bad otherwise", map[string]any{"rules": []any{map[string]any{"require": "all-pass", "otherwise": "maybe"}}}, `otherwise: "maybe"`),
		Entry("measure without a name", map[string]any{"rules": []any{map[string]any{"require": "measure", "min": 90}}}, "measure: required"),
		Entry("waiver without justification", map[string]any{"waivers": []any{map[string]any{"requirement": "S/R", "expires": "2026-01-01"}}}, "justification: required"),
		Entry("waiver without expiry", map[string]any{"waivers": []any{map[string]any{"requirement": "S/R", "justification": "j"}}}, "expires: required"),
		Entry("waiver with a bad date", map[string]any{"waivers": []any{map[string]any{"requirement": "S/R", "justification": "j", "expires": "next year"}}}, `"next year" is not a date`),
	)
})

var _ = Describe("Rules", func() {
	It("is not certified when a SHALL requirement fails, naming it and the target", func() {
		v := build(tiered).Decide(report(result("fhir-r4-structure", "STRUCT-02", model.Shall, model.Fail)))
		Expect(v.Decision).To(Equal(model.NotCertified))
		Expect(v.Reasons[0]).To(Equal("SHALL fhir-r4-structure/STRUCT-02 (STRUCT-02 title) on feed: fail: fail message"))
	})

	It("treats a check that could not run like a failure, and warnings like a pass", func() {
		p := build(tiered)
		Expect(p.Decide(report(result("s", "R", model.Shall, model.Errored))).Decision).To(Equal(model.NotCertified))
		Expect(p.Decide(report(result("s", "R", model.Shall, model.Warn))).Decision).To(Equal(model.Certified))
	})

	Describe("require: exercised", func() {
		// manual is a manual requirement's result before an assessor attests it.
		manual := func(req string) model.Result {
			r := result("assurance", req, model.Shall, model.Skip)
			r.Check, r.Message = "manual", "awaiting attestation"
			return r
		}
		judged := result("fhir-r4-structure", "STRUCT-01", model.Shall, model.Pass)
		unexercised := result("fhir-r4-structure", "STRUCT-03", model.Shall, model.Skip)
		unexercised.Message = "no applicable records"

		It("leaves the default policy certifying with a SHALL requirement skipped, as before", func() {
			v := policy.AllShall{}.Decide(report(judged, unexercised, manual("ASSURE-01")))
			Expect(v.Decision).To(Equal(model.Certified))
		})

		It("blocks Certified on every SHALL requirement skipped everywhere, naming each with where and why", func() {
			p := build("rules:\n  - require: all-pass\n    level: SHALL\n  - require: exercised\n    level: SHALL\n")
			Expect(p.Name()).To(Equal("every SHALL requirement passes; every SHALL requirement exercised on some target (not skipped everywhere)"))
			should := result("quality", "SH-1", model.Should, model.Skip)
			input := result(model.InputSuite, model.InputRequirement, model.Shall, model.Skip)
			v := p.Decide(report(judged, unexercised, manual("ASSURE-01"), should, input))
			Expect(v.Decision).To(Equal(model.NotCertified))
			Expect(v.Reasons).To(HaveExactElements(
				"SHALL fhir-r4-structure/STRUCT-03 (STRUCT-03 title) was not exercised: skip on feed (no applicable records)",
				"SHALL assurance/ASSURE-01 (ASSURE-01 title) was not exercised: skip on feed (awaiting attestation)"))
			Expect(v.Breaches).To(HaveExactElements(
				MatchFields(IgnoreExtras, Fields{"Rule": Equal(1), "Effect": Equal(model.Blocks), "Suite": Equal("fhir-r4-structure"), "Requirement": Equal("STRUCT-03"), "Target": Equal("feed"), "Outcome": Equal(model.Skip)}),
				MatchFields(IgnoreExtras, Fields{"Requirement": Equal("ASSURE-01")})))
			Expect(p.Decide(report(judged)).Decision).To(Equal(model.Certified))
		})

		It("counts a requirement judged on one target and skipped on another as exercised", func() {
			p := build("rules:\n  - require: exercised\n")
			rep := report(judged, unexercised)
			other := result("fhir-r4-structure", "STRUCT-03", model.Shall, model.Fail)
			rep.Targets = append(rep.Targets, model.TargetRun{Name: "second feed", Records: 5, Results: []model.Result{other}})
			Expect(p.Decide(rep).Decision).To(Equal(model.Certified), "the failure is all-pass's to judge, and this policy has none")

			rep.Targets[1].Results[0] = unexercised
			rep.Targets[1].Results[0].Message = "too few cases"
			v := p.Decide(rep)
			Expect(v.Reasons).To(HaveExactElements("SHALL fhir-r4-structure/STRUCT-03 (STRUCT-03 title) was not exercised: skip on feed (no applicable records); second feed (too few cases)"))
			Expect(v.Breaches[0].Target).To(BeEmpty(), "two targets: the reason names them")
		})

		It("conditionally certifies with otherwise: conditional, and selects attested steps with checks: [manual]", func() {
			p := build("rules:\n  - require: all-pass\n    level: SHALL\n  - require: exercised\n    checks: [manual]\n    otherwise: conditional\n")
			Expect(p.Name()).To(HaveSuffix("every requirement exercised on some target (not skipped everywhere) checked by manual (else conditional)"))
			v := p.Decide(report(judged, unexercised, manual("ASSURE-01")))
			Expect(v.Decision).To(Equal(model.ConditionallyCertified))
			Expect(v.Conditions).To(HaveExactElements("SHALL assurance/ASSURE-01 (ASSURE-01 title) was not exercised: skip on feed (awaiting attestation)"))

			attested := manual("ASSURE-01")
			attested.Outcome, attested.Message = model.Pass, "attested"
			Expect(p.Decide(report(judged, unexercised, attested)).Decision).To(Equal(model.Certified))
		})

		It("lets a waiver excuse a requirement that could not be exercised", func() {
			p := build("rules:\n  - require: exercised\n    level: SHALL\nwaivers:\n  - requirement: assurance/ASSURE-01\n    justification: demonstration booked for May\n    expires: 2026-05-31\n")
			v := p.Decide(report(judged, manual("ASSURE-01")))
			Expect(v.Decision).To(Equal(model.Certified))
			Expect(v.Waivers).To(HaveExactElements(MatchFields(IgnoreExtras, Fields{"Use": Equal(model.WaiverUsed)})))
		})
	})

	It("certifies at exactly the SHOULD threshold and conditionally certifies below it", func() {
		p := build(tiered)
		v := p.Decide(report(shouldResults(10, 1)...))
		Expect(v.Decision).To(Equal(model.Certified))
		Expect(v.Reasons).To(HaveExactElements(ContainSubstring("every rule holds")))

		v = p.Decide(report(shouldResults(10, 2)...))
		Expect(v.Decision).To(Equal(model.ConditionallyCertified))
		Expect(v.Conditions).To(HaveExactElements("SHOULD pass rate at least 90% (else conditional): 8 of 10 result(s) passed (80%)"))
	})

	It("leaves skipped results out of a pass rate", func() {
		results := append(shouldResults(9, 0), result("quality", "SKIPPED", model.Should, model.Skip))
		results = append(results, result("quality", "FAILING", model.Should, model.Fail))
		// 9 of 10 counted pass: exactly 90%.
		Expect(build(tiered).Decide(report(results...)).Decision).To(Equal(model.Certified))
	})

	It("grades measure thresholds on stored numerators and denominators", func() {
		p := build(tiered)
		ok := result("quality", "COMP-01", model.Should, model.Pass, model.Measure{Name: "completeness:Patient.birthDate", Numerator: 19, Denominator: 20})
		Expect(p.Decide(report(ok)).Decision).To(Equal(model.Certified))

		low := result("quality", "COMP-01", model.Should, model.Pass,
			model.Measure{Name: "completeness:Patient.birthDate", Numerator: 18, Denominator: 20},
			model.Measure{Name: "uniqueness:Patient.id", Numerator: 1, Denominator: 20})
		v := p.Decide(report(low))
		Expect(v.Decision).To(Equal(model.ConditionallyCertified))
		Expect(v.Conditions).To(HaveExactElements("quality/COMP-01 completeness:Patient.birthDate on feed: 18/20 = 90%, below 95%"))
	})

	It("caps measures that count defects with max", func() {
		p := build(`
rules:
  - require: measure
    measure: "dq.completeness.*"
    max: 1
`)
		missing := func(num int64) *model.Report {
			return report(result("dq-core", "DQ-COMP-01", model.Should, model.Pass, model.Measure{Name: "dq.completeness.verification.missing", Numerator: num, Denominator: 1000}))
		}
		Expect(p.Decide(missing(10)).Decision).To(Equal(model.Certified), "exactly 1% is allowed")
		v := p.Decide(missing(11))
		Expect(v.Decision).To(Equal(model.NotCertified))
		Expect(v.Reasons[0]).To(Equal("dq-core/DQ-COMP-01 dq.completeness.verification.missing on feed: 11/1000 = 1.1%, above 1%"))
		Expect(p.Name()).To(Equal("measures dq.completeness.* at most 1%"))
	})

	It("ignores measures with nothing counted", func() {
		empty := result("quality", "COMP-01", model.Should, model.Pass, model.Measure{Name: "completeness:Patient.gender"})
		Expect(build(tiered).Decide(report(empty)).Decision).To(Equal(model.Certified))
	})

	It("limits rules to the suites and requirements they name", func() {
		p := build(`
rules:
  - require: all-pass
    suites: [uk-core]
  - require: all-pass
    requirements: [fhir-r4-structure/STRUCT-01]
`)
		Expect(p.Decide(report(result("fhir-r4-structure", "STRUCT-02", model.Shall, model.Fail))).Decision).To(Equal(model.Certified))
		Expect(p.Decide(report(result("fhir-r4-structure", "STRUCT-01", model.May, model.Fail))).Decision).To(Equal(model.NotCertified))
		Expect(p.Decide(report(result("uk-core", "X", model.May, model.Fail))).Decision).To(Equal(model.NotCertified))
	})

	It("lists both the blocking reasons and the conditions when a vendor is not certified", func() {
		results := append(shouldResults(10, 5), result("s", "R", model.Shall, model.Fail))
		v := build(tiered).Decide(report(results...))
		Expect(v.Decision).To(Equal(model.NotCertified))
		Expect(v.Reasons).To(ContainElement(HavePrefix("also: SHOULD pass rate at least 90%")))
	})

	It("never certifies an interrupted run or an unreadable target", func() {
		r := report(shouldResults(3, 0)...)
		r.Complete = false
		v := build(tiered).Decide(r)
		Expect(v.Decision).To(Equal(model.NotCertified))
		Expect(v.Reasons[0]).To(ContainSubstring("interrupted"))

		r = report(shouldResults(3, 0)...)
		r.Targets[0].Error = "connection refused"
		Expect(build(tiered).Decide(r).Reasons).To(ContainElement("target feed could not be read: connection refused"))
	})

	Describe("waivers", func() {
		waived := func(expires string) policy.Policy {
			return build(`
rules:
  - require: all-pass
    level: SHALL
  - require: measure
    measure: "completeness:*"
    min: 95
waivers:
  - requirement: STRUCT-02
    justification: supplier fix scheduled for 3.3
    expires: ` + expires + `
  - requirement: quality/COMP-01
    justification: birth dates backfilled in Q2
    expires: ` + expires + `
  - requirement: never/FAILS
    justification: belt and braces
    expires: ` + expires + `
`)
		}
		failing := func() *model.Report {
			return report(
				result("fhir-r4-structure", "STRUCT-02", model.Shall, model.Fail),
				result("quality", "COMP-01", model.Should, model.Pass, model.Measure{Name: "completeness:Patient.birthDate", Numerator: 1, Denominator: 2}),
			)
		}

		It("excuses failures and broken thresholds until the expiry date, inclusive", func() {
			v := waived("2026-03-01").Decide(failing()) // as of 2026-03-01
			Expect(v.Decision).To(Equal(model.Certified))
			Expect(v.Reasons).To(ContainElements(
				"waived: STRUCT-02 until 2026-03-01: supplier fix scheduled for 3.3",
				"waived: quality/COMP-01 until 2026-03-01: birth dates backfilled in Q2",
				"waiver for never/FAILS (until 2026-03-01) was not needed: the requirement did not fail",
			))
		})

		It("are stored in the verdict, used and unused, to mark waived results without reading its reasons", func() {
			rep := failing()
			policy.Regrade(rep, waived("2026-03-01"))
			Expect(rep.Verdict.Waivers).To(ConsistOf(
				model.WaiverUse{Requirement: "STRUCT-02", Justification: "supplier fix scheduled for 3.3", Expires: "2026-03-01", Use: model.WaiverUsed},
				model.WaiverUse{Requirement: "quality/COMP-01", Justification: "birth dates backfilled in Q2", Expires: "2026-03-01", Use: model.WaiverUsed},
				HaveField("Use", model.WaiverUnused),
			))
			until, ok := rep.Verdict.WaivedUntil("fhir-r4-structure", "STRUCT-02")
			Expect(ok).To(BeTrue())
			Expect(until).To(Equal("2026-03-01"))
			_, ok = rep.Verdict.WaivedUntil("x", "COMP-01")
			Expect(ok).To(BeFalse(), "a waiver written suite/REQ names that suite only")
			_, ok = rep.Verdict.WaivedUntil("never", "FAILS")
			Expect(ok).To(BeFalse(), "an unused waiver marks nothing")
			expired := failing()
			policy.Regrade(expired, waived("2026-02-28"))
			Expect(expired.Verdict.Waivers).To(HaveEach(HaveField("Use", model.WaiverExpired)))
			_, ok = expired.Verdict.WaivedUntil("fhir-r4-structure", "STRUCT-02")
			Expect(ok).To(BeFalse(), "an expired waiver excuses nothing")
		})

		It("stores each breach with its rule, suite, requirement, target, outcome, measure and limit, from which the reasons are written", func() {
			v := waived("2026-02-28").Decide(failing())
			Expect(v.Rules).NotTo(BeEmpty())
			var measure, result *model.Breach
			for i := range v.Breaches {
				b := &v.Breaches[i]
				Expect(v.Reasons).To(ContainElement(b.Reason), "every breach is a display line")
				Expect(b.Rule).To(BeNumerically("<", len(v.Rules)))
				switch {
				case b.Measure != "":
					measure = b
				case b.Requirement == "STRUCT-02":
					result = b
				}
			}
			Expect(result).NotTo(BeNil())
			Expect(*result).To(MatchFields(IgnoreExtras, Fields{
				"Suite": Equal("fhir-r4-structure"), "Requirement": Equal("STRUCT-02"), "Level": Equal(model.Shall),
				"Target": Equal("feed"), "Outcome": Equal(model.Fail), "Effect": Equal(model.Blocks),
			}))
			Expect(measure).NotTo(BeNil())
			Expect(*measure).To(MatchFields(IgnoreExtras, Fields{
				"Suite": Equal("quality"), "Requirement": Equal("COMP-01"), "Measure": Equal("completeness:Patient.birthDate"),
				"Numerator": BeEquivalentTo(1), "Denominator": BeEquivalentTo(2), "Limit": HavePrefix("below "),
			}))
			Expect(v.Rules[measure.Rule].Source).To(HavePrefix("measures completeness:"))
		})

		It("stops counting expired waivers, judged against the report's as-of date", func() {
			v := waived("2026-02-28").Decide(failing())
			Expect(v.Decision).To(Equal(model.NotCertified))
			Expect(v.Reasons).To(ContainElements(
				HavePrefix("SHALL fhir-r4-structure/STRUCT-02"),
				HavePrefix("quality/COMP-01 completeness:Patient.birthDate on feed: 1/2 = 50%"),
				"waiver for STRUCT-02 expired on 2026-02-28 (report as of 2026-03-01): it no longer counts",
			))
		})

		It("falls back to the day the run started when the report has no as-of date", func() {
			r := failing()
			r.AsOf = ""
			r.StartedAt = time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC)
			Expect(waived("2026-02-28").Decide(r).Decision).To(Equal(model.Certified))
		})
	})
})

var _ = Describe("Load and Regrade", func() {
	It("re-grades a stored report under another policy without re-running", func() {
		stored, err := json.Marshal(report(append(shouldResults(10, 3), result("s", "R", model.Shall, model.Pass))...))
		Expect(err).NotTo(HaveOccurred())
		var rep model.Report
		Expect(json.Unmarshal(stored, &rep)).To(Succeed())

		policy.Regrade(&rep, policy.AllShall{})
		Expect(rep.Verdict.Decision).To(Equal(model.Certified))
		policy.Regrade(&rep, build(tiered))
		Expect(rep.Verdict.Decision).To(Equal(model.ConditionallyCertified))
		Expect(rep.Verdict.Policy).To(HavePrefix("county procurement: every SHALL requirement passes; SHOULD pass rate at least 90%"))
	})

	It("reads the policy section of a plan file, ignoring the plan's other keys", func() {
		p := build("name: x\nsuites: [a]\npolicy:\n  rules:\n    - require: pass-rate\n      min: 50\n")
		Expect(p.Name()).To(Equal("pass rate at least 50%"))
	})

	It("says so when given a plan that has no policy section", func() {
		Expect(loadErr("suites: [fhir-r4-structure]\nvendor: {name: Acme}\n")).To(MatchError(ContainSubstring("a plan without a policy section")))
	})

	It("names the file and line of a mistake in a bare policy file", func() {
		err := loadErr("rules:\n  - require: all-pass\n    levle: SHALL\nwaivrs: []\n")
		Expect(err).To(MatchError(ContainSubstring(`policy.yaml:3:12: rules[0].levle: unknown field "levle": did you mean level?`)))
		Expect(err).To(MatchError(ContainSubstring(`policy.yaml:4:9: waivrs: unknown field "waivrs": did you mean waivers?`)))
	})

	It("names the file, line and column of a bad value, in a bare policy file or a plan's section", func() {
		err := loadErr("rules:\n  - require: exercized\n    level: SHALL\n")
		Expect(err).To(MatchError(ContainSubstring(`policy.yaml:2:14: rules[0].require: rules[0]: require: unknown "exercized": did you mean exercised?`)))
		err = loadErr("name: plan\npolicy:\n  rules:\n    - require: exercised\n      level: MUST\n")
		Expect(err).To(MatchError(ContainSubstring(`policy.yaml:5:14: policy.rules[0].level: rules[0]: level: "MUST" is not a level`)))
		err = loadErr("waivers:\n  - requirement: S/R\n    justification: j\n    expires: soon\n")
		Expect(err).To(MatchError(ContainSubstring(`policy.yaml:4:14: waivers[0].expires: waivers[0] (S/R): expires: "soon" is not a date`)))
	})

	It("says when the policy file is missing or empty", func() {
		_, err := policy.Load(filepath.Join(GinkgoT().TempDir(), "nope.yaml"))
		Expect(err).To(MatchError(ContainSubstring("nope.yaml: no such file")))
		Expect(loadErr("")).To(MatchError(ContainSubstring("empty file")))
	})
})

var _ = Describe("the example procurement policy", func() {
	It("loads, and conditionally certifies a feed with too many dangling references", func() {
		p, err := policy.Load(filepath.Join("..", "..", "examples", "procurement-policy.yaml"))
		Expect(err).NotTo(HaveOccurred())
		rep := report(
			result("fhir-r4-structure", "STRUCT-01", model.Shall, model.Pass),
			result("fhir-r4-terminology", "TERM-04", model.Shall, model.Fail),
			result("dq-core", "DQ-REF-01", model.Should, model.Fail, model.Measure{Name: "dq.conformance.verification.dangling", Numerator: 86, Denominator: 5956}),
			result("dq-core", "DQ-COMP-01", model.Should, model.Pass, model.Measure{Name: "dq.completeness.verification.missing", Numerator: 0, Denominator: 1196}),
		)
		v := p.Decide(rep)
		Expect(v.Decision).To(Equal(model.ConditionallyCertified))
		Expect(v.Conditions).To(ConsistOf(
			"SHOULD pass rate at least 90% (else conditional): 1 of 2 result(s) passed (50%)",
			"dq-core/DQ-REF-01 dq.conformance.verification.dangling on feed: 86/5956 = 1.44%, above 1%",
		))
		Expect(v.Reasons).To(ContainElement(HavePrefix("waived: fhir-r4-terminology/TERM-04 until 2026-06-30")))
	})
})

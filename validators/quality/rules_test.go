package quality_test

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/quality"
)

// records parses NDJSON lines into loaded records of file "t.ndjson".
func records(lines ...string) []*model.Record {
	var out []*model.Record
	err := fhir.ReadStream("t.ndjson", strings.NewReader(strings.Join(lines, "\n")+"\n"), func(r *model.Record) error {
		r.Load()
		Expect(r.Problem).To(BeNil(), "test input must parse")
		out = append(out, r)
		return nil
	})
	Expect(err).NotTo(HaveOccurred())
	return out
}

// run compiles one check from params and runs records through it.
func run(typ string, params params.Params, recs []*model.Record) (*model.Tally, model.Outcome, string) {
	c, err := registry().Compile(check.Spec{Requirement: "R1", Type: typ, Params: params, Source: "test"}, env())
	Expect(err).NotTo(HaveOccurred())
	t := model.NewTally(100)
	s := c.NewState()
	for _, r := range recs {
		if c.Applies(r) {
			fs := s.Observe(r)
			for i := range fs {
				fs[i].Requirement = "R1"
			}
			t.Observe(fs)
		}
	}
	s.Finish(t)
	o, msg := c.(check.Grader).Grade(t)
	return t, o, msg
}

func compileErr(typ string, params params.Params) error {
	_, err := registry().Compile(check.Spec{Requirement: "R1", Type: typ, Params: params, Source: "suite.yaml:3"}, env())
	return err
}

var _ = Describe("date ranges", func() {
	It("widen partial dates to the whole period they mean", func() {
		lo, hi, ok := quality.DayRange("2020")
		Expect(ok).To(BeTrue())
		Expect(hi - lo).To(Equal(int32(365))) // 2020 is a leap year: 366 days
		lo, hi, ok = quality.DayRange("2021-02")
		Expect(ok).To(BeTrue())
		Expect(hi - lo).To(Equal(int32(27)))
		_, _, ok = quality.DayRange("2021-02-30")
		Expect(ok).To(BeFalse())
		_, _, ok = quality.DayRange("01/02/2020")
		Expect(ok).To(BeFalse())
		a, b, ok := quality.DayRange("2020-05-07T23:30:00-05:00")
		Expect(ok).To(BeTrue())
		Expect(a).To(Equal(b))
	})
})

var _ = Describe("value ranges", func() {
	heart := quality.BuiltinRanges()[0]
	var weight, temp, glucose quality.Range
	for _, r := range quality.BuiltinRanges() {
		switch r.Code {
		case "29463-7":
			weight = r
		case "8310-5":
			temp = r
		case "2339-0":
			glucose = r
		}
	}

	It("convert units of the same dimension and code-specific ones", func() {
		v, ok := weight.Convert(150, "[lb_av]")
		Expect(ok).To(BeTrue())
		Expect(v).To(BeNumerically("~", 68.04, 0.01))
		v, _ = temp.Convert(98.6, "[degF]")
		Expect(v).To(BeNumerically("~", 37, 0.001))
		v, _ = temp.Convert(310.15, "K")
		Expect(v).To(BeNumerically("~", 37, 0.001))
		v, _ = heart.Convert(2, "/s")
		Expect(v).To(BeNumerically("~", 120, 1e-9))
		v, ok = glucose.Convert(5.5, "mmol/L")
		Expect(ok).To(BeTrue())
		Expect(v).To(BeNumerically("~", 99.09, 0.01))
		_, ok = weight.Convert(5, "Cel")
		Expect(ok).To(BeFalse())
	})

	obs := func(id, code, value, unit string) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":"%s","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"%s"}]},"valueQuantity":{"value":%s,"code":"%s"}}`, id, code, value, unit)
	}

	It("judge values after conversion, flag unconvertible units, and accept suite ranges", func() {
		recs := records(
			obs("a", "29463-7", "150", "[lb_av]"),  // 68 kg: fine
			obs("b", "29463-7", "1000", "[lb_av]"), // 454 kg: too heavy
			obs("c", "8310-5", "98.6", "[degF]"),   // fine
			obs("d", "8310-5", "60", "Cel"),        // too hot
			obs("e", "8867-4", "80", "[stone]"),    // no such conversion
			obs("f", "9999-9", "5", "mg"),          // no range: not counted
			`{"resourceType":"Observation","id":"g","status":"final","code":{"text":"BP"},"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":400,"code":"mm[Hg]"}}]}`,
		)
		t, outcome, _ := run("dq-value-range", params.Params{}, recs)
		m, _ := t.Lookup("dq.plausibility.atemporal.validation.out-of-range")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{4, 6}))
		Expect(outcome).To(Equal(model.Fail))
		var got []string
		for _, f := range t.Sample() {
			got = append(got, f.Record+" "+f.Path+" "+f.Code)
		}
		Expect(got).To(ConsistOf(
			"Observation/b Observation.valueQuantity.value dq.plausibility.atemporal.validation.out-of-range",
			"Observation/d Observation.valueQuantity.value dq.plausibility.atemporal.validation.out-of-range",
			"Observation/e Observation.valueQuantity.code dq.plausibility.atemporal.validation.unit",
			"Observation/g Observation.component[0].valueQuantity.value dq.plausibility.atemporal.validation.out-of-range",
		))

		// A suite's own range replaces the built-in one for that code.
		t, _, _ = run("dq-value-range", params.Params{"ranges": []any{
			map[string]any{"code": "8310-5", "unit": "Cel", "low": 30, "high": 70},
			map[string]any{"code": "9999-9", "unit": "g", "low": 0.1, "high": 1},
		}}, recs)
		m, _ = t.Lookup("dq.plausibility.atemporal.validation.out-of-range")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{4, 7})) // d now fine, f (5 mg) too light
	})
})

var _ = Describe("element selection", func() {
	patient := `{"resourceType":"Patient","id":"p1","identifier":[{"system":"urn:other","value":"x"},{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}],"name":[{"family":"Smith","given":["Ann","Bea"]}],"deceasedDateTime":"2020-01-01"}`
	sel := func(expr string) []quality.Node {
		s, err := quality.FHIRPaths().Compile(expr)
		Expect(err).NotTo(HaveOccurred())
		nodes, err := s.Select(records(patient)[0])
		Expect(err).NotTo(HaveOccurred())
		return nodes
	}

	It("follows FHIRPath-style paths with where(), indices, first() and choice types", func() {
		Expect(sel("Patient.identifier.where(system='https://fhir.nhs.uk/Id/nhs-number').value")).To(Equal([]quality.Node{{Path: "Patient.identifier[1].value", Value: "9434765919"}}))
		Expect(sel("Patient.name.given")).To(HaveLen(2))
		Expect(sel("Patient.name.given[1]")).To(Equal([]quality.Node{{Path: "Patient.name[0].given[1]", Value: "Bea"}}))
		Expect(sel("Patient.identifier.first().system")).To(Equal([]quality.Node{{Path: "Patient.identifier[0].system", Value: "urn:other"}}))
		Expect(sel("Patient.deceased")).To(Equal([]quality.Node{{Path: "Patient.deceasedDateTime", Value: "2020-01-01"}}))
		Expect(sel("Observation.status")).To(BeEmpty())
		Expect(sel("Patient.telecom.value")).To(BeEmpty())
	})

	It("locates the elements any FHIRPath expression selects, and computed values at the expression", func() {
		Expect(sel("Patient.identifier.where(system.endsWith('nhs-number')).value")).To(Equal([]quality.Node{{Path: "Patient.identifier[1].value", Value: "9434765919"}}))
		Expect(sel("Patient.name.given.count()")).To(HaveLen(1))
		Expect(sel("Patient.name.exists(family = 'Jones')")).To(Equal([]quality.Node{{Path: "Patient.name.exists(family = 'Jones')", Value: false}}))
	})

	DescribeTable("rejects expressions it cannot compile, saying why",
		func(expr, want string) {
			_, err := quality.FHIRPaths().Compile(expr)
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("no type", "birthDate", "starts with the resource type"),
		Entry("unbalanced", "Patient.identifier.where(system='x'", `expected ")"`),
		Entry("empty step", "Patient..name", "expected a name after '.'"),
		Entry("unknown function", "Patient.name.frobnicate()", "frobnicate"),
	)

	It("reports an expression that fails on a record as a finding, not as absence", func() {
		recs := records(patient)
		t, _, _ := run("dq-completeness", params.Params{"element": "Patient.name.given.single()"}, recs)
		Expect(t.Errors).To(Equal(int64(1)))
		f := t.Sample()[0]
		Expect(f.Code).To(Equal("quality.selection"))
		Expect(f.Message).To(ContainSubstring("cannot evaluate a selection of requirement R1"))
		Expect(f.Record).To(Equal("Patient/p1"))
		Expect(t.Sample()).To(HaveLen(1))
		_, ok := t.Lookup("dq.completeness.verification.missing")
		Expect(ok).To(BeTrue())
		m, _ := t.Lookup("dq.completeness.verification.missing")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{0, 0}))
	})
})

var _ = Describe("suite parameters", func() {
	DescribeTable("are checked when the suite is compiled",
		func(typ string, params params.Params, want string) {
			err := compileErr(typ, params)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(want))
			Expect(err.Error()).To(ContainSubstring("suite.yaml:3"))
		},
		Entry("misspelt parameter", "dq-completeness", params.Params{"element": "Patient.gender", "treshold": "5%"}, `unknown parameter(s) treshold`),
		Entry("share without percent", "dq-completeness", params.Params{"element": "Patient.gender", "fail": "5"}, `write a share as a percentage`),
		Entry("percentage over 100", "dq-completeness", params.Params{"element": "Patient.gender", "fail": "150%"}, `between 0% and 100%`),
		Entry("no element", "dq-completeness", params.Params{}, `"element" (or "any_of") is required`),
		Entry("element and any_of", "dq-completeness", params.Params{"element": "Patient.gender", "any_of": []any{"Patient.name"}}, "not both"),
		Entry("bad path", "dq-completeness", params.Params{"element": "gender"}, `"gender": an expression starts with the resource type`),
		Entry("unknown kind", "dq-completeness", params.Params{"element": "x", "kind": "exchange"}, `no selection language for record kind "exchange" (known: csv, fhir, hl7v2)`),
		Entry("unknown category", "dq-completeness", params.Params{"element": "Patient.gender", "category": "accuracy"}, `is not a category`),
		Entry("unknown context", "dq-completeness", params.Params{"element": "Patient.gender", "context": "guess"}, `want verification or validation`),
		Entry("unknown format", "dq-value-format", params.Params{"element": "Patient.gender", "format": "nhs"}, `unknown format "nhs"`),
		Entry("two matchers", "dq-value-format", params.Params{"element": "Patient.gender", "format": "date", "values": []any{"x"}}, `exactly one of format, pattern or values`),
		Entry("bad pattern", "dq-value-format", params.Params{"element": "Patient.gender", "pattern": "("}, `parameter "pattern"`),
		Entry("unique without key", "dq-unique", params.Params{}, `resource_id: true or key`),
		Entry("references without elements", "dq-references", params.Params{}, `"references"`),
		Entry("range low above high", "dq-value-range", params.Params{"ranges": []any{map[string]any{"code": "1", "unit": "kg", "low": 5, "high": 1}}}, `low 5 is above high 1`),
		Entry("range unknown unit", "dq-value-range", params.Params{"ranges": []any{map[string]any{"code": "1", "unit": "stone", "low": 1, "high": 5}}}, `unit "stone"`),
		Entry("timeliness without limit", "dq-timeliness", params.Params{"events": []any{"Observation.effective"}}, `"max_lag"`),
		Entry("bad duration", "dq-timeliness", params.Params{"events": []any{"Observation.effective"}, "max_lag": "soon"}, `not a duration`),
		Entry("freshness with warn", "dq-freshness", params.Params{"max_age": "2d", "warn": "5%"}, `max_age and warn_age`),
		Entry("drift method", "dq-drift", params.Params{"element": "Patient.gender", "method": "ks"}, `want psi or chi-square`),
		Entry("drift bins", "dq-drift", params.Params{"element": "Patient.gender", "bins": []any{3, 1}}, `edges must increase`),
		Entry("drift baseline missing", "dq-drift", params.Params{"element": "Patient.gender", "baseline": "/nonexistent/report.json"}, `baseline: open /nonexistent/report.json`),
		Entry("maturity tolerance count", "dq-maturity", params.Params{"items": []any{map[string]any{"name": "g", "element": "Patient.gender", "tolerance": 3}}}, `tolerance is a percentage`),
		// A required parameter written empty is refused in one place, the
		// parameter decoder, at its line, for every check.
		Entry("value format, element empty", "dq-value-format", params.Params{"element": "", "format": "date"}, `parameter "element" is required, and is empty`),
		Entry("default values, values empty", "dq-default-values", params.Params{"element": "Patient.gender", "values": []any{}}, `parameter "values" is required, and is empty`),
		Entry("drift, element empty", "dq-drift", params.Params{"element": ""}, `parameter "element" is required, and is empty`),
		Entry("references, list empty", "dq-references", params.Params{"references": []any{}}, `parameter "references" is required, and is empty`),
		Entry("not in the future, list empty", "dq-not-future", params.Params{"elements": []any{}}, `parameter "elements" is required, and is empty`),
		Entry("date order, later empty", "dq-date-order", params.Params{"earlier": "Encounter.period.start", "later": ""}, `parameter "later" is required, and is empty`),
		Entry("within life, events empty", "dq-within-life", params.Params{"events": []any{}}, `parameter "events" is required, and is empty`),
		Entry("timeliness, events empty", "dq-timeliness", params.Params{"events": []any{}, "max_lag": "1d"}, `parameter "events" is required, and is empty`),
		Entry("timeliness, no lag", "dq-timeliness", params.Params{"events": []any{"Observation.effective"}, "max_lag": "0s"}, `parameter "max_lag": must be positive (e.g. 24h, 14d), got 0s`),
		Entry("range without unit", "dq-value-range", params.Params{"ranges": []any{map[string]any{"code": "1", "unit": "", "low": 1, "high": 5}}}, `parameter "unit" is required, and is empty`),
		Entry("maturity item without element", "dq-maturity", params.Params{"items": []any{map[string]any{"name": "g", "element": ""}}}, `parameter "element" is required, and is empty`),
		Entry("maturity without items", "dq-maturity", params.Params{"items": []any{}}, `parameter "items" is required, and is empty`),
		Entry("maturity duplicate item", "dq-maturity", params.Params{"items": []any{map[string]any{"name": "g", "element": "Patient.gender"}, map[string]any{"name": "g", "element": "Patient.gender"}}}, `duplicate item name`),
	)
})

var _ = Describe("thresholds", func() {
	pats := func(n, missing int) []*model.Record {
		var lines []string
		for i := 0; i < n; i++ {
			g := `,"gender":"female"`
			if i < missing {
				g = `,"gender":"  "`
			}
			lines = append(lines, fmt.Sprintf(`{"resourceType":"Patient","id":"p%d"%s}`, i, g))
		}
		return records(lines...)
	}

	It("apply percentages to the denominator and counts to the numerator", func() {
		recs := pats(200, 6) // 3%, blank strings are not values
		_, o, msg := run("dq-completeness", params.Params{"element": "Patient.gender", "warn": "2%", "fail": "5%"}, recs)
		Expect(o).To(Equal(model.Warn))
		Expect(msg).To(Equal("6 of 200 record(s) missing Patient.gender (3.00%), above the warn limit 2%"))
		_, o, _ = run("dq-completeness", params.Params{"element": "Patient.gender", "fail": 5}, recs)
		Expect(o).To(Equal(model.Fail))
		_, o, _ = run("dq-completeness", params.Params{"element": "Patient.gender", "fail": 6}, recs)
		Expect(o).To(Equal(model.Pass))
		_, o, _ = run("dq-completeness", params.Params{"element": "Patient.gender"}, pats(10, 0))
		Expect(o).To(Equal(model.Pass))
		_, o, msg = run("dq-completeness", params.Params{"element": "Patient.gender"}, nil)
		Expect(o).To(Equal(model.Skip))
		Expect(msg).To(Equal("no applicable records"))
	})

	It("count any of a set as complete", func() {
		recs := records(
			`{"resourceType":"Patient","id":"a","telecom":[{"system":"phone","value":"0113"}]}`,
			`{"resourceType":"Patient","id":"b","address":[{"line":["1 Road"]}]}`,
			`{"resourceType":"Patient","id":"c","address":[{"extension":[{"url":"x","valueString":"y"}]}]}`,
		)
		t, _, _ := run("dq-completeness", params.Params{"any_of": []any{"Patient.telecom", "Patient.address"}}, recs)
		m, _ := t.Lookup("dq.completeness.verification.missing")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 3}))
		Expect(t.Sample()[0].Record).To(Equal("Patient/c"))
	})
})

var _ = Describe("temporal plausibility", func() {
	It("judges future dates against the plan's date with a tolerance", func() {
		recs := records(
			`{"resourceType":"Observation","id":"today","effectiveDateTime":"2026-01-01T23:00:00Z"}`,
			`{"resourceType":"Observation","id":"tomorrow","effectiveDateTime":"2026-01-02T08:00:00Z"}`,
			`{"resourceType":"Observation","id":"later","effectiveDateTime":"2026-01-05"}`,
			`{"resourceType":"Observation","id":"period","effectivePeriod":{"start":"2027-01-01"}}`,
		)
		t, _, _ := run("dq-not-future", params.Params{"elements": []any{"Observation.effective"}, "tolerance": "1d"}, recs)
		var got []string
		for _, f := range t.Sample() {
			got = append(got, f.Record)
		}
		Expect(got).To(Equal([]string{"Observation/later", "Observation/period"}))
	})

	It("relates events to birth and death whatever the order of the feed", func() {
		recs := records(
			`{"resourceType":"Observation","id":"o1","subject":{"reference":"Patient/p1"},"effectiveDateTime":"1979-12-31T10:00:00Z"}`,
			`{"resourceType":"Observation","id":"o2","subject":{"reference":"Patient/p1"},"effectiveDateTime":"1980"}`,
			`{"resourceType":"Observation","id":"o3","subject":{"reference":"Patient/p1"},"effectiveDateTime":"2021-01-01"}`,
			`{"resourceType":"Encounter","id":"e1","subject":{"reference":"https://x.nhs.uk/fhir/Patient/p1"},"period":{"start":"2019-06-01"}}`,
			`{"resourceType":"Observation","id":"o4","subject":{"reference":"Patient/nobody"},"effectiveDateTime":"1900-01-01"}`,
			`{"resourceType":"Patient","id":"p1","birthDate":"1980-03-01","deceasedDateTime":"2020-12-31T23:00:00+00:00"}`,
		)
		t, _, _ := run("dq-within-life", params.Params{"events": []any{"Observation.effective", "Encounter.period.start"}}, recs)
		m, _ := t.Lookup("dq.plausibility.temporal.validation.outside-life")
		// o1 before birth; o2 ("1980") may be after 1 March; o3 after death;
		// o4's patient is unknown and not counted.
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{2, 4}))
		var got []string
		for _, f := range t.Sample() {
			got = append(got, f.Record+" "+f.Path+" "+f.Code)
		}
		Expect(got).To(ConsistOf(
			"Observation/o1 Observation.effectiveDateTime dq.plausibility.temporal.validation.before-birth",
			"Patient/p1 Patient.deceased dq.plausibility.temporal.validation.after-death",
		))
	})

	It("compares dates of unequal precision only when they surely disagree", func() {
		recs := records(
			`{"resourceType":"Encounter","id":"ok","period":{"start":"2020-05-01T10:00:00Z","end":"2020"}}`,
			`{"resourceType":"Encounter","id":"bad","period":{"start":"2020-05-01T10:00:00Z","end":"2020-05-01T09:59:00Z"}}`,
			`{"resourceType":"Encounter","id":"open","period":{"start":"2020-05-01T10:00:00Z"}}`,
		)
		t, _, _ := run("dq-date-order", params.Params{"earlier": "Encounter.period.start", "later": "Encounter.period.end"}, recs)
		m, _ := t.Lookup("dq.plausibility.temporal.verification.order")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 2}))
	})

	It("grades feed freshness from the stored age", func() {
		recs := records(
			`{"resourceType":"Patient","id":"a","meta":{"lastUpdated":"2025-12-01T00:00:00Z"}}`,
			`{"resourceType":"Patient","id":"b","meta":{"lastUpdated":"2025-12-20T00:00:00Z"}}`,
		)
		t, o, msg := run("dq-freshness", params.Params{"max_age": "10d", "warn_age": "3d"}, recs)
		Expect(o).To(Equal(model.Fail))
		Expect(msg).To(ContainSubstring("13.0 days"))
		m, _ := t.Lookup("dq.plausibility.temporal.validation.age-hours")
		Expect(m.Numerator).To(Equal(int64(13 * 24)))
		Expect(t.Sample()[0].Record).To(Equal("Patient/b"))
		_, o, _ = run("dq-freshness", params.Params{"max_age": "20d", "warn_age": "3d"}, recs)
		Expect(o).To(Equal(model.Warn))
	})
})

var _ = Describe("bad input", func() {
	It("never panics on elements of unexpected shape", func() {
		recs := records(
			`{"resourceType":"Patient","id":"x","identifier":"9434765919","name":"Smith","birthDate":19800101,"address":{"postalCode":["LS1"]},"gender":true,"deceasedBoolean":false,"meta":"new"}`,
			`{"resourceType":"Observation","id":"y","subject":"Patient/x","code":"8867-4","valueQuantity":{"value":"fast"},"effectiveDateTime":"yesterday","issued":5,"component":"none","meta":{"lastUpdated":7}}`,
			`{"resourceType":"Encounter","period":[1,2],"subject":{"reference":42}}`,
			`{"resourceType":"MedicationRequest","id":"m","requester":{"reference":"#contained"},"authoredOn":null}`,
		)
		reg := registry()
		for _, id := range []string{"dq-core", "nhs-demographics"} {
			s, err := suitesBuiltin(id, reg)
			Expect(err).NotTo(HaveOccurred())
			for _, req := range s.Requirements {
				c, err := reg.Compile(req.Spec(), env())
				Expect(err).NotTo(HaveOccurred())
				st := c.NewState()
				t := model.NewTally(0)
				Expect(func() {
					for _, r := range recs {
						if c.Applies(r) {
							t.Observe(st.Observe(r))
						}
					}
					st.Finish(t)
				}).NotTo(Panic(), req.ID)
			}
		}
	})
})

var _ = Describe("referential integrity", func() {
	It("resolves relative and absolute references across the feed, and honours the external set", func() {
		recs := records(
			`{"resourceType":"Observation","id":"o1","subject":{"reference":"Patient/p1"},"performer":[{"reference":"Practitioner/gp1"},{"reference":"Organization/RX1"}]}`,
			`{"resourceType":"Observation","id":"o2","subject":{"reference":"https://fhir.example.nhs.uk/R4/Patient/p1/_history/3"}}`,
			`{"resourceType":"Observation","id":"o3","subject":{"reference":"Patient/p9"},"performer":[{"reference":"#c1"},{"identifier":{"value":"G123"}},{"reference":"urn:uuid:0a1b"}]}`,
			`{"resourceType":"Observation","id":"o4","subject":{"reference":"Patient/p9"}}`,
			`{"resourceType":"Patient","id":"p1"}`,
			`{"resourceType":"Patient","id":"p9x"}`,
		)
		t, o, msg := run("dq-references", params.Params{
			"references": []any{"Observation.subject", "Observation.performer"},
			"external":   []any{"Organization/RX1", "Practitioner/*"},
		}, recs)
		Expect(o).To(Equal(model.Fail))
		// urn:uuid:0a1b names no Bundle entry of the feed.
		Expect(msg).To(HavePrefix("3 of 7 reference(s) that do not resolve"))
		m, _ := t.Lookup("dq.conformance.verification.dangling:Observation.subject")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{2, 4}))
		m, _ = t.Lookup("dq.conformance.verification.dangling:Observation.performer")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 3}))
		Expect(t.Sample()).To(HaveLen(2))
		f := t.Sample()[1]
		Expect(f.Location).To(Equal(model.Location{File: "t.ndjson", Line: 3, Record: "Observation/o3", Path: "Observation.subject.reference"}))
		Expect(f.Message).To(Equal("Patient/p9 does not resolve to a record of the feed: 2 reference(s) from Observation.subject, first here"))
		Expect(f.Evidence).To(Equal("Patient/p9"))
		Expect(t.Sample()[0].Evidence).To(Equal("urn:uuid:0a1b"))
	})

	It("resolves urn:uuid references to the entries of a Bundle", func() {
		var recs []*model.Record
		bundle := `{"resourceType":"Bundle","id":"b","type":"transaction","entry":[
  {"fullUrl":"urn:uuid:5f1d","resource":{"resourceType":"Patient","id":"5f1d","birthDate":"1990-01-01"}},
  {"fullUrl":"urn:uuid:77aa","resource":{"resourceType":"Observation","id":"77aa","subject":{"reference":"urn:uuid:5f1d"},"effectiveDateTime":"1985-06-01"}},
  {"fullUrl":"urn:uuid:88bb","resource":{"resourceType":"Observation","id":"88bb","subject":{"reference":"urn:uuid:dead"}}}
]}`
		Expect(fhir.ReadStream("bundle.json", strings.NewReader(bundle), func(r *model.Record) error {
			r.Load()
			recs = append(recs, r)
			return nil
		})).To(Succeed())
		t, _, _ := run("dq-references", params.Params{"references": []any{"Observation.subject"}}, recs)
		m, _ := t.Lookup("dq.conformance.verification.dangling")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 2}))
		Expect(t.Sample()[0].Record).To(Equal("Observation/88bb"))
		Expect(t.Sample()[0].Line).To(Equal(4))

		t, _, _ = run("dq-within-life", params.Params{"events": []any{"Observation.effective"}}, recs)
		m, _ = t.Lookup("dq.plausibility.temporal.validation.before-birth")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 1}))
	})
})

var _ = Describe("tolerances for real exports", func() {
	It("tolerate records shortly after death, such as the death certificate", func() {
		recs := records(
			`{"resourceType":"Patient","id":"p","birthDate":"1950","deceasedDateTime":"2016-12-10T02:39:21+00:00"}`,
			`{"resourceType":"Observation","id":"cause","subject":{"reference":"Patient/p"},"effectiveDateTime":"2016-12-17T02:39:21+00:00"}`,
			`{"resourceType":"Observation","id":"late","subject":{"reference":"Patient/p"},"effectiveDateTime":"2016-12-25"}`,
		)
		t, _, _ := run("dq-within-life", params.Params{"events": []any{"Observation.effective"}, "death_tolerance": "14d"}, recs)
		m, _ := t.Lookup("dq.plausibility.temporal.validation.after-death")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 2}))
		Expect(t.Sample()[0].Message).To(HavePrefix("1 event(s) of this patient are dated after their death, the latest Observation/late"))
		Expect(compileErr("dq-within-life", params.Params{"events": []any{"Observation.effective"}, "death_tolerance": "36h"})).
			To(MatchError(ContainSubstring("whole number of days")))
	})

	It("check uniqueness per file when asked, for folders of per-patient Bundles", func() {
		var recs []*model.Record
		for _, file := range []string{"a.ndjson", "b.ndjson"} {
			Expect(fhir.ReadStream(file, strings.NewReader(`{"resourceType":"Organization","id":"org1"}`+"\n"+`{"resourceType":"Patient","id":"`+file+`"}`+"\n"), func(r *model.Record) error {
				r.Load()
				recs = append(recs, r)
				return nil
			})).To(Succeed())
		}
		t, _, _ := run("dq-unique", params.Params{"resource_id": true}, recs)
		m, _ := t.Lookup("dq.plausibility.uniqueness.verification.duplicate-id")
		Expect(m.Numerator).To(Equal(int64(1)))
		Expect(t.Sample()[0].Location).To(Equal(model.Location{File: "b.ndjson", Line: 1, Record: "Organization/org1"}))
		t, _, _ = run("dq-unique", params.Params{"resource_id": true, "per_file": true}, recs)
		m, _ = t.Lookup("dq.plausibility.uniqueness.verification.duplicate-id")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{0, 4}))
	})
})

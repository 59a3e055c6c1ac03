package quality_test

import (
	"fmt"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/suites"
)

var suitesBuiltin = suites.Builtin

var _ = Describe("the built-in quality suites on a generated feed", Ordered, func() {
	var (
		rep      *model.Report
		manifest *fixtures.Manifest
		recs     []*model.Record
		byType   map[string]int64
	)
	BeforeAll(func() {
		rep = runPlan(11, feedRecords, qualityDefects, "", "dq-core", "nhs-demographics")
		recs, manifest = generate(11, feedRecords, qualityDefects)
		byType = map[string]int64{}
		for _, r := range recs {
			byType[r.Type]++
		}
	})

	// expected returns the lines of the seeded defects a requirement must find.
	expected := func(req string) []int {
		var lines []int
		for _, d := range manifest.Defects {
			for _, det := range d.Detects {
				if det == req {
					lines = append(lines, d.Line())
				}
			}
		}
		sort.Ints(lines)
		return lines
	}
	found := func(req string) []int {
		id := req[strings.Index(req, "/")+1:]
		seen := map[int]bool{}
		var lines []int
		for _, f := range result(rep, id).Findings {
			if !seen[f.Line] {
				seen[f.Line] = true
				lines = append(lines, f.Line)
			}
		}
		sort.Ints(lines)
		return lines
	}

	It("seeds every quality defect kind at the requested count", func() {
		for k, n := range qualityDefects {
			Expect(manifest.Counts[k]).To(Equal(n), k)
		}
	})

	DescribeTable("finds every seeded defect at its line and nothing on clean records",
		func(req string) {
			want := expected(req)
			Expect(want).NotTo(BeEmpty())
			Expect(found(req)).To(Equal(want))
		},
		Entry("duplicate resource ids", "dq-core/DQ-UNIQ-01"),
		Entry("likely duplicate patients", "dq-core/DQ-UNIQ-02"),
		Entry("dangling references", "dq-core/DQ-REF-01"),
		Entry("future dates", "dq-core/DQ-TEMP-01"),
		Entry("period end before start", "dq-core/DQ-TEMP-02"),
		Entry("issued before effective", "dq-core/DQ-TEMP-03"),
		Entry("events outside the patient's life", "dq-core/DQ-TEMP-04"),
		Entry("implausible values", "dq-core/DQ-VAL-01"),
		Entry("late updates", "dq-core/DQ-TIME-01"),
		Entry("missing NHS numbers", "nhs-demographics/NHS-01"),
		Entry("invalid NHS numbers", "nhs-demographics/NHS-02"),
		Entry("duplicate NHS numbers", "nhs-demographics/NHS-03"),
		Entry("missing postcodes", "nhs-demographics/NHS-09"),
		Entry("invalid postcodes", "nhs-demographics/NHS-10"),
	)

	It("passes the requirements no defect was seeded for", func() {
		for _, req := range []string{"DQ-COMP-01", "DQ-COMP-02", "NHS-04", "NHS-05", "NHS-06", "NHS-07"} {
			r := result(rep, req)
			Expect(r.Outcome).To(Equal(model.Pass), req+": "+r.Message)
			Expect(r.Findings).To(BeEmpty(), req)
		}
	})

	It("records exact numerators and denominators", func() {
		c := manifest.Counts
		patients, obs, enc := byType["Patient"], byType["Observation"], byType["Encounter"]
		Expect(patients).To(Equal(int64(300)))
		check := func(req, name string, num, den int64) {
			m := measure(result(rep, req), name)
			Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{num, den}), req+" "+name)
		}
		check("DQ-UNIQ-01", "dq.plausibility.uniqueness.verification.duplicate-id", int64(c["duplicate-resource-id"]), feedRecords)
		// Patients without a postcode have no complete key.
		check("DQ-UNIQ-02", "dq.plausibility.uniqueness.validation.duplicate-key", int64(c["duplicate-patient"]+c["phonetic-duplicate-patient"]), patients-int64(c["missing-postcode"]))
		check("NHS-01", "dq.completeness.verification.missing", int64(c["missing-nhs-number"]), patients)
		check("NHS-02", "dq.conformance.verification.invalid", int64(c["invalid-nhs-number"]), patients-int64(c["missing-nhs-number"]))
		check("NHS-03", "dq.plausibility.uniqueness.verification.duplicate-key", int64(c["duplicate-nhs-number"]), patients-int64(c["missing-nhs-number"]))
		check("NHS-09", "dq.completeness.verification.missing", int64(c["missing-postcode"]), patients)
		check("NHS-10", "dq.conformance.verification.invalid", int64(c["invalid-postcode"]), patients-int64(c["missing-postcode"]))
		check("DQ-TEMP-01", "dq.plausibility.temporal.verification.future", int64(c["future-dated"]), feedRecords-byType["Organization"]-byType["Practitioner"])
		check("DQ-TEMP-02", "dq.plausibility.temporal.verification.order", int64(c["period-end-before-start"]), enc)
		check("DQ-TEMP-03", "dq.plausibility.temporal.verification.order", int64(c["issued-before-effective"]), obs)
		check("DQ-VAL-01", "dq.plausibility.atemporal.validation.out-of-range", int64(c["implausible-heart-rate"]), obs)
		check("DQ-TIME-01", "dq.plausibility.temporal.validation.late", int64(c["stale-last-updated"]), enc+obs+byType["MedicationRequest"])
		// References: per encounter subject, participant, provider; per
		// observation subject and encounter; per condition subject; per
		// request subject, encounter and requester; per patient organisation.
		refs := 3*enc + 2*obs + byType["Condition"] + 3*byType["MedicationRequest"] + patients
		check("DQ-REF-01", "dq.conformance.verification.dangling", int64(c["dangling-subject"]+c["dangling-requester"]), refs)
		check("DQ-REF-01", "dq.conformance.verification.dangling:Observation.subject", int64(c["dangling-subject"]), obs)
		check("DQ-REF-01", "dq.conformance.verification.dangling:MedicationRequest.requester", int64(c["dangling-requester"]), byType["MedicationRequest"])
	})

	It("counts every event of a patient who died before them", func() {
		r := result(rep, "DQ-TEMP-04")
		// Each dead patient has 2 encounters, 4 observations and a request,
		// less any whose subject was made to dangle.
		var dangling int
		dead := map[string]bool{}
		for _, d := range manifest.Defects {
			if d.Kind == "events-after-death" {
				dead[strings.TrimPrefix(d.Record, "Patient/")] = true
			}
		}
		for _, d := range manifest.Defects {
			if d.Kind == "dangling-subject" && dead[patientOfObservation(d.Record)] {
				dangling++
			}
		}
		after := measure(r, "dq.plausibility.temporal.validation.after-death")
		before := measure(r, "dq.plausibility.temporal.validation.before-birth")
		Expect(after.Numerator).To(Equal(int64(7*len(dead) - dangling)))
		Expect(before.Numerator).To(Equal(int64(manifest.Counts["observation-before-birth"])))
		Expect(measure(r, "dq.plausibility.temporal.validation.outside-life").Numerator).To(Equal(after.Numerator + before.Numerator))
	})

	It("counts default values against an independent count of the feed", func() {
		var unknown int64
		for _, rec := range recs {
			if rec.Type == "Patient" && rec.Resource()["gender"] == "unknown" {
				unknown++
			}
		}
		Expect(unknown).To(BeNumerically(">", 0))
		m := measure(result(rep, "NHS-08"), "dq.plausibility.atemporal.validation.default")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{unknown, 300}))
	})

	It("scores demographics maturity per item and on average", func() {
		r := result(rep, "NHS-11")
		c := manifest.Counts
		nhs := measure(r, "dq.maturity.item:NHS number")
		Expect(nhs.Numerator).To(Equal(int64(300 - c["missing-nhs-number"] - c["invalid-nhs-number"])))
		post := measure(r, "dq.maturity.item:postcode")
		Expect(post.Numerator).To(Equal(int64(300 - c["missing-postcode"] - c["invalid-postcode"])))
		score := measure(r, "dq.maturity.score")
		Expect(score.Denominator).To(Equal(int64(40000)))
		Expect(score.Rate()).To(BeNumerically(">", 0.8))
		Expect(score.Rate()).To(BeNumerically("<", 1))
	})

	It("grades by thresholds on the measures", func() {
		Expect(result(rep, "DQ-UNIQ-01").Outcome).To(Equal(model.Fail)) // any duplicate id fails
		Expect(result(rep, "NHS-01").Outcome).To(Equal(model.Warn))     // 4 of 300 is under 5%
		Expect(result(rep, "DQ-TIME-01").Outcome).To(Equal(model.Warn)) // 3 of 1900 is under 5%
		Expect(result(rep, "DQ-DRIFT-01").Outcome).To(Equal(model.Skip))
		Expect(result(rep, "DQ-DRIFT-01").Message).To(ContainSubstring("no baseline"))
	})

	It("locates findings by record and path, naming the requirement", func() {
		for _, f := range result(rep, "DQ-REF-01").Findings {
			Expect(f.Requirement).To(Equal("DQ-REF-01"))
			Expect(f.File).To(Equal("fixture-seed11.ndjson"))
			Expect(f.Record).To(MatchRegexp(`^(Observation|MedicationRequest)/`))
			Expect(f.Path).To(MatchRegexp(`\.(subject|requester)\.reference$`))
			Expect(f.Evidence).To(MatchRegexp(`^(Patient|Practitioner)/absent-`))
			Expect(f.Code).To(Equal("dq.conformance.verification.dangling"))
			Expect(f.Severity).To(Equal(model.Error)) // a SHALL rule's defects are errors
		}
		for _, f := range result(rep, "DQ-UNIQ-01").Findings {
			Expect(f.Message).To(MatchRegexp(`same resource id as Observation/obs-\d+-\d \(fixture-seed11\.ndjson:\d+\)`))
		}
	})

	It("redacts patient identifiers unless evidence is full", func() {
		for _, f := range result(rep, "NHS-02").Findings {
			Expect(f.Path).To(MatchRegexp(`^Patient\.identifier\[0\]\.value$`))
			Expect(f.Evidence).To(Equal("[redacted]"))
		}
		full := runPlan(11, feedRecords, qualityDefects, "full", "nhs-demographics")
		fs := result(full, "NHS-02").Findings
		Expect(fs).To(HaveLen(qualityDefects["invalid-nhs-number"]))
		for _, f := range fs {
			Expect(f.Evidence).To(MatchRegexp(`^\d{10}$`))
		}
	})

	It("finds nothing on a clean feed", func() {
		clean := runPlan(3, 1004, nil, "", "dq-core", "nhs-demographics")
		for _, t := range clean.Targets {
			for _, r := range t.Results {
				if r.Requirement == "NHS-08" {
					continue // unknown genders are information, counted not faulted
				}
				Expect(r.Findings).To(BeEmpty(), fmt.Sprintf("%s: %v", r.Requirement, r.Findings))
				Expect(r.Outcome).To(BeElementOf(model.Pass, model.Skip, model.Warn), r.Requirement+": "+r.Message)
			}
		}
	})
})

// patientOfObservation returns the patient id of a generated observation id
// ("Observation/obs-000012-3" → "pat-000012").
func patientOfObservation(rec string) string {
	id := strings.TrimPrefix(rec, "Observation/obs-")
	if i := strings.IndexByte(id, '-'); i > 0 {
		return "pat-" + id[:i]
	}
	return ""
}

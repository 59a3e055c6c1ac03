package diff_test

import (
	"bytes"
	"encoding/json"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/diff"
	"github.com/carecert/carecert/reports/reporttest"
)

// runs caches reports by release: runs are deterministic, and compiling the
// FHIR schema for each would dominate the specs' time. Specs get copies.
var runs = map[string][]byte{}

func run(release, defects string) *model.Report {
	key := release + "\x00" + defects
	if _, ok := runs[key]; !ok {
		rep, err := feeds.Run(reporttest.Feed{Vendor: "Oakfield", Release: release, Seed: 7, Records: 300, Defects: defects})
		Expect(err).NotTo(HaveOccurred())
		runs[key], err = json.Marshal(rep)
		Expect(err).NotTo(HaveOccurred())
	}
	var rep model.Report
	Expect(json.Unmarshal(runs[key], &rep)).To(Succeed())
	return &rep
}

var _ = Describe("Compare", func() {
	var baseline, release *model.Report
	BeforeEach(func() {
		// The baseline misspells resource types (STRUCT-01 fails); the release
		// fixes that but puts strings in boolean elements (STRUCT-02 fails).
		baseline = run("11.0", "unknown-resource-type=3")
		release = run("11.1", "wrong-type=2")
	})

	It("lists new failures, fixed and unchanged requirements", func() {
		d := diff.Compare(baseline, release)
		Expect(d.Entries).To(HaveLen(3))
		byReq := map[string]diff.Entry{}
		for _, e := range d.Entries {
			byReq[e.Requirement] = e
		}
		Expect(byReq["fhir-r4-structure/STRUCT-02"].Status).To(Equal(diff.NewFailure))
		Expect(byReq["fhir-r4-structure/STRUCT-02"].CurrentErrors).To(BeEquivalentTo(2))
		Expect(byReq["fhir-r4-structure/STRUCT-02"].FailingTargets).To(Equal([]string{"bulk export"}))
		Expect(byReq["fhir-r4-structure/STRUCT-01"].Status).To(Equal(diff.Fixed))
		Expect(byReq["fhir-r4-structure/STRUCT-01"].BaselineErrors).To(BeEquivalentTo(3))
		Expect(byReq["carecert/INPUT"].Status).To(Equal(diff.StillPass))
		Expect(d.NewFailures()).To(HaveLen(1))
		Expect(d.Entries[0].Requirement).To(Equal("fhir-r4-structure/STRUCT-02"), "regressions come first")
		Expect(d.Headline()).To(Equal("Oakfield 11.0 → Oakfield 11.1: 1 new failure(s), 1 fixed, 0 still failing, 1 still passing, 0 added, 0 removed"))
	})

	It("finds no regression when the release only fixes things", func() {
		d := diff.Compare(baseline, run("11.2", "none"))
		Expect(d.NewFailures()).To(BeEmpty())
		Expect(d.AnyFailing()).To(BeFalse())
		Expect(d.Counts[diff.Fixed]).To(Equal(1))
	})

	It("does not call a failure new when the baseline failed too", func() {
		d := diff.Compare(baseline, run("11.3", "unknown-resource-type=5"))
		Expect(d.NewFailures()).To(BeEmpty())
		Expect(d.AnyFailing()).To(BeTrue())
		Expect(d.Counts[diff.StillFails]).To(Equal(1))
	})

	It("tells requirements added and removed apart from regressions", func() {
		extra := model.Result{Suite: "uk-core", Requirement: "UKC-01", Level: model.Shall, Title: "t", Outcome: model.Fail}
		release.Targets[0].Results = append(release.Targets[0].Results, extra)
		baseline.Targets[0].Results = append(baseline.Targets[0].Results,
			model.Result{Suite: "old", Requirement: "GONE", Level: model.May, Title: "t", Outcome: model.Pass},
			model.Result{Suite: "quality", Requirement: "SKIPPED", Level: model.May, Title: "t", Outcome: model.Skip})
		release.Targets[0].Results = append(release.Targets[0].Results,
			model.Result{Suite: "quality", Requirement: "SKIPPED", Level: model.May, Title: "t", Outcome: model.Fail})
		d := diff.Compare(baseline, release)
		Expect(d.Counts[diff.Added]).To(Equal(2), "new in the release, or skipped in the baseline")
		Expect(d.Counts[diff.Removed]).To(Equal(1))
		Expect(d.NewFailures()).To(HaveLen(1))
	})

	It("matches requirements whatever the targets are called, taking the worst outcome over targets", func() {
		second := release.Targets[0]
		second.Name = "second feed"
		second.Results = append([]model.Result{}, second.Results...)
		for i := range second.Results {
			second.Results[i].Outcome = model.Pass
		}
		release.Targets = append(release.Targets, second)
		release.Targets[0].Name = "renamed"
		d := diff.Compare(baseline, release)
		Expect(d.NewFailures()).To(HaveLen(1))
		Expect(d.NewFailures()[0].FailingTargets).To(Equal([]string{"renamed"}))
	})

	It("lists measures that moved even when the outcome did not, summed over targets", func() {
		completeness := func(num, den int64) []model.Measure {
			return []model.Measure{{Name: "completeness:Patient.birthDate", Numerator: num, Denominator: den}, {Name: "steady", Numerator: 1, Denominator: 2}}
		}
		baseline.Targets[0].Results[0].Measures = completeness(99, 100)
		release.Targets[0].Results[0].Measures = completeness(160, 200)
		d := diff.Compare(baseline, release)
		Expect(d.Measures).To(HaveLen(1), "a measure whose value is the same (1/2) is not listed")
		m := d.Measures[0]
		Expect(m.Requirement).To(Equal("carecert/INPUT"))
		Expect(m.Change()).To(BeNumerically("~", -19, 1e-9))

		var con, md bytes.Buffer
		Expect(d.Console(&con, false)).To(Succeed())
		Expect(con.String()).To(MatchRegexp(`completeness:Patient.birthDate\s+│ 99.0% \(99/100\)\s+│ 80.0% \(160/200\)\s+│ -19.00 pts`))
		Expect(d.Markdown(&md)).To(Succeed())
		Expect(md.String()).To(ContainSubstring("| `carecert/INPUT` | `completeness:Patient.birthDate` | 99.0% (99/100) | 80.0% (160/200) | -19.00 pts |"))
	})

	It("says first when the reports are of two vendors, and gives the verdict before any table", func() {
		baseline.Targets[0].Results[0].Measures = []model.Measure{{Name: "completeness:Patient.birthDate", Numerator: 99, Denominator: 100}}
		release.Targets[0].Results[0].Measures = []model.Measure{{Name: "completeness:Patient.birthDate", Numerator: 80, Denominator: 100}}
		release.Vendor.Name = "OAKFIELD "
		Expect(diff.Compare(baseline, release).OtherVendor).To(BeFalse(), "the same name in another case is the same vendor")

		release.Vendor.Name = "Riverside"
		d := diff.Compare(baseline, release)
		Expect(d.OtherVendor).To(BeTrue())
		var con bytes.Buffer
		Expect(d.Console(&con, false)).To(Succeed())
		lines := strings.Split(con.String(), "\n")
		Expect(lines[0]).To(Equal(`warning: these reports are of two different vendors: "Oakfield" (baseline) and "Riverside"; the changes below are between suppliers, not releases`))
		Expect(lines[1]).To(HavePrefix("verdict: "))
		Expect(strings.Index(con.String(), "verdict: ")).To(BeNumerically("<", strings.Index(con.String(), "Measures that moved")))

		var md bytes.Buffer
		Expect(d.Markdown(&md)).To(Succeed())
		Expect(md.String()).To(ContainSubstring("\n\n> **Warning:** these reports are of two different vendors:"))
		var js bytes.Buffer
		Expect(d.JSON(&js)).To(Succeed())
		Expect(js.String()).To(ContainSubstring(`"other_vendor": true`))

		release.Vendor.Name = "Oakfield"
		var same bytes.Buffer
		Expect(diff.Compare(baseline, release).Console(&same, false)).To(Succeed())
		Expect(same.String()).To(HavePrefix("verdict: "))
		Expect(same.String()).NotTo(ContainSubstring("warning"))
	})

	It("writes Markdown for a pull request and JSON for tools", func() {
		d := diff.Compare(baseline, release)
		var md bytes.Buffer
		Expect(d.Markdown(&md)).To(Succeed())
		Expect(md.String()).To(HavePrefix("### ❌ carecert upgrade diff: Oakfield 11.0 → Oakfield 11.1\n"))
		Expect(md.String()).To(ContainSubstring("| new failure | `fhir-r4-structure/STRUCT-02` | SHALL | pass | fail | 0 → 2 |"))
		Expect(md.String()).NotTo(ContainSubstring("carecert/INPUT"), "unchanged passing requirements are left out")

		var js bytes.Buffer
		Expect(d.JSON(&js)).To(Succeed())
		var back diff.Diff
		Expect(json.Unmarshal(js.Bytes(), &back)).To(Succeed())
		Expect(back.Counts[diff.NewFailure]).To(Equal(1))

		var con bytes.Buffer
		Expect(d.Console(&con, false)).To(Succeed())
		Expect(con.String()).To(MatchRegexp(`new failure\s+│ fhir-r4-structure/STRUCT-02\s+│ SHALL`))
	})

	It("escapes Markdown a vendor plants in its name", func() {
		release.Vendor.Name = "[Certified](https://evil.example) **ok** <b>"
		var md bytes.Buffer
		Expect(diff.Compare(baseline, release).Markdown(&md)).To(Succeed())
		Expect(md.String()).To(ContainSubstring("→ \\[Certified\\](https\\://evil.example) \\*\\*ok\\*\\* &lt;b&gt; 11.1\n"))
	})
})

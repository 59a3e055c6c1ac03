package compare_test

import (
	"bytes"
	"encoding/csv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/compare"
	"github.com/carecert/carecert/reports/reporttest"
)

var _ = Describe("Build", Ordered, func() {
	var m *compare.Matrix
	// The specs only read the matrix: build it once.
	BeforeAll(func() {
		var reps []*model.Report
		for _, f := range []reporttest.Feed{
			{Vendor: "Riverside", Release: "3.2", Seed: 1, Records: 300, Defects: "none"},
			{Vendor: "Oakfield", Release: "11.0", Seed: 2, Records: 300, Defects: "wrong-type=2"},
		} {
			rep, err := feeds.Run(f)
			Expect(err).NotTo(HaveOccurred())
			reps = append(reps, rep)
		}
		// A third report from a vendor certified against one more suite.
		third, err := feeds.Run(reporttest.Feed{Vendor: "Meadow", Seed: 3, Records: 100, Defects: "none"})
		Expect(err).NotTo(HaveOccurred())
		third.Targets[0].Results = append(third.Targets[0].Results, model.Result{Suite: "uk-core", Requirement: "UKC-01", Level: model.Should, Title: "UK Core", Outcome: model.Warn, Tally: model.Tally{Warnings: 4}})
		reps = append(reps, third)
		// Completeness measures, as a quality suite stores them, on two vendors;
		// Riverside's over two targets, which add up.
		completeness := func(num, den int64) []model.Measure {
			return []model.Measure{{Name: "completeness:Patient.birthDate", Numerator: num, Denominator: den}}
		}
		reps[0].Targets[0].Results[1].Measures = completeness(90, 100)
		second := reps[0].Targets[0]
		second.Name = "second feed"
		second.Results = append([]model.Result{}, second.Results...)
		second.Results[1].Measures = completeness(100, 100)
		reps[0].Targets = append(reps[0].Targets, second)
		reps[1].Targets[0].Results[1].Measures = completeness(50, 100)
		m = compare.Build(reps)
	})

	It("has a column per vendor and release, with its verdict", func() {
		Expect(m.Columns).To(HaveLen(3))
		Expect(m.Columns[0].Label).To(Equal("Riverside 3.2"))
		Expect(m.Columns[0].Decision).To(Equal(model.Certified))
		Expect(m.Columns[1].Decision).To(Equal(model.NotCertified))
		Expect(m.Columns[2].Label).To(Equal("Meadow"))
	})

	It("has a row per requirement, marking requirements a vendor was not certified against", func() {
		keys := []string{}
		for _, r := range m.Requirements {
			keys = append(keys, r.Key)
		}
		Expect(keys).To(Equal([]string{"carecert/INPUT", "fhir-r4-structure/STRUCT-01", "fhir-r4-structure/STRUCT-02", "uk-core/UKC-01"}))
		struct02 := m.Requirements[2]
		Expect(struct02.Cells[0].Outcome).To(Equal(model.Pass))
		Expect(struct02.Cells[1].Outcome).To(Equal(model.Fail))
		Expect(struct02.Cells[1].Errors).To(BeEquivalentTo(2))
		Expect(m.Requirements[3].Cells[0].Present).To(BeFalse())
		Expect(m.Requirements[3].Cells[2].String()).To(Equal("warn (4 warnings)"))
	})

	It("gives each vendor's pass rate per suite", func() {
		Expect(m.Suites).To(HaveLen(3))
		structure := m.Suites[1]
		Expect(structure.ID).To(Equal("fhir-r4-structure"))
		Expect(structure.Cells[0].String()).To(Equal("100.0% (4/4)"), "two targets")
		Expect(structure.Cells[1].String()).To(Equal("50.0% (1/2)"))
		Expect(m.Suites[2].Cells[1].String()).To(Equal("—"))
	})

	It("compares measures such as completeness, summed over each vendor's targets", func() {
		Expect(m.Measures).To(HaveLen(1))
		Expect(m.Measures[0].Requirement).To(Equal("fhir-r4-structure/STRUCT-01"))
		Expect(m.Measures[0].Cells[0].String()).To(Equal("95.0% (190/200)"))
		Expect(m.Measures[0].Cells[1].String()).To(Equal("50.0% (50/100)"))
		Expect(m.Measures[0].Cells[2].String()).To(Equal("—"))
	})

	It("writes CSV a spreadsheet reads back", func() {
		var buf bytes.Buffer
		Expect(m.CSV(&buf)).To(Succeed())
		rows, err := csv.NewReader(&buf).ReadAll()
		Expect(err).NotTo(HaveOccurred())
		Expect(rows).To(HaveLen(1 + 2 + 3 + 4 + 1))
		Expect(rows[0][:10]).To(Equal([]string{"kind", "id", "level", "title", "Riverside 3.2 outcome", "Riverside 3.2 errors", "Riverside 3.2 warnings", "Riverside 3.2 numerator", "Riverside 3.2 denominator", "Riverside 3.2 rate"}))
		Expect(rows[1]).To(ContainElements("verdict", "Certified", "Not certified"))
		Expect(rows[2][:16]).To(Equal([]string{"problems", "", "", "distinct problems", "", "0", "0", "", "", "", "", "2", "0", "", "", ""}))
		rows = append(rows[:2], rows[3:]...)
		Expect(rows[7][:12]).To(Equal([]string{"requirement", "fhir-r4-structure/STRUCT-02", "SHALL", "Resources conform to the FHIR R4 JSON schema", "pass", "0", "0", "", "", "", "fail", "2"}))
		Expect(rows[3][4:16]).To(Equal([]string{"", "", "", "4", "4", "1.0000", "", "", "", "1", "2", "0.5000"}))
		Expect(rows[9]).To(Equal([]string{"measure", "fhir-r4-structure/STRUCT-01 completeness:Patient.birthDate", "", "",
			"", "", "", "190", "200", "0.9500", "", "", "", "50", "100", "0.5000", "", "", "", "", "", ""}))
	})

	It("prints the matrix in the console and as a self-contained page", func() {
		var con bytes.Buffer
		Expect(m.Console(&con)).To(Succeed())
		Expect(con.String()).To(ContainSubstring("Not certified"))
		Expect(con.String()).To(MatchRegexp(`Distinct problems\s+│\s+│ 0 \(0 errors, 0 warnings\)\s+│ 2 \(2 errors, 0 warnings\)`))
		Expect(con.String()).To(MatchRegexp(`fhir-r4-structure/STRUCT-02.*pass.*fail \(2 errors\)`))
		Expect(con.String()).To(MatchRegexp(`completeness:Patient.birthDate\s+│ fhir-r4-structure/STRUCT-01\s+│ 95.0% \(190/200\)`))

		m.Columns[0].Link = "riverside/report.html"
		var page bytes.Buffer
		Expect(m.HTML(&page)).To(Succeed())
		Expect(page.String()).To(ContainSubstring(`<th><a href="riverside/report.html">Riverside 3.2</a></th>`))
		Expect(page.String()).To(MatchRegexp(`<tr><th>Judged by</th><td class="note">plan <b>[^<]+</b> · as of 2026-01-01 · carecert test · policy [^<]+</td>`))
		s := page.String()
		Expect(s).To(ContainSubstring("Content-Security-Policy"))
		Expect(s).NotTo(MatchRegexp(`(?i)<link\b|<script\b|\bsrc\s*=`))
		Expect(strings.Count(s, "<th>Riverside 3.2</th>")).To(Equal(1), "the other header links to the report")
		Expect(s).To(ContainSubstring(`<span class="badge not-certified-badge">Not certified</span>`))
		Expect(s).To(ContainSubstring(`aria-label="Pass rate by suite and vendor"`))
		Expect(s).To(ContainSubstring(`<td class="mono">completeness:Patient.birthDate</td><td class="mono">fhir-r4-structure/STRUCT-01</td><td class="num">95.0% (190/200)</td><td class="num">50.0% (50/100)</td><td class="num">—</td>`))
	})

	It("says on the page, for every vendor, what judged it, whether its manifest is signed and where its report is", func() {
		judged := *m
		judged.Columns = append([]compare.Column{}, m.Columns...)
		judged.Columns[0].Plan, judged.Columns[0].AsOf, judged.Columns[0].Tool, judged.Columns[0].Policy = "trust-procurement-2026", "2026-03-31", "carecert v1.4.0", "strict"
		judged.Columns[1].Plan, judged.Columns[1].AsOf, judged.Columns[1].Tool, judged.Columns[1].Policy = "trust-procurement-2026", "2026-04-01", "carecert dev+0123456789ab.dirty", "default"
		judged.Columns[0].SignedBy = "00112233445566778899aabbccddeeff"
		judged.Columns[1].SignedBy = "ffeeddccbbaa99887766554433221100"
		judged.Columns[2].SignedBy = ""
		for i := range judged.Columns {
			judged.Columns[i].Link = "vendor-" + strings.Repeat("x", i+1) + "/report.html"
		}
		var page bytes.Buffer
		Expect(judged.HTML(&page)).To(Succeed())
		s := page.String()
		Expect(s).To(ContainSubstring(`<td class="note">plan <b>trust-procurement-2026</b> · as of 2026-03-31 · carecert v1.4.0 · policy strict</td>`))
		Expect(s).To(ContainSubstring(`<td class="note">plan <b>trust-procurement-2026</b> · as of 2026-04-01 · carecert dev&#43;0123456789ab.dirty · policy default</td>`))
		Expect(s).To(ContainSubstring(`<tr><th>Signature</th><td class="note">signed with Ed25519 key <b>00112233445566778899aabbccddeeff</b></td><td class="note">signed with Ed25519 key <b>ffeeddccbbaa99887766554433221100</b></td><td class="note">not signed</td></tr>`))
		for i, c := range judged.Columns {
			Expect(s).To(ContainSubstring(`<th><a href="`+c.Link+`">`+c.Label+`</a></th>`), "vendor %d's header", i)
			Expect(s).To(ContainSubstring(`<td><a href="`+c.Link+`">report.html</a></td>`), "vendor %d's report row", i)
		}
	})
})

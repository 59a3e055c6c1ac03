package markdown_test

import (
	"bytes"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/markdown"
	"github.com/carecert/carecert/reports/reporttest"
)

var _ = Describe("Summary", func() {
	It("leads with the verdict and lists failing requirements first", func() {
		rep, err := feeds.Run(reporttest.Feed{Vendor: "Oakfield", Release: "11.0.4", Seed: 2, Records: 300, Defects: "wrong-type=2,bad-date-format=3"})
		Expect(err).NotTo(HaveOccurred())
		var buf bytes.Buffer
		Expect(markdown.Summary(&buf, rep)).To(Succeed())
		md := buf.String()
		Expect(md).To(HavePrefix("### ❌ Oakfield — Oakfield EPR 11.0.4: **Not certified**\n"))
		Expect(md).To(ContainSubstring("- SHALL fhir-r4-structure STRUCT-02"))
		table := md[strings.Index(md, "| Outcome |"):]
		Expect(strings.Index(table, "| fail | `fhir-r4-structure/STRUCT-02`")).To(BeNumerically("<", strings.Index(table, "| pass | `carecert/INPUT`")))
		Expect(md).To(MatchRegexp("\\| error \\| `fixture-seed2.ndjson:\\d+` \\| `fhir-r4-structure/STRUCT-02` \\|"))
		Expect(md).NotTo(MatchRegexp(`"\d\d/\d\d/\d{4}"`), "birth dates quoted in messages are redacted")
		Expect(md).To(MatchRegexp(`"?\\\[redacted\\\]"? is not a valid FHIR date`))
	})

	It("shows measures and stays short for a huge report", func() {
		var buf bytes.Buffer
		Expect(markdown.Summary(&buf, reporttest.Large(100_000))).To(Succeed())
		md := buf.String()
		Expect(md).To(ContainSubstring("| `big/BIG-01` | north feed | `completeness:Patient.birthDate` | 90000 | 100000 | 90.0% |"))
		Expect(len(md)).To(BeNumerically("<", 65536))
		Expect(strings.Count(md, "\n| error |")).To(Equal(20))
		Expect(md).NotTo(ContainSubstring("1970"), "identifying evidence is not quoted")
	})

	It("marks the results a waiver excused", func() {
		rep := reporttest.Large(6)
		rep.Verdict.Reasons = append(rep.Verdict.Reasons, "waived: BIG-02 until 2026-03-31: a line is only text")
		rep.Verdict.Waivers = []model.WaiverUse{{Requirement: "BIG-01", Justification: "fix due", Expires: "2026-03-31", Use: model.WaiverUsed}}
		var buf bytes.Buffer
		Expect(markdown.Summary(&buf, rep)).To(Succeed())
		Expect(strings.Count(buf.String(), "| fail (waived until 2026-03-31) | `big/BIG-01` |")).To(Equal(2), "on both targets")
		Expect(buf.String()).NotTo(ContainSubstring("waived until 2026-03-31) | `big/BIG-02`"), "a reason line marks nothing")
	})

	It("links each requirement to the rule it applies, where its suite names one", func() {
		rep, err := feeds.Run(reporttest.Feed{Vendor: "Oakfield", Release: "11.0.4", Seed: 2, Records: 50, Defects: "wrong-type=2"})
		Expect(err).NotTo(HaveOccurred())
		var buf bytes.Buffer
		Expect(markdown.Summary(&buf, rep)).To(Succeed())
		Expect(buf.String()).To(ContainSubstring("| fail | `fhir-r4-structure/STRUCT-02` ([JSON Representation of Resources](https://hl7.org/fhir/R4/json.html)) | SHALL |"))
		Expect(buf.String()).To(ContainSubstring("| pass | `carecert/INPUT` | SHALL |"), "a requirement without a source has no link")
	})

	It("keeps a source's URL and section from ending the link or the table cell", func() {
		rep := reporttest.Large(6)
		rep.Targets[0].Results[0].Source = &model.RuleSource{URL: "https://example.org/a_(b)|c<d>", Section: "2.1 | *x* [y]"}
		rep.Targets[0].Results[1].Source = &model.RuleSource{URL: "https://example.org/rule"}
		var buf bytes.Buffer
		Expect(markdown.Summary(&buf, rep)).To(Succeed())
		Expect(buf.String()).To(ContainSubstring("([2\\.1 \\| \\*x\\* \\[y\\]](https://example.org/a_%28b%29%7Cc%3Cd%3E))"))
		Expect(buf.String()).To(ContainSubstring("([source](https://example.org/rule))"), "a source without a section is called source")
	})

	It("escapes text that would break the table", func() {
		rep := reporttest.Large(6)
		rep.Targets[0].Results[0].Message = "a | b\nc <script>"
		rep.Verdict.Decision = model.ConditionallyCertified
		rep.Verdict.Conditions = []string{"fix | this"}
		var buf bytes.Buffer
		Expect(markdown.Summary(&buf, rep)).To(Succeed())
		Expect(buf.String()).To(ContainSubstring(`a \| b c &lt;script&gt;`))
		Expect(buf.String()).To(HavePrefix("### ⚠️ "))
		Expect(buf.String()).To(ContainSubstring("- fix \\| this"))
	})

	It("keeps hostile supplier text from adding links, emphasis, HTML, columns or blocks", func() {
		rep := reporttest.Large(6)
		rep.Vendor.Name = "# Evil [click](https://evil.example) **Certified**"
		rep.Verdict.Reasons = []string{"1. nested", "> quoted", "- item"}
		res := &rep.Targets[0].Results[0]
		res.Message = "<img src=x onerror=alert(1)> | extra | ![p](http://x/y.png) _u_ ~~s~~ www.evil.example a@b.example &copy; \\| `code`"
		res.Findings = []model.Finding{{Severity: model.Error, Location: model.Location{File: "f|`x`.ndjson", Line: 3, Path: "Patient.name"}, Message: "[link](javascript:alert(1))"}}
		var buf bytes.Buffer
		Expect(markdown.Summary(&buf, rep)).To(Succeed())
		md := buf.String()
		Expect(md).To(HavePrefix("### ❌ \\# Evil \\[click\\](https\\://evil.example) \\*\\*Certified\\*\\*"))
		Expect(md).To(ContainSubstring("- 1\\. nested\n- &gt; quoted\n- \\- item\n"))
		Expect(md).To(ContainSubstring("&lt;img src=x onerror=alert(1)&gt; \\| extra \\| !\\[p\\](http\\://x/y.png) \\_u\\_ \\~\\~s\\~\\~ www\\.evil.example a\\@b.example &amp;copy; \\\\\\| 'code'"))
		Expect(md).To(ContainSubstring("| `f\\|'x'.ndjson:3` |"))
		Expect(md).To(ContainSubstring("\\[link\\](javascript:alert(1))"))
		Expect(md).NotTo(MatchRegexp(`[^\\]\]\(`), "no unescaped link")
		Expect(md).NotTo(ContainSubstring("<img"))
	})
})

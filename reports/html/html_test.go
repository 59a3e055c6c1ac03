package html_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/html"
	"github.com/carecert/carecert/reports/reporttest"
)

// embedded extracts the findings JSON a page carries.
func embedded(page []byte) map[string]any {
	m := regexp.MustCompile(`(?s)<script type="application/json" id="findings-data">(.*?)</script>`).FindSubmatch(page)
	Expect(m).NotTo(BeNil(), "the page embeds its findings")
	var data map[string]any
	Expect(json.Unmarshal(m[1], &data)).To(Succeed())
	return data
}

var _ = Describe("Render", func() {
	var rep *model.Report
	BeforeEach(func() {
		var err error
		rep, err = feeds.Run(reporttest.Feed{Vendor: "Oakfield", Release: "11.0.4", Seed: 2, Records: 400, Defects: "all"})
		Expect(err).NotTo(HaveOccurred())
	})

	It("is one self-contained file that loads nothing from anywhere", func() {
		page, err := html.Render(rep, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		s := string(page)
		Expect(s).To(ContainSubstring(`<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;`))
		Expect(s).NotTo(MatchRegexp(`(?i)<link\b|\bsrc\s*=|@import|url\(|https?://[^"\s]*\.(js|css|woff2?)`))
		Expect(s).To(ContainSubstring("<style>"))
		Expect(s).To(ContainSubstring("<svg class=\"chart\""))
	})

	It("links a requirement's title to the rule it applies, and never to a script", func() {
		page, err := html.Render(rep, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(string(page)).To(ContainSubstring(`<td>Resources conform to the FHIR R4 JSON schema <a class="source" href="https://hl7.org/fhir/R4/json.html" rel="noreferrer">JSON Representation of Resources</a></td>`))
		Expect(string(page)).To(ContainSubstring(`<td>Records can be read and parsed</td>`), "a requirement without a source has no link")
		rep.Targets[0].Results[1].Source = &model.RuleSource{URL: "javascript:alert(1)"}
		page, err = html.Render(rep, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(string(page)).NotTo(ContainSubstring("javascript:"))
		Expect(string(page)).To(ContainSubstring(`href="#ZgotmplZ" rel="noreferrer">source</a>`))
	})

	It("shows the verdict, its reasons and the counts the report holds", func() {
		page, err := html.Render(rep, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		s := string(page)
		Expect(rep.Verdict.Decision).To(Equal(model.NotCertified))
		Expect(s).To(ContainSubstring(`<section id="verdict" class="banner not-certified" data-decision="Not certified">`))
		for _, r := range rep.Verdict.Reasons {
			Expect(s).To(ContainSubstring("<li>" + strings.ReplaceAll(r, `"`, "&#34;") + "</li>"))
		}
		Expect(s).To(MatchRegexp(`<b id="count-s-error">%d</b>`, rep.Summary.Findings[model.Error]))
		Expect(s).To(MatchRegexp(`<b id="count-o-fail">%d</b>`, rep.Summary.Outcomes[model.Fail]))
		data := embedded(page)
		var kept int
		for _, t := range rep.Targets {
			for _, r := range t.Results {
				kept += len(r.Findings)
			}
		}
		Expect(data["findings"]).To(HaveLen(kept))
		Expect(kept).To(BeNumerically(">", 0))
	})

	It("says which other requirements report a finding's defect, and counts problems once", func() {
		res := &rep.Targets[0].Results[len(rep.Targets[0].Results)-1]
		res.Findings[0].AlsoReportedBy = []string{"fhir-r4-profiles/PROF-01", "nhs-demographics/NHS-05"}
		rep.Summary.Defects = &model.Defects{Records: 400, Failing: 7, Errors: 9, Warnings: 2}
		page, err := html.Render(rep, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(string(page)).To(ContainSubstring(`<b id="count-defects">11</b><span>distinct problems (9 errors)</span>`))
		var also []string
		for _, f := range embedded(page)["findings"].([]any) {
			if s := f.([]any)[10].(string); s != "" {
				also = append(also, s)
			}
		}
		Expect(also).To(Equal([]string{"also reported by fhir-r4-profiles/PROF-01, nhs-demographics/NHS-05"}))
	})

	It("opens with a summary a non-technical reader understands: what the verdict means, records clean per area, the main problems in words", func() {
		page, err := html.Render(rep, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		s := string(page)
		Expect(strings.Index(s, `<section id="in-short">`)).To(BeNumerically("<", strings.Index(s, `<section class="cards" id="summary">`)))
		Expect(s).To(ContainSubstring("does not meet requirements the policy makes mandatory. A buyer should not accept it"))
		// Per area: the records the suite looked at and how many had no error.
		d := rep.Targets[0].SuiteDefects["fhir-r4-structure"]
		Expect(d.Records).To(BeNumerically(">", 0))
		Expect(d.Failing).To(BeNumerically(">", 0))
		Expect(s).To(ContainSubstring(fmt.Sprintf(`<tr><td>FHIR R4 structure</td><td class="num">%d</td><td class="num">%.1f%%</td><td class="num">%d</td></tr>`, d.Records, 100*d.Clean(), d.Total())))
		Expect(100*d.Clean()).To(BeNumerically(">", 90), "most records are clean even though every structure requirement fails")
		Expect(s).To(MatchRegexp(`<ol id="top-problems"><li>Resources conform to the FHIR R4 JSON schema \(required, FHIR R4 structure\): fails in \d+ of \d+ records.</li>`))
	})

	It("labels measures in words, with which way is better, and never paints information red", func() {
		big := reporttest.Large(60)
		big.Targets[0].Results[0].Measures = []model.Measure{
			{Name: "dq.completeness.verification.missing", Numerator: 3, Denominator: 60},
			{Name: "mapped Condition.code", Numerator: 30, Denominator: 60},
		}
		page, err := html.Render(big, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		s := string(page)
		Expect(s).To(ContainSubstring(`<td>records missing a required element<br><span class="note mono">dq.completeness.verification.missing</span></td><td>lower is better</td>`))
		Expect(s).To(ContainSubstring(`<td>local codes mapped to a national code system: Condition.code<br><span class="note mono">mapped Condition.code</span></td><td>higher is better</td>`))
		chart := s[strings.Index(s, `aria-label="Measures that are proportions"`):]
		chart = chart[:strings.Index(chart, "</svg>")]
		Expect(chart).To(MatchRegexp(`records missing a required element \(big/BIG-01, north feed\): 5.0% \(3/60\).*class="bar good"`))
		Expect(chart).To(MatchRegexp(`Condition.code \(big/BIG-01, north feed\): 50.0% \(30/60\).*class="bar poor"`))
		top := s[strings.Index(s, `aria-label="Requirements with most findings"`):]
		top = top[:strings.Index(top, "</svg>")]
		// Large: BIG-03 finds information only.
		Expect(top).To(MatchRegexp(`<title>big/BIG-03: \d+</title>.*?class="bar"/>`))
		Expect(top).To(MatchRegexp(`<title>big/BIG-01: \d+</title>.*?class="bar poor"/>`))
	})

	It("marks the results a used waiver excused, from the verdict's waivers and never its reasons", func() {
		rep.Verdict.Reasons = append(rep.Verdict.Reasons, "waived: fhir-r4-structure/STRUCT-02 until 2026-03-31: a line is only text")
		rep.Verdict.Waivers = []model.WaiverUse{
			{Requirement: "fhir-r4-structure/STRUCT-01", Justification: "fix in 11.1", Expires: "2026-03-31", Use: model.WaiverUsed},
			{Requirement: "STRUCT-02", Justification: "not needed", Expires: "2026-03-31", Use: model.WaiverUnused},
		}
		page, err := html.Render(rep, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(string(page)).To(MatchRegexp(`fhir-r4-structure/STRUCT-01</td>.*<span class="badge o-fail">fail</span> <span class="waived">waived until 2026-03-31</span>`))
		Expect(strings.Count(string(page), `class="waived"`)).To(Equal(1))
	})

	It("folds a long list of reasons away after the first ten", func() {
		for i := 0; i < 15; i++ {
			rep.Verdict.Reasons = append(rep.Verdict.Reasons, fmt.Sprintf("extra reason %d", i))
		}
		page, err := html.Render(rep, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		s := string(page)
		shown := s[strings.Index(s, `<ul id="reasons">`):]
		shown = shown[:strings.Index(shown, "</ul>")]
		Expect(strings.Count(shown, "<li>")).To(Equal(10))
		Expect(s).To(ContainSubstring(fmt.Sprintf("<summary>%d more reason(s)</summary>", len(rep.Verdict.Reasons)-10)))
		Expect(s).To(ContainSubstring("<li>extra reason 14</li>"))
	})

	It("charts the pass rate by suite and by level", func() {
		page, err := html.Render(reporttest.Large(60), html.Options{})
		Expect(err).NotTo(HaveOccurred())
		s := string(page)
		levels := s[strings.Index(s, `aria-label="Pass rate by level"`):]
		levels = levels[:strings.Index(levels, "</svg>")]
		// Large: BIG-01 (SHALL) fails, BIG-02 (SHOULD) warns, BIG-03 (MAY) passes, on two targets.
		Expect(levels).To(ContainSubstring("<title>SHALL: 0.0% (0/2)</title>"))
		Expect(levels).To(ContainSubstring("<title>SHOULD: 100.0% (2/2)</title>"))
		Expect(levels).To(ContainSubstring("<title>MAY: 100.0% (2/2)</title>"))
		suites := s[strings.Index(s, `aria-label="Pass rate by suite"`):]
		Expect(s).To(ContainSubstring("<h3>Requirements passed, by suite</h3>"), "it counts requirements, and says so")
		Expect(suites[:strings.Index(suites, "</svg>")]).To(ContainSubstring("<title>big: 66.7% (4/6)</title>"))
	})

	It("renders a run whose only target could not be read", func() {
		empty := &model.Report{
			Schema: model.ReportSchemaVersion, Vendor: model.Vendor{Name: "Downco"}, Complete: false,
			Targets: []model.TargetRun{{Name: "api", Type: "fhir-rest", Location: "http://127.0.0.1:1/fhir", Error: "connection refused"}},
			Verdict: model.Verdict{Decision: model.NotCertified, Reasons: []string{"target api could not be read: connection refused"}},
		}
		empty.Summarize()
		page, err := html.Render(empty, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(string(page)).To(ContainSubstring("<td>connection refused</td>"))
		Expect(string(page)).To(ContainSubstring("Incomplete run"))
		Expect(embedded(page)["findings"]).To(BeEmpty())
	})

	It("is byte-identical for the same report", func() {
		a, err := html.Render(rep, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		b, err := html.Render(rep, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(bytes.Equal(a, b)).To(BeTrue())
	})

	It("redacts identifying evidence by default, whatever the report holds, and keeps it when asked", func() {
		big := reporttest.Large(60)
		page, err := html.Render(big, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(string(page)).NotTo(ContainSubstring("1970-01-01"))
		Expect(string(page)).To(ContainSubstring(`"[redacted]"`))

		page, err = html.Render(big, html.Options{FullEvidence: true})
		Expect(err).NotTo(HaveOccurred())
		Expect(string(page)).To(ContainSubstring("1970-01-01"))
	})

	It("removes the values identifying findings quote in their messages, unless asked to keep them", func() {
		// As a report written with evidence: full holds it.
		rep.Evidence = "full"
		f := &rep.Targets[0].Results[2].Findings[0]
		f.Path, f.Message, f.Evidence = "Patient.birthDate", `"19/02/1953" is not a valid FHIR date`, `"19/02/1953"`

		page, err := html.Render(rep, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(string(page)).NotTo(ContainSubstring("19/02/1953"))
		Expect(string(page)).To(ContainSubstring(`[redacted] is not a valid FHIR date`))

		page, err = html.Render(rep, html.Options{FullEvidence: true})
		Expect(err).NotTo(HaveOccurred())
		Expect(string(page)).To(ContainSubstring(`\"19/02/1953\" is not a valid FHIR date`))
	})

	It("cannot be broken out of by hostile text in findings", func() {
		rep.Targets[0].Results[1].Findings[0].Message = `</script><script>alert("x")</script>`
		rep.Vendor.Name = `<img src=x onerror=alert(1)>`
		page, err := html.Render(rep, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(string(page)).NotTo(ContainSubstring(`<script>alert`))
		Expect(string(page)).NotTo(ContainSubstring(`<img src=x`))
		Expect(strings.Count(string(page), "</script>")).To(Equal(2))
		data := embedded(page)
		Expect(data["findings"]).To(ContainElement(ContainElement(`</script><script>alert("x")</script>`)))
	})

	It("shows measures generically: proportions as percentages and charted, other ratios as numbers", func() {
		big := reporttest.Large(600)
		big.Targets[0].Results[0].Measures = append(big.Targets[0].Results[0].Measures,
			model.Measure{Name: "mean-lag-hours", Numerator: 110005, Denominator: 2087})
		page, err := html.Render(big, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		s := string(page)
		Expect(s).To(ContainSubstring(`<table id="measures">`))
		Expect(s).To(ContainSubstring(`<span class="note mono">completeness:Patient.birthDate</span></td><td>no better or worse</td><td class="num">540</td><td class="num">600</td><td class="num">90.0%</td>`))
		Expect(s).To(ContainSubstring(`<span class="note mono">mean-lag-hours</span></td><td>no better or worse</td><td class="num">110005</td><td class="num">2087</td><td class="num">52.71</td>`))
		Expect(strings.Index(s, `<h2 id="annex">Annex: technical measures</h2>`)).To(BeNumerically(">", strings.Index(s, `<table id="findings">`)), "measures are an annex, after the findings")
		chart := s[strings.Index(s, `aria-label="Measures that are proportions"`):]
		chart = chart[:strings.Index(chart, "</svg>")]
		Expect(chart).To(ContainSubstring("90.0% (540/600)"))
		Expect(chart).NotTo(ContainSubstring("mean-lag-hours"), "a mean is not a share: it is not drawn as one")
		Expect(strings.Count(chart, "<g>")).To(Equal(12))
	})

	It("keeps a page of 100,000 findings compact: the rows are data, not markup", func() {
		big := reporttest.Large(100_000)
		page, err := html.Render(big, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(embedded(page)["findings"]).To(HaveLen(100_000))
		Expect(strings.Count(string(page), "<tr")).To(BeNumerically("<", 40))
		Expect(len(page)).To(BeNumerically("<", 12<<20))
	})
})

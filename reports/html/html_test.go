package html_test

import (
	"bytes"
	"encoding/json"
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
		rep, err = reporttest.Run(reporttest.Feed{Vendor: "Oakfield", Release: "11.0.4", Seed: 2, Records: 400, Defects: "all"})
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

	It("charts measures generically, weakest first, with numerator and denominator", func() {
		page, err := html.Render(reporttest.Large(600), html.Options{})
		Expect(err).NotTo(HaveOccurred())
		s := string(page)
		Expect(s).To(ContainSubstring(`<table id="measures">`))
		Expect(s).To(ContainSubstring("<td class=\"mono\">completeness:Patient.birthDate</td><td class=\"num\">540</td><td class=\"num\">600</td><td class=\"num\">90.0%</td>"))
		chart := s[strings.Index(s, `aria-label="Measures (weakest first)"`):]
		Expect(strings.Index(chart, "90.0% (540/600)")).To(BeNumerically("<", strings.Index(chart, "100.0% (600/600)")))
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

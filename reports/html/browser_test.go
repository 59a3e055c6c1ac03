package html_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/browsertest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/html"
	"github.com/carecert/carecert/reports/reporttest"
)

func mustRead(file string) []byte {
	b, err := os.ReadFile(file)
	Expect(err).NotTo(HaveOccurred())
	return b
}

func writePage(rep *model.Report, name string) string {
	page, err := html.Render(rep, html.Options{})
	Expect(err).NotTo(HaveOccurred())
	file := filepath.Join(GinkgoT().TempDir(), name)
	Expect(os.WriteFile(file, page, 0o644)).To(Succeed())
	return file
}

// printPDF prints a page as Chromium's own --print-to-pdf does, and returns the
// PDF's text in drawing order (pdftotext -raw) and its page size (pdfinfo).
func printPDF(file string) (text, pageSize string) {
	for _, tool := range []string{"pdftotext", "pdfinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			Fail(fmt.Sprintf("%s not found (%v): run ./test.sh, which installs poppler-utils", tool, err))
		}
	}
	path := browsertest.ChromiumPath()
	if _, err := os.Stat(path); err != nil {
		Fail(fmt.Sprintf("Chromium not found at %s (%v): run ./test.sh, which installs it, or set CARECERT_CHROMIUM", path, err))
	}
	dir := GinkgoT().TempDir()
	pdf := filepath.Join(dir, "report.pdf")
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--no-pdf-header-footer", "--print-to-pdf="+pdf, "file://"+file).CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "chromium --print-to-pdf: %s", out)
	txt, err := exec.Command("pdftotext", "-raw", "-enc", "UTF-8", pdf, "-").Output()
	Expect(err).NotTo(HaveOccurred())
	info, err := exec.Command("pdfinfo", pdf).Output()
	Expect(err).NotTo(HaveOccurred())
	for _, line := range strings.Split(string(info), "\n") {
		if rest, ok := strings.CutPrefix(line, "Page size:"); ok {
			pageSize = strings.TrimSpace(rest)
		}
	}
	return string(txt), pageSize
}

// squeeze drops white space, so that text a PDF wrapped inside a narrow table
// cell compares equal to the text the page was given.
func squeeze(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// state is what the page shows of its findings table.
type state struct {
	Rows     int    `json:"rows"`
	Matching string `json:"matching"`
	PageInfo string `json:"pageInfo"`
	FirstSev string `json:"firstSev"`
}

const readState = `({rows: document.querySelectorAll('#findings tbody tr').length,
  matching: document.getElementById('match-count').textContent,
  pageInfo: document.getElementById('page-info').textContent,
  firstSev: (document.querySelector('#findings tbody tr') || {dataset: {}}).dataset.severity || ''})`

// choose selects an option of a filter the way a user does, firing change.
func choose(id, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const s = document.getElementById(%q); s.value = %q; s.dispatchEvent(new Event('change')); })()`, id, value), nil)
}

// waitMatching polls until the table says want findings match (the search box
// waits for typing to pause before it filters).
func waitMatching(ctx context.Context, want int) state {
	var st state
	Eventually(func() string {
		Expect(chromedp.Run(ctx, chromedp.Evaluate(readState, &st))).To(Succeed())
		return st.Matching
	}).WithTimeout(10 * time.Second).WithPolling(50 * time.Millisecond).Should(Equal(strconv.Itoa(want)))
	return st
}

var _ = Describe("the HTML report in a real browser", Ordered, func() {
	It("shows the verdict and the counts, and filters and searches findings offline", func() {
		rep, err := feeds.Run(reporttest.Feed{Vendor: "Oakfield", Release: "11.0.4", Seed: 2, Records: 2000, Defects: "all"})
		Expect(err).NotTo(HaveOccurred())
		var total, errorsKept, struct01, patiant int
		for _, t := range rep.Targets {
			for _, r := range t.Results {
				for _, f := range r.Findings {
					total++
					if f.Severity == model.Error {
						errorsKept++
					}
					if r.Requirement == "STRUCT-01" {
						struct01++
					}
					if f.Record != "" && len(f.Record) >= 7 && f.Record[:7] == "Patiant" {
						patiant++
					}
				}
			}
		}
		Expect(total).To(BeNumerically(">", 10))
		Expect(patiant).To(BeNumerically(">", 0))
		file := writePage(rep, "report.html")

		ctx := browsertest.Browser()
		var decision, errorsShown, records string
		var st state
		Expect(chromedp.Run(ctx,
			chromedp.Navigate("file://"+file),
			chromedp.WaitVisible("#findings tbody tr", chromedp.ByQuery),
			chromedp.Text("#decision", &decision, chromedp.ByID),
			chromedp.Text("#count-s-error", &errorsShown, chromedp.ByID),
			chromedp.Text("#count-records", &records, chromedp.ByID),
			chromedp.Evaluate(readState, &st),
		)).To(Succeed())
		var resources int
		Expect(chromedp.Run(ctx, chromedp.Evaluate(`performance.getEntriesByType('resource').length`, &resources))).To(Succeed())
		Expect(resources).To(Equal(0), "the page loads nothing: no script, style, font or image")
		Expect(decision).To(Equal("Not certified"))
		Expect(errorsShown).To(Equal(strconv.FormatInt(rep.Summary.Findings[model.Error], 10)))
		Expect(records).To(Equal("2000"))
		Expect(st.Matching).To(Equal(strconv.Itoa(total)))
		Expect(st.Rows).To(Equal(min(total, 100)))

		By("filtering by requirement")
		reqIndex := -1
		var reqs []string
		Expect(chromedp.Run(ctx, chromedp.Evaluate(`Array.from(document.querySelectorAll('#filter-requirement option')).map(o => o.textContent)`, &reqs))).To(Succeed())
		for i, r := range reqs {
			if r == "fhir-r4-structure/STRUCT-01" {
				reqIndex = i - 1 // the first option is "All requirements"
			}
		}
		Expect(reqIndex).To(BeNumerically(">=", 0))
		Expect(chromedp.Run(ctx, choose("filter-requirement", strconv.Itoa(reqIndex)))).To(Succeed())
		st = waitMatching(ctx, struct01)
		Expect(st.Rows).To(Equal(struct01))

		By("searching, as a user types")
		Expect(chromedp.Run(ctx, choose("filter-requirement", ""), chromedp.SendKeys("#search", "Patiant", chromedp.ByID))).To(Succeed())
		st = waitMatching(ctx, patiant)
		Expect(st.Rows).To(Equal(patiant))

		By("filtering by a severity nothing has")
		Expect(chromedp.Run(ctx, chromedp.Click("#clear", chromedp.ByID), choose("filter-severity", "0"))).To(Succeed())
		st = waitMatching(ctx, 0)
		Expect(st.PageInfo).To(Equal("no findings match"))

		Expect(chromedp.Run(ctx, choose("filter-severity", "2"))).To(Succeed())
		st = waitMatching(ctx, errorsKept)
		Expect(st.FirstSev).To(Equal("error"))

		var shot []byte
		Expect(chromedp.Run(ctx, chromedp.Click("#clear", chromedp.ByID), chromedp.FullScreenshot(&shot, 100))).To(Succeed())
		Expect(os.WriteFile(filepath.Join(browsertest.Artifacts(), "html-report.png"), shot, 0o644)).To(Succeed())
	})

	It("prints every kept finding, with every column, on A4", func() {
		rep, err := feeds.Run(reporttest.Feed{Vendor: "Oakfield", Release: "11.0.4", Seed: 3, Records: 16000, Defects: "all", SampleLimit: 1000})
		Expect(err).NotTo(HaveOccurred())
		file := writePage(rep, "report.html")
		data := embedded(mustRead(file))
		files, _ := data["files"].([]any)
		reqs := data["requirements"].([]any)
		// A finding's row as the page draws it, cell after cell (severity aside).
		rows := map[string]int{}
		var kept int
		for _, raw := range data["findings"].([]any) {
			f := raw.([]any)
			loc := ""
			if f[3] != nil {
				loc = files[int(f[3].(float64))].(string)
			}
			if line := f[4].(float64); line > 0 {
				loc += ":" + strconv.Itoa(int(line))
			}
			str := func(v any) string { s, _ := v.(string); return s }
			rows[squeeze(reqs[int(f[2].(float64))].(string)+str(f[7])+loc+str(f[5])+str(f[6])+str(f[8])+str(f[10])+str(f[9]))]++
			kept++
		}
		Expect(kept).To(BeNumerically(">", 150), "more findings than one screen page of 100")

		text, size := printPDF(file)
		Expect(size).To(ContainSubstring("(A4)"))
		flat := squeeze(text)
		Expect(strings.Contains(flat, squeeze("Printed: all "+strconv.Itoa(kept)+" kept findings."))).To(BeTrue(), "the PDF says it holds every kept finding")
		Expect(strings.Contains(flat, "SeverityRequirementLocationRecordPathMessageEvidence")).To(BeTrue(), "every column has its heading")
		missing := 0
		for row, n := range rows {
			if got := strings.Count(flat, row); got < n {
				missing += n - got
				if missing < 5 {
					GinkgoWriter.Printf("missing from the PDF (%d of %d): %s\n", n-got, n, row)
				}
			}
		}
		Expect(missing).To(BeZero(), "every kept finding, evidence included, is in the PDF")
	})

	It("fits the findings table in a 1400 px window", func() {
		rep, err := feeds.Run(reporttest.Feed{Vendor: "Oakfield", Release: "11.0.4", Seed: 3, Records: 16000, Defects: "all", SampleLimit: 1000})
		Expect(err).NotTo(HaveOccurred())
		file := writePage(rep, "report.html")
		ctx := browsertest.Browser()
		var widths struct {
			Window   int `json:"window"`
			Page     int `json:"page"`
			Findings int `json:"findings"`
		}
		Expect(chromedp.Run(ctx,
			chromedp.EmulateViewport(1400, 900),
			chromedp.Navigate("file://"+file),
			chromedp.WaitVisible("#findings tbody tr", chromedp.ByQuery),
			chromedp.Evaluate(`({window: document.documentElement.clientWidth, page: document.documentElement.scrollWidth,
  findings: Math.ceil(document.getElementById('findings').getBoundingClientRect().right)})`, &widths),
		)).To(Succeed())
		Expect(widths.Window).To(Equal(1400))
		Expect(widths.Page).To(BeNumerically("<=", widths.Window), "nothing scrolls sideways")
		Expect(widths.Findings).To(BeNumerically("<=", widths.Window))
	})

	It("opens a report of 100,000 findings quickly, drawing one page of rows at a time", func() {
		file := writePage(reporttest.Large(100_000), "large.html")
		ctx := browsertest.Browser()
		start := time.Now()
		var st state
		Expect(chromedp.Run(ctx,
			chromedp.Navigate("file://"+file),
			chromedp.WaitVisible("#findings tbody tr", chromedp.ByQuery),
			chromedp.Evaluate(readState, &st),
		)).To(Succeed())
		loaded := time.Since(start)
		AddReportEntry("100,000 findings: page open to first rows", loaded.String())
		Expect(st.Matching).To(Equal("100000"))
		Expect(st.Rows).To(Equal(100))
		Expect(st.PageInfo).To(Equal("showing 1–100 of 100000 (page 1 of 1000)"))

		var domRows int
		Expect(chromedp.Run(ctx, chromedp.Click("#next", chromedp.ByID), chromedp.Evaluate(readState, &st),
			chromedp.Evaluate(`document.getElementsByTagName('tr').length`, &domRows))).To(Succeed())
		Expect(st.PageInfo).To(HavePrefix("showing 101–200 of 100000"))
		Expect(domRows).To(BeNumerically("<", 150))

		By("searching all 100,000 findings for one record")
		Expect(chromedp.Run(ctx, chromedp.SendKeys("#search", "p012345", chromedp.ByID))).To(Succeed())
		st = waitMatching(ctx, 1)
		Expect(st.Rows).To(Equal(1))

		var shot []byte
		Expect(chromedp.Run(ctx, chromedp.CaptureScreenshot(&shot))).To(Succeed())
		Expect(os.WriteFile(filepath.Join(browsertest.Artifacts(), "html-report-100k.png"), shot, 0o644)).To(Succeed())
	})
})

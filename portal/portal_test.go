package portal_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/internal/dbtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/portal"
)

// portalSpecs are the pages and their JSON on one history backend.
func portalSpecs(open func() *history.Store) {
	var w *world
	BeforeEach(func() { w = newWorld(open()) })

	vendors := func(runs []history.Run) []string {
		var out []string
		for _, r := range runs {
			out = append(out, r.Vendor+" "+r.Release)
		}
		return out
	}

	It("lists every run to an assessor, newest first, and filters them", func() {
		c := w.client()
		Expect(c.login("ana", "pw-ana")).To(Equal(http.StatusSeeOther))
		var v portal.RunsView
		Expect(c.getJSON("/api/runs", &v)).To(Equal(http.StatusOK))
		Expect(vendors(v.Runs)).To(Equal([]string{"Oakfield Health Software 11.2", "Moorside Digital 1.0", "Oakfield Health Software 11.1",
			"Riverside Clinical Systems 3.1", "Oakfield Health Software 11.0"}))
		Expect(v.Facets.Vendors).To(Equal([]string{"Moorside Digital", "Oakfield Health Software", "Riverside Clinical Systems"}))
		Expect(v.More).To(BeFalse())

		Expect(c.getJSON("/api/runs?vendor=oakfield+health+software&verdict=Not+certified", &v)).To(Equal(http.StatusOK))
		for _, r := range v.Runs {
			Expect(r.Vendor).To(Equal("Oakfield Health Software"))
			Expect(r.Decision).To(Equal(model.NotCertified))
		}
		Expect(c.getJSON("/api/runs?release=3.1&suite=fhir-r4-structure", &v)).To(Equal(http.StatusOK))
		Expect(vendors(v.Runs)).To(Equal([]string{"Riverside Clinical Systems 3.1"}))
		Expect(c.getJSON("/api/runs?from=2026-01-02&to=2026-01-03", &v)).To(Equal(http.StatusOK))
		Expect(vendors(v.Runs)).To(Equal([]string{"Oakfield Health Software 11.1", "Riverside Clinical Systems 3.1"}))

		status, body := c.get("/api/runs?from=yesterday")
		Expect(status).To(Equal(http.StatusBadRequest))
		Expect(body).To(ContainSubstring(`from \"yesterday\": want a date as YYYY-MM-DD`))

		status, body = c.get("/runs?vendor=Riverside+Clinical+Systems")
		Expect(status).To(Equal(http.StatusOK))
		Expect(body).To(ContainSubstring(`<a href="/vendors/Riverside%20Clinical%20Systems">Riverside Clinical Systems</a>`))
		Expect(body).NotTo(ContainSubstring(">Moorside Digital</a>"))
	})

	It("shows a vendor's releases with their verdicts and measures, what changed, and its waivers", func() {
		c := w.client()
		c.login("bo", "pw-bo")
		var v portal.VendorView
		Expect(c.getJSON("/api/vendors/Oakfield%20Health%20Software", &v)).To(Equal(http.StatusOK))
		Expect(v.Releases).To(HaveLen(3))
		Expect(v.Releases[0].Release).To(Equal("11.0"))
		Expect(v.Releases[2].Latest.ID).To(Equal(w.ids[4]))
		Expect(v.Base).To(Equal(w.ids[2]))
		Expect(v.Head).To(Equal(w.ids[4]))
		Expect(v.Diff).NotTo(BeNil())
		Expect(v.Diff.Baseline.Release).To(Equal("11.1"))
		Expect(v.Waivers).To(HaveLen(1))
		Expect(v.Waivers[0].Requirement).To(Equal("fhir-r4-structure/STRUCT-02"))
		Expect(v.Waivers[0].Expires).To(Equal("2026-03-31"))
		Expect(v.Waivers[0].DaysLeft).To(Equal(31), "1 March to 31 March, both counted")

		Expect(c.getJSON(fmt.Sprintf("/api/vendors/Oakfield%%20Health%%20Software?base=%d&head=%d", w.ids[0], w.ids[4]), &v)).To(Equal(http.StatusOK))
		Expect(v.Diff.Baseline.Release).To(Equal("11.0"))
		Expect(v.Diff.Counts).NotTo(BeEmpty())

		status, body := c.get(fmt.Sprintf("/api/vendors/Oakfield%%20Health%%20Software?base=%d", w.ids[1]))
		Expect(status).To(Equal(http.StatusBadRequest), "a Riverside run is not an Oakfield release")
		Expect(body).To(ContainSubstring("not a run of Oakfield Health Software"))

		status, body = c.get("/vendors/Oakfield%20Health%20Software")
		Expect(status).To(Equal(http.StatusOK))
		Expect(body).To(ContainSubstring(`<svg class="chart line"`))
		Expect(body).To(ContainSubstring(`type fix scheduled for 11.3`))
		Expect(body).To(ContainSubstring(fmt.Sprintf(`<a href="/runs/%d"><circle class="dot `, w.ids[0])))
	})

	It("compares vendors and releases, each column and cell linked into its run", func() {
		c := w.client()
		c.login("ana", "pw-ana")
		var v portal.CompareView
		Expect(c.getJSON("/api/compare?vendor=Riverside+Clinical+Systems&vendor=Moorside+Digital&run="+fmt.Sprint(w.ids[0]), &v)).To(Equal(http.StatusOK))
		Expect(v.Matrix.Columns).To(HaveLen(3))
		Expect(v.Matrix.Columns[0].Link).To(Equal(fmt.Sprintf("/runs/%d", w.ids[1])))
		Expect(v.Matrix.Columns[2].Label).To(Equal("Oakfield Health Software 11.0"))
		Expect(v.Choices).To(HaveLen(3))

		status, body := c.get(fmt.Sprintf("/compare?run=%d&run=%d", w.ids[0], w.ids[4]))
		Expect(status).To(Equal(http.StatusOK))
		Expect(body).To(ContainSubstring(fmt.Sprintf(`href="/runs/%d/findings?requirement=fhir-r4-structure%%2FSTRUCT-02"`, w.ids[0])))

		status, _ = c.get("/api/compare?vendor=Nobody")
		Expect(status).To(Equal(http.StatusNotFound))
	})

	It("shows one requirement across vendors: who fails, who passes, and the way to the evidence", func() {
		c := w.client()
		c.login("ana", "pw-ana")
		var v portal.RequirementView
		Expect(c.getJSON("/api/requirements/fhir-r4-structure/STRUCT-02", &v)).To(Equal(http.StatusOK))
		var failing, passing []string
		for _, cell := range v.Failing {
			failing = append(failing, cell.Run.Vendor)
			Expect(cell.Evidence).To(Equal(fmt.Sprintf("/runs/%d/findings?requirement=fhir-r4-structure%%2FSTRUCT-02", cell.Run.ID)))
			Expect(cell.Errors).To(BeNumerically(">", 0))
		}
		for _, cell := range v.Passing {
			passing = append(passing, cell.Run.Vendor)
		}
		Expect(failing).To(ConsistOf("Moorside Digital", "Oakfield Health Software"))
		Expect(passing).To(ConsistOf("Riverside Clinical Systems"))

		var list portal.RequirementsView
		Expect(c.getJSON("/api/requirements", &list)).To(Equal(http.StatusOK))
		Expect(list.Suites).NotTo(BeEmpty())
		status, _ := c.get("/api/requirements/fhir-r4-structure/NO-SUCH")
		Expect(status).To(Equal(http.StatusNotFound))
	})

	It("shows a run's report, its manifest and whether its signature is by the vendor's registered key", func() {
		c := w.client()
		c.login("ana", "pw-ana")
		var v portal.RunView
		Expect(c.getJSON(fmt.Sprintf("/api/runs/%d", w.ids[4]), &v)).To(Equal(http.StatusOK))
		Expect(v.Verification.Signature).To(Equal("trusted"))
		Expect(v.Verification.Verified()).To(BeTrue())
		Expect(v.Verification.Files).NotTo(BeEmpty())
		Expect(v.Results).NotTo(BeEmpty())
		Expect(v.Results[0].Title).NotTo(BeEmpty(), "titles come from the report file")
		Expect(v.Verdict.Waivers).To(HaveLen(1))

		v = portal.RunView{}
		Expect(c.getJSON(fmt.Sprintf("/api/runs/%d", w.ids[3]), &v)).To(Equal(http.StatusOK))
		Expect(v.Verification.Signature).To(Equal("valid"))
		Expect(v.Verification.Detail).To(ContainSubstring("not registered for Moorside Digital"))

		// Tamper with a report after it was recorded and signed.
		report := filepath.Join(w.dirs[1], "report.json")
		data, err := os.ReadFile(report)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(report, []byte(strings.Replace(string(data), `"Certified"`, `"Certified" `, 1)), 0o644)).To(Succeed())
		v = portal.RunView{}
		Expect(c.getJSON(fmt.Sprintf("/api/runs/%d", w.ids[1]), &v)).To(Equal(http.StatusOK))
		Expect(v.Verification.FileProblems).To(ContainElement(ContainSubstring("report.json: changed")))
		Expect(v.Verification.Verified()).To(BeFalse())
		Expect(v.ReportProblem).To(ContainSubstring("changed since the run was recorded"))
		Expect(v.Results).To(BeEmpty(), "an edited report's results are not shown as the run's")
		Expect(v.Outcomes).NotTo(BeEmpty(), "the history's outcomes still are")

		// Remove the signature: unsigned.
		Expect(os.Remove(filepath.Join(w.dirs[2], "manifest.json.sig"))).To(Succeed())
		v = portal.RunView{}
		Expect(c.getJSON(fmt.Sprintf("/api/runs/%d", w.ids[2]), &v)).To(Equal(http.StatusOK))
		Expect(v.Verification.Signature).To(Equal("unsigned"))

		status, body := c.get(fmt.Sprintf("/runs/%d", w.ids[4]))
		Expect(status).To(Equal(http.StatusOK))
		Expect(body).To(ContainSubstring(`<p id="signature" class="ok"><b>trusted</b>`))
	})

	It("pages a run's findings by requirement and opens one, identifying values redacted", func() {
		c := w.client()
		c.login("ana", "pw-ana")
		var v portal.FindingsView
		Expect(c.getJSON(fmt.Sprintf("/api/runs/%d/findings?requirement=fhir-r4-structure/STRUCT-02", w.ids[0]), &v)).To(Equal(http.StatusOK))
		Expect(v.Findings).NotTo(BeEmpty())
		for _, f := range v.Findings {
			Expect(f.Requirement).To(Equal("STRUCT-02"))
		}
		Expect(v.Counted.Errors).To(BeNumerically(">=", len(v.Findings)))
		var one portal.FindingView
		Expect(c.getJSON("/api"+v.Findings[0].URL, &one)).To(Equal(http.StatusOK))
		Expect(one.Finding.N).To(Equal(v.Findings[0].N))
		Expect(one.Result.Requirement).To(Equal("STRUCT-02"))

		var all portal.FindingsView
		Expect(c.getJSON(fmt.Sprintf("/api/runs/%d/findings", w.ids[0]), &all)).To(Equal(http.StatusOK))
		redacted := 0
		for _, f := range all.Findings {
			if f.Evidence == "[redacted]" {
				redacted++
			}
			Expect(f.Evidence).NotTo(MatchRegexp(`\d\d/\d\d/\d{4}`), "no birth date shown")
		}
		Expect(redacted).To(BeNumerically(">", 0), "the seeded birth dates are findings, their values redacted")
		status, _ := c.get(fmt.Sprintf("/api/runs/%d/findings/99999", w.ids[0]))
		Expect(status).To(Equal(http.StatusNotFound))
	})
}

var _ = Describe("the portal on a SQLite history", func() {
	portalSpecs(sqliteStore)
})

var _ = Describe("the portal on a PostgreSQL history", Ordered, func() {
	var dsn string
	BeforeAll(func() { dsn = dbtest.PostgresDSN() })
	portalSpecs(func() *history.Store { return postgresStore(dsn) })
})

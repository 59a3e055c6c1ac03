package reports_test

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode/utf8"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/xeipuuv/gojsonschema"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/reporttest"
)

func sampleReport() *model.Report {
	failing := model.NewTally(2)
	for i := 5; i > 0; i-- {
		failing.Observe([]model.Finding{{
			Severity: model.Error, Requirement: "R1", Code: "structure.type", Message: "wrong JSON type <&>",
			Location: model.Location{File: "feed.ndjson", Line: i, Record: "Patient/p", Path: "Patient.active"},
		}})
	}
	warned := model.NewTally(0)
	warned.Observe([]model.Finding{{Severity: model.Warning, Requirement: "R2", Code: "w", Message: "odd"}})
	rep := &model.Report{
		Schema: model.ReportSchemaVersion, Tool: model.Tool{Name: "carecert", Version: "test"},
		Plan: "p", Vendor: model.Vendor{Name: "Acme"}, Complete: true, Evidence: "redacted",
		Suites: []model.SuiteInfo{{ID: "s", Version: "1", Title: "S", Source: "builtin:s"}},
		Targets: []model.TargetRun{{Name: "feed", Type: "fhir", Location: "feed.ndjson", Records: 5, Results: []model.Result{
			{Suite: "s", Requirement: "R1", Level: model.Shall, Title: "Types", Check: "c", Outcome: model.Fail, Message: "5 errors", Tally: *failing},
			{Suite: "s", Requirement: "R2", Level: model.Should, Title: "Odd", Check: "c", Outcome: model.Warn, Message: "1 warning", Tally: *warned},
			{Suite: "s", Requirement: "R3", Level: model.May, Title: "None", Check: "c", Outcome: model.Skip, Message: "no applicable records"},
			{Suite: "s", Requirement: "R4", Level: model.Shall, Title: "Broken", Check: "c", Outcome: model.Errored, Message: "target could not be read"},
		}}},
		Verdict: model.Verdict{Decision: model.NotCertified, Policy: "all-shall", Reasons: []string{"R1 failed"}},
	}
	rep.Summarize()
	return rep
}

var _ = Describe("the JSON report", func() {
	It("validates against the published schema and keeps the bounded sample", func() {
		data, err := reports.MarshalJSON(sampleReport())
		Expect(err).NotTo(HaveOccurred())
		schema, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(reports.Schema()))
		Expect(err).NotTo(HaveOccurred())
		res, err := schema.Validate(gojsonschema.NewBytesLoader(data))
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Errors()).To(BeEmpty())
		Expect(string(data)).To(ContainSubstring(`"dropped": 3`))
		Expect(string(data)).To(ContainSubstring("wrong JSON type <&>"), "no HTML escaping in JSON")
		Expect(bytes.HasSuffix(data, []byte("}\n"))).To(BeTrue())
	})

	It("carries a requirement's source through the schema and back, and refuses one without a URL", func() {
		rep := sampleReport()
		rep.Targets[0].Results[0].Source = &model.RuleSource{URL: "https://hl7.org/fhir/R4/json.html", Section: "JSON Representation of Resources"}
		data, err := reports.MarshalJSON(rep)
		Expect(err).NotTo(HaveOccurred())
		back, err := reports.DecodeJSON("report.json", data)
		Expect(err).NotTo(HaveOccurred())
		Expect(back.Targets[0].Results[0].Source).To(Equal(rep.Targets[0].Results[0].Source))
		Expect(back.Targets[0].Results[1].Source).To(BeNil())
		bad := bytes.Replace(data, []byte(`"url": "https://hl7.org/fhir/R4/json.html",`), nil, 1)
		Expect(bad).NotTo(Equal(data))
		_, err = reports.DecodeJSON("report.json", bad)
		Expect(err).To(MatchError(ContainSubstring("url")))
	})

	It("is refused by the schema when a required field is missing", func() {
		schema, _ := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(reports.Schema()))
		res, err := schema.Validate(gojsonschema.NewStringLoader(`{"schema":"carecert.report/v1"}`))
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Valid()).To(BeFalse())
	})
})

var _ = Describe("JUnit", func() {
	It("has one testcase per requirement with failures, errors and skips counted", func() {
		data, err := reports.JUnit(sampleReport())
		Expect(err).NotTo(HaveOccurred())
		Expect(reporttest.JUnitProblems(data)).To(BeEmpty())
		var doc struct {
			Suites []struct {
				Name  string `xml:"name,attr"`
				Cases []struct {
					Name    string `xml:"name,attr"`
					Failure *struct {
						Text string `xml:",chardata"`
					} `xml:"failure"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		Expect(xml.Unmarshal(data, &doc)).To(Succeed())
		Expect(doc.Suites).To(HaveLen(1))
		Expect(doc.Suites[0].Name).To(Equal("Acme / feed"))
		Expect(doc.Suites[0].Cases).To(HaveLen(4))
		Expect(doc.Suites[0].Cases[0].Failure.Text).To(ContainSubstring("feed.ndjson:1: error Patient/p at Patient.active"))
		Expect(string(data)).To(ContainSubstring(`tests="4" failures="1" errors="1" skipped="1" time="`))
	})

	It("says which other requirements report a quoted finding's defect", func() {
		rep := sampleReport()
		rep.Targets[0].Results[0].Findings[0].AlsoReportedBy = []string{"s2/R9"}
		data, err := reports.JUnit(rep)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(ContainSubstring("Patient.active: wrong JSON type &lt;&amp;&gt; [R1] (also reported by s2/R9)"))
		Expect(strings.Count(string(data), "also reported by")).To(Equal(1))
	})

	It("is refused by the strict schema check when it departs from it", func() {
		for _, bad := range []string{
			`<testsuites name="x"></testsuites>`,
			`<testsuites><testsuite name="a" tests="1" failures="0" errors="0"><testcase name="t" classname="c"/></testsuite></testsuites>`,
			`<testsuites><testsuite package="p" id="0" name="a" timestamp="2026-01-01T00:00:00Z" hostname="h" tests="1" failures="0" errors="0" time="1"><properties/><testcase name="t" classname="c" time="0"><system-out/></testcase><system-out/><system-err/></testsuite></testsuites>`,
			`<testsuites><testsuite package="p" id="0" name="a" timestamp="2026-01-01T00:00:00" hostname="h" tests="1" failures="0" errors="0" time="1"><testcase name="t" classname="c" time="0"/><system-out/><system-err/></testsuite></testsuites>`,
		} {
			Expect(reporttest.JUnitProblems([]byte(bad))).NotTo(BeEmpty(), bad)
		}
	})
})

var _ = Describe("the console summary", func() {
	It("prints a row per requirement and the verdict with reasons", func() {
		var buf bytes.Buffer
		Expect(reports.Console(&buf, sampleReport())).To(Succeed())
		out := buf.String()
		Expect(strings.Count(out, "│ feed")).To(Equal(4))
		Expect(out).To(ContainSubstring("Verdict: Not certified"))
		Expect(out).To(ContainSubstring("  - R1 failed"))
	})
})

var _ = Describe("the console summary at a terminal's width", func() {
	It("prints the table when it fits, and one clipped line per requirement when it does not", func() {
		rep := sampleReport()
		var wide, narrow, any bytes.Buffer
		Expect(reports.ConsoleWidth(&wide, rep, 400)).To(Succeed())
		Expect(reports.ConsoleWidth(&any, rep, 0)).To(Succeed())
		Expect(wide.String()).To(Equal(any.String()), "a width the table fits in, or none known, prints the table")
		Expect(wide.String()).To(ContainSubstring("│ feed"))

		Expect(reports.ConsoleWidth(&narrow, rep, 60)).To(Succeed())
		out := narrow.String()
		Expect(out).NotTo(ContainSubstring("│"))
		for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			Expect(utf8.RuneCountInString(line)).To(BeNumerically("<=", 60), line)
		}
		Expect(out).To(ContainSubstring("FAIL  s R1 [SHALL] feed: "))
		Expect(out).To(ContainSubstring("SKIP  s R3 [MAY] feed"))
		Expect(out).To(ContainSubstring("Verdict: Not certified"))
	})
})

var _ = Describe("atomic writes", func() {
	It("replace a file whole and leave no temporary file behind", func() {
		dir := GinkgoT().TempDir()
		path := filepath.Join(dir, "sub", "report.json")
		Expect(reports.WriteFileAtomic(path, []byte("one"))).To(Succeed())
		Expect(reports.WriteFileAtomic(path, []byte("two"))).To(Succeed())
		Expect(os.ReadFile(path)).To(Equal([]byte("two")))
		entries, _ := os.ReadDir(filepath.Join(dir, "sub"))
		Expect(entries).To(HaveLen(1))
		Expect(reports.WriteFileAtomic(filepath.Join(path, "x"), []byte("x"))).To(MatchError(ContainSubstring("report.json")))
	})

	It("write into a named pipe (as into a device such as /dev/stdout), never replacing it with a file", func() {
		pipe := filepath.Join(GinkgoT().TempDir(), "report.fifo")
		Expect(syscall.Mkfifo(pipe, 0o600)).To(Succeed())
		read := make(chan []byte, 1)
		go func() {
			defer GinkgoRecover()
			b, err := os.ReadFile(pipe)
			Expect(err).NotTo(HaveOccurred())
			read <- b
		}()
		Expect(reports.WriteFileAtomic(pipe, []byte("{}\n"))).To(Succeed())
		Eventually(read).Should(Receive(Equal([]byte("{}\n"))))
		fi, err := os.Lstat(pipe)
		Expect(err).NotTo(HaveOccurred())
		Expect(fi.Mode()&os.ModeNamedPipe).NotTo(BeZero(), "still a named pipe")
	})
})

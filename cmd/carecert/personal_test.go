package main

import (
	"encoding/json"
	"os"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The same person's NHS number is personal data whether it arrives as a FHIR
// Patient, an HL7 v2 PID segment or a social care return row: package
// personal defines it once, the runner redacts it once, and a report written
// with full evidence is redacted again the same way when it is rendered to be
// passed on.
var _ = Describe("personal data in FHIR, HL7 v2 and CSV", func() {
	const number = "9434765918" // a wrong check digit: every format reports it
	var dir string
	var feeds []struct{ suite, requirement, file string }
	BeforeEach(func() {
		dir = GinkgoT().TempDir()
		data, err := os.ReadFile("../../examples/cld/cld.csv")
		Expect(err).NotTo(HaveOccurred())
		lines := strings.SplitN(string(data), "\n", 3)
		Expect(lines[1]).To(ContainSubstring(",4598260947,"))
		feeds = []struct{ suite, requirement, file string }{
			{"uk-core", "UKCORE-02", writeFile(dir, "patient.json", `{"resourceType": "Patient", "id": "p1",
				"identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "`+number+`"}]}`)},
			{"nhs-adt-v2", "NHS-PID-NHS-NUMBER", writeFile(dir, "adt.hl7", strings.Join([]string{
				`MSH|^~\&|PAS|RX1|ROUTE|RX1|20240101120000||ADT^A01^ADT_A01|C1|P|2.4`,
				`EVN|A01|20240101120000`,
				`PID|1||` + number + `^^^NHS^NH||SMITH^JOHN||19800101|M`,
				`PV1|1|I`,
			}, "\r")+"\r")},
			{"asc-cld", "ASC-CLD-PERSON", writeFile(dir, "cld.csv", lines[0]+"\n"+strings.Replace(lines[1], ",4598260947,", ","+number+",", 1)+"\n")},
		}
	})

	// finding is the check-digit finding of a report, as report.json holds it.
	finding := func(report, requirement string) map[string]any {
		var rep struct {
			Targets []struct {
				Results []struct{ Findings []map[string]any }
			}
		}
		Expect(json.Unmarshal([]byte(report), &rep)).To(Succeed(), report)
		for _, t := range rep.Targets {
			for _, r := range t.Results {
				for _, f := range r.Findings {
					if f["requirement"] == requirement && f["code"] == "nhs-number.check-digit" {
						return f
					}
				}
			}
		}
		Fail("no nhs-number.check-digit finding for " + requirement + " in " + report)
		return nil
	}

	It("is marked and redacted the same way in each format", func() {
		for _, feed := range feeds {
			_, stdout, stderr := carecert("validate", "--format", "json", "--suite", feed.suite, feed.file)
			Expect(stderr).To(BeEmpty())
			f := finding(stdout, feed.requirement)
			Expect(f).To(HaveKeyWithValue("sensitive", true), feed.suite)
			Expect(f).To(HaveKeyWithValue("evidence", "[redacted]"), feed.suite)
			Expect(stdout).NotTo(ContainSubstring(number), feed.suite)
		}
	})

	It("keeps full evidence where asked, and redacts it in every rendering meant to be passed on", func() {
		for _, feed := range feeds {
			_, stdout, stderr := carecert("validate", "--format", "json", "--evidence", "full", "--suite", feed.suite, feed.file)
			Expect(stderr).To(BeEmpty())
			f := finding(stdout, feed.requirement)
			Expect(f).To(HaveKeyWithValue("sensitive", true), feed.suite)
			Expect(f["evidence"]).To(ContainSubstring(number), feed.suite)
			report := writeFile(dir, feed.suite+".json", stdout)
			for _, format := range []string{"markdown", "html"} {
				_, out, stderr := carecert("report", "--format", format, report)
				Expect(stderr).To(BeEmpty())
				Expect(out).To(ContainSubstring(feed.requirement), feed.suite+" "+format)
				Expect(out).NotTo(ContainSubstring(number), feed.suite+" "+format)
			}
			_, out, _ := carecert("report", "--format", "html", "--full-evidence", report)
			Expect(out).To(ContainSubstring(number), feed.suite+" html --full-evidence")
		}
	})

	It("lets a CSV suite mark a column or leave it to the column's name", func() {
		suite := writeFile(dir, "columns.yaml", `id: columns
title: columns
version: "1"
requirements:
  - id: MARKED
    level: SHALL
    title: a column marked personal
    check: table-schema
    params:
      fields:
        - {name: Ref, pattern: "[A-Z]+", sensitive: true}
  - id: NAMED
    level: SHALL
    title: a column whose name says it is personal
    check: table-schema
    params:
      fields:
        - {name: Postcode, pattern: "[A-Z]+"}
  - id: NEITHER
    level: SHALL
    title: neither
    check: table-schema
    params:
      fields:
        - {name: Count, pattern: "[A-Z]+"}
`)
		csv := writeFile(dir, "t.csv", "Ref,Postcode,Count\nr1,ls1 4ap,c1\n")
		_, stdout, stderr := carecert("validate", "--format", "json", "--suite", suite, csv)
		Expect(stderr).To(BeEmpty())
		Expect(stdout).NotTo(ContainSubstring("r1"))
		Expect(stdout).NotTo(ContainSubstring("ls1 4ap"))
		Expect(stdout).To(ContainSubstring("c1"))
	})
})

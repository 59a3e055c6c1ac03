package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// nhsOutcome is what a suite's requirement says about the one NHS number of
// a one-record feed: its nhs-number.* findings, as "severity code".
func nhsOutcome(requirement string, args ...string) []string {
	_, stdout, stderr := carecert(append([]string{"validate", "--format", "json"}, args...)...)
	Expect(stderr).To(BeEmpty())
	var rep struct {
		Targets []struct {
			Results []struct {
				Findings []struct {
					Severity, Code, Requirement string
				}
			}
		}
	}
	Expect(json.Unmarshal([]byte(stdout), &rep)).To(Succeed(), stdout)
	out := []string{}
	for _, t := range rep.Targets {
		for _, r := range t.Results {
			for _, f := range r.Findings {
				if f.Requirement == requirement && strings.HasPrefix(f.Code, "nhs-number.") {
					out = append(out, f.Severity+" "+f.Code)
				}
			}
		}
	}
	return out
}

// The same NHS number gets the same verdict whether it arrives as a FHIR
// Patient (uk-core), an HL7 v2 ADT message (nhs-adt-v2) or a row of a social
// care return (asc-cld): one rule, in package ukid, decides all three.
var _ = Describe("an NHS number in FHIR, HL7 v2 and CSV", func() {
	var dir, cldHeader, cldRow string
	BeforeEach(func() {
		dir = GinkgoT().TempDir()
		data, err := os.ReadFile("../../examples/cld/cld.csv")
		Expect(err).NotTo(HaveOccurred())
		lines := strings.SplitN(string(data), "\n", 3)
		cldHeader, cldRow = lines[0], lines[1]
		Expect(cldRow).To(ContainSubstring(",4598260947,"))
	})

	DescribeTable("gets one verdict",
		func(number string, want ...string) {
			if want == nil {
				want = []string{}
			}
			fhir := writeFile(dir, "patient.json", `{"resourceType": "Patient", "id": "p1",
				"identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "`+number+`"}]}`)
			v2 := writeFile(dir, "adt.hl7", strings.Join([]string{
				`MSH|^~\&|PAS|RX1|ROUTE|RX1|20240101120000||ADT^A01^ADT_A01|C1|P|2.4`,
				`EVN|A01|20240101120000`,
				`PID|1||` + number + `^^^NHS^NH||SMITH^JOHN||19800101|M`,
				`PV1|1|I`,
			}, "\r")+"\r")
			csv := writeFile(dir, "cld.csv", cldHeader+"\n"+strings.Replace(cldRow, ",4598260947,", ","+number+",", 1)+"\n")

			Expect(nhsOutcome("UKCORE-02", "--suite", "uk-core", fhir)).To(ConsistOf(want), "FHIR")
			Expect(nhsOutcome("NHS-PID-NHS-NUMBER", "--suite", "nhs-adt-v2", v2)).To(ConsistOf(want), "HL7 v2")
			Expect(nhsOutcome("ASC-CLD-PERSON", "--suite", "asc-cld", csv)).To(ConsistOf(want), "CSV")
		},
		Entry("the NHS's published example (a test-range number)", "9434765919"),
		Entry("a 999 test number", "9990000018"),
		Entry("an issued number", "4010232137"),
		Entry("the published example grouped with spaces", "943 476 5919", "error nhs-number.format"),
		Entry("a wrong check digit", "9434765918", "error nhs-number.check-digit"),
		Entry("nine digits", "943476591", "error nhs-number.format"),
		Entry("a number in no issued or test range", "5449305559", "warning nhs-number.range"),
		Entry("a Scottish CHI number where an NHS number belongs", "0101000022", "warning nhs-number.range"),
	)

	It("lets a suite accept what the built-in suites do not, the same way in each format", func() {
		suite := writeFile(dir, "lenient.yaml", `id: lenient-nhs
title: NHS numbers, grouped digits and CHI accepted
version: "1"
requirements:
  - id: FHIR-NHS
    level: SHALL
    title: NHS numbers
    check: nhs-number
    params: {grouped: true, ranges: [england-wales, scotland-chi, test]}
  - id: V2-NHS
    level: SHALL
    title: NHS numbers
    check: hl7v2-profile
    params:
      rules:
        - {path: PID-3.1, where: {component: 5, equals: NH}, format: nhs-number, grouped: true, ranges: [england-wales, scotland-chi, test]}
`)
		fhir := writeFile(dir, "patient.json", `{"resourceType": "Patient", "id": "p1",
			"identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "010 100 0022"}]}`)
		v2 := writeFile(dir, "adt.hl7", `MSH|^~\&|PAS|RX1|ROUTE|RX1|20240101120000||ADT^A01^ADT_A01|C1|P|2.4`+"\r"+
			`PID|1||010 100 0022^^^NHS^NH||SMITH^JOHN`+"\r")
		Expect(nhsOutcome("FHIR-NHS", "--suite", suite, fhir)).To(BeEmpty())
		Expect(nhsOutcome("V2-NHS", "--suite", suite, v2)).To(BeEmpty())
		Expect(nhsOutcome("UKCORE-02", "--suite", "uk-core", fhir)).To(ConsistOf("error nhs-number.format"))
	})

	It("names an unknown range where the suite gives it", func() {
		suite := writeFile(dir, "bad.yaml", `id: bad-nhs
title: bad
version: "1"
requirements:
  - {id: R1, level: SHALL, title: NHS numbers, check: nhs-number, params: {ranges: [wales]}}
`)
		code, _, stderr := carecert("validate", "--suite", suite, filepath.Join(dir, "none.json"))
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring(`range "wales": want one of england-wales`))
	})
})

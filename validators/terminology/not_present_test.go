package terminology_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	coreterm "github.com/carecert/carecert/terminology"
)

// codePlacements hold a resource the ways a record carries one: alone, as a
// Bundle's entry (twice: one result, two records), and contained in
// another resource; each is written in JSON and XML.
var codePlacements = []struct {
	name  string
	times int // how many copies of the resource the record holds
	place func(res string) string
}{
	{"alone", 1, func(r string) string { return r }},
	{"Bundle entries", 2, func(r string) string {
		return `{"resourceType":"Bundle","type":"collection","entry":[` +
			`{"fullUrl":"urn:uuid:8f0c7e2a-3c3e-4b8e-9a57-0c5d2d0b7a11","resource":` + r + `},` +
			`{"fullUrl":"urn:uuid:8f0c7e2a-3c3e-4b8e-9a57-0c5d2d0b7a12","resource":` + strings.Replace(r, `"id":"o"`, `"id":"o2"`, 1) + `}]}`
	}},
	{"contained", 1, func(r string) string {
		return `{"resourceType":"DiagnosticReport","id":"d","contained":[` + r + `],"status":"final",` +
			`"code":{"text":"panel"},"result":[{"reference":"#o"}]}`
	}},
}

// writePlaced writes res in format (json or xml) in placement pl to dir.
func writePlaced(dir, format string, place func(string) string, res string) string {
	doc := place(res)
	if format == "xml" {
		doc = toXML(doc)
	}
	path := filepath.Join(dir, "r."+format)
	Expect(os.WriteFile(path, []byte(doc), 0o644)).To(Succeed())
	return path
}

// A code of a code system carecert holds without its codes (content
// not-present: SNOMED CT and LOINC in FHIR core, a guide's external code
// system) is not checked, and said so once per code system in the result,
// with the number of its codes that went unchecked: neither a pass in
// silence nor a finding on every code (which floods a report: the demo's
// information findings went 27 -> 416 when each was said). The HL7
// reference validator gives each such code a hint (information); carecert
// says the same once. Before, every row found nothing.
var _ = Describe("codes of a code system held without its codes", func() {
	const notPresent = "http://acme.example/cs/not-present"
	observation := func(tag, code string) string {
		return `{"resourceType":"Observation","id":"o","meta":{"tag":[` + tag + `]},"status":"final","code":{"coding":[` + code + `]}}`
	}
	coding := func(system, code string) string { return fmt.Sprintf(`{"system":%q,"code":%q}`, system, code) }
	DescribeTable("are said not checked once per code system (TERM-02)",
		func(res string, perCopy map[string]int) {
			dir := GinkgoT().TempDir()
			ig := contentKindsIG(dir)
			for _, pl := range codePlacements {
				for _, format := range []string{"json", "xml"} {
					where := pl.name + " in " + format
					path := writePlaced(dir, format, pl.place, res)
					got := []string{}
					for _, f := range result(run([]string{suite}, []string{ig}, path), "TERM-02").Tally.Findings {
						Expect(f.Code).NotTo(Equal(coreterm.IssueCodesNotHeld), where)
						said, _, _ := strings.Cut(f.Message, ": ")
						got = append(got, fmt.Sprintf("%s %s %q %s", f.Severity, f.Code, f.Path, said))
					}
					want := []string{}
					for system, n := range perCopy {
						want = append(want, fmt.Sprintf(`information %s "" %d code(s) of %s were not checked`, coreterm.IssueNotChecked, n*pl.times, system))
					}
					sort.Strings(got)
					sort.Strings(want)
					Expect(got).To(Equal(want), where)
				}
			}
		},
		Entry("a guide's not-present code system, in a Coding and a CodeableConcept",
			observation(coding(notPresent, "a"), coding(notPresent, "zz")), map[string]int{notPresent: 2}),
		Entry("SNOMED CT (FHIR core holds it not-present), no release loaded",
			observation(coding(coreterm.SNOMED, "22298006"), coding(coreterm.SNOMED, "73211009")), map[string]int{coreterm.SNOMED: 2}),
		Entry("LOINC (not-present in FHIR core)",
			observation(coding(notPresent, "a"), coding(coreterm.LOINC, "8867-4")), map[string]int{notPresent: 1, coreterm.LOINC: 1}),
		Entry("control: a complete code system's code is checked, nothing to say",
			observation(coding("http://acme.example/cs/complete", "a"), coding("http://acme.example/cs/complete", "a")), map[string]int{}),
	)
})

package suites_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/suites"
)

// sourced is a suite whose one requirement names the rule it applies with
// the source given; the source lines start at line 8.
func sourced(source string) string {
	return `id: s
version: "1"
title: t
requirements:
  - id: R1
    level: SHALL
    title: x
` + source + `    check: fhir-json-schema
`
}

var _ = Describe("a requirement's source", func() {
	It("is read with its URL and section", func() {
		s, err := suites.Parse("s.yaml", []byte(sourced(`    source:
      url: https://hl7.org/fhir/R4/json.html
      section: "JSON Representation of Resources"
`)), registry())
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Requirements[0].Source).To(Equal(&model.RuleSource{URL: "https://hl7.org/fhir/R4/json.html", Section: "JSON Representation of Resources"}))
	})

	It("may be left out, and then is nil", func() {
		s, err := suites.Parse("s.yaml", []byte(sourced("")), registry())
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Requirements[0].Source).To(BeNil())
	})

	DescribeTable("is refused at its file, line and column when it is not a link a reader can follow",
		func(source, want string) {
			_, err := suites.Parse("s.yaml", []byte(sourced(source)), registry())
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("a URL that is a file name", "    source: {url: json.html}\n",
			`s.yaml:8:19: requirements[0].source.url: "json.html" is not an http or https URL`),
		Entry("a URL of another scheme", "    source:\n      url: ftp://hl7.org/fhir/json.html\n",
			`s.yaml:9:12: requirements[0].source.url: "ftp://hl7.org/fhir/json.html" is not an http or https URL`),
		Entry("a URL with a space in it", "    source:\n      url: https://hl7.org/fhir/R4/json html\n",
			`s.yaml:9:12: requirements[0].source.url: "https://hl7.org/fhir/R4/json html" is not an http or https URL`),
		Entry("a URL without a host", "    source:\n      url: https:///fhir/R4/json.html\n",
			`s.yaml:9:12: requirements[0].source.url: "https:///fhir/R4/json.html" is not an http or https URL`),
		Entry("no URL, only a section", "    source:\n      section: \"2.6 JSON\"\n",
			`s.yaml:9:14: requirements[0].source.url: required`),
		Entry("a section of two lines", "    source:\n      url: https://hl7.org/fhir/R4/json.html\n      section: \"2.6\\nJSON\"\n",
			`s.yaml:10:16: requirements[0].source.section: "2.6\nJSON": a section is one line`),
		Entry("an unknown key in it", "    source:\n      url: https://hl7.org/fhir/R4/json.html\n      chapter: 2\n",
			`s.yaml:10:7`),
		Entry("a bare string, not a mapping", "    source: https://hl7.org/fhir/R4/json.html\n",
			`s.yaml:8:13`),
	)

	It("is given, as a link a reader can follow, by built-in suites where the rule has a public normative text", func() {
		named := map[string]int{}
		for _, id := range suites.BuiltinIDs() {
			s, err := suites.Builtin(id, nil)
			Expect(err).NotTo(HaveOccurred())
			for _, r := range s.Requirements {
				if r.Source != nil {
					Expect(r.Source.URL).To(MatchRegexp(`^https://[a-z0-9.-]+\.(org|uk)/`), r.ID)
					Expect(r.Source.Section).NotTo(BeEmpty(), r.ID)
					named[id]++
				}
			}
		}
		Expect(named).To(HaveKeyWithValue("fhir-r4-structure", 2))
		Expect(named).To(HaveKeyWithValue("nhs-demographics", 10))
		Expect(named).To(HaveKey("fhir-rest-api"))
		Expect(named).To(HaveKey("hl7v2-structure"))
	})
})

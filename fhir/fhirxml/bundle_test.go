package fhirxml_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/fhirxml"
)

// bundleXML is a root Bundle of type typ whose entries hold resources.
func bundleXML(typ string, resources ...string) []byte {
	var b strings.Builder
	b.WriteString(`<Bundle xmlns="http://hl7.org/fhir"><type value="` + typ + `"/>`)
	for _, r := range resources {
		b.WriteString("\n<entry><resource>" + r + "</resource></entry>")
	}
	b.WriteString("\n</Bundle>")
	return []byte(b.String())
}

var _ = Describe("DecodeBundle stops skimming", func() {
	notGraph := func(bundle map[string]any) bool {
		t, _ := bundle["type"].(string)
		return t != "document" && t != "message"
	}
	patient := `<Patient><id value="a"/></Patient>`
	nested := `<Bundle><type value="collection"/><entry><resource><Patient/></resource></entry></Bundle>`
	DescribeTable("as soon as it knows the entries are not read apart, converting the document whole once",
		func(data []byte, handed int, skimmed bool) {
			var got []int
			res, issues, _, apart, err := fhirxml.DecodeBundle(data, notGraph, func(e fhirxml.Entry) bool {
				got = append(got, e.Index)
				return e.Resource["resourceType"] != "Bundle"
			})
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(HaveLen(handed))
			Expect(apart).To(Equal(skimmed))
			if !skimmed {
				whole, wholeIssues, _, err := fhirxml.DecodeDocument(data)
				Expect(err).NotTo(HaveOccurred())
				Expect(res).To(Equal(whole))
				Expect(issues).To(Equal(wholeIssues))
			}
		},
		Entry("a document: at its first entry, before converting any", bundleXML("document", patient, patient, patient), 0, false),
		Entry("a message: at its first entry, before converting any", bundleXML("message", patient, patient), 0, false),
		Entry("a collection with a Bundle entry: at that entry", bundleXML("collection", patient, nested, patient, patient), 2, false),
		Entry("not a collection of plain resources", bundleXML("collection", patient, patient, patient), 3, true),
		Entry("not a transaction", bundleXML("transaction", patient), 1, true),
	)
})

package fhirxml_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/fhirxml"
)

// issues decodes doc, which must be readable, and returns its issues as
// "line path code" strings.
func issues(doc string) []string {
	_, found, _, err := fhirxml.DecodeDocument([]byte(doc))
	Expect(err).NotTo(HaveOccurred(), doc)
	var out []string
	for _, is := range found {
		out = append(out, strings.TrimSpace(strings.Join([]string{strconv.Itoa(is.Line), is.Path, is.Code}, " ")))
	}
	return out
}

const patientOpen = `<Patient xmlns="http://hl7.org/fhir">`

var _ = Describe("what FHIR XML forbids in how a document is written", func() {
	DescribeTable("each family: a document written right has no issue, the same written wrong has one at its element and line",
		func(good, bad string, want []string) {
			Expect(issues(good)).To(BeEmpty(), good)
			Expect(issues(bad)).To(Equal(want), bad)
			// the issue does not change what the document says
			g, err := fhirxml.Decode([]byte(good))
			Expect(err).NotTo(HaveOccurred())
			Expect(g).NotTo(BeEmpty())
		},
		// element order (R4 §2.6.1)
		Entry("order of a resource's elements",
			patientOpen+"<id value=\"a\"/>\n<active value=\"true\"/>\n<gender value=\"male\"/></Patient>",
			patientOpen+"<id value=\"a\"/>\n<gender value=\"male\"/>\n<active value=\"true\"/></Patient>",
			[]string{"3 active input.xml-order"}),
		Entry("order inside a datatype",
			patientOpen+"\n<name><family value=\"B\"/><given value=\"A\"/><given value=\"C\"/></name></Patient>",
			patientOpen+"\n<name><given value=\"A\"/><family value=\"B\"/><given value=\"C\"/></name></Patient>",
			[]string{"2 name[0].family input.xml-order"}),
		Entry("order of the inherited elements: meta after id, text before extension",
			patientOpen+"<id value=\"a\"/><meta><versionId value=\"1\"/></meta><text><status value=\"generated\"/><div xmlns=\"http://www.w3.org/1999/xhtml\">x</div></text><extension url=\"http://hl7.org/fhir/StructureDefinition/patient-birthPlace\"><valueAddress><city value=\"Leeds\"/></valueAddress></extension></Patient>",
			patientOpen+"<meta><versionId value=\"1\"/></meta><id value=\"a\"/><extension url=\"http://hl7.org/fhir/StructureDefinition/patient-birthPlace\"><valueAddress><city value=\"Leeds\"/></valueAddress></extension><text><status value=\"generated\"/><div xmlns=\"http://www.w3.org/1999/xhtml\">x</div></text></Patient>",
			[]string{"1 id input.xml-order", "1 text input.xml-order"}),
		Entry("order in a backbone element and a narrative",
			`<Observation xmlns="http://hl7.org/fhir"><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml">x</div></text><status value="final"/><code><text value="bp"/></code><component><code><text value="s"/></code><valueQuantity><value value="120"/></valueQuantity></component></Observation>`,
			`<Observation xmlns="http://hl7.org/fhir"><text><div xmlns="http://www.w3.org/1999/xhtml">x</div><status value="generated"/></text><status value="final"/><code><text value="bp"/></code><component><valueQuantity><value value="120"/></valueQuantity><code><text value="s"/></code></component></Observation>`,
			[]string{"1 text.status input.xml-order", "1 component[0].code input.xml-order"}),
		Entry("order of a choice element by its typed name, and of extensions in an extension",
			`<Observation xmlns="http://hl7.org/fhir"><status value="final"/><code><text value="x"/></code><effectiveDateTime value="2020"/><issued value="2020-01-01T00:00:00Z"/><valueString value="v"/></Observation>`,
			`<Observation xmlns="http://hl7.org/fhir"><status value="final"/><code><text value="x"/></code><issued value="2020-01-01T00:00:00Z"/><effectiveDateTime value="2020"/><valueString value="v"/></Observation>`,
			[]string{"1 effectiveDateTime input.xml-order"}),
		Entry("order of a contained resource's elements, at the contained path",
			patientOpen+"<contained><Organization><id value=\"o\"/><name value=\"Acme\"/></Organization></contained></Patient>",
			patientOpen+"<contained><Organization><name value=\"Acme\"/><id value=\"o\"/></Organization></contained></Patient>",
			[]string{"1 contained[0].id input.xml-order"}),

		// attributes (R4 §2.6.1: value, id and url are the only attributes)
		Entry("an attribute a primitive does not have",
			patientOpen+"\n<active id=\"x\" value=\"true\"/></Patient>",
			patientOpen+"\n<active value=\"true\" other=\"1\"/></Patient>",
			[]string{"2 active input.xml-attribute"}),
		Entry("a value attribute on a complex element",
			patientOpen+"<name id=\"n\"><family value=\"B\"/></name></Patient>",
			patientOpen+"<name value=\"B\"><family value=\"B\"/></name></Patient>",
			[]string{"1 name[0] input.xml-attribute"}),
		Entry("url only on extensions",
			patientOpen+"<extension url=\"http://hl7.org/fhir/StructureDefinition/patient-birthPlace\" id=\"e\"><valueAddress><city value=\"Leeds\"/></valueAddress></extension></Patient>",
			patientOpen+"<name url=\"http://example.org\"><family value=\"B\"/></name></Patient>",
			[]string{"1 name[0] input.xml-attribute"}),
		Entry("no attribute on a resource element, not even id",
			patientOpen+"<id value=\"a\"/></Patient>",
			`<Patient xmlns="http://hl7.org/fhir" id="a"><active value="true"/></Patient>`,
			[]string{"1  input.xml-attribute"}),
		Entry("xsi:schemaLocation and xml:lang are not FHIR attributes; namespace declarations are allowed",
			`<Patient xmlns="http://hl7.org/fhir" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><active value="true"/></Patient>`,
			`<Patient xmlns="http://hl7.org/fhir" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://hl7.org/fhir patient.xsd"><active xml:lang="en" value="true"/></Patient>`,
			[]string{"1  input.xml-attribute", "1 active input.xml-attribute"}),
		Entry("an attribute on a contained resource, named at the contained resource",
			patientOpen+"<contained><Organization><id value=\"o\"/></Organization></contained></Patient>",
			patientOpen+"<contained><Organization status=\"x\"><id value=\"o\"/></Organization></contained></Patient>",
			[]string{"1 contained[0] input.xml-attribute"}),
		Entry("an element's id and an extension's url written as elements",
			patientOpen+"<extension url=\"http://hl7.org/fhir/StructureDefinition/patient-birthPlace\"><valueAddress><city value=\"L\"/></valueAddress></extension><name id=\"n\"><family value=\"B\"/></name></Patient>",
			patientOpen+"<extension><url value=\"http://hl7.org/fhir/StructureDefinition/patient-birthPlace\"/><valueAddress><city value=\"L\"/></valueAddress></extension><name><id value=\"n\"/><family value=\"B\"/></name></Patient>",
			[]string{"1 extension[0].url input.xml-attribute", "1 name[0].id input.xml-attribute"}),

		// nodes FHIR XML does not use
		Entry("processing instructions before, inside and after the resource (the XML declaration is none)",
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c -->\n"+patientOpen+"<!-- c --><active value=\"true\"/></Patient>\n<!-- c -->",
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?xml-stylesheet href=\"p.xsl\"?>\n"+patientOpen+"<name><?render bold?><family value=\"B\"/></name></Patient>\n<?after?>",
			[]string{"2  input.xml-node", "3 name[0] input.xml-node", "4  input.xml-node"}),
		Entry("a CDATA section, even of white space only",
			patientOpen+"<active value=\"true\"/> \n </Patient>",
			patientOpen+"<active value=\"true\"/><![CDATA[ ]]></Patient>",
			[]string{"1  input.xml-node"}),
	)

	It("reads a resource element with no content as JSON's resource with no elements, with no issue: a resource is no element", func() {
		for _, doc := range []string{`<Parameters xmlns="http://hl7.org/fhir"/>`, `<Parameters xmlns="http://hl7.org/fhir"><!-- nothing --></Parameters>`,
			`<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><resource><Patient/></resource></entry></Bundle>`} {
			res, issues, _, err := fhirxml.DecodeDocument([]byte(doc))
			Expect(err).NotTo(HaveOccurred(), doc)
			Expect(issues).To(BeEmpty(), doc)
			Expect(res).NotTo(BeEmpty())
		}
		res, err := fhirxml.Decode([]byte(`<Parameters xmlns="http://hl7.org/fhir"/>`))
		Expect(err).NotTo(HaveOccurred())
		Expect(res).To(Equal(map[string]any{"resourceType": "Parameters"}))
	})

	It("converts a primitive with neither value nor children as JSON holds it, an empty object that ele-1 rejects", func() {
		res, err := fhirxml.Decode([]byte(patientOpen + `<active/><name><given/><given value="A"/></name></Patient>`))
		Expect(err).NotTo(HaveOccurred())
		Expect(res["_active"]).To(Equal(map[string]any{}))
		Expect(res).NotTo(HaveKey("active"))
		name := res["name"].([]any)[0].(map[string]any)
		Expect(name["given"]).To(Equal([]any{nil, "A"}))
		Expect(name["_given"]).To(Equal([]any{map[string]any{}, nil}))
		// an id alone is content for XML, and stays what JSON has
		res, err = fhirxml.Decode([]byte(patientOpen + `<active id="a"/></Patient>`))
		Expect(err).NotTo(HaveOccurred())
		Expect(res["_active"]).To(Equal(map[string]any{"id": "a"}))
	})

	DescribeTable("gives the narrative div as text that stands alone, in the namespace it is in",
		func(div, want string) {
			res, err := fhirxml.Decode([]byte(`<Patient xmlns="http://hl7.org/fhir" xmlns:h="http://www.w3.org/1999/xhtml"><text><status value="generated"/>` + div + `</text></Patient>`))
			Expect(err).NotTo(HaveOccurred())
			Expect(res["text"].(map[string]any)["div"]).To(Equal(want))
		},
		Entry("declared on the div: as written", `<div xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div>`, `<div xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div>`),
		Entry("a prefix declared on the root: the declaration added", `<h:div><h:p>x</h:p></h:div>`, `<h:div xmlns:h="http://www.w3.org/1999/xhtml"><h:p>x</h:p></h:div>`),
		Entry("in the FHIR namespace by default: said so, for the narrative check to refuse", `<div class="x"><p>x</p></div>`, `<div xmlns="http://hl7.org/fhir" class="x"><p>x</p></div>`),
		Entry("in another namespace: as written, not refused by the reader", `<div xmlns="urn:x"><p>x</p></div>`, `<div xmlns="urn:x"><p>x</p></div>`),
	)

	It("normalises attribute values as XML does: a literal tab or line break is a space, a character reference is kept", func() {
		res, err := fhirxml.Decode([]byte(patientOpen + "<id value=\"a\"/><name id=\"n\" ><family value=\"Mc\nDonald\"/><given value='A\tB &amp;\r\nC'/><given value=\"D&#10;E&#x9;F\nG\"/><text value=\"plain\"/></name></Patient>"))
		Expect(err).NotTo(HaveOccurred())
		name := res["name"].([]any)[0].(map[string]any)
		Expect(name["family"]).To(Equal("Mc Donald"))
		Expect(name["given"]).To(Equal([]any{"A B & C", "D\nE\tF G"}))
		Expect(name["text"]).To(Equal("plain"))
		Expect(name["id"]).To(Equal("n"))
	})

	It("names where each issue is inside a Bundle's entries", func() {
		Expect(issues(`<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>
<entry><fullUrl value="urn:uuid:5f0b5b54-9e7a-4b0f-a6a8-0f3c9f0c3b01"/><resource><Patient><gender value="male"/><active value="true"/></Patient></resource></entry>
<entry><resource><Patient><name><given value="A"/><family value="B"/></name></Patient></resource></entry>
</Bundle>`)).To(Equal([]string{
			"2 entry[0].resource.active input.xml-order",
			"3 entry[1].resource.name[0].family input.xml-order",
		}))
	})

	It("refuses a DOCTYPE without reading it: no entity is expanded, no file is opened", func() {
		secret := filepath.Join(GinkgoT().TempDir(), "secret.txt")
		Expect(os.WriteFile(secret, []byte("TOP-SECRET-MARKER"), 0o600)).To(Succeed())
		for _, doc := range []string{
			"<?xml version=\"1.0\"?>\n<!DOCTYPE Patient [<!ENTITY xxe SYSTEM \"file://" + secret + "\">]>\n" + patientOpen + "<name><family value=\"&xxe;\"/></name></Patient>",
			"<!DOCTYPE Patient SYSTEM \"file://" + secret + "\">\n" + patientOpen + "<active value=\"true\"/></Patient>",
			"<!DOCTYPE lol [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>\n" + patientOpen + "<name><family value=\"&c;\"/></name></Patient>",
		} {
			res, err := fhirxml.Decode([]byte(doc))
			Expect(res).To(BeNil())
			Expect(err).To(MatchError(ContainSubstring("a DOCTYPE is not allowed in FHIR XML: it is refused without being read")))
			Expect(err.Error()).NotTo(ContainSubstring("TOP-SECRET-MARKER"))
			Expect(err.(*fhirxml.SyntaxError).Line).To(BeNumerically(">=", 1))
		}
		// inside the narrative too
		_, err := fhirxml.Decode([]byte(patientOpen + "<text><status value=\"generated\"/><div xmlns=\"http://www.w3.org/1999/xhtml\">\n<!DOCTYPE html>x</div></text></Patient>"))
		Expect(err).To(MatchError(ContainSubstring("line 2: a DOCTYPE is not allowed")))
	})

	It("knows XML's five entities and character references, and no other entity, in values and the narrative", func() {
		res, err := fhirxml.Decode([]byte(patientOpen + `<name><family value="&lt;&gt;&amp;&quot;&apos;&#160;&#xE9;"/></name></Patient>`))
		Expect(err).NotTo(HaveOccurred())
		Expect(res["name"].([]any)[0].(map[string]any)["family"]).To(Equal("<>&\"'\u00a0é"))
		for _, doc := range []string{
			patientOpen + `<name><family value="M&eacute;lanie"/></name></Patient>`,
			patientOpen + `<text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml">a&nbsp;b</div></text></Patient>`,
		} {
			_, err := fhirxml.Decode([]byte(doc))
			Expect(err).To(MatchError(MatchRegexp(`^line 1: malformed XML: invalid character entity &\w+; \(XML declares only`)), doc)
		}
	})
})

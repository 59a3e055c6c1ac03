package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
)

// xmlOnly drops the findings about how FHIR XML is written (element order,
// attributes, processing instructions and CDATA), which JSON cannot carry.
func xmlOnly(fs []string) (kept, xml []string) {
	for _, f := range fs {
		if strings.Contains(f, " input.xml-") {
			xml = append(xml, f)
			continue
		}
		kept = append(kept, f)
	}
	return kept, xml
}

// oddXMLBundles are XML Bundles written in the ways FHIR XML allows (or
// forbids while staying readable) that a reader taking each entry apart
// from the Bundle's tree must read as the whole tree reads them, each with
// the XML-only issues its XML form has. A nested Bundle, a document and a
// root that is no Bundle but carries one are read whole; the rest apart in
// a document larger than fhir.XMLApartAbove (the fhir package's specs read
// them apart at their size; the spec below holds a run either side of it).
var oddXMLBundles = map[string]struct {
	doc    string
	issues int
}{
	"prefixes declared on the root, used in the entries": {`<f:Bundle xmlns:f="http://hl7.org/fhir"><f:type value="collection"/>
<f:entry><f:fullUrl value="urn:uuid:p1"/><f:resource><f:Patient><f:id value="p1"/><f:gender value="male"/><f:birthDate value="2020-13-01"/></f:Patient></f:resource></f:entry>
<f:entry><f:fullUrl value="urn:uuid:o1"/><f:resource><f:Observation><f:id value="o1"/><f:status value="final"/><f:code><f:text value="x"/></f:code><f:subject><f:reference value="urn:uuid:p1"/></f:subject></f:Observation></f:resource></f:entry>
</f:Bundle>`, 0},
	"the default namespace declared again inside an entry": {`<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>
<entry><fullUrl value="urn:uuid:p1"/><resource><Patient xmlns="http://hl7.org/fhir"><id value="p1"/><active value="yes"/></Patient></resource></entry>
<entry><fullUrl value="urn:uuid:o1"/><resource>
  <Observation
     xmlns="http://hl7.org/fhir"><id value="o1"/><status value="unknown-status"/><code><text value="x"/></code><subject><reference value="Patient/nowhere"/></subject></Observation></resource></entry>
</Bundle>`, 0},
	"an xhtml narrative in its own namespace, declared on the root": {`<Bundle xmlns="http://hl7.org/fhir" xmlns:h="http://www.w3.org/1999/xhtml"><type value="collection"/>
<entry><fullUrl value="urn:uuid:p1"/><resource><Patient><id value="p1"/><text><status value="generated"/><h:div><h:p>Ann</h:p><h:script>x</h:script></h:div></text></Patient></resource></entry>
<entry><fullUrl value="urn:uuid:p2"/><resource><Patient><id value="p2"/><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>Bob</p></div></text></Patient></resource></entry>
</Bundle>`, 0},
	"comments and processing instructions between entries, CDATA inside one": {`<?xml version="1.0" encoding="UTF-8"?>
<!-- before -->
<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>
<!-- between -->
<entry><fullUrl value="urn:uuid:p1"/><resource><Patient><id value="p1"/><!-- inside --><gender value="female"/></Patient></resource></entry>
<?between entries?>
<entry><fullUrl value="urn:uuid:p2"/><resource><Patient><id value="p2"/><![CDATA[ ]]><gender value="other-thing"/></Patient></resource></entry>
</Bundle>
<!-- after -->`, 2},
	"entities and character references": {`<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>
<entry><fullUrl value="urn:uuid:p1"/><resource><Patient><id value="p1"/><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml">A &amp; B&#160;&lt;c&gt; &#x00E9;</div></text><name><family value="O&apos;Brien &amp; Sons"/><given value="&quot;Al&quot;"/></name></Patient></resource></entry>
</Bundle>`, 0},
	"xml:lang on the root and on an entry's resource, elements out of order": {`<Bundle xmlns="http://hl7.org/fhir" xml:lang="en"><type value="collection"/>
<entry><fullUrl value="urn:uuid:p1"/><resource><Patient xml:lang="de"><gender value="male"/><id value="p1"/></Patient></resource></entry>
</Bundle>`, 3},
	"entries with no fullUrl, a resource only": {`<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>
<entry><resource><Patient><id value="p1"/></Patient></resource></entry>
<entry><resource><Patient><id value="p2"/><birthDate value="1990-02-30"/></Patient></resource></entry>
</Bundle>`, 0},
	"a transaction with a duplicate and a reference between entries": {`<Bundle xmlns="http://hl7.org/fhir"><type value="transaction"/>
<entry><fullUrl value="urn:uuid:p1"/><resource><Patient><id value="p1"/></Patient></resource><request><method value="POST"/><url value="Patient"/></request></entry>
<entry><fullUrl value="urn:uuid:p1"/><resource><Patient><id value="p1"/></Patient></resource><request><method value="POST"/><url value="Patient"/></request></entry>
<entry><fullUrl value="urn:uuid:e1"/><resource><Encounter><id value="e1"/><status value="finished"/><class><system value="http://terminology.hl7.org/CodeSystem/v3-ActCode"/><code value="AMB"/></class><subject><reference value="urn:uuid:p1"/></subject></Encounter></resource><request><method value="POST"/><url value="Encounter"/></request></entry>
</Bundle>`, 0},
	"a nested Bundle": {`<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>
<entry><fullUrl value="urn:uuid:b1"/><resource><Bundle><id value="b1"/><type value="collection"/><entry><fullUrl value="urn:uuid:p9"/><resource><Patient><id value="p9"/><gender value="x"/></Patient></resource></entry></Bundle></resource></entry>
</Bundle>`, 0},
	"a document": {`<Bundle xmlns="http://hl7.org/fhir"><identifier><system value="urn:ietf:rfc:3986"/><value value="urn:uuid:d1"/></identifier><type value="document"/><timestamp value="2020-01-01T00:00:00Z"/>
<entry><fullUrl value="urn:uuid:c1"/><resource><Composition><id value="c1"/><status value="final"/><type><text value="x"/></type><subject><reference value="urn:uuid:p1"/></subject><date value="2020-01-01"/><author><reference value="urn:uuid:p1"/></author><title value="t"/></Composition></resource></entry>
<entry><fullUrl value="urn:uuid:p1"/><resource><Patient><id value="p1"/></Patient></resource></entry>
</Bundle>`, 0},
	"a root that is no Bundle, carrying one": {`<Parameters xmlns="http://hl7.org/fhir"><parameter><name value="b"/><resource><Bundle><type value="collection"/><entry><fullUrl value="urn:uuid:p1"/><resource><Patient><id value="p1"/><gender value="x"/></Patient></resource></entry></Bundle></resource></parameter></Parameters>`, 0},
	"a narrative linking to a #fragment in another entry": {`<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>
<entry><fullUrl value="urn:uuid:p1"/><resource><Patient><id value="p1"/><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><a href="#o1">o</a> <a href="#none">n</a></div></text></Patient></resource></entry>
<entry><fullUrl value="urn:uuid:p2"/><resource><Patient id="x"><id value="p2"/><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p id="o1">here</p></div></text></Patient></resource></entry>
</Bundle>`, 1},
}

var _ = Describe("an XML Bundle read one entry at a time", func() {
	It("gives every odd shape the verdicts its JSON form gets, and the XML-only issues of how it is written", func() {
		work := GinkgoT().TempDir()
		jsonDir, xmlDir := filepath.Join(work, "json"), filepath.Join(work, "xml")
		Expect(os.MkdirAll(jsonDir, 0o755)).To(Succeed())
		Expect(os.MkdirAll(xmlDir, 0o755)).To(Succeed())
		n := 0
		for name, c := range oddXMLBundles {
			res, err := fhirxml.Decode([]byte(c.doc))
			Expect(err).NotTo(HaveOccurred(), name)
			j, err := json.Marshal(res)
			Expect(err).NotTo(HaveOccurred())
			k := strings.ReplaceAll(name, " ", "-")
			Expect(os.WriteFile(filepath.Join(jsonDir, k+".json"), j, 0o644)).To(Succeed())
			Expect(os.WriteFile(filepath.Join(xmlDir, k+".xml"), []byte(c.doc), 0o644)).To(Succeed())
			n++
		}
		byJSON, byXML := findingsByFile(jsonDir), findingsByFile(xmlDir)
		for name, c := range oddXMLBundles {
			k := strings.ReplaceAll(name, " ", "-")
			x, issues := xmlOnly(byXML[k])
			Expect(x).To(Equal(byJSON[k]), name)
			Expect(issues).To(HaveLen(c.issues), name)
		}
		failing := 0
		for _, fs := range byJSON {
			if len(fs) > 0 {
				failing++
			}
		}
		Expect(failing).To(BeNumerically(">=", n-1), "the shapes carry findings to compare")
	})
})

var _ = Describe("an XML Bundle one byte either side of the size it is read apart from", func() {
	It("gets the same findings read whole (fhir.XMLApartAbove-1 bytes) and apart (+1), and those of its JSON form", func() {
		work := GinkgoT().TempDir()
		below, above, asJSON := filepath.Join(work, "below"), filepath.Join(work, "above"), filepath.Join(work, "json")
		for _, dir := range []string{below, above, asJSON} {
			Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
		}
		// spaces after the root element: the same document, on the same lines
		pad := func(doc string, size int) []byte { return []byte(doc + strings.Repeat(" ", size-len(doc))) }
		shapes := []string{"prefixes declared on the root, used in the entries", "a narrative linking to a #fragment in another entry", "a transaction with a duplicate and a reference between entries"}
		for _, name := range shapes {
			doc, k := oddXMLBundles[name].doc, strings.ReplaceAll(name, " ", "-")
			Expect(os.WriteFile(filepath.Join(below, k+".xml"), pad(doc, fhir.XMLApartAbove-1), 0o644)).To(Succeed())
			Expect(os.WriteFile(filepath.Join(above, k+".xml"), pad(doc, fhir.XMLApartAbove+1), 0o644)).To(Succeed())
			res, err := fhirxml.Decode([]byte(doc))
			Expect(err).NotTo(HaveOccurred(), name)
			j, err := json.Marshal(res)
			Expect(err).NotTo(HaveOccurred())
			Expect(os.WriteFile(filepath.Join(asJSON, k+".json"), j, 0o644)).To(Succeed())
		}
		whole, apart, byJSON := findingsByFile(below), findingsByFile(above), findingsByFile(asJSON)
		for _, name := range shapes {
			k := strings.ReplaceAll(name, " ", "-")
			Expect(whole[k]).NotTo(BeEmpty(), "%s carries findings to compare", name)
			Expect(apart[k]).To(Equal(whole[k]), name)
			x, _ := xmlOnly(apart[k])
			Expect(x).To(Equal(byJSON[k]), name)
		}
	})
})

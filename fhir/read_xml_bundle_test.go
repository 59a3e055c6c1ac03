package fhir_test

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
)

// readXML reads one XML document as a file's reader does, the Bundle's
// entries apart or (apart false) the whole Bundle in one tree, returning
// the records as emitted and, separately, loaded.
func readXML(data string, apart bool) (emitted, loaded []*model.Record) {
	GinkgoHelper()
	Expect(fhir.ReadXML("b.xml", []byte(data), apart, func(r *model.Record) error {
		emitted = append(emitted, r)
		return nil
	})).To(Succeed())
	for _, r := range emitted {
		r.Load()
		loaded = append(loaded, r)
	}
	return emitted, loaded
}

// sameRecords holds the records of a document read with its Bundle's
// entries apart to those read whole: the same records in the same order,
// named and placed alike, with the same resources, issues and lines of
// every element the whole reading locates.
func sameRecords(apart, whole []*model.Record, paths map[string][]string) {
	GinkgoHelper()
	Expect(apart).To(HaveLen(len(whole)))
	for i, w := range whole {
		a := apart[i]
		Expect(a.Problem).To(Equal(w.Problem), "record %d", i)
		Expect([]any{a.Type, a.ID, a.Line, a.Index, a.Format}).To(Equal([]any{w.Type, w.ID, w.Line, w.Index, w.Format}), "record %d", i)
		Expect(a.Syntax).To(Equal(w.Syntax), "record %d: the issues of how it is written", i)
		if i > 0 && w.Type != "" {
			Expect(a.Value).To(Equal(w.Value), "record %d", i)
			Expect(a.Container.Index).To(Equal(w.Container.Index), "record %d is in the same record", i)
		}
		for _, p := range paths[w.Type] {
			Expect(a.LineOf(w.Type+"."+p)).To(Equal(w.LineOf(w.Type+"."+p)), "record %d, %s", i, p)
		}
	}
}

// oddBundle is a collection Bundle written in ways FHIR XML allows, or
// forbids without making it unreadable, whose entries can still be read
// apart from the Bundle's tree.
const oddBundle = `<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment before the root -->
<f:Bundle xmlns:f="http://hl7.org/fhir" xmlns:h="http://www.w3.org/1999/xhtml"
    xml:lang="en">
  <f:id value="odd"/>
  <f:type value="collection"/>
  <!-- between the Bundle's elements -->
  <f:entry>
    <f:fullUrl value="urn:uuid:p1"/>
    <f:resource>
      <f:Patient>
        <f:id value="p1"/>
        <f:text>
          <f:status value="generated"/>
          <h:div>Ann &amp; Bob&#160;<h:b>Smith</h:b></h:div>
        </f:text>
        <f:name><f:family value="Smith &amp; Jones"/><f:given value="A&#x00E9;"/></f:name>
      </f:Patient>
    </f:resource>
  </f:entry>
  <?keep-this between entries?>
  <f:entry>
    <f:fullUrl value="urn:uuid:o1"/>
    <f:resource>
      <Observation
          xmlns="http://hl7.org/fhir"
          xmlns:x="http://www.w3.org/1999/xhtml">
        <id value="o1"/>
        <text><status value="generated"/><x:div>one <x:i>two</x:i></x:div></text>
        <status value="final"/>
        <![CDATA[ ]]>
        <code><text value="x"/></code>
        <subject><reference value="urn:uuid:p1"/></subject>
        <valueString value="&lt;b&gt;"/>
      </Observation>
    </f:resource>
  </f:entry>
  <f:entry>
    <f:resource>
      <f:Basic>
        <f:id value="b1"/>
        <f:code><f:text value="no fullUrl, only a resource"/></f:code>
        <f:id value="twice"/>
      </f:Basic>
    </f:resource>
  </f:entry>
  <f:entry><f:fullUrl value="urn:uuid:none"/><f:request><f:method value="GET"/><f:url value="Patient"/></f:request></f:entry>
</f:Bundle>
<!-- after the root -->
`

var _ = Describe("reading an XML Bundle's entries apart from its tree", func() {
	It("gives the records the whole tree gives, each entry converted alone in the namespaces in scope at its start", func() {
		emitted, apart := readXML(oddBundle, true)
		_, whole := readXML(oddBundle, false)
		sameRecords(apart, whole, map[string][]string{
			"Patient":     {"id", "text.div", "name[0].given[0]"},
			"Observation": {"id", "status", "subject.reference", "valueString"},
			"Basic":       {"code.text", "id[1]"},
			"Bundle":      {"id", "entry[3].request.url"},
		})
		Expect(whole[3].Syntax).NotTo(BeEmpty(), "the repeated id is the Basic's issue")
		By("holding no entry's resource in the Bundle's tree, and each entry's bytes until it is read")
		Expect(emitted[0].Resource()["entry"]).To(HaveEach(Not(HaveKey("resource"))))
		Expect(apart[0].Entries).To(HaveLen(4))
		for i, e := range apart[0].Entries[:3] {
			Expect(e.Record).To(Equal(int64(i + 1)))
			Expect(string(apart[i+1].Raw)).To(Equal(oddBundle[e.Start:e.End]))
			Expect(string(apart[i+1].Raw)).To(MatchRegexp(`(?s)^<(f:)?%s\b.*</(f:)?%s>$`, apart[i+1].Type, apart[i+1].Type), "the resource's element, start to end tag")
		}
		Expect(apart[0].Entries[0].Namespaces).To(ConsistOf("f", "http://hl7.org/fhir", "h", "http://www.w3.org/1999/xhtml"))
		Expect(apart[0].Entries[3].HasResource).To(BeFalse())
		By("summarising the entries as SummarizeEntries does from the whole tree")
		want := fhir.SummarizeEntries(whole[0].Resource())
		for i, e := range apart[0].Entries {
			e.Start, e.End, e.Record, e.Namespaces = 0, 0, 0, nil
			w := want[i]
			w.Resource = nil
			Expect(e).To(Equal(w), "entry %d", i)
		}
		By("reading an entry's resource again from the Bundle's bytes, as a rule that reads another entry does")
		res, err := fhir.EntryResource(apart[0], &apart[0].Entries[1])
		Expect(err).NotTo(HaveOccurred())
		Expect(res).To(Equal(whole[2].Resource()))
	})

	DescribeTable("reads whole a Bundle that a JSON Bundle's reader reads whole, or whose entries it cannot read alone",
		func(doc string) {
			emitted, apart := readXML(doc, true)
			_, whole := readXML(doc, false)
			sameRecords(apart, whole, nil)
			Expect(emitted[0].Raw).To(BeNil(), "no entry is read from the bytes")
			for _, r := range emitted[1:] {
				Expect(r.Deferred()).To(BeFalse())
			}
		},
		Entry("a document", bundleXML(`<type value="document"/>`, `<entry><resource><Patient><id value="a"/></Patient></resource></entry>`)),
		Entry("a message", bundleXML(`<type value="message"/>`, `<entry><resource><MessageHeader><id value="a"/></MessageHeader></resource></entry>`)),
		Entry("a signed Bundle", bundleXML(`<type value="collection"/>`, `<entry><resource><Patient><id value="a"/></Patient></resource></entry><signature><when value="2020-01-01T00:00:00Z"/></signature>`)),
		Entry("an entry that is a Bundle, whose entries are records too", bundleXML(`<type value="collection"/>`, `<entry><resource><Bundle><type value="collection"/><entry><resource><Patient><id value="a"/></Patient></resource></entry></Bundle></resource></entry>`)),
		Entry("two resources in one entry", bundleXML(`<type value="collection"/>`, `<entry><resource><Patient><id value="a"/></Patient></resource><resource><Patient><id value="b"/></Patient></resource></entry>`)),
		Entry("a processing instruction in a resource's wrapper, the entry's issue", bundleXML(`<type value="collection"/>`, `<entry><resource><?pi?><Patient><id value="a"/></Patient></resource></entry>`)),
		Entry("a resource written after the entry's request, the entry's issue", bundleXML(`<type value="transaction"/>`, `<entry><request><method value="POST"/><url value="Patient"/></request><resource><Patient><id value="a"/></Patient></resource></entry>`)),
	)

	DescribeTable("reads any other document as before",
		func(doc string) {
			emitted, apart := readXML(doc, true)
			_, whole := readXML(doc, false)
			sameRecords(apart, whole, nil)
			Expect(emitted[0].Raw).To(BeNil())
		},
		Entry("a root that is no Bundle but holds one", `<Parameters xmlns="http://hl7.org/fhir"><parameter><name value="b"/><resource><Bundle><type value="collection"/><entry><resource><Patient><id value="a"/></Patient></resource></entry></Bundle></resource></parameter></Parameters>`),
		Entry("a Bundle in another namespace", `<Bundle xmlns="http://example.org/fhir"><type value="collection"/></Bundle>`),
		Entry("a Bundle with an error inside an entry", bundleXML(`<type value="collection"/>`, "<entry><resource><Patient><id value=\"a\"/>\n<name>text</name></Patient></resource></entry>")),
		Entry("a Bundle whose entry is truncated", bundleXML(`<type value="collection"/>`, `<entry><resource><Patient><id value="a"/>`)),
	)

	It("gives every entry of the shared XML Bundles the records the whole tree gives", func() {
		files, err := filepath.Glob(sharedtest.Path("fhir", "uk-core", "examples", "*.xml"))
		Expect(err).NotTo(HaveOccurred())
		bundles := 0
		for _, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			if !strings.Contains(string(data), "<Bundle") {
				continue
			}
			bundles++
			By(filepath.Base(f))
			_, apart := readXML(string(data), true)
			_, whole := readXML(string(data), false)
			sameRecords(apart, whole, nil)
		}
		Expect(bundles).To(BeNumerically(">", 3))
	})
})

// bundleXML writes a Bundle in the FHIR namespace with head before its
// entries and body after.
func bundleXML(head, body string) string {
	return `<Bundle xmlns="http://hl7.org/fhir">` + head + body + `</Bundle>`
}

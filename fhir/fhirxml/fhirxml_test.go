package fhirxml_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/validators/structure"
)

func read(elem ...string) []byte {
	data, err := os.ReadFile(sharedtest.Path(elem...))
	Expect(err).NotTo(HaveOccurred())
	return data
}

var _ = Describe("Decode", func() {
	It("gives the JSON model of the FHIRPath suite's patient-example.xml", func() {
		res, err := fhirxml.Decode(read("fhirpath-tests", "patient-example.xml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(res["resourceType"]).To(Equal("Patient"))
		Expect(res["id"]).To(Equal("example"))
		Expect(res["active"]).To(Equal(true))
		Expect(res["deceasedBoolean"]).To(Equal(false))
		names := res["name"].([]any)
		Expect(names).To(HaveLen(3))
		Expect(names[0].(map[string]any)["given"]).To(Equal([]any{"Peter", "James"}))
		Expect(names[0].(map[string]any)["family"]).To(Equal("Chalmers"))
		telecom := res["telecom"].([]any)
		Expect(telecom[1].(map[string]any)["rank"]).To(Equal(json.Number("1")))
		Expect(res["_birthDate"]).To(Equal(map[string]any{"extension": []any{map[string]any{
			"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime", "valueDateTime": "1974-12-25T14:35:45-05:00"}}}))
		div := res["text"].(map[string]any)["div"].(string)
		Expect(div).To(HavePrefix(`<div xmlns="http://www.w3.org/1999/xhtml">`))
		Expect(div).To(HaveSuffix("</div>"))
		Expect(div).To(ContainSubstring("<b>Chalmers</b>"))
		contact := res["contact"].([]any)[0].(map[string]any)
		Expect(contact["name"].(map[string]any)["_family"]).NotTo(BeNil())
		Expect(contact["relationship"]).To(HaveLen(1))
	})

	It("accepts a UTF-8 byte-order mark", func() {
		res, err := fhirxml.Decode([]byte("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"b\"/></Patient>"))
		Expect(err).NotTo(HaveOccurred())
		Expect(res["id"]).To(Equal("b"))
	})

	It("unwraps contained resources and aligns extensions of repeating primitives", func() {
		res, err := fhirxml.Decode([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<Patient xmlns="http://hl7.org/fhir">
  <contained><Organization><id value="o1"/><name value="Acme"/></Organization></contained>
  <name>
    <given value="A"/>
    <given id="g2"><extension url="http://x"><valueString value="no value"/></extension></given>
    <given value="C"/>
  </name>
  <multipleBirthInteger value="2"/>
  <managingOrganization><reference value="#o1"/></managingOrganization>
</Patient>`))
		Expect(err).NotTo(HaveOccurred())
		Expect(res["contained"]).To(Equal([]any{map[string]any{"resourceType": "Organization", "id": "o1", "name": "Acme"}}))
		name := res["name"].([]any)[0].(map[string]any)
		Expect(name["given"]).To(Equal([]any{"A", nil, "C"}))
		Expect(name["_given"]).To(Equal([]any{nil, map[string]any{"id": "g2", "extension": []any{
			map[string]any{"url": "http://x", "valueString": "no value"}}}, nil}))
		Expect(res["multipleBirthInteger"]).To(Equal(json.Number("2")))
	})

	It("converts every UK Core XML file into JSON that passes the FHIR JSON schema", func() {
		schema, err := structure.LoadSchema()
		Expect(err).NotTo(HaveOccurred())
		files, err := filepath.Glob(sharedtest.Path("fhir", "uk-core", "*", "*.xml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(len(files)).To(BeNumerically(">", 500))
		converted := 0
		for _, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			res, err := fhirxml.Decode(data)
			if strings.HasSuffix(f, "CodeSystem-UKCore-EthnicCategoryScotland.xml") {
				// the published file has a stray "c" after an element
				Expect(err).To(MatchError(`line 37: unexpected text "c" in a FHIR element`))
				continue
			}
			Expect(err).NotTo(HaveOccurred(), f)
			converted++
			var problems []string
			schema.Validate(res, res["resourceType"].(string), func(path, code, msg, _ string) {
				// the official R4 schema's fhirVersion enum lacks "4.0.1" itself
				if !strings.HasSuffix(path, ".fhirVersion") {
					problems = append(problems, path+": "+msg)
				}
			})
			Expect(problems).To(BeEmpty(), f)
		}
		Expect(converted).To(Equal(len(files) - 1))
	})

	DescribeTable("refuses input that is not FHIR XML, naming the line",
		func(input, msg string) {
			_, err := fhirxml.Decode([]byte(input))
			Expect(err).To(MatchError(msg))
		},
		Entry("malformed", "<Patient xmlns=\"http://hl7.org/fhir\">\n<id value=\"x\">\n</Patient>", "line 3: malformed XML: element <id> closed by </Patient>"),
		Entry("truncated", "<Patient xmlns=\"http://hl7.org/fhir\">\n<id value=\"x\"/>", "line 2: malformed XML: unexpected EOF"),
		Entry("not the FHIR namespace", "<Patient>\n</Patient>", `line 1: <Patient> is not in the FHIR namespace http://hl7.org/fhir (found "")`),
		Entry("unknown resource type", `<Patientt xmlns="http://hl7.org/fhir"/>`, "line 1: <Patientt> is not a FHIR R4 resource type"),
		Entry("empty", "  \n", "line 2: empty: no XML element"),
		Entry("another encoding", `<?xml version="1.0" encoding="ISO-8859-1"?><Patient xmlns="http://hl7.org/fhir"/>`,
			`line 1: xml: opening charset "ISO-8859-1": encoding "ISO-8859-1" is not supported: FHIR XML must be UTF-8`),
		Entry("not UTF-8", "<Patient xmlns=\"http://hl7.org/fhir\">\n<name><family value=\"M\xfcller\"/></name></Patient>", "line 2: malformed XML: invalid UTF-8"),
		Entry("an undeclared entity", "<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"&a;\"/></Patient>", "line 1: malformed XML: invalid character entity &a; (XML declares only &lt; &gt; &amp; &quot; &apos;, and FHIR XML no others: write a character reference such as &#160;)"),
		Entry("text in an element", "<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"x\"/><![CDATA[hi]]></Patient>", `line 1: unexpected text "hi" in a FHIR element`),
		Entry("nesting deeper than any resource", "<Patient xmlns=\"http://hl7.org/fhir\">"+strings.Repeat("<extension>", 5000)+"</Patient>",
			"line 1: elements nested more than 1000 levels deep"),
		Entry("two roots", "<Patient xmlns=\"http://hl7.org/fhir\"/>\n<Patient xmlns=\"http://hl7.org/fhir\"/>", "line 2: unexpected element <Patient> after the end of the resource"),
	)
})

var _ = Describe("Locator", func() {
	It("maps element paths to their XML lines", func() {
		doc := fhirxml.NewDocument(read("fhirpath-tests", "patient-example.xml"), 1)
		loc := doc.Locator("")
		Expect(loc.Line("Patient")).To(Equal(1))
		Expect(loc.Line("Patient.name[1]")).To(Equal(56))
		Expect(loc.Line("Patient.name[2].given[1]")).To(Equal(65))
		Expect(loc.Line("Patient.birthDate")).To(Equal(96))
		Expect(loc.Line("Patient.name[1].nothing[3]")).To(Equal(56), "nearest located ancestor")
	})

	It("locates Bundle entries with their document path and base line", func() {
		data := read("fhir", "uk-core", "examples", "UKCore-Bundle-AllergyList-Example.xml")
		res, err := fhirxml.Decode(data)
		Expect(err).NotTo(HaveOccurred())
		entries := res["entry"].([]any)
		Expect(len(entries)).To(BeNumerically(">", 1))
		lines := strings.Split(string(data), "\n")
		loc := fhirxml.NewDocument(data, 10).Locator("entry[1].resource")
		l := loc.Line("X.id") - 9
		Expect(lines[l-1]).To(ContainSubstring("<id value="))
		inner := entries[1].(map[string]any)["resource"].(map[string]any)
		Expect(lines[l-1]).To(ContainSubstring(inner["id"].(string)))
	})
})

var _ = Describe("DecodeDocument", func() {
	// Allocations count conversions without timing them: each conversion of
	// the same document allocates the same. Lines is one conversion with
	// paths and lines, the most a document with issues needs.
	It("converts a document with issues once, with the lines its findings ask for", func() {
		data := read("fhirpath-tests", "patient-example.xml")
		root := bytes.Index(data, []byte("<Patient"))
		early := slices.Concat(data[:root], []byte("<?pi?>"), data[root:])
		late := slices.Concat(data, []byte("<?pi?>"))
		decode := testing.AllocsPerRun(5, func() { fhirxml.Decode(data) })
		lines := testing.AllocsPerRun(5, func() { fhirxml.Lines(data) })
		decodeAndLocate := func(doc []byte) float64 {
			return testing.AllocsPerRun(5, func() {
				_, issues, d, err := fhirxml.DecodeDocument(doc)
				Expect(err).NotTo(HaveOccurred())
				Expect(issues).To(HaveLen(1))
				Expect(d.Locator("").Line("Patient.name[1]")).To(BeNumerically(">", 1))
			})
		}
		Expect(decodeAndLocate(early)).To(BeNumerically("<", lines+decode/4), "an issue before the resource: one conversion")
		Expect(decodeAndLocate(late)).To(BeNumerically("<", decode+lines+decode/4), "an issue after it: the first conversion reached it, then one with lines")
	})
})

var _ = Describe("DecodeDocument of a Bundle", func() {
	// Bundles the reader reads entry by entry: every entry's record asks
	// its line. Shared UK Core Bundles, and one written for the edge cases:
	// an entry without a resource, an entry writing resource twice, a
	// nested Bundle (whose entries are not the root's), a comment
	// between tags, attributes over several lines.
	made := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<Bundle xmlns="http://hl7.org/fhir">
  <type value="collection"/>
  <entry><fullUrl value="urn:uuid:a"/></entry>
  <entry>
    <!-- a comment -->
    <resource>
      <Patient
         xmlns="http://hl7.org/fhir"><id value="p1"/></Patient>
    </resource>
  </entry>
  <entry><resource><Bundle><type value="collection"/><entry><resource><Patient><id value="in"/></Patient></resource></entry></Bundle></resource></entry>
  <entry><resource><Patient><id value="one"/></Patient></resource><resource>
<Patient><id value="two"/></Patient></resource></entry>
  <entry>
    <resource><Observation><status value="final"/></Observation></resource>
  </entry>
</Bundle>`)
	bundles := [][]byte{made}
	for _, name := range []string{"UKCore-Bundle-AllergyList-Example.xml", "UKCore-Bundle-BatchPOST-Example.xml", "UKCore-Bundle-NEWS2Observations-Example.xml"} {
		bundles = append(bundles, read("fhir", "uk-core", "examples", name))
	}

	It("knows each entry resource's line as the index of every path has it", func() {
		for _, data := range bundles {
			_, issues, doc, err := fhirxml.DecodeDocument(data)
			Expect(err).NotTo(HaveOccurred())
			Expect(issues).To(BeEmpty())
			all := fhirxml.Lines(data)
			asked := 0
			for i := 0; i < 40; i++ {
				p := fmt.Sprintf("entry[%d].resource", i)
				want, ok := all[p]
				if !ok {
					continue
				}
				asked++
				Expect(doc.Locator(p).Line("Patient")).To(Equal(want), p)
			}
			Expect(asked).To(BeNumerically(">=", 2))
		}
		Expect(fhirxml.Lines(made)).To(HaveKeyWithValue("entry[1].resource", 9))
		Expect(fhirxml.Lines(made)).To(HaveKeyWithValue("entry[3].resource", 13))
	})

	It("locates the entries of a clean Bundle without converting it again, and the rest as before", func() {
		data := bundles[3]
		decode := testing.AllocsPerRun(5, func() { fhirxml.Decode(data) })
		lines := testing.AllocsPerRun(5, func() { fhirxml.Lines(data) })
		decodeAndEntries := testing.AllocsPerRun(5, func() {
			_, _, doc, err := fhirxml.DecodeDocument(data)
			Expect(err).NotTo(HaveOccurred())
			for i := 0; i < 5; i++ {
				doc.Locator(fmt.Sprintf("entry[%d].resource", i)).Line("Observation")
			}
		})
		Expect(decodeAndEntries).To(BeNumerically("<", decode+lines/4), "no index is built for the entries' own lines")

		_, _, doc, err := fhirxml.DecodeDocument(data)
		Expect(err).NotTo(HaveOccurred())
		all := fhirxml.Lines(data)
		Expect(doc.Locator("entry[1].resource").Line("Observation.code.coding[0].system")).To(Equal(all["entry[1].resource.code.coding[0].system"]))
		Expect(doc.Locator("").Line("Bundle.entry[2].fullUrl")).To(Equal(all["entry[2].fullUrl"]))
	})
})

var _ = Describe("the JSON equivalent", func() {
	It("is exactly what FHIR JSON writes for the same content", func() {
		xmlText := `<Parameters xmlns="http://hl7.org/fhir">
  <id value="p"/>
  <meta><profile value="http://example.org/a"/><profile value="http://example.org/b"/></meta>
  <parameter>
    <name value="patient"/>
    <resource>
      <Patient>
        <id value="pt"/>
        <text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi &amp; bye</p></div></text>
        <contained><Practitioner><id value="dr"/><active value="true"/></Practitioner></contained>
        <extension url="http://example.org/nested">
          <extension url="a"><valueInteger value="-3"/></extension>
          <extension url="b"><valueDecimal value="1.50"/></extension>
        </extension>
        <modifierExtension url="http://example.org/mod"><valueBoolean value="false"/></modifierExtension>
        <identifier id="i1"><system value="urn:x"/><value value="42"/></identifier>
        <active id="a1" value="true"/>
        <name><given value="A"/><given id="g2"/><given value="C"><extension url="http://example.org/e"><valueCode value="x"/></extension></given></name>
        <generalPractitioner><reference value="#dr"/></generalPractitioner>
      </Patient>
    </resource>
  </parameter>
  <parameter><name value="count"/><valueUnsignedInt value="7"/></parameter>
  <parameter><name value="when"/><valuePeriod><start value="2020-01-01"/></valuePeriod></parameter>
</Parameters>`
		jsonText := `{
  "resourceType": "Parameters",
  "id": "p",
  "meta": {"profile": ["http://example.org/a", "http://example.org/b"]},
  "parameter": [
    {"name": "patient", "resource": {
      "resourceType": "Patient",
      "id": "pt",
      "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Hi &amp; bye</p></div>"},
      "contained": [{"resourceType": "Practitioner", "id": "dr", "active": true}],
      "extension": [{"url": "http://example.org/nested", "extension": [
        {"url": "a", "valueInteger": -3}, {"url": "b", "valueDecimal": 1.50}]}],
      "modifierExtension": [{"url": "http://example.org/mod", "valueBoolean": false}],
      "identifier": [{"id": "i1", "system": "urn:x", "value": "42"}],
      "active": true,
      "_active": {"id": "a1"},
      "name": [{"given": ["A", null, "C"], "_given": [null, {"id": "g2"}, {"extension": [{"url": "http://example.org/e", "valueCode": "x"}]}]}],
      "generalPractitioner": [{"reference": "#dr"}]
    }},
    {"name": "count", "valueUnsignedInt": 7},
    {"name": "when", "valuePeriod": {"start": "2020-01-01"}}
  ]
}`
		got, err := fhirxml.Decode([]byte(xmlText))
		Expect(err).NotTo(HaveOccurred())
		want, err := fhir.Decode([]byte(jsonText))
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(Equal(want))
	})
})

var _ = Describe("a single-valued element written more than once", func() {
	It("keeps every value, as an array, instead of the last one replacing the others", func() {
		res, err := fhirxml.Decode([]byte(`<Patient xmlns="http://hl7.org/fhir"><birthDate value="2000-01-01"/><birthDate value="2001-01-01"/>` +
			`<name><family value="A"/><family value="B"><extension url="http://example.org/x"><valueString value="y"/></extension></family></name></Patient>`))
		Expect(err).NotTo(HaveOccurred())
		Expect(res["birthDate"]).To(Equal([]any{"2000-01-01", "2001-01-01"}))
		name := res["name"].([]any)[0].(map[string]any)
		Expect(name["family"]).To(Equal([]any{"A", "B"}))
		Expect(name["_family"]).To(HaveLen(2))
	})
})

package main

import (
	"regexp"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// verdictLine picks the path and requirement of each finding line of
// `carecert validate`'s text output.
var verdictLine = regexp.MustCompile(`(?m)^\S+:\d+: (error|warning) \S+ at (\S+): .*?\[([A-Z0-9-]+)\]`)

// verdict validates one file and returns the exit code and the sorted
// "severity path requirement" of its findings.
func verdict(path string) (int, []string) {
	code, stdout, _ := carecert("validate", "-q", path)
	var out []string
	for _, m := range verdictLine.FindAllStringSubmatch(stdout, -1) {
		out = append(out, m[1]+" "+m[2]+" "+m[3])
	}
	slices.Sort(out)
	return code, out
}

var _ = Describe("FHIR XML and FHIR JSON", func() {
	var dir string
	BeforeEach(func() { dir = GinkgoT().TempDir() })

	DescribeTable("the same data gets the same verdict, written as JSON or as XML",
		func(wantCode int, jsonSrc, xmlSrc string) {
			jc, jf := verdict(writeFile(dir, "r.json", jsonSrc))
			xc, xf := verdict(writeFile(dir, "r.xml", xmlSrc))
			Expect(jc).To(Equal(wantCode), "JSON: %v", jf)
			Expect(xc).To(Equal(jc), "XML: %v", xf)
			Expect(xf).To(Equal(jf))
			if wantCode == exitFailed {
				Expect(xf).NotTo(BeEmpty())
			}
		},
		Entry("a valid patient", exitOK,
			`{"resourceType":"Patient","id":"a","active":true,"name":[{"family":"B","given":["A"]}],"gender":"male"}`,
			`<Patient xmlns="http://hl7.org/fhir"><id value="a"/><active value="true"/><name><family value="B"/><given value="A"/></name><gender value="male"/></Patient>`),
		Entry("a primitive with neither a value nor children", exitFailed,
			`{"resourceType":"Patient","id":"a","_active":{}}`,
			`<Patient xmlns="http://hl7.org/fhir"><id value="a"/><active/></Patient>`),
		Entry("a repeating primitive with an empty item", exitFailed,
			`{"resourceType":"Patient","id":"a","name":[{"given":[null,"A"],"_given":[{},null]}]}`,
			`<Patient xmlns="http://hl7.org/fhir"><id value="a"/><name><given/><given value="A"/></name></Patient>`),
		Entry("a complex element with only an id", exitFailed,
			`{"resourceType":"Patient","id":"a","name":[{"id":"n"}]}`,
			`<Patient xmlns="http://hl7.org/fhir"><id value="a"/><name id="n"/></Patient>`),
		Entry("an empty value", exitFailed,
			`{"resourceType":"Patient","id":"a","gender":""}`,
			`<Patient xmlns="http://hl7.org/fhir"><id value="a"/><gender value=""/></Patient>`),
		Entry("white space around a code", exitFailed,
			`{"resourceType":"Patient","id":"a","gender":" male"}`,
			`<Patient xmlns="http://hl7.org/fhir"><id value="a"/><gender value=" male"/></Patient>`),
		Entry("an element the definition does not have", exitFailed,
			`{"resourceType":"Patient","id":"a","colour":"blue"}`,
			`<Patient xmlns="http://hl7.org/fhir"><id value="a"/><colour value="blue"/></Patient>`),
		Entry("a single-valued element given twice", exitFailed,
			`{"resourceType":"Patient","id":"a","gender":["male","female"]}`,
			`<Patient xmlns="http://hl7.org/fhir"><id value="a"/><gender value="male"/><gender value="female"/></Patient>`),
		Entry("a datatype invariant (per-1)", exitFailed,
			`{"resourceType":"Patient","id":"a","name":[{"family":"B","period":{"start":"2020-02-01","end":"2020-01-01"}}]}`,
			`<Patient xmlns="http://hl7.org/fhir"><id value="a"/><name><family value="B"/><period><start value="2020-02-01"/><end value="2020-01-01"/></period></name></Patient>`),
		// A local code system: "en GB" is a well-formed code, but no BCP-47 tag.
		Entry("a line break written in an attribute, which XML reads as a space", exitOK,
			`{"resourceType":"Patient","id":"a","communication":[{"language":{"coding":[{"system":"https://codes.test/dialects","code":"en GB"}]}}]}`,
			"<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"a\"/><communication><language><coding><system value=\"https://codes.test/dialects\"/><code value=\"en\nGB\"/></coding></language></communication></Patient>"),
		Entry("a line break written as a character reference, which stays one", exitFailed,
			`{"resourceType":"Patient","id":"a","communication":[{"language":{"coding":[{"system":"https://codes.test/dialects","code":"en\nGB"}]}}]}`,
			`<Patient xmlns="http://hl7.org/fhir"><id value="a"/><communication><language><coding><system value="https://codes.test/dialects"/><code value="en&#10;GB"/></coding></language></communication></Patient>`),
		Entry("an extension and a primitive's extension", exitOK,
			`{"resourceType":"Patient","id":"a","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthPlace","valueAddress":{"city":"Leeds"}}],"birthDate":"1970-01-01","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1970-01-01T10:00:00Z"}]}}`,
			`<Patient xmlns="http://hl7.org/fhir"><id value="a"/><extension url="http://hl7.org/fhir/StructureDefinition/patient-birthPlace"><valueAddress><city value="Leeds"/></valueAddress></extension><birthDate value="1970-01-01"><extension url="http://hl7.org/fhir/StructureDefinition/patient-birthTime"><valueDateTime value="1970-01-01T10:00:00Z"/></extension></birthDate></Patient>`),
	)

	It("reports what FHIR XML forbids in how a record is written under the input requirement, at its line and element, and still checks the record", func() {
		good := writeFile(dir, "good.xml", "<Patient xmlns=\"http://hl7.org/fhir\">\n<id value=\"a\"/>\n<active value=\"true\"/>\n<gender value=\"male\"/>\n</Patient>")
		code, stdout, _ := carecert("validate", good)
		Expect(code).To(Equal(exitOK), stdout)

		bad := writeFile(dir, "bad.xml", "<?xml version=\"1.0\"?>\n<?xml-stylesheet href=\"p.xsl\"?>\n<Patient xmlns=\"http://hl7.org/fhir\">\n<id value=\"a\"/>\n<gender value=\"male\"/>\n<active value=\"true\" checked=\"yes\"/>\n<birthDate value=\"1970-13-01\"/>\n</Patient>")
		code, stdout, _ = carecert("validate", bad)
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(ContainSubstring(bad + ":2: error Patient/a at Patient: the processing instruction <?xml-stylesheet?>"))
		Expect(stdout).To(ContainSubstring(bad + ":6: error Patient/a at Patient.active: <active> is out of order"))
		Expect(stdout).To(ContainSubstring(bad + ":6: error Patient/a at Patient.active: the attribute checked is not defined on <active>"))
		Expect(stdout).To(MatchRegexp(`(?m)^` + regexp.QuoteMeta(bad) + `:6: error .*\[INPUT\]$`))
		// the record is still checked
		Expect(stdout).To(ContainSubstring(bad + ":7: error Patient/a at Patient.birthDate"))

		// JSON has no order and no attributes: the same data passes
		same := writeFile(dir, "same.json", `{"resourceType":"Patient","id":"a","gender":"male","active":true}`)
		code, stdout, _ = carecert("validate", same)
		Expect(code).To(Equal(exitOK), stdout)
	})

	It("reads the narrative div in the namespace it is in, declared on it or on an ancestor", func() {
		text := func(div string) string {
			return `<Patient xmlns="http://hl7.org/fhir" xmlns:h="http://www.w3.org/1999/xhtml"><id value="a"/><text><status value="generated"/>` + div + `</text></Patient>`
		}
		for _, ok := range []string{`<div xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div>`, `<h:div><h:p>x</h:p></h:div>`} {
			code, stdout, _ := carecert("validate", writeFile(dir, "ok.xml", text(ok)))
			Expect(code).To(Equal(exitOK), ok+"\n"+stdout)
		}
		for div, ns := range map[string]string{`<div><p>x</p></div>`: "http://hl7.org/fhir", `<div xmlns="http://www.w3.org/1999/xhtmlx"><p>x</p></div>`: "http://www.w3.org/1999/xhtmlx"} {
			code, stdout, _ := carecert("validate", writeFile(dir, "bad.xml", text(div)))
			Expect(code).To(Equal(exitFailed))
			Expect(stdout).To(ContainSubstring("Patient.text.div: the narrative's div is in " + ns))
		}
	})

	It("refuses a DOCTYPE as unreadable input, never expanding what it declares", func() {
		secret := writeFile(dir, "secret.txt", "TOP-SECRET-MARKER")
		x := writeFile(dir, "xxe.xml", "<?xml version=\"1.0\"?>\n<!DOCTYPE Patient [<!ENTITY xxe SYSTEM \"file://"+secret+"\">]>\n<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"&xxe;\"/></name></Patient>")
		code, stdout, _ := carecert("validate", "--evidence", "full", x)
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(ContainSubstring(x + ":2: error: a DOCTYPE is not allowed in FHIR XML"))
		Expect(stdout).NotTo(ContainSubstring("TOP-SECRET-MARKER"))
	})
})

package fhirxml_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/internal/golden"
	"github.com/carecert/carecert/internal/sharedtest"
)

// sharedXML lists every UK Core XML file and every XML file of the FHIRPath
// test suite, with their paths in the shared folder.
func sharedXML() (files, names []string) {
	ukcore, err := filepath.Glob(sharedtest.Path("fhir", "uk-core", "*", "*.xml"))
	Expect(err).NotTo(HaveOccurred())
	fhirpath, err := filepath.Glob(sharedtest.Path("fhirpath-tests", "*.xml"))
	Expect(err).NotTo(HaveOccurred())
	Expect(len(ukcore)).To(BeNumerically(">", 500))
	Expect(len(fhirpath)).To(BeNumerically(">=", 8))
	files = append(ukcore, fhirpath...)
	for _, f := range files {
		name, err := filepath.Rel(sharedtest.Path(), f)
		Expect(err).NotTo(HaveOccurred())
		names = append(names, filepath.ToSlash(name))
	}
	return files, names
}

// outcome is what the converter makes of data, on one line: the resource as
// JSON (keys sorted) or the error.
func outcome(data []byte) string {
	res, err := fhirxml.Decode(data)
	if err != nil {
		return "error: " + err.Error()
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	ExpectWithOffset(1, enc.Encode(res)).To(Succeed())
	return strings.TrimSuffix(b.String(), "\n")
}

// lineIndex is the path→line index of data, on one line, sorted by path
// (the root's path is empty).
func lineIndex(data []byte) string {
	var parts []string
	for p, line := range fhirxml.Lines(data) {
		parts = append(parts, fmt.Sprintf("%s=%d", p, line))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// digest is a short hash of the outcome and line index of each document:
// the golden files of shared inputs record it, as the inputs themselves
// are not copied into the repository.
func digest(docs ...[]byte) string {
	h := sha256.New()
	for _, d := range docs {
		fmt.Fprintf(h, "%s\n%s\n", outcome(d), lineIndex(d))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

var _ = Describe("the converter", func() {
	It("gives the recorded resources, errors and lines for every shared XML file", func() {
		var record strings.Builder
		decoded := 0
		files, names := sharedXML()
		for i, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			if _, err := fhirxml.Decode(data); err == nil {
				decoded++
			}
			fmt.Fprintf(&record, "%s %s\n", names[i], digest(data))
		}
		Expect(golden.Check("testdata/golden/shared-xml.txt", []byte(record.String()))).To(Succeed())
		// the broken UK Core code system and the FHIRPath test cases (not a
		// resource) are refused
		Expect(decoded).To(Equal(len(files) - 2))
	})

	It("gives the recorded errors and lines for every shared XML file cut short or with a byte broken", func() {
		kinds := map[string]bool{} // the errors met, without lines and names
		details := regexp.MustCompile(`line \d+: |"[^"]*"|<[^>]*>`)
		meet := func(data []byte) []byte {
			if _, err := fhirxml.Decode(data); err != nil {
				kinds[details.ReplaceAllString(err.Error(), "")] = true
			}
			return data
		}
		var record strings.Builder
		// each file gets one of the bytes that break XML (or, for 'x', names)
		// at three places, so the whole set meets every one of them
		breakers := []byte{'<', '>', '"', '/', '&', 'x'}
		files, names := sharedXML()
		for i, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			var damaged [][]byte
			for _, at := range []int{len(data) / 5, len(data) / 2, len(data) * 4 / 5} {
				broken := append([]byte(nil), data...)
				broken[at] = breakers[i%len(breakers)]
				damaged = append(damaged, meet(data[:at]), meet(broken))
			}
			fmt.Fprintf(&record, "%s %s\n", names[i], digest(damaged...))
		}
		Expect(golden.Check("testdata/golden/shared-xml-damaged.txt", []byte(record.String()))).To(Succeed())
		// a broken byte that moves an element out of the FHIR namespace lands
		// in narrative divs, which are left to the narrative check since the
		// div namespace rule: other elements are met here
		family := meet([]byte(`<Patient xmlns="http://hl7.org/fhir"><name><x:family xmlns:x="http://hl7.org/fhirx" value="B"/></name></Patient>`))
		Expect(outcome(family)).To(Equal(`error: line 1: <family> is not in the FHIR namespace`))
		// among them those that the converter itself detects: an input
		// ending inside an element, tags that do not match, namespaces
		Expect(kinds).To(HaveKey("malformed XML: unexpected EOF"))
		Expect(kinds).To(HaveKey("malformed XML: element  closed by "))
		Expect(kinds).To(HaveKey(" is not in the FHIR namespace"))
		Expect(kinds).To(HaveKey(" is not in the FHIR namespace http://hl7.org/fhir (found )"))
		Expect(len(kinds)).To(BeNumerically(">", 12))
	})

	DescribeTable("treats namespaces and tags as Decoder.Token does",
		func(input, want, lines string) {
			Expect(outcome([]byte(input))).To(Equal(want))
			Expect(lineIndex([]byte(input))).To(Equal(lines))
		},
		Entry("a prefixed FHIR namespace", `<f:Patient xmlns:f="http://hl7.org/fhir"><f:id value="p"/><f:name><f:given value="A"/></f:name></f:Patient>`,
			`{"id":"p","name":[{"given":["A"]}],"resourceType":"Patient"}`,
			`=1 id=1 name[0].given[0]=1 name[0]=1`),
		Entry("a prefixed XHTML div", `<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/><h:div xmlns:h="http://www.w3.org/1999/xhtml"><h:p>x</h:p></h:div></text></Patient>`,
			`{"resourceType":"Patient","text":{"div":"<h:div xmlns:h=\"http://www.w3.org/1999/xhtml\"><h:p>x</h:p></h:div>","status":"generated"}}`,
			`=1 text.div=1 text.status=1 text=1`),
		Entry("a default namespace redeclared inside", `<Patient xmlns="http://hl7.org/fhir"><name xmlns="urn:other"><given value="A"/></name></Patient>`,
			`error: line 1: <name> is not in the FHIR namespace`,
			`=1`),
		Entry("a default namespace undeclared inside", `<Patient xmlns="http://hl7.org/fhir"><name xmlns=""><given value="A"/></name></Patient>`,
			`error: line 1: <name> is not in the FHIR namespace`,
			`=1`),
		Entry("a prefix that ends with its element", `<Patient xmlns="http://hl7.org/fhir"><id xmlns:x="urn:x" value="a"/><x:active value="true"/></Patient>`,
			`error: line 1: <active> is not in the FHIR namespace`,
			`=1 id=1`),
		Entry("a default namespace restored after its element", `<f:Patient xmlns:f="http://hl7.org/fhir"><f:name xmlns="urn:x"><f:given value="A"/></f:name><f:active value="true"/></f:Patient>`,
			`{"active":true,"name":[{"given":["A"]}],"resourceType":"Patient"}`,
			`=1 active=1 name[0].given[0]=1 name[0]=1`),
		Entry("a resource in another namespace", `<Patient xmlns="http://hl7.org/fhir"><contained><Organization xmlns="urn:x"/></contained></Patient>`,
			`error: line 1: <Organization> is not in the FHIR namespace http://hl7.org/fhir (found "urn:x")`,
			`=1 contained[0]=1`),
		Entry("an unbound prefix", `<Patient xmlns="http://hl7.org/fhir"><q:id value="a"/></Patient>`,
			`error: line 1: <id> is not in the FHIR namespace`,
			`=1`),
		Entry("the xml prefix on an element", `<Patient xmlns="http://hl7.org/fhir"><xml:id value="a"/></Patient>`,
			`error: line 1: <id> is not in the FHIR namespace`,
			`=1`),
		Entry("an attribute whose prefix is bound to no namespace", `<Patient xmlns="http://hl7.org/fhir" xmlns:e=""><id e:value="a"/><active e:value="true" value="false"/></Patient>`,
			`{"active":true,"id":"a","resourceType":"Patient"}`,
			`=1 active=1 id=1`),
		Entry("a prefixed value attribute", `<Patient xmlns="http://hl7.org/fhir" xmlns:f="http://hl7.org/fhir"><id f:value="a"/><birthDate f:value="2000" value="2001"/></Patient>`,
			`{"_id":{},"birthDate":"2001","resourceType":"Patient"}`,
			`=1 birthDate=1 id=1`),
		Entry("a prefixed id and url", `<Patient xmlns="http://hl7.org/fhir" xmlns:e=""><extension e:url="u" e:id="i"><valueString value="v"/></extension></Patient>`,
			`{"extension":[{"id":"i","url":"u","valueString":"v"}],"resourceType":"Patient"}`,
			`=1 extension[0].valueString=1 extension[0]=1`),
		Entry("an element named xmlns", `<Patient xmlns="http://hl7.org/fhir"><xmlns value="a"/></Patient>`,
			`error: line 1: <xmlns> is not in the FHIR namespace`,
			`=1`),
		Entry("an element in the xmlns space", `<Patient xmlns="http://hl7.org/fhir"><xmlns:id value="a"/></Patient>`,
			`error: line 1: <id> is not in the FHIR namespace`,
			`=1`),
		Entry("a prefix rebound and restored", `<Patient xmlns="http://hl7.org/fhir" xmlns:f="http://hl7.org/fhir"><id xmlns:f="urn:x" value="a"/><f:active value="true"/></Patient>`,
			`{"active":true,"id":"a","resourceType":"Patient"}`,
			`=1 active=1 id=1`),
		Entry("end tags with another prefix", `<f:Patient xmlns:f="http://hl7.org/fhir" xmlns:g="http://hl7.org/fhir"><f:id value="a"></g:id></f:Patient>`,
			`error: line 1: malformed XML: element <id> in space f closed by </id> in space g`,
			`=1 id=1`),
		Entry("an end tag without its prefix", "<f:Patient xmlns:f=\"http://hl7.org/fhir\">\n</Patient>",
			`error: line 2: malformed XML: element <Patient> in space f closed by </Patient> in space ""`,
			`=1`),
		Entry("an end tag with no start", "<Patient xmlns=\"http://hl7.org/fhir\"/>\n</Patient>",
			`error: line 2: malformed XML: unexpected end element </Patient>`,
			`=1`),
		Entry("an end tag closing the wrong element in the narrative", "<Patient xmlns=\"http://hl7.org/fhir\"><text><div xmlns=\"http://www.w3.org/1999/xhtml\">\n<p><b>x</p></b></div></text></Patient>",
			`error: line 2: malformed XML: element <b> closed by </p>`,
			`=1 text.div=1 text=1`),
		Entry("input ending in the narrative", "<Patient xmlns=\"http://hl7.org/fhir\"><text><div xmlns=\"http://www.w3.org/1999/xhtml\">\n<p>x",
			`error: line 2: malformed XML: unexpected EOF`,
			`=1 text.div=1 text=1`),
		Entry("input ending in a wrapper", "<Patient xmlns=\"http://hl7.org/fhir\"><contained>\n",
			`error: line 2: malformed XML: unexpected EOF`,
			`=1 contained[0]=1`),
		Entry("a narrative div whose prefix is declared on the root", `<Patient xmlns="http://hl7.org/fhir" xmlns:h="http://www.w3.org/1999/xhtml"><text><status value="generated"/><h:div><h:p>x</h:p></h:div></text></Patient>`,
			`{"resourceType":"Patient","text":{"div":"<h:div xmlns:h=\"http://www.w3.org/1999/xhtml\"><h:p>x</h:p></h:div>","status":"generated"}}`,
			`=1 text.div=1 text.status=1 text=1`),
		Entry("a narrative div in the FHIR namespace", `<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/><div><p>x</p></div></text></Patient>`,
			`{"resourceType":"Patient","text":{"div":"<div xmlns=\"http://hl7.org/fhir\"><p>x</p></div>","status":"generated"}}`,
			`=1 text.div=1 text.status=1 text=1`),
		Entry("a narrative div in another namespace", `<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/><div xmlns="urn:x"><p>x</p></div></text></Patient>`,
			`{"resourceType":"Patient","text":{"div":"<div xmlns=\"urn:x\"><p>x</p></div>","status":"generated"}}`,
			`=1 text.div=1 text.status=1 text=1`),
		Entry("a narrative div in no namespace", `<f:Patient xmlns:f="http://hl7.org/fhir"><f:text><f:status value="generated"/><div><p>x</p></div></f:text></f:Patient>`,
			`{"resourceType":"Patient","text":{"div":"<div><p>x</p></div>","status":"generated"}}`,
			`=1 text.div=1 text.status=1 text=1`),
		Entry("a self-closing narrative", `<Patient xmlns="http://hl7.org/fhir"><text><div xmlns="http://www.w3.org/1999/xhtml"/></text></Patient>`,
			`{"resourceType":"Patient","text":{"div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"/>"}}`,
			`=1 text.div=1 text=1`),
		Entry("comments and instructions between elements", "<?xml version=\"1.0\"?><!-- c --><Patient xmlns=\"http://hl7.org/fhir\"><!-- c --><?pi x?><id value=\"a\"/></Patient><!-- c -->",
			`{"id":"a","resourceType":"Patient"}`,
			`=1 id=1`),
		Entry("a primitive with an extension and no value", `<Patient xmlns="http://hl7.org/fhir"><birthDate><extension url="u"><valueString value="v"/></extension></birthDate></Patient>`,
			`{"_birthDate":{"extension":[{"url":"u","valueString":"v"}]},"resourceType":"Patient"}`,
			`=1 birthDate.extension[0].valueString=1 birthDate.extension[0]=1 birthDate=1`),
		Entry("an unknown element repeated", `<Patient xmlns="http://hl7.org/fhir"><foo value="1"/><foo><bar value="2"/></foo><foo value="3"/></Patient>`,
			`{"foo":["1",{"bar":"2"},"3"],"resourceType":"Patient"}`,
			`=1 foo=1 foo[1].bar=1 foo[1]=1 foo[2]=1`),
	)
})

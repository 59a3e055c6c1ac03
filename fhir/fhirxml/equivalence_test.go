package fhirxml_test

import (
	"os"
	"path/filepath"
	"regexp"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/internal/sharedtest"
)

// sharedXML lists every UK Core XML file and every XML file of the FHIRPath
// test suite.
func sharedXML() []string {
	ukcore, err := filepath.Glob(sharedtest.Path("fhir", "uk-core", "*", "*.xml"))
	Expect(err).NotTo(HaveOccurred())
	fhirpath, err := filepath.Glob(sharedtest.Path("fhirpath-tests", "*.xml"))
	Expect(err).NotTo(HaveOccurred())
	Expect(len(ukcore)).To(BeNumerically(">", 500))
	Expect(len(fhirpath)).To(BeNumerically(">=", 8))
	return append(ukcore, fhirpath...)
}

// sameAsLegacy asserts that the converter gives what the converter before
// RawToken gave for data: the same resource (so the same JSON), the same
// error and the same path→line index.
func sameAsLegacy(data []byte, what string) (ok bool) {
	got, gotErr := fhirxml.Decode(data)
	want, wantErr := fhirxml.LegacyDecode(data)
	if wantErr != nil {
		ExpectWithOffset(1, gotErr).To(MatchError(wantErr.Error()), what)
	} else {
		ExpectWithOffset(1, gotErr).NotTo(HaveOccurred(), what)
	}
	ExpectWithOffset(1, got).To(Equal(want), what)
	ExpectWithOffset(1, fhirxml.Lines(data)).To(Equal(fhirxml.LegacyLines(data)), what)
	return wantErr == nil
}

var _ = Describe("the converter", func() {
	It("gives the resources, errors and lines of the converter before RawToken for every shared XML file", func() {
		decoded := 0
		files := sharedXML()
		for _, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			if sameAsLegacy(data, f) {
				decoded++
			}
		}
		// the broken UK Core code system and the FHIRPath test cases (not a
		// resource) are refused by both
		Expect(decoded).To(Equal(len(files) - 2))
	})

	It("fails like the converter before RawToken on every shared XML file cut short or with a byte broken", func() {
		kinds := map[string]bool{} // the errors met, without lines and names
		details := regexp.MustCompile(`line \d+: |"[^"]*"|<[^>]*>`)
		same := func(data []byte, what string) {
			sameAsLegacy(data, what)
			if _, err := fhirxml.Decode(data); err != nil {
				kinds[details.ReplaceAllString(err.Error(), "")] = true
			}
		}
		// each file gets one of the bytes that break XML (or, for 'x', names)
		// at three places, so the whole set meets every one of them
		breakers := []byte{'<', '>', '"', '/', '&', 'x'}
		for i, f := range sharedXML() {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			for _, at := range []int{len(data) / 5, len(data) / 2, len(data) * 4 / 5} {
				same(data[:at], f+" cut short")
				broken := append([]byte(nil), data...)
				broken[at] = breakers[i%len(breakers)]
				same(broken, f+" with a byte broken")
			}
		}
		// a broken byte that moves an element out of the FHIR namespace lands
		// in narrative divs, which are left to the narrative check since the
		// div namespace rule: other elements are met here
		same([]byte(`<Patient xmlns="http://hl7.org/fhir"><name><x:family xmlns:x="http://hl7.org/fhirx" value="B"/></name></Patient>`), "a family in another namespace")
		// among them those that the converter itself now detects: an input
		// ending inside an element, tags that do not match, namespaces
		Expect(kinds).To(HaveKey("malformed XML: unexpected EOF"))
		Expect(kinds).To(HaveKey("malformed XML: element  closed by "))
		Expect(kinds).To(HaveKey(" is not in the FHIR namespace"))
		Expect(kinds).To(HaveKey(" is not in the FHIR namespace http://hl7.org/fhir (found )"))
		Expect(len(kinds)).To(BeNumerically(">", 12))
	})

	DescribeTable("treats namespaces and tags as Decoder.Token does",
		func(input string, decodes bool) {
			Expect(sameAsLegacy([]byte(input), input)).To(Equal(decodes))
		},
		Entry("a prefixed FHIR namespace", `<f:Patient xmlns:f="http://hl7.org/fhir"><f:id value="p"/><f:name><f:given value="A"/></f:name></f:Patient>`, true),
		Entry("a prefixed XHTML div", `<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/><h:div xmlns:h="http://www.w3.org/1999/xhtml"><h:p>x</h:p></h:div></text></Patient>`, true),
		Entry("a default namespace redeclared inside", `<Patient xmlns="http://hl7.org/fhir"><name xmlns="urn:other"><given value="A"/></name></Patient>`, false),
		Entry("a default namespace undeclared inside", `<Patient xmlns="http://hl7.org/fhir"><name xmlns=""><given value="A"/></name></Patient>`, false),
		Entry("a prefix that ends with its element", `<Patient xmlns="http://hl7.org/fhir"><id xmlns:x="urn:x" value="a"/><x:active value="true"/></Patient>`, false),
		Entry("a default namespace restored after its element", `<f:Patient xmlns:f="http://hl7.org/fhir"><f:name xmlns="urn:x"><f:given value="A"/></f:name><f:active value="true"/></f:Patient>`, true),
		Entry("a resource in another namespace", `<Patient xmlns="http://hl7.org/fhir"><contained><Organization xmlns="urn:x"/></contained></Patient>`, false),
		Entry("an unbound prefix", `<Patient xmlns="http://hl7.org/fhir"><q:id value="a"/></Patient>`, false),
		Entry("the xml prefix on an element", `<Patient xmlns="http://hl7.org/fhir"><xml:id value="a"/></Patient>`, false),
		Entry("an attribute whose prefix is bound to no namespace", `<Patient xmlns="http://hl7.org/fhir" xmlns:e=""><id e:value="a"/><active e:value="true" value="false"/></Patient>`, true),
		Entry("a prefixed value attribute", `<Patient xmlns="http://hl7.org/fhir" xmlns:f="http://hl7.org/fhir"><id f:value="a"/><birthDate f:value="2000" value="2001"/></Patient>`, true),
		Entry("a prefixed id and url", `<Patient xmlns="http://hl7.org/fhir" xmlns:e=""><extension e:url="u" e:id="i"><valueString value="v"/></extension></Patient>`, true),
		Entry("an element named xmlns", `<Patient xmlns="http://hl7.org/fhir"><xmlns value="a"/></Patient>`, false),
		Entry("an element in the xmlns space", `<Patient xmlns="http://hl7.org/fhir"><xmlns:id value="a"/></Patient>`, false),
		Entry("a prefix rebound and restored", `<Patient xmlns="http://hl7.org/fhir" xmlns:f="http://hl7.org/fhir"><id xmlns:f="urn:x" value="a"/><f:active value="true"/></Patient>`, true),
		Entry("end tags with another prefix", `<f:Patient xmlns:f="http://hl7.org/fhir" xmlns:g="http://hl7.org/fhir"><f:id value="a"></g:id></f:Patient>`, false),
		Entry("an end tag without its prefix", "<f:Patient xmlns:f=\"http://hl7.org/fhir\">\n</Patient>", false),
		Entry("an end tag with no start", "<Patient xmlns=\"http://hl7.org/fhir\"/>\n</Patient>", false),
		Entry("an end tag closing the wrong element in the narrative", "<Patient xmlns=\"http://hl7.org/fhir\"><text><div xmlns=\"http://www.w3.org/1999/xhtml\">\n<p><b>x</p></b></div></text></Patient>", false),
		Entry("input ending in the narrative", "<Patient xmlns=\"http://hl7.org/fhir\"><text><div xmlns=\"http://www.w3.org/1999/xhtml\">\n<p>x", false),
		Entry("input ending in a wrapper", "<Patient xmlns=\"http://hl7.org/fhir\"><contained>\n", false),
		Entry("a narrative div whose prefix is declared on the root", `<Patient xmlns="http://hl7.org/fhir" xmlns:h="http://www.w3.org/1999/xhtml"><text><status value="generated"/><h:div><h:p>x</h:p></h:div></text></Patient>`, true),
		Entry("a narrative div in the FHIR namespace", `<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/><div><p>x</p></div></text></Patient>`, true),
		Entry("a narrative div in another namespace", `<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/><div xmlns="urn:x"><p>x</p></div></text></Patient>`, true),
		Entry("a narrative div in no namespace", `<f:Patient xmlns:f="http://hl7.org/fhir"><f:text><f:status value="generated"/><div><p>x</p></div></f:text></f:Patient>`, true),
		Entry("a self-closing narrative", `<Patient xmlns="http://hl7.org/fhir"><text><div xmlns="http://www.w3.org/1999/xhtml"/></text></Patient>`, true),
		Entry("comments and instructions between elements", "<?xml version=\"1.0\"?><!-- c --><Patient xmlns=\"http://hl7.org/fhir\"><!-- c --><?pi x?><id value=\"a\"/></Patient><!-- c -->", true),
		Entry("a primitive with an extension and no value", `<Patient xmlns="http://hl7.org/fhir"><birthDate><extension url="u"><valueString value="v"/></extension></birthDate></Patient>`, true),
		Entry("an unknown element repeated", `<Patient xmlns="http://hl7.org/fhir"><foo value="1"/><foo><bar value="2"/></foo><foo value="3"/></Patient>`, true),
	)
})

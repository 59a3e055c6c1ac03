package fhirxml_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/internal/sharedtest"
)

// sameResource drops what FHIR JSON treats as absent (a null member, an
// array of nulls), as Decode of XML gives it, so that two resources compare
// by content.
func sameResource(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			if x == nil || fhirxml.AllNull(x) {
				continue
			}
			out[k] = sameResource(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = sameResource(x)
		}
		return out
	}
	return v
}

// roundTrip writes res as XML, which must be free of the issues Decode
// reports of how XML is written (order, attributes, nodes) and read back as
// res.
func roundTrip(res map[string]any, what string) error {
	out, err := fhirxml.Encode(res)
	if err != nil {
		return err
	}
	back, issues, _, err := fhirxml.DecodeDocument(out)
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), what)
	ExpectWithOffset(1, issues).To(BeEmpty(), what)
	ExpectWithOffset(1, back).To(Equal(sameResource(res)), what)
	return nil
}

// tally counts what became of a set of files.
type tally struct {
	unreadable, equal int
	refused           map[string]string // file → the error
}

// roundTrips reads each file as FHIR XML or JSON by its extension and
// writes it as XML and back: XML → JSON → XML → JSON and JSON → XML → JSON
// must each give the JSON it started from.
func roundTrips(files map[string][]byte) tally {
	t := tally{refused: map[string]string{}}
	for name, data := range files {
		var res map[string]any
		var err error
		if strings.HasSuffix(name, ".xml") {
			res, err = fhirxml.Decode(data)
		} else {
			res, err = fhir.Decode(data)
			if err == nil && fhir.ResourceType(res) == "" {
				err = fmt.Errorf("not a resource")
			}
		}
		if err != nil {
			t.unreadable++
			continue
		}
		if err := roundTrip(res, name); err != nil {
			var ee *fhirxml.EncodeError
			ExpectWithOffset(1, errors.As(err, &ee)).To(BeTrue(), "%s: %v is not an *EncodeError", name, err)
			t.refused[name] = err.Error()
			continue
		}
		t.equal++
	}
	return t
}

// sharedFiles reads the FHIR XML and JSON of the shared conformance cases
// and UK Core.
func sharedFiles() map[string][]byte {
	files := map[string][]byte{}
	for _, glob := range [][]string{{"conformance-cases", "cases", "*"}, {"fhir", "uk-core", "*", "*"}} {
		names, err := filepath.Glob(sharedtest.Path(glob...))
		Expect(err).NotTo(HaveOccurred())
		for _, n := range names {
			if strings.HasSuffix(n, ".xml") || strings.HasSuffix(n, ".json") {
				data, err := os.ReadFile(n)
				Expect(err).NotTo(HaveOccurred())
				files[filepath.Base(filepath.Dir(n))+"/"+filepath.Base(n)] = data
			}
		}
	}
	return files
}

// mirror is the fhir-test-cases repository, a bare git directory
// (CARECERT_FHIR_TEST_CASES, or where this machine keeps its mirror).
func mirror() string {
	if d := os.Getenv("CARECERT_FHIR_TEST_CASES"); d != "" {
		return d
	}
	return "/work/.mirror/FHIR+fhir-test-cases/repo"
}

// mirrorFiles reads, from the mirror's HEAD, the R4 examples (r4/) and the
// XML and JSON files of the R4 cases of its validator manifest.
func mirrorFiles(dir string) map[string][]byte {
	git := func(stdin io.Reader, args ...string) []byte {
		cmd := exec.Command("git", append([]string{"--git-dir", dir}, args...)...)
		cmd.Stdin = stdin
		out, err := cmd.Output()
		Expect(err).NotTo(HaveOccurred(), "git %v", args)
		return out
	}
	var manifest struct {
		Cases []struct {
			File    string `json:"file"`
			Version string `json:"version"`
		} `json:"test-cases"`
	}
	Expect(json.Unmarshal(git(nil, "show", "HEAD:validator/manifest.json"), &manifest)).To(Succeed())
	var paths []string
	for _, c := range manifest.Cases {
		if strings.HasPrefix(c.Version, "4.0") {
			paths = append(paths, "validator/"+c.File)
		}
	}
	paths = append(paths, strings.Fields(string(git(nil, "ls-tree", "-r", "--name-only", "HEAD", "r4/")))...)
	var kept []string
	for _, p := range paths {
		if strings.HasSuffix(p, ".xml") || strings.HasSuffix(p, ".json") {
			kept = append(kept, p)
		}
	}
	// one git process reads them all
	var req bytes.Buffer
	for _, p := range kept {
		req.WriteString("HEAD:" + p + "\n")
	}
	out := bufio.NewReader(bytes.NewReader(git(&req, "cat-file", "--batch")))
	files := map[string][]byte{}
	for _, p := range kept {
		header, err := out.ReadString('\n')
		Expect(err).NotTo(HaveOccurred())
		f := strings.Fields(header)
		if len(f) != 3 || f[1] != "blob" {
			continue // missing from the mirror
		}
		size, err := strconv.Atoi(f[2])
		Expect(err).NotTo(HaveOccurred())
		data := make([]byte, size+1) // and the newline after it
		_, err = io.ReadFull(out, data)
		Expect(err).NotTo(HaveOccurred())
		files[p] = data[:size]
	}
	return files
}

// xml is a resource's XML as Encode writes it, without the declaration.
func xmlOf(res map[string]any) string {
	out, err := fhirxml.Encode(res)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return strings.TrimPrefix(string(out), `<?xml version="1.0" encoding="UTF-8"?>`)
}

func jsonOf(s string) map[string]any {
	res, err := fhir.Decode([]byte(s))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return res
}

var _ = Describe("Encode", func() {
	It("writes every shared FHIR XML and JSON file so that it reads back the same, in definition order, except what FHIR XML cannot hold", func() {
		t := roundTrips(sharedFiles())
		// the refused are JSON whose values are not the JSON types their
		// definitions give, or whose arrays do not pair up: FHIR XML would
		// read them back as something else
		Expect(t.refused).To(Equal(map[string]string{
			"cases/Observation-ex-pain.json":               `_valueInteger.value: FHIR XML cannot hold it as given: 0 would read back as "0"`,
			"cases/additional-bindings-profile-2.json":     `abstract: FHIR XML cannot hold it as given: "false" would read back as false`,
			"cases/cs-order-prop.json":                     `concept[0].property[0].valueDecimal: FHIR XML cannot hold it as given: "1.2" would read back as 1.2`,
			"cases/json-comments.json":                     `fhir_comments[1]: FHIR XML cannot hold it as given: true would read back as "true"`,
			"cases/opdef-out-profile.json":                 `differential.element[15].max: FHIR XML cannot hold it as given: 0 would read back as "0"`,
			"cases/patient-hs-1.json":                      `name[0]._given: 1 value(s) in given and 2 in _given: FHIR JSON gives both arrays the same length`,
			"cases/synthea.json":                           `reasonCode: FHIR XML cannot hold it as given: an object would read back as an array`,
			"cases/toplevel-maxvalueduration-profile.json": `differential.element[0].maxValueDuration.value: FHIR XML cannot hold it as given: 10 would read back as "10"`,
		}))
		Expect(t.equal).To(BeNumerically(">=", 795), "every UK Core example and definition, and the readable cases")
	})

	It("writes the R4 examples and validator cases of fhir-test-cases so that they read back the same, or refuses them saying where", func() {
		dir := mirror()
		if _, err := os.Stat(dir); err != nil {
			Skip("the fhir-test-cases mirror is not on this machine (" + dir + "; set CARECERT_FHIR_TEST_CASES to a clone)")
		}
		files := mirrorFiles(dir)
		Expect(len(files)).To(BeNumerically(">", 600))
		t := roundTrips(files)
		refused := make([]string, 0, len(t.refused))
		for f, why := range t.refused {
			refused = append(refused, f+": "+why)
		}
		sort.Strings(refused)
		GinkgoWriter.Printf("fhir-test-cases: %d equal, %d refused, %d unreadable\n%s\n", t.equal, len(t.refused), t.unreadable, strings.Join(refused, "\n"))
		Expect(t.equal).To(BeNumerically(">=", 600))
		Expect(len(t.refused) * 30).To(BeNumerically("<", t.equal))
	})

	It("writes elements in definition order, ids and urls as attributes, Resource.id as an element", func() {
		// the JSON names are given backwards
		res := jsonOf(`{"resourceType":"Patient","gender":"female","name":[{"given":["Ann"],"family":"Shaw","id":"n1"}],
			"extension":[{"valueString":"x","url":"http://example.org/e","id":"e1"}],"id":"p1"}`)
		Expect(xmlOf(res)).To(Equal(`<Patient xmlns="http://hl7.org/fhir"><id value="p1"/>` +
			`<extension id="e1" url="http://example.org/e"><valueString value="x"/></extension>` +
			`<name id="n1"><family value="Shaw"/><given value="Ann"/></name><gender value="female"/></Patient>`))
		Expect(roundTrip(res, "patient")).To(Succeed())
	})

	It("pairs the extensions of repeating primitives with their values, nulls included", func() {
		res := jsonOf(`{"resourceType":"Patient","name":[{"given":["Ann",null,"Marie"],
			"_given":[null,{"id":"g2","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/iso21090-nullFlavor","valueCode":"UNK"}]},{"id":"g3"}]}]}`)
		Expect(xmlOf(res)).To(Equal(`<Patient xmlns="http://hl7.org/fhir"><name><given value="Ann"/>` +
			`<given id="g2"><extension url="http://hl7.org/fhir/StructureDefinition/iso21090-nullFlavor"><valueCode value="UNK"/></extension></given>` +
			`<given id="g3" value="Marie"/></name></Patient>`))
		Expect(roundTrip(res, "given")).To(Succeed())
		// a repeating primitive that has only extensions: its value array is all nulls
		only := jsonOf(`{"resourceType":"Patient","name":[{"given":[null],"_given":[{"id":"g"}]}],"birthDate":null,"_birthDate":{"id":"b"}}`)
		Expect(xmlOf(only)).To(Equal(`<Patient xmlns="http://hl7.org/fhir"><name><given id="g"/></name><birthDate id="b"/></Patient>`))
		Expect(roundTrip(only, "extension only")).To(Succeed())
	})

	It("wraps resources in contained, Bundle entries, outcomes and Parameters in their type's element", func() {
		res := jsonOf(`{"resourceType":"Bundle","type":"batch-response","entry":[
			{"resource":{"resourceType":"Patient","id":"a","contained":[{"resourceType":"Organization","id":"o","name":"Org"}],"managingOrganization":{"reference":"#o"}},
			 "response":{"status":"200","outcome":{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational"}]}}},
			{"resource":{"resourceType":"Parameters","parameter":[{"name":"p","resource":{"resourceType":"Basic","code":{"text":"b"}}}]}}]}`)
		Expect(xmlOf(res)).To(Equal(`<Bundle xmlns="http://hl7.org/fhir"><type value="batch-response"/>` +
			`<entry><resource><Patient><id value="a"/><contained><Organization><id value="o"/><name value="Org"/></Organization></contained>` +
			`<managingOrganization><reference value="#o"/></managingOrganization></Patient></resource>` +
			`<response><status value="200"/><outcome><OperationOutcome><issue><severity value="information"/><code value="informational"/></issue></OperationOutcome></outcome></response></entry>` +
			`<entry><resource><Parameters><parameter><name value="p"/><resource><Basic><code><text value="b"/></code></Basic></resource></parameter></Parameters></resource></entry></Bundle>`))
		Expect(roundTrip(res, "bundle")).To(Succeed())
	})

	It("writes the narrative div as given, in its own namespace, never repaired", func() {
		res := jsonOf(`{"resourceType":"Basic","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p title=\"a &quot;b&quot;\">1 &lt; 2 &amp;&#160;<!-- &nbsp; --><![CDATA[&copy;]]></p></div>"},"code":{"text":"x"}}`)
		Expect(xmlOf(res)).To(Equal(`<Basic xmlns="http://hl7.org/fhir"><text><status value="generated"/>` +
			`<div xmlns="http://www.w3.org/1999/xhtml"><p title="a &quot;b&quot;">1 &lt; 2 &amp;&#160;<!-- &nbsp; --><![CDATA[&copy;]]></p></div></text><code><text value="x"/></code></Basic>`))
		Expect(roundTrip(res, "narrative")).To(Succeed())

		// A div in no namespace stays in none: FHIR's namespace around it
		// is undeclared, and it reads back as the JSON has it, to fail the
		// narrative rules as the JSON does.
		bare := jsonOf(`{"resourceType":"Basic","text":{"status":"generated","div":"<div><p xmlns=\"\">a</p></div>"},"code":{"text":"x"}}`)
		Expect(xmlOf(bare)).To(ContainSubstring(`<text><status value="generated"/><div xmlns=""><p xmlns="">a</p></div></text>`))
		Expect(roundTrip(bare, "no namespace")).To(Succeed())
		back, err := fhirxml.Decode([]byte(xmlOf(bare)))
		Expect(err).NotTo(HaveOccurred())
		Expect(back["text"].(map[string]any)["div"]).To(Equal(`<div><p xmlns="">a</p></div>`))
		// one that says so itself reads back without the empty declaration
		said := jsonOf(`{"resourceType":"Basic","text":{"status":"generated","div":"<div xmlns=''>a</div>"},"code":{"text":"x"}}`)
		Expect(xmlOf(said)).To(ContainSubstring(`<div xmlns=''>a</div>`))
	})

	It("writes numbers exactly as given and escapes what an attribute cannot hold literally", func() {
		res := jsonOf(`{"resourceType":"Observation","status":"final","code":{"text":"a <b> & \"c\" 'd'\n\te\r"},
			"valueQuantity":{"value":1.50,"comparator":"<"},"referenceRange":[{"low":{"value":0.000000000000000000001},"high":{"value":123456789012345678901234567890}}]}`)
		Expect(xmlOf(res)).To(Equal(`<Observation xmlns="http://hl7.org/fhir"><status value="final"/>` +
			`<code><text value="a &lt;b&gt; &amp; &quot;c&quot; 'd'&#10;&#9;e&#13;"/></code>` +
			`<valueQuantity><value value="1.50"/><comparator value="&lt;"/></valueQuantity>` +
			`<referenceRange><low><value value="0.000000000000000000001"/></low><high><value value="123456789012345678901234567890"/></high></referenceRange></Observation>`))
		Expect(roundTrip(res, "numbers")).To(Succeed())
	})

	DescribeTable("refuses what FHIR XML cannot hold, naming where",
		func(input, want string) {
			_, err := fhirxml.Encode(jsonOf(input))
			var ee *fhirxml.EncodeError
			Expect(errors.As(err, &ee)).To(BeTrue(), "%v", err)
			Expect(err.Error()).To(Equal(want))
		},
		Entry("a string for a boolean", `{"resourceType":"Patient","active":"true"}`, `active: FHIR XML cannot hold it as given: "true" would read back as true`),
		Entry("an object for a repeating element", `{"resourceType":"Patient","name":{"family":"A"}}`, `name: FHIR XML cannot hold it as given: an object would read back as an array`),
		Entry("an array of one for a single element", `{"resourceType":"Patient","gender":["female"]}`, `gender: FHIR XML cannot hold it as given: an array would read back as "female"`),
		Entry("a control character", `{"resourceType":"Patient","name":[{"family":"A\u0001"}]}`, `name[0].family: the value holds the character U+0001, which XML 1.0 cannot carry`),
		Entry("a name XML does not allow", `{"resourceType":"Patient","a b":"x"}`, `a b: "a b" is not a name an XML element can have`),
		Entry("a null member, which FHIR JSON forbids and FHIR XML cannot write", `{"resourceType":"Patient","active":true,"name":[{"family":null,"given":["A"]}]}`, `name[0].family: null: FHIR JSON allows null only in a repeating primitive's arrays, and FHIR XML has no element for it`),
		Entry("a null primitive extension", `{"resourceType":"Patient","birthDate":null,"_birthDate":null}`, `birthDate: null: FHIR JSON allows null only in a repeating primitive's arrays, and FHIR XML has no element for it`),
		Entry("null in both arrays", `{"resourceType":"Patient","name":[{"given":["A",null],"_given":[null,null]}]}`, `name[0].given[1]: null in given and in _given: FHIR XML has no element without a value, id or extension`),
		Entry("a div that is not XML", `{"resourceType":"Basic","text":{"status":"generated","div":"<div><p>x</div>"}}`, `text.div: the narrative div cannot be written as FHIR XML: the end tag </div> closes no element it should (not well-formed XML)`),
		Entry("a div with a DOCTYPE", `{"resourceType":"Basic","text":{"status":"generated","div":"<!DOCTYPE div><div>x</div>"}}`, `text.div: the narrative div cannot be written as FHIR XML: it holds a markup declaration <!…>, which FHIR XML does not allow`),
		Entry("an entity HTML defines, which FHIR XML does not declare", `{"resourceType":"Basic","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">a&nbsp;b</div>"}}`,
			`text.div: the narrative div uses the HTML entity &nbsp;, which FHIR XML does not declare: written as it is the XML would not be well-formed, and as a character reference it would be other data than the JSON's`),
		Entry("an entity neither XML nor HTML defines", `{"resourceType":"Basic","text":{"status":"generated","div":"<div>&e;</div>"}}`, `text.div: the narrative div uses the entity &e;, which neither XML nor HTML defines`),
		Entry("two divs", `{"resourceType":"Basic","text":{"status":"generated","div":"<div/><div/>"}}`, `text.div: the narrative div cannot be written as FHIR XML: it holds a second element <div> after the div`),
		Entry("a contained resource without a type", `{"resourceType":"Patient","contained":[{"id":"x"}]}`, `contained[0]: no resourceType: a resource needs one to be written as FHIR XML`),
		Entry("an unknown resource type", `{"resourceType":"Patientx"}`, `"Patientx" is not a FHIR R4 resource type`),
		Entry("a choice without its type", `{"resourceType":"Observation","status":"final","code":{},"value":5}`, `value: a choice element is named with its type (valueString, valueQuantity ...)`),
		Entry("a string for an element", `{"resourceType":"Patient","name":["Ann"]}`, `name[0]: "Ann" where FHIR defines a HumanName`),
		Entry("an extension on an id attribute", `{"resourceType":"Patient","name":[{"_id":{"extension":[]}}]}`, `name[0]._id: FHIR XML writes id as an attribute, which cannot carry an id or extensions`),
	)
})

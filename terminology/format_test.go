package terminology_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/terminology"
)

// withCheck appends the Verhoeff check digit to body.
func withCheck(body string) string { return body + string(terminology.VerhoeffDigit(body)) }

var _ = Describe("code formats", func() {
	DescribeTable("SNOMED CT concept ids",
		func(id string, problem string) {
			err := terminology.SNOMEDConceptID(id)
			if problem == "" {
				Expect(err).NotTo(HaveOccurred())
			} else {
				Expect(err).To(MatchError(ContainSubstring(problem)))
			}
		},
		Entry("a core concept", "22298006", ""),
		Entry("the root concept", "138875005", ""),
		Entry("an NHS extension (dm+d) concept", "10097211000001102", ""),
		Entry("a wrong check digit", "22298007", "Verhoeff"),
		Entry("two digits swapped", "22289006", "Verhoeff"),
		Entry("too short", "12345", "6 to 18 digits"),
		Entry("too long", "1234567890123456789", "6 to 18 digits"),
		Entry("a leading zero", "022298006", "must not start with 0"),
		Entry("not digits", "2229800X", "digits only"),
		Entry("a description id", withCheck("75443801"), "description id"),
		Entry("a relationship id", withCheck("10000002"), "relationship id"),
		Entry("an unknown partition", withCheck("10000005"), "unknown partition"),
	)

	It("computes the Verhoeff digit that makes an id valid", func() {
		for _, body := range []string{"2229800", "13887500", "1009721100000110"} {
			id := body + string(terminology.VerhoeffDigit(body))
			Expect(terminology.Verhoeff(id)).To(BeTrue(), id)
		}
	})

	It("checks every concept id of a postcoordinated expression, ignoring digits in terms", func() {
		Expect(terminology.SNOMEDExpression("22298006 |Myocardial infarction 2|: 363698007 |Finding site| = 74281007")).To(Succeed())
		Expect(terminology.SNOMEDExpression("22298006 : 363698007 = 74281008")).To(MatchError(ContainSubstring("74281008")))
	})

	DescribeTable("LOINC codes",
		func(code string, ok bool) {
			if ok {
				Expect(terminology.LOINCCode(code)).To(Succeed())
			} else {
				Expect(terminology.LOINCCode(code)).NotTo(Succeed())
			}
		},
		Entry(nil, "8867-4", true), Entry(nil, "2339-0", true), Entry(nil, "85354-9", true), Entry(nil, "29463-7", true),
		Entry(nil, "8867-5", false), Entry(nil, "88674", false), Entry(nil, "8867-", false), Entry(nil, "LA6576-8", true),
	)

	DescribeTable("ICD-10 codes",
		func(code string, ok bool) {
			if ok {
				Expect(terminology.ICD10Code(code)).To(Succeed())
			} else {
				Expect(terminology.ICD10Code(code)).NotTo(Succeed())
			}
		},
		Entry(nil, "I10", true), Entry(nil, "E11.9", true), Entry(nil, "E119", true), Entry(nil, "A00-A09", true),
		Entry(nil, "S72.001A", true), Entry(nil, "i10", false), Entry(nil, "110", false), Entry(nil, "E11.", false),
	)

	It("routes by code system and leaves other systems alone", func() {
		Expect(terminology.FormatError(terminology.DMD, "318135008")).To(Succeed())
		Expect(terminology.FormatError(terminology.DMD, "318135002")).NotTo(Succeed())
		Expect(terminology.FormatError(terminology.UCUM, "10*3/uL")).To(Succeed())
		Expect(terminology.FormatError("https://local.example", "anything at all")).To(Succeed())
	})
})

var _ = Describe("mappings", func() {
	It("translates through ConceptMaps, leaving out unmatched targets", func() {
		e := acmeEngine()
		got := e.Translate(acme, "htn", terminology.SNOMED)
		Expect(got).To(HaveLen(1))
		Expect(got[0].TargetCode).To(Equal("38341003"))
		Expect(e.Translate(acme, "asthma", "")).To(BeEmpty())
	})

	It("reads a supplier's CSV, trimming each value and naming the file", func() {
		ms, err := terminology.ParseMappingCSV(strings.NewReader(
			"source_system,source_code,target_system,target_code\nhttp://l.example, L1 ,http://snomed.info/sct,22298006\n"), "map.csv")
		Expect(err).NotTo(HaveOccurred())
		Expect(ms).To(Equal([]terminology.Mapping{{SourceSystem: "http://l.example", SourceCode: "L1",
			TargetSystem: terminology.SNOMED, TargetCode: "22298006", Source: "map.csv"}}))
	})

	DescribeTable("rejects broken CSV naming file and line",
		func(content, want string) {
			_, err := terminology.ParseMappingCSV(strings.NewReader(content), "map.csv")
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("wrong header", "system,code\n", "map.csv:1: header must be"),
		Entry("short row", "source_system,source_code,target_system,target_code\na,b,c\n", "map.csv:2: want 4 columns"),
		Entry("empty value", "source_system,source_code,target_system,target_code\na,,c,d\n", "map.csv:2: every column needs a value"),
		Entry("no rows", "source_system,source_code,target_system,target_code\n", "map.csv: no mappings"),
		Entry("bad quoting", "source_system,source_code,target_system,target_code\n\"a,b,c,d\n", "map.csv"),
	)

	It("names a missing mapping file", func() {
		_, err := terminology.ReadMappingCSV(filepath.Join(GinkgoT().TempDir(), "none.csv"))
		Expect(err).To(MatchError(ContainSubstring("none.csv")))
	})
})

var _ = Describe("loading implementation guides", func() {
	bundle, _ := os.ReadFile("testdata/acme-bundle.json")

	It("loads a folder of JSON resources and notes XML it cannot read", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "Bundle-acme.json"), bundle, 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "CodeSystem-x.xml"), []byte("<CodeSystem/>"), 0o644)).To(Succeed())
		e := terminology.New()
		Expect(e.LoadIG(dir)).To(Succeed())
		_, ok := e.CodeSystem(acme)
		Expect(ok).To(BeTrue())
		Expect(e.Skipped()).To(ConsistOf(HaveSuffix("CodeSystem-x.xml: XML, and this engine has no FHIR XML decoder")))
	})

	It("reads XML with a decoder when one is set", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "CodeSystem-x.xml"), []byte("<CodeSystem/>"), 0o644)).To(Succeed())
		e := terminology.New()
		e.SetXMLDecoder(func([]byte) (map[string]any, error) {
			return map[string]any{"resourceType": "CodeSystem", "url": "http://x.example", "content": "complete",
				"concept": []any{map[string]any{"code": "a"}}}, nil
		})
		Expect(e.LoadIG(dir)).To(Succeed())
		cs, ok := e.CodeSystem("http://x.example")
		Expect(ok).To(BeTrue())
		Expect(cs.Len()).To(Equal(1))
	})

	// npmPackage writes files (paths under package/) as an npm-style .tgz.
	npmPackage := func(files map[string][]byte) string {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		tw := tar.NewWriter(zw)
		for name, data := range files {
			Expect(tw.WriteHeader(&tar.Header{Name: "package/" + name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})).To(Succeed())
			_, err := tw.Write(data)
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(tw.Close()).To(Succeed())
		Expect(zw.Close()).To(Succeed())
		path := filepath.Join(GinkgoT().TempDir(), "guide.tgz")
		Expect(os.WriteFile(path, buf.Bytes(), 0o644)).To(Succeed())
		return path
	}

	It("loads an NPM package", func() {
		path := npmPackage(map[string][]byte{"Bundle-acme.json": bundle})
		e := terminology.New()
		Expect(e.LoadIG(path)).To(Succeed())
		codes, err := e.Expand("http://acme.example/vs/admin")
		Expect(err).NotTo(HaveOccurred())
		Expect(codes).To(HaveLen(2))
	})

	It("leaves out a file that does not parse, saying which and why, and loads the rest", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "ValueSet-broken.json"), []byte(`{"resourceType": "ValueSet",`), 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "ValueSet-nourl.json"), []byte(`{"resourceType": "ValueSet", "id": "x"}`), 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "Bundle-acme.json"), bundle, 0o644)).To(Succeed())
		e := terminology.New()
		Expect(e.LoadIG(dir)).To(Succeed())
		Expect(e.Skipped()).To(ConsistOf(
			And(ContainSubstring("ValueSet-broken.json: "), ContainSubstring("unexpected EOF")),
			ContainSubstring("ValueSet-nourl.json: "),
		))
		_, ok := e.ValueSet("http://acme.example/vs/cardio")
		Expect(ok).To(BeTrue())
	})

	// A published package also holds files that are not definitions: the
	// XML copies of its resources, its examples, the publisher's reports and
	// OpenAPI documents (the IPS's starts with a byte-order mark and is not
	// FHIR). The terminology loader reads what the definitions loader reads
	// (pkgcache.SkipFolder), in a package and in a folder alike, so none of
	// them is reported as a guide file it could not read.
	layout := map[string][]byte{
		"Bundle-acme.json":                bundle,
		"openapi/ips-server.openapi.json": []byte("\xef\xbb\xbf{\"openapi\": \"3.0.2\"}"),
		"other/validation-summary.json":   []byte(`{"Patient/x": {"errors": 0}}`),
		"xml/CodeSystem-acme.xml":         []byte("<CodeSystem/>"),
		"example/ValueSet-broken.json":    []byte(`{"resourceType": "ValueSet",`),
		"examples/CodeSystem-broken.json": []byte(`{"resourceType": "CodeSystem",`),
	}
	It("reads a package's definitions and leaves its examples, XML copies and publisher's files alone", func() {
		e := terminology.New()
		Expect(e.LoadIG(npmPackage(layout))).To(Succeed())
		Expect(e.Skipped()).To(BeEmpty())
		_, ok := e.CodeSystem(acme)
		Expect(ok).To(BeTrue())
	})

	It("reads a guide folder the same way", func() {
		dir := GinkgoT().TempDir()
		for name, data := range layout {
			Expect(os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)).To(Succeed())
			Expect(os.WriteFile(filepath.Join(dir, name), data, 0o644)).To(Succeed())
		}
		e := terminology.New()
		Expect(e.LoadIG(dir)).To(Succeed())
		Expect(e.Skipped()).To(BeEmpty())
		_, ok := e.CodeSystem(acme)
		Expect(ok).To(BeTrue())
	})

	It("fails naming a guide path that does not exist", func() {
		Expect(terminology.New().LoadIG(filepath.Join(GinkgoT().TempDir(), "nope"))).To(MatchError(ContainSubstring("nope")))
	})

	It("reports a broken load on every query instead of answering", func() {
		e := terminology.NewCore(func(e *terminology.Engine) error { return e.LoadIG("/nonexistent/ig") })
		_, err := e.ValidateCode(GinkgoT().Context(), acme, "htn", "", "")
		Expect(err).To(MatchError(ContainSubstring("/nonexistent/ig")))
	})
})

var _ = Describe("MIME types", func() {
	It("accept media types and FHIR's format shorthands, and nothing else", func() {
		for _, ok := range []string{"application/fhir+json", "text/plain; charset=utf-8", "json", "xml", "ttl"} {
			Expect(terminology.MIMEType(ok)).To(Succeed(), ok)
		}
		for _, bad := range []string{"JSON", "fhir", "application", "text/"} {
			Expect(terminology.MIMEType(bad)).To(MatchError(ContainSubstring("is not a MIME type")), bad)
		}
	})
})

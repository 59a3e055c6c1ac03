package structure_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/structure"
)

// checker compiles both structure checks once for the whole spec file: the
// schema is shared as it is in a run.
type checker struct {
	typ, schema check.Check
}

func newChecker() *checker {
	reg := check.NewRegistry()
	structure.Register(reg)
	env := &check.Env{}
	t, err := reg.Compile(check.Spec{Requirement: "STRUCT-01", Type: "fhir-resource-type"}, env)
	Expect(err).NotTo(HaveOccurred())
	s, err := reg.Compile(check.Spec{Requirement: "STRUCT-02", Type: "fhir-json-schema"}, env)
	Expect(err).NotTo(HaveOccurred())
	return &checker{typ: t, schema: s}
}

// run checks one record with both checks, as the runner would.
func (c *checker) run(rec *model.Record) (typeFindings, schemaFindings []model.Finding) {
	rec.Load()
	if rec.Problem != nil {
		return nil, nil
	}
	if c.typ.Applies(rec) {
		typeFindings = c.typ.NewState().Observe(rec)
	}
	if c.schema.Applies(rec) {
		schemaFindings = c.schema.NewState().Observe(rec)
	}
	return
}

func records(name, data string) []*model.Record {
	var out []*model.Record
	Expect(fhir.ReadStream(name, strings.NewReader(data), func(r *model.Record) error {
		r.Load()
		out = append(out, r)
		return nil
	})).To(Succeed())
	return out
}

var c *checker

var _ = BeforeEach(func() {
	if c == nil {
		c = newChecker()
	}
})

var _ = Describe("the FHIR R4 structure checks", func() {
	It("accepts a valid resource", func() {
		rec := records("p.json", `{"resourceType":"Patient","id":"a","active":true,"gender":"female","birthDate":"1980-02-29","name":[{"family":"Jones"}]}`)[0]
		t, s := c.run(rec)
		Expect(t).To(BeEmpty())
		Expect(s).To(BeEmpty())
	})

	It("names the element, the rule and the line of each problem", func() {
		rec := records("p.json", `{
  "resourceType": "Patient",
  "id": "a",
  "active": "yes",
  "gender": "F",
  "birthDate": "12/03/1980",
  "colour": "blue",
  "identifier": [{"system": 42}]
}`)[0]
		_, fs := c.run(rec)
		got := map[string]model.Finding{}
		for _, f := range fs {
			got[f.Path] = f
		}
		Expect(got).To(HaveLen(5))
		Expect(got["Patient.active"].Code).To(Equal("structure.type"))
		Expect(got["Patient.active"].Line).To(Equal(4))
		Expect(got["Patient.gender"].Message).To(ContainSubstring(`"F" is not one of the allowed codes`))
		Expect(got["Patient.birthDate"].Message).To(Equal(`"12/03/1980" is not a valid FHIR date`))
		Expect(got["Patient.birthDate"].Sensitive).To(BeTrue())
		Expect(got["Patient.colour"].Code).To(Equal("structure.unknown-element"))
		Expect(got["Patient.colour"].Line).To(Equal(7))
		Expect(got["Patient.identifier[0].system"].Line).To(Equal(8))
		for _, f := range fs {
			Expect(f.Record).To(Equal("Patient/a"))
			Expect(f.File).To(Equal("p.json"))
		}
	})

	It("reports missing and unknown resource types once, under the type check only", func() {
		recs := records("f.ndjson", "{\"id\":\"x\"}\n{\"resourceType\":\"Patiant\",\"id\":\"y\"}\n{\"resourceType\":7}\n")
		for i, want := range []string{"has no resourceType", `unknown resource type "Patiant" (did you mean "Patient"?)`, "resourceType must be a string"} {
			t, s := c.run(recs[i])
			Expect(t).To(HaveLen(1))
			Expect(t[0].Message).To(ContainSubstring(want))
			Expect(s).To(BeEmpty())
		}
	})

	It("reports a number beyond exchange at its own path, nested in objects and arrays, and nothing else about it", func() {
		rec := records("o.json", `{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},
"component":[{"code":{"text":"a"},"valueQuantity":{"value":1}},{"code":{"text":"b"},"valueQuantity":{"value":1e400}}]}`)[0]
		_, fs := c.run(rec)
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Code).To(Equal("structure.number-range"))
		Expect(fs[0].Path).To(Equal("Observation.component[1].valueQuantity.value"))
	})

	It("validates contained resources against their own type, at their own path", func() {
		rec := records("o.json", `{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},
"contained":[{"resourceType":"Patient","id":"p","gender":"bloke"}]}`)[0]
		_, fs := c.run(rec)
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Path).To(Equal("Observation.contained[0].gender"))
	})

	It("accepts a null item of a repeating primitive whose _x item carries its id or extensions, and only that", func() {
		qualifier := `{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier","valueCode":"IN"}]}`
		ok := []string{
			// a given name with only an extension, at the end, at the start, nested in a contained resource
			`{"resourceType":"Patient","id":"a","name":[{"family":"Moreau","given":["Claire",null],"_given":[null,` + qualifier + `]}]}`,
			`{"resourceType":"Patient","id":"a","name":[{"family":"Moreau","given":[null,"Claire"],"_given":[{"id":"g0"},null]}]}`,
			`{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"contained":[{"resourceType":"Patient","id":"p","name":[{"text":"Claire","given":["Claire",null],"_given":[null,` + qualifier + `]}]}],"subject":{"reference":"#p"}}`,
			// a list of codes in a backbone element
			`{"resourceType":"Questionnaire","id":"q","status":"active","item":[{"linkId":"1","type":"string","enableWhen":[{"question":"0","operator":"exists","answerBoolean":true}],"code":[{"code":"a"}],"prefix":"1"}],"subjectType":["Patient",null],"_subjectType":[null,{"id":"s1"}]}`,
		}
		for _, doc := range ok {
			_, fs := c.run(records("r.json", doc)[0])
			Expect(fs).To(BeEmpty(), doc)
		}
		bad := map[string]string{
			`{"resourceType":"Patient","id":"a","name":[{"family":"Moreau","given":["Claire",null]}]}`:                              "Patient.name[0].given[1]",
			`{"resourceType":"Patient","id":"a","name":[{"family":"Moreau","given":["Claire",null],"_given":[null,null]}]}`:         "Patient.name[0].given[1]",
			`{"resourceType":"Patient","id":"a","name":[{"family":"Moreau","given":["Claire",null],"_given":[` + qualifier + `]}]}`: "Patient.name[0].given[1]",
			`{"resourceType":"Patient","id":"a","name":[{"family":"Moreau","given":["Claire",null],"_given":[null,{}]}]}`:           "Patient.name[0].given[1]",
		}
		for doc, at := range bad {
			_, fs := c.run(records("r.json", doc)[0])
			Expect(fs).NotTo(BeEmpty(), doc)
			Expect(fs).To(ContainElement(HaveField("Path", at)), doc)
		}
	})

	It("leaves extensions on a resource's id to the profile engine's rule, and still refuses an _id that is not an element as it does any _x companion", func() {
		ext := `"_id":{"extension":[{"url":"http://example.org/x","valueString":"y"}]}`
		for _, doc := range []string{
			`{"resourceType":"Patient","id":"a",` + ext + `}`,
			`{"resourceType":"Patient","id":"a","_id":{"id":"i1"}}`,
			`{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"contained":[{"resourceType":"Patient","id":"p",` + ext + `}],"subject":{"reference":"#p"}}`,
		} {
			_, fs := c.run(records("r.json", doc)[0])
			Expect(fs).To(BeEmpty(), doc)
		}
		for doc, at := range map[string]string{
			`{"resourceType":"Patient","id":"a","_id":{"colour":"blue"}}`:                                                                                            "Patient.id.colour",
			`{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"contained":[{"resourceType":"Patient","id":"p","_id":{"colour":"blue"}}]}`: "Observation.contained[0].id.colour",
		} {
			_, fs := c.run(records("r.json", doc)[0])
			Expect(fs).To(ContainElement(HaveField("Path", at)), doc)
		}
	})

	It("checks every resource type against its own definition, compiled per type and then whole", func() {
		// A fresh schema: its first types are compiled one by one, the rest
		// by one compilation of the whole schema; both must judge alike.
		s, err := structure.LoadSchema()
		Expect(err).NotTo(HaveOccurred())
		types := s.ResourceTypes()
		Expect(types).To(HaveLen(146))
		for _, typ := range types {
			res := map[string]any{"resourceType": typ, "colour": "blue", "id": []any{"x"}}
			var got []string
			s.Validate(res, typ, func(path, code, msg, evidence string) { got = append(got, code+" "+path) })
			Expect(got).To(ContainElements("structure.unknown-element "+typ+".colour", "structure.type "+typ+".id"), typ)
			Expect(got).NotTo(ContainElement(HavePrefix("structure.internal")), typ)
		}
	})

	It("names every primitive type a failed pattern belongs to, the same in every run", func() {
		rec := records("p.json", `{"resourceType":"Patient","id":"a","implicitRules":"has spaces","birthDate":"1980-13-01"}`)[0]
		_, fs := c.run(rec)
		msgs := map[string]string{}
		for _, f := range fs {
			msgs[f.Path] = f.Message
		}
		Expect(msgs).To(Equal(map[string]string{
			"Patient.implicitRules": `"has spaces" is not a valid FHIR canonical, uri or url`,
			"Patient.birthDate":     `"1980-13-01" is not a valid FHIR date`,
		}))
	})

	It("leaves Bundle entries to their own records and still checks the Bundle", func() {
		recs := records("b.json", `{"resourceType":"Bundle","type":"colection","entry":[{"resource":{"resourceType":"Patient","id":"p","active":"no"}}]}`)
		Expect(recs).To(HaveLen(2))
		_, bundle := c.run(recs[0])
		Expect(bundle).To(HaveLen(1))
		Expect(bundle[0].Path).To(Equal("Bundle.type"))
		_, entry := c.run(recs[1])
		Expect(entry).To(HaveLen(1))
		Expect(entry[0].Path).To(Equal("Patient.active"))
	})

	// A Bundle's entry resource that is an object is a record of its own
	// (fhir's reader emits it after the Bundle): its problems are its
	// record's, never the Bundle's a second time. Where the entries are no
	// records (a Bundle held in a Parameters), the holding record has them.
	DescribeTable("judges a Bundle's entry resources where they are records",
		func(doc string, wantRecords int, want map[string][]string) {
			recs := records("b.json", doc)
			Expect(recs).To(HaveLen(wantRecords))
			got := map[string][]string{}
			for _, rec := range recs {
				t, s := c.run(rec)
				key := fmt.Sprintf("b.json#%d", rec.Index+1)
				for _, f := range append(t, s...) {
					got[key] = append(got[key], f.Code+" "+f.Path)
				}
			}
			Expect(got).To(Equal(want))
		},
		Entry("an entry resource without resourceType: the entry's STRUCT-01 error only",
			`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"id":"p","active":true}},{"resource":{"resourceType":"Patient","id":"q"}}]}`,
			3, map[string][]string{"b.json#2": {"structure.resource-type "}}),
		Entry("the same inside a Bundle that is itself an entry: every Bundle is a record",
			`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"id":"p"}}]}}]}`,
			3, map[string][]string{"b.json#3": {"structure.resource-type "}}),
		Entry("an entry resource that is not an object: no record, the Bundle's error",
			`{"resourceType":"Bundle","type":"collection","entry":[{"resource":"Patient/p"}]}`,
			1, map[string][]string{"b.json#1": {"structure.type Bundle.entry[0].resource"}}),
		Entry("a Bundle held in a Parameters: its entries are no records, the Parameters has the error",
			`{"resourceType":"Parameters","parameter":[{"name":"b","resource":{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"id":"p"}}]}}]}`,
			1, map[string][]string{"b.json#1": {"structure.required Parameters.parameter[0].resource.entry[0].resource.resourceType"}}),
		Entry("a contained resource without resourceType: the holder's schema says it, once",
			`{"resourceType":"List","status":"current","mode":"working","contained":[{"id":"p"}]}`,
			1, map[string][]string{"b.json#1": {"structure.required List.contained[0].resourceType"}}),
		Entry("a resource of an unknown type in a Bundle held in a Parameters",
			`{"resourceType":"Parameters","parameter":[{"name":"b","resource":{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Bogus"}}]}}]}`,
			1, map[string][]string{"b.json#1": {"structure.resource-type Parameters.parameter[0].resource.entry[0].resource"}}),
	)

	It("finds exactly the seeded structure defects of a generated feed (precision and recall 1)", func() {
		g, err := fixtures.New(fixtures.Options{Seed: 7, Records: 3000, Defects: map[string]int{
			"unknown-resource-type": 5, "missing-resource-type": 4, "unknown-element": 9, "wrong-type": 6,
			"invalid-enum-code": 7, "bad-date-format": 8, "missing-required-element": 3, "malformed-json": 2,
		}})
		Expect(err).NotTo(HaveOccurred())
		var buf bytes.Buffer
		m, err := g.Generate(func(l []byte) error { buf.Write(l); buf.WriteByte('\n'); return nil })
		Expect(err).NotTo(HaveOccurred())

		want := map[string][]int{}
		for _, d := range m.Defects {
			for _, req := range d.Detects {
				want[req] = append(want[req], d.Line())
			}
		}
		got := map[string][]int{}
		for _, rec := range records("feed.ndjson", buf.String()) {
			if rec.Problem != nil {
				got["carecert/INPUT"] = append(got["carecert/INPUT"], rec.Line)
				continue
			}
			t, s := c.run(rec)
			if len(t) > 0 {
				got["fhir-r4-structure/STRUCT-01"] = append(got["fhir-r4-structure/STRUCT-01"], rec.Line)
			}
			if len(s) > 0 {
				Expect(s).To(HaveLen(1), "one defect per record gives one finding")
				got["fhir-r4-structure/STRUCT-02"] = append(got["fhir-r4-structure/STRUCT-02"], rec.Line)
			}
		}
		for _, lines := range want {
			sort.Ints(lines)
		}
		Expect(got).To(Equal(want))
		Expect(got["fhir-r4-structure/STRUCT-02"]).To(HaveLen(9 + 6 + 7 + 8 + 3))
	})

	It("raises no error on any resource of the Synthea corpus (false-alarm check)", func() {
		files, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(files).NotTo(BeEmpty())
		checked := 0
		for _, f := range files {
			Expect(fhir.ReadFile(f, func(rec *model.Record) error {
				t, s := c.run(rec)
				Expect(rec.Problem).To(BeNil())
				Expect(append(t, s...)).To(BeEmpty(), "%s %s", f, rec.Name())
				checked++
				return nil
			})).To(Succeed())
		}
		Expect(checked).To(BeNumerically(">", 12000))
	})
})

// A Bundle record's entry resources that are objects are records of their
// own (fhir's reader makes them so), judged by their own checks. The
// JSON-schema check of the Bundle leaves them out, so that what is wrong in
// one is not reported a second time on the Bundle: and not only when the
// profile engine did not prove the Bundle (the structure suite alone, or a
// proof the engine could not give), which made the Bundle's verdict depend
// on which suites ran. What is the Bundle's own stays its own: an entry
// resource that is not an object, the Bundle's own elements, and the
// entries of a Bundle nested in a record, which are no records.
var _ = Describe("the JSON-schema check of a Bundle record", Ordered, func() {
	var runs *twoRuns
	BeforeAll(func() { runs = newTwoRuns() })
	bundle := func(entry string) string {
		return `{"resourceType":"Bundle","id":"b","type":"collection","entry":[{"fullUrl":"urn:uuid:8a5c0b3e-2f55-4c1e-9a39-3f1f2c4b5d60",` + entry + `}]}`
	}
	// want lists the Bundle's findings as code and path; each form of the
	// Bundle gives them alone and beside the profile engine alike.
	DescribeTable("leaves its entry records to their own checks",
		func(text string, xml bool, want ...string) {
			forms := map[string]string{"b.json": text, "b.ndjson": text + "\n"}
			if xml {
				var res map[string]any
				d := json.NewDecoder(strings.NewReader(text))
				d.UseNumber()
				Expect(d.Decode(&res)).To(Succeed())
				x, err := fhirxml.Encode(res)
				Expect(err).NotTo(HaveOccurred())
				forms["b.xml"] = string(x)
			}
			for name, data := range forms {
				var b *model.Record
				for _, rec := range records(name, data) {
					if rec.Type == "Bundle" && rec.Container == nil {
						b = rec
					}
				}
				Expect(b).NotTo(BeNil(), name)
				var got []string
				for _, f := range runs.alone.NewState().Observe(b) {
					got = append(got, f.Code+" "+f.Path)
				}
				Expect(got).To(ConsistOf(want), name)
				runs.compare(b, name+" "+text)
			}
		},
		Entry("an entry resource without resourceType", bundle(`"resource":{"id":"p","active":true}`), false),
		Entry("an entry resource of an unknown type", bundle(`"resource":{"resourceType":"Bogus","id":"p"}`), false),
		Entry("an entry resource with a number out of range", bundle(`"resource":{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"valueQuantity":{"value":1e400}}`), true),
		Entry("an entry resource with an unknown element", bundle(`"resource":{"resourceType":"Patient","id":"p","bogus":true}`), false),
		Entry("an entry resource with a code outside the schema's enumeration", bundle(`"resource":{"resourceType":"Patient","id":"p","gender":"f"}`), true),
		Entry("an entry resource with a string where an array belongs", bundle(`"resource":{"resourceType":"Patient","id":"p","name":[{"given":"A"}]}`), false),
		Entry("an entry resource that is not an object: the Bundle's", bundle(`"resource":"Patient/p"`), false, "structure.type Bundle.entry[0].resource"),
		Entry("the Bundle's own element beside a damaged entry resource", `{"resourceType":"Bundle","id":"b","type":"bogus","entry":[{"resource":{"resourceType":"Patient","id":"p","gender":"f"}}]}`, true, "structure.code Bundle.type"),
		Entry("the Bundle's own number beside a damaged entry resource", `{"resourceType":"Bundle","id":"b","type":"searchset","total":1e400,"entry":[{"resource":{"resourceType":"Patient","id":"p","gender":"f"}}]}`, true, "structure.number-range Bundle.total"),
	)

	It("judges the entries of a Bundle nested in a record, which are no records, as the record's", func() {
		text := `{"resourceType":"Parameters","parameter":[{"name":"b","resource":` + bundle(`"resource":{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"valueQuantity":{"value":1e400}}`) + `}]}`
		recs := records("p.json", text)
		Expect(recs).To(HaveLen(1))
		var got []string
		for _, f := range runs.alone.NewState().Observe(recs[0]) {
			got = append(got, f.Code+" "+f.Path)
		}
		Expect(got).To(ContainElement("structure.number-range Parameters.parameter[0].resource.entry[0].resource.valueQuantity.value"))
		runs.compare(recs[0], text)
	})
})

// The published R4 schema enumerates FHIR versions up to 4.0.0; R4's own
// FHIR-version code system (and so the reference validator) has 4.0.1, the
// release every R4 artefact states. Each place the schema enumerates
// versions, single or repeating, takes it; versions R4 does not define stay
// refused.
var _ = Describe("FHIR versions the R4 schema enumerates", func() {
	DescribeTable("are judged as R4's FHIR-version code system has them",
		func(resource string, wantErrors int) {
			rec := records("r.json", resource)[0]
			_, s := c.run(rec)
			var codes []string
			for _, f := range s {
				if f.Code == "structure.code" {
					codes = append(codes, f.Message)
				}
			}
			Expect(codes).To(HaveLen(wantErrors), strings.Join(codes, "\n"))
		},
		Entry("CapabilityStatement.fhirVersion 4.0.1",
			`{"resourceType":"CapabilityStatement","status":"active","date":"2024-01-01","kind":"instance","fhirVersion":"4.0.1","format":["json"]}`, 0),
		Entry("CapabilityStatement.fhirVersion 4.0.2 (not a FHIR version)",
			`{"resourceType":"CapabilityStatement","status":"active","date":"2024-01-01","kind":"instance","fhirVersion":"4.0.2","format":["json"]}`, 1),
		Entry("StructureDefinition.fhirVersion 4.0.1",
			`{"resourceType":"StructureDefinition","url":"https://x.org/sd","name":"X","status":"draft","fhirVersion":"4.0.1","kind":"resource","abstract":false,"type":"Patient"}`, 0),
		Entry("ImplementationGuide.fhirVersion [4.0.1], a repeating element",
			`{"resourceType":"ImplementationGuide","url":"https://x.org/ig","name":"X","status":"draft","packageId":"x.ig","fhirVersion":["4.0.1"]}`, 0),
		Entry("ImplementationGuide.fhirVersion [3.0.2, 4.0.1] (3.0.2 is not a FHIR version)",
			`{"resourceType":"ImplementationGuide","url":"https://x.org/ig","name":"X","status":"draft","packageId":"x.ig","fhirVersion":["3.0.2","4.0.1"]}`, 1),
		Entry("ImplementationGuide.definition.resource.fhirVersion [4.0.1], a backbone element's list",
			`{"resourceType":"ImplementationGuide","url":"https://x.org/ig","name":"X","status":"draft","packageId":"x.ig","fhirVersion":["4.0.1"],"definition":{"resource":[{"reference":{"reference":"Patient/p"},"fhirVersion":["4.0.1"]}]}}`, 0),
	)
})

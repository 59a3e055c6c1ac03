package structure_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/terminology"
)

// The same defect gets the same finding wherever its resource is placed and
// whatever format it arrives in: the family table of placements. Each defect
// is put in one Patient, and the Patient at the top of a document, as a
// Bundle's entry (read whole and apart), contained, as a parameter's
// resource, as an entry of a Bundle held in a parameter and as an entry of a
// Bundle that is itself an entry; in JSON, NDJSON and (where XML can carry
// the defect) XML. For each suite (the JSON-schema check, the profile
// engine, the terminology suite's code-system and binding checks) every
// cell must give the top level's findings, rule and severity
// alike, each path the top level's with "Patient" replaced by the root of
// its placement. Before, the schema check never walked the entries of a
// Bundle held in a parameter.
var _ = Describe("one defect in every placement and format", func() {
	var runs *twoRuns
	var codes []check.Check // the terminology suite's checks of codes
	BeforeEach(func() {
		if runs == nil {
			runs = newTwoRuns()
			reg := check.NewRegistry()
			terminology.Register(reg)
			env := &check.Env{Context: context.Background()}
			for _, typ := range []string{"fhir-code-system", "fhir-value-set-binding"} {
				c, err := reg.Compile(check.Spec{Requirement: typ, Type: typ}, env)
				Expect(err).NotTo(HaveOccurred())
				codes = append(codes, c)
			}
		}
	})

	const uuid = "urn:uuid:8a5c0b3e-2f55-4c1e-9a39-3f1f2c4b5d60"
	// placement is where a Patient is held: the document holding it, and
	// the path of the Patient from the root of the record holding it.
	type placement struct {
		name string
		doc  func(patient string) string
		root string
	}
	entry := func(r string) string { return `{"fullUrl":"` + uuid + `","resource":` + r + `}` }
	placements := []placement{
		{"top level", func(r string) string { return r }, "Patient"},
		{"Bundle entry", func(r string) string {
			return `{"resourceType":"Bundle","id":"b","type":"collection","entry":[` + entry(r) + `]}`
		}, "Patient"},
		{"contained", func(r string) string {
			return `{"resourceType":"List","id":"l","status":"current","mode":"working","contained":[` + r + `],"entry":[{"item":{"reference":"#p"}}]}`
		}, "List.contained[0]"},
		{"parameter's resource", func(r string) string {
			return `{"resourceType":"Parameters","id":"q","parameter":[{"name":"r","resource":` + r + `}]}`
		}, "Parameters.parameter[0].resource"},
		{"Bundle in a parameter", func(r string) string {
			return `{"resourceType":"Parameters","id":"q","parameter":[{"name":"b","resource":{"resourceType":"Bundle","type":"collection","entry":[` + entry(r) + `]}}]}`
		}, "Parameters.parameter[0].resource.entry[0].resource"},
		{"Bundle in a parameter's part", func(r string) string {
			return `{"resourceType":"Parameters","id":"q","parameter":[{"name":"g","part":[{"name":"b","resource":{"resourceType":"Bundle","type":"collection","entry":[` + entry(r) + `]}}]}]}`
		}, "Parameters.parameter[0].part[0].resource.entry[0].resource"},
		{"Bundle in a Bundle", func(r string) string {
			return `{"resourceType":"Bundle","id":"outer","type":"collection","entry":[{"fullUrl":"urn:uuid:0c2a7e0e-8f5b-4f57-9d0b-6a3f3f0f9b11","resource":` +
				`{"resourceType":"Bundle","id":"inner","type":"collection","entry":[` + entry(r) + `]}}]}`
		}, "Patient"},
	}

	// findings reads data as name (apart: a Bundle's entries read apart)
	// and returns each suite's findings, as "severity code path" with the
	// placement's root replaced by "Patient".
	findings := func(name, data string, apart bool, root string) (schema, engine, terms []string) {
		var recs []*model.Record
		if apart {
			path := filepath.Join(GinkgoT().TempDir(), name)
			Expect(os.WriteFile(path, []byte(data), 0o600)).To(Succeed())
			Expect(fhir.ReadFileApart(path, 0, func(r *model.Record) error {
				r.Load()
				recs = append(recs, r)
				return nil
			})).To(Succeed())
		} else {
			recs = records(name, data)
		}
		rebase := func(fs []model.Finding) []string {
			var out []string
			for _, f := range fs {
				p := f.Path
				if rest, ok := strings.CutPrefix(p, root); ok {
					p = "Patient" + rest
				}
				out = append(out, f.Severity.String()+" "+f.Code+" "+p)
			}
			return out
		}
		for _, rec := range recs {
			if runs.alone.Applies(rec) {
				schema = append(schema, rebase(runs.alone.NewState().Observe(rec))...)
				runs.compare(rec, name+": "+data)
			}
			if runs.profile.Applies(rec) {
				engine = append(engine, rebase(runs.profile.NewState().Observe(rec))...)
			}
			for _, c := range codes {
				if c.Applies(rec) {
					terms = append(terms, rebase(c.NewState().Observe(rec))...)
				}
			}
		}
		sort.Strings(schema)
		sort.Strings(engine)
		sort.Strings(terms)
		return schema, engine, terms
	}

	DescribeTable("gives the top level's findings, from its placement's root",
		func(patient string, inXML bool, schemaCode, engineCode string, termCode ...string) {
			var want struct{ schema, engine, terms []string }
			for _, pl := range placements {
				doc := pl.doc(patient)
				var tree map[string]any
				d := json.NewDecoder(strings.NewReader(doc))
				d.UseNumber()
				Expect(d.Decode(&tree)).To(Succeed(), pl.name)
				type form struct {
					name  string
					data  string
					apart bool
				}
				forms := []form{{"r.json", doc, false}, {"r.ndjson", doc + "\n", false}}
				if strings.HasPrefix(doc, `{"resourceType":"Bundle"`) {
					forms = append(forms, form{"r.json", doc, true})
				}
				if inXML {
					x, err := fhirxml.Encode(tree)
					Expect(err).NotTo(HaveOccurred(), pl.name)
					forms = append(forms, form{"r.xml", string(x), false})
					if strings.HasPrefix(doc, `{"resourceType":"Bundle"`) {
						forms = append(forms, form{"r.xml", string(x), true})
					}
				}
				for _, f := range forms {
					schema, engine, terms := findings(f.name, f.data, f.apart, pl.root)
					if want.schema == nil && want.engine == nil && want.terms == nil {
						want.schema, want.engine, want.terms = schema, engine, terms
						if len(termCode) == 0 {
							Expect(terms).To(BeEmpty(), "the terminology suite at the top level")
						} else {
							Expect(terms).To(ContainElement(ContainSubstring(" "+termCode[0]+" ")), "the terminology suite at the top level")
						}
						for suite, c := range map[string]struct {
							got  []string
							code string
						}{"schema": {schema, schemaCode}, "engine": {engine, engineCode}} {
							if c.code == "" {
								Expect(c.got).To(BeEmpty(), "the %s at the top level", suite)
							} else {
								Expect(c.got).To(ContainElement(ContainSubstring(" "+c.code+" ")), "the %s at the top level", suite)
							}
						}
						continue
					}
					what := pl.name + ", " + f.name
					if f.apart {
						what += " read apart"
					}
					Expect(schema).To(Equal(want.schema), "the schema check, %s: %s", what, f.data)
					Expect(engine).To(Equal(want.engine), "the profile engine, %s: %s", what, f.data)
					Expect(terms).To(Equal(want.terms), "the terminology suite, %s: %s", what, f.data)
				}
			}
		},
		Entry("no defect", `{"resourceType":"Patient","id":"p","active":true,"birthDate":"1980-01-01"}`, true, "", ""),
		Entry("an unknown element", `{"resourceType":"Patient","id":"p","active":true,"bogus":"1"}`, true, "structure.unknown-element", "profile.unknown-element"),
		Entry("an unknown element inside a data type", `{"resourceType":"Patient","id":"p","name":[{"family":"X","bogus":"1"}]}`, true, "structure.unknown-element", "profile.unknown-element"),
		Entry("a value of the wrong JSON type", `{"resourceType":"Patient","id":"p","active":"yes"}`, false, "structure.type", "profile.format"),
		Entry("a list where one value belongs", `{"resourceType":"Patient","id":"p","birthDate":["1980-01-01"]}`, false, "structure.type", "profile.cardinality"),
		Entry("an empty list", `{"resourceType":"Patient","id":"p","name":[]}`, false, "", "profile.cardinality"),
		Entry("a required element missing", `{"resourceType":"Patient","id":"p","link":[{"type":"seealso"}]}`, true, "structure.required", "profile.cardinality"),
		Entry("a primitive not in its format", `{"resourceType":"Patient","id":"p","birthDate":"1980-13-45"}`, true, "structure.format", "profile.format"),
		Entry("a code not among the required ones", `{"resourceType":"Patient","id":"p","gender":"bloke"}`, true, "structure.code", "profile.binding"),
		Entry("a companion that is not an object", `{"resourceType":"Patient","id":"p","birthDate":"1980-01-01","_birthDate":"x"}`, false, "structure.type", "profile.type"),
		Entry("a companion list where one belongs", `{"resourceType":"Patient","id":"p","birthDate":"1980-01-01","_birthDate":[{"id":"b"}]}`, false, "structure.type", "profile.cardinality"),
		Entry("a companion holding an unknown element", `{"resourceType":"Patient","id":"p","birthDate":"1980-01-01","_birthDate":{"bogus":"1"}}`, true, "structure.unknown-element", "profile.unknown-element"),
		Entry("a companion of a list's item that is not an object", `{"resourceType":"Patient","id":"p","name":[{"given":["A","B"],"_given":[null,"x"]}]}`, false, "structure.type", "profile.type"),
		Entry("an extension without its url", `{"resourceType":"Patient","id":"p","extension":[{"valueString":"x"}]}`, true, "", "profile.cardinality"),
		Entry("a data type given as a string", `{"resourceType":"Patient","id":"p","maritalStatus":"M"}`, false, "structure.type", "profile.type"),
		Entry("a backbone element given as a list of strings", `{"resourceType":"Patient","id":"p","contact":["x"]}`, false, "structure.type", "profile.type"),
		Entry("an extension on a companion with neither a value nor extensions", `{"resourceType":"Patient","id":"p","birthDate":"1980-01-01","_birthDate":{"extension":[{"url":"http://example.org/x"}]}}`, true, "", "profile.invariant"),
		Entry("an extension on a list item's companion with neither a value nor extensions", `{"resourceType":"Patient","id":"p","name":[{"given":["A","B"],"_given":[null,{"extension":[{"url":"http://example.org/x"}]}]}]}`, true, "", "profile.invariant"),
		Entry("a code its code system does not have", `{"resourceType":"Patient","id":"p","maritalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-MaritalStatus","code":"ZZ"}]}}`, true, "", "profile.binding", "terminology.unknown-code"),
		Entry("a companion of an element that is not primitive", `{"resourceType":"Patient","id":"p","name":[{"family":"X"}],"_name":[{"id":"n"}]}`, false, "structure.unknown-element", "profile.unknown-element"),
		Entry("a companion of an element R4 does not define", `{"resourceType":"Patient","id":"p","_bogus":{"id":"b"}}`, false, "structure.unknown-element", "profile.unknown-element"),
		Entry("a companion list longer than its values", `{"resourceType":"Patient","id":"p","name":[{"given":["A"],"_given":[null,{"id":"g"}]}]}`, false, "", "profile.cardinality"),
		Entry("an extension with an unknown element", `{"resourceType":"Patient","id":"p","extension":[{"url":"http://example.org/x","valueString":"x","bogus":"1"}]}`, true, "structure.unknown-element", "profile.unknown-element"),
	)
})

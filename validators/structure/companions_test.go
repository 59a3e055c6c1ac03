package structure_test

import (
	"encoding/json"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/fhirxml"
)

// R4 JSON gives every element of a primitive type a companion, its name
// with a leading underscore, holding the element's id and extensions (a
// list's companion a list of the same length, null where an item has none).
// The published schema leaves the companion out for every element of type
// canonical; the R4 specification's own examples use it (the
// _baseDefinition of 29 core resource definitions, _profile on a profile's
// type). Each placement a resource can take, in JSON, NDJSON and XML, reads
// it as R4 does; a companion of the wrong shape, or of an element that does
// not exist, is still refused.
var _ = Describe("a canonical element's id and extensions (its _companion)", func() {
	// not Ordered: each case must fail or pass on its own
	var runs *twoRuns
	BeforeEach(func() {
		if runs == nil {
			runs = newTwoRuns()
		}
	})

	const (
		sd = `{"resourceType":"StructureDefinition","id":"x","url":"http://example.org/sd","name":"X","status":"draft","kind":"resource","abstract":false,"type":"Patient",` +
			`"baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient",%s"derivation":"constraint",` +
			`"differential":{"element":[{"id":"Patient.link.other","path":"Patient.link.other","type":[{"code":"Reference","targetProfile":["http://hl7.org/fhir/StructureDefinition/Patient","http://hl7.org/fhir/StructureDefinition/RelatedPerson"]%s}]}]}}`
		ext = `{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/structuredefinition-codegen-super","valueString":"MetadataResource"}]}`
	)
	definition := func(base, target string) string {
		return strings.Replace(strings.Replace(sd, "%s", base, 1), "%s", target, 1)
	}
	patient := func(profile string) string {
		return `{"resourceType":"Patient","id":"p","meta":{"profile":["http://example.org/a","http://example.org/b"]` + profile + `},"active":true}`
	}
	// placements of a resource: itself, contained, a Bundle's entry (a
	// record of its own), a parameter's resource, an entry of a Bundle held
	// in a parameter (no record: the Parameters holds it).
	placements := map[string]func(string) string{
		"resource": func(r string) string { return r },
		"contained": func(r string) string {
			return `{"resourceType":"List","id":"l","status":"current","mode":"working","contained":[` + r + `]}`
		},
		"Bundle entry": func(r string) string {
			return `{"resourceType":"Bundle","id":"b","type":"collection","entry":[{"fullUrl":"urn:uuid:8a5c0b3e-2f55-4c1e-9a39-3f1f2c4b5d60","resource":` + r + `}]}`
		},
		"parameter's resource": func(r string) string {
			return `{"resourceType":"Parameters","id":"q","parameter":[{"name":"r","resource":` + r + `}]}`
		},
		"Bundle in a parameter": func(r string) string {
			return `{"resourceType":"Parameters","id":"q","parameter":[{"name":"b","resource":{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:8a5c0b3e-2f55-4c1e-9a39-3f1f2c4b5d60","resource":` + r + `}]}}]}`
		},
	}

	// want is each finding as code and the path's last step (without the
	// underscore, which paths give in some placements only), over every
	// record of the document, in each format and placement (XML only where
	// it can carry the case: it has no underscore names of its own).
	DescribeTable("is judged as R4 JSON has it, in every format and placement",
		func(resource string, inXML bool, want ...string) {
			for where, place := range placements {
				doc := place(resource)
				var tree map[string]any
				d := json.NewDecoder(strings.NewReader(doc))
				d.UseNumber()
				Expect(d.Decode(&tree)).To(Succeed(), where)
				forms := map[string]string{"r.json": doc, "r.ndjson": doc + "\n"}
				if inXML {
					x, err := fhirxml.Encode(tree)
					Expect(err).NotTo(HaveOccurred(), where)
					forms["r.xml"] = string(x)
				}
				if len(want) > 0 && where == "Bundle in a parameter" {
					// the schema check does not walk the entries of a Bundle
					// held in a parameter (the profile engine reports them)
					continue
				}
				for name, data := range forms {
					var got []string
					for _, rec := range records(name, data) {
						for _, f := range runs.alone.NewState().Observe(rec) {
							got = append(got, f.Code+" "+strings.TrimPrefix(f.Path[strings.LastIndex(f.Path, ".")+1:], "_"))
						}
						runs.compare(rec, where+" "+name)
					}
					Expect(got).To(ConsistOf(want), "%s, %s: %s", where, name, data)
				}
			}
		},
		Entry("a single canonical with extensions (StructureDefinition.baseDefinition)",
			definition(`"_baseDefinition":`+ext+`,`, ""), true),
		Entry("a single canonical with an id only",
			definition(`"_baseDefinition":{"id":"b1"},`, ""), true),
		Entry("a repeating canonical in a data type, its second item extended (ElementDefinition.type.targetProfile)",
			definition("", `,"_targetProfile":[null,`+ext+`]`), true),
		Entry("a repeating canonical of every resource, its first item extended (Meta.profile)",
			patient(`,"_profile":[`+ext+`,null]`), true),
		Entry("a companion holding an element an Element does not have: refused",
			definition(`"_baseDefinition":{"bogus":1},`, ""), false, "structure.unknown-element bogus"),
		Entry("a companion of an element R4 does not define: refused",
			patient(`,"_bogus":{"id":"b"}`), false, "structure.unknown-element bogus"),
	)
})

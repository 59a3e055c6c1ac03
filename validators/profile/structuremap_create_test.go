package profile_test

import (
	"encoding/json"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// A target with no context makes its variable with create('Type'): the
// type is named as an input's is, by the alias of a structure the map
// declares or as a FHIR type (the mapping language; the reference
// validator's StructureMapValidator reports a variable of unknown type).
var _ = Describe("StructureMap create() of a target variable names a type", func() {
	e := newEngine()
	// makeGP creates the variable gp from a Patient source and writes its
	// name; structure is the map's extra structure declarations.
	makeGP := func(structure, create, element string) map[string]any {
		src := `{"resourceType": "StructureMap", "id": "make-gp", "url": "http://example.org/fhir/StructureMap/make-gp", "name": "MakeGP", "status": "draft",
		 "structure": [{"url": "http://hl7.org/fhir/StructureDefinition/Patient", "mode": "source", "alias": "Src"}` + structure + `],
		 "group": [{"name": "makeGP", "typeMode": "none", "input": [{"name": "src", "type": "Src", "mode": "source"}],
		  "rule": [{"name": "gp", "source": [{"context": "src", "element": "name", "variable": "n"}],
		    "target": [{"variable": "gp", "transform": "create", "parameter": [` + create + `]},
		               {"context": "gp", "contextType": "variable", "element": "` + element + `", "transform": "copy", "parameter": [{"valueId": "n"}]}]}]}]}`
		var m map[string]any
		Expect(json.Unmarshal([]byte(src), &m)).To(Succeed())
		return m
	}
	// errorsIn validates the map alone and as a Bundle entry, in JSON and
	// XML, and returns each placement's StructureMap error paths, from the
	// map.
	errorsIn := func(sm map[string]any) map[string][]string {
		out := map[string][]string{}
		for name, doc := range documentsOf(sm, "http://example.org/fhir/StructureMap/make-gp") {
			paths := []string{}
			for _, path := range pathsOf(findingsFor(e, name, doc, "StructureMap"), model.Error, profile.CodeStructureMap) {
				paths = append(paths, strings.TrimPrefix(path, "Bundle.entry[0].resource."))
			}
			out[name] = paths
		}
		return out
	}
	const target = "StructureMap.group[0].rule[0].target"
	const gpTarget = `, {"url": "http://hl7.org/fhir/StructureDefinition/Practitioner", "mode": "target", "alias": "GP"}`

	DescribeTable("in JSON and XML, alone and as a Bundle entry",
		func(structure, create, element string, want []string) {
			got := errorsIn(makeGP(structure, create, element))
			Expect(got).To(HaveLen(4))
			for name, paths := range got {
				Expect(paths).To(ConsistOf(want), name)
			}
		},
		Entry("a resource type", "", `{"valueString": "Practitioner"}`, "name", nil),
		Entry("a resource type written as an id", "", `{"valueId": "Practitioner"}`, "name", nil),
		Entry("a datatype", "", `{"valueString": "HumanName"}`, "family", nil),
		Entry("the alias of a structure the map declares", gpTarget, `{"valueString": "GP"}`, "name", nil),
		Entry("a core type's URL", "", `{"valueString": "http://hl7.org/fhir/StructureDefinition/Practitioner"}`, "name", nil),
		Entry("a URL outside FHIR's core carecert does not hold: not judged", "", `{"valueString": "http://example.org/fhir/StructureDefinition/gp"}`, "name", nil),

		Entry("a misspelled resource type", "", `{"valueString": "Practitioneer"}`, "name", []string{target + "[0].parameter[0]"}),
		Entry("an alias the map does not declare", "", `{"valueString": "GP"}`, "name", []string{target + "[0].parameter[0]"}),
		Entry("a core URL that names no type", "", `{"valueString": "http://hl7.org/fhir/StructureDefinition/Practitioneer"}`, "name", []string{target + "[0].parameter[0]"}),
		// the created variable has the type named, so what is written to it
		// is judged against that type, through an alias too
		Entry("an element the created type lacks", "", `{"valueString": "Practitioner"}`, "nmae", []string{target + "[1].element"}),
		Entry("an element the aliased type lacks", gpTarget, `{"valueString": "GP"}`, "nmae", []string{target + "[1].element"}),
	)

	It("says which type and where", func() {
		var msgs []string
		for _, f := range e.ValidateRecord(lineRecord(line(makeGP("", `{"valueString": "Practitioneer"}`, "name")), 0), "", &profile.Sink{}) {
			if f.Severity == model.Error {
				msgs = append(msgs, f.Path+": "+f.Message)
			}
		}
		Expect(msgs).To(ConsistOf(And(HavePrefix(target+"[0].parameter[0]: "), ContainSubstring(`"Practitioneer"`),
			ContainSubstring("neither the alias of a structure the map declares nor a FHIR type"))))
	})
})

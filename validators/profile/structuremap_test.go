package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// patientToPerson is a map from Patient to Person in two groups: names go
// through a dependent group on HumanName, gender is copied.
const patientToPerson = `{"resourceType": "StructureMap", "url": "http://example.org/fhir/StructureMap/pat", "name": "PatMap", "status": "draft",
 "structure": [{"url": "http://hl7.org/fhir/StructureDefinition/Patient", "mode": "source", "alias": "Src"},
               {"url": "http://hl7.org/fhir/StructureDefinition/Person", "mode": "target", "alias": "Tgt"}],
 "group": [
  {"name": "PatToPerson", "typeMode": "none", "input": [{"name": "src", "type": "Src", "mode": "source"}, {"name": "tgt", "type": "Tgt", "mode": "target"}],
   "rule": [
    {"name": "name", "source": [{"context": "src", "element": "name", "variable": "n"}],
     "target": [{"context": "tgt", "contextType": "variable", "element": "name", "variable": "tn"}],
     "dependent": [{"name": "NameToName", "variable": ["n", "tn"]}]},
    {"name": "gender", "source": [{"context": "src", "element": "gender", "variable": "g"}],
     "target": [{"context": "tgt", "contextType": "variable", "element": "gender", "transform": "copy", "parameter": [{"valueId": "g"}]}]}]},
  {"name": "NameToName", "typeMode": "none", "input": [{"name": "src", "type": "HumanName", "mode": "source"}, {"name": "tgt", "type": "HumanName", "mode": "target"}],
   "rule": [{"name": "family", "source": [{"context": "src", "element": "family", "variable": "f"}],
     "target": [{"context": "tgt", "contextType": "variable", "element": "family", "transform": "copy", "parameter": [{"valueId": "f"}]}]}]}]}`

// withOneChange replaces the first from in a map with to ("" leaves it as
// written); from must be there, so that a case cannot pass by changing
// nothing.
func withOneChange(src, from, to string) string {
	if from == "" {
		return src
	}
	Expect(src).To(ContainSubstring(from))
	return strings.Replace(src, from, to, 1)
}

var _ = Describe("StructureMap: names, variables, paths, transforms and dependent groups", func() {
	e := newEngine()
	errorsOf := func(fs []model.Finding) []string {
		return pathsOf(fs, model.Error, profile.CodeStructureMap)
	}
	const g0, g1 = "StructureMap.group[0]", "StructureMap.group[1]"
	DescribeTable("the map with one change",
		func(from, to string, want []string) {
			Expect(errorsOf(validate(e, withOneChange(patientToPerson, from, to)))).To(ConsistOf(want))
		},
		Entry("as written", "", "", nil),
		Entry("a group name that is no identifier", `"name": "PatToPerson"`, `"name": "Pat-To-Person"`, []string{g0 + ".name"}),
		Entry("two groups of one name (and the dependent group gone)", `"name": "NameToName", "typeMode"`, `"name": "PatToPerson", "typeMode"`,
			[]string{g1 + ".name", g0 + ".rule[0].dependent[0].name"}),
		Entry("two inputs of one name", `{"name": "tgt", "type": "Tgt"`, `{"name": "src", "type": "Tgt"`,
			[]string{g0 + ".input[1].name", g0 + ".rule[0].target[0].context", g0 + ".rule[1].target[0].context", g0 + ".rule[0].dependent[0].variable[1]"}),
		Entry("a target input typed with a source structure", `{"name": "tgt", "type": "Tgt"`, `{"name": "tgt", "type": "Src"`, []string{g0 + ".input[1].mode"}),
		Entry("an input type that is neither a structure nor a type", `"type": "Src"`, `"type": "Patiant"`, []string{g0 + ".input[0].type"}),
		Entry("a source context that is no variable", `"context": "src", "element": "gender"`, `"context": "source", "element": "gender"`,
			[]string{g0 + ".rule[1].source[0].context"}),
		Entry("a target context that is a source variable", `"context": "tgt", "contextType": "variable", "element": "gender"`,
			`"context": "src", "contextType": "variable", "element": "gender"`, []string{g0 + ".rule[1].target[0].context"}),
		Entry("a source element the type does not have", `"context": "src", "element": "gender"`, `"context": "src", "element": "sex"`,
			[]string{g0 + ".rule[1].source[0].element"}),
		Entry("a target element the type does not have", `"contextType": "variable", "element": "gender"`, `"contextType": "variable", "element": "sex"`,
			[]string{g0 + ".rule[1].target[0].element"}),
		Entry("an element a datatype does not have", `"element": "family", "variable": "f"`, `"element": "surname", "variable": "f"`,
			[]string{g1 + ".rule[0].source[0].element"}),
		Entry("a choice read as one of its types", `"context": "src", "element": "gender"`, `"context": "src", "element": "deceased", "type": "boolean"`, nil),
		Entry("a choice read as a type it does not allow", `"context": "src", "element": "gender"`, `"context": "src", "element": "deceased", "type": "string"`,
			[]string{g0 + ".rule[1].source[0].type"}),
		Entry("a primitive read as its own type", `"element": "gender", "variable": "g"`, `"element": "gender", "type": "code", "variable": "g"`, nil),
		Entry("a primitive read as a type it cannot be", `"element": "gender", "variable": "g"`, `"element": "gender", "type": "boolean", "variable": "g"`,
			[]string{g0 + ".rule[1].source[0].type"}),
		Entry("a string read as a code, a type derived from it", `"element": "family", "variable": "f"`, `"element": "family", "type": "code", "variable": "f"`, nil),
		Entry("a complex type read as its own type", `"element": "name", "variable": "n"`, `"element": "name", "type": "HumanName", "variable": "n"`, nil),
		Entry("a complex type read as another", `"element": "name", "variable": "n"`, `"element": "name", "type": "Address", "variable": "n"`,
			[]string{g0 + ".rule[0].source[0].type"}),
		Entry("a type name no definition has", `"element": "gender", "variable": "g"`, `"element": "gender", "type": "Sex", "variable": "g"`,
			[]string{g0 + ".rule[1].source[0].type"}),
		Entry("a type given by a URL carecert does not hold", `"element": "gender", "variable": "g"`,
			`"element": "gender", "type": "http://example.org/fhir/StructureDefinition/Sex", "variable": "g"`, nil),
		Entry("a choice read by its typed name as that type", `"context": "src", "element": "gender"`, `"context": "src", "element": "deceasedBoolean", "type": "boolean"`, nil),
		Entry("a choice read by its typed name as another type", `"context": "src", "element": "gender"`, `"context": "src", "element": "deceasedBoolean", "type": "dateTime"`,
			[]string{g0 + ".rule[1].source[0].type"}),
		Entry("copy given two parameters", `"parameter": [{"valueId": "g"}]`, `"parameter": [{"valueId": "g"}, {"valueId": "g"}]`,
			[]string{g0 + ".rule[1].target[0].transform"}),
		Entry("evaluate given none", `"transform": "copy", "parameter": [{"valueId": "g"}]`, `"transform": "evaluate"`,
			[]string{g0 + ".rule[1].target[0].transform"}),
		Entry("a dependent group the map does not have", `"name": "NameToName", "variable"`, `"name": "NameToNames", "variable"`,
			[]string{g0 + ".rule[0].dependent[0].name"}),
		Entry("a dependent group the map may import", `"name": "PatMap",`, `"name": "PatMap", "import": ["http://example.org/fhir/StructureMap/names"],`, nil),
		Entry("a dependent group given too few variables", `["n", "tn"]`, `["n"]`, []string{g0 + ".rule[0].dependent[0]"}),
		Entry("a dependent group given a variable not in scope", `["n", "tn"]`, `["n", "x"]`, []string{g0 + ".rule[0].dependent[0].variable[1]"}),
		Entry("a rule name that is no identifier", `"name": "gender", "source"`, `"name": "gender-rule", "source"`, []string{g0 + ".rule[1].name"}),
	)

	It("judges no path on an input whose structure carecert does not hold", func() {
		src := strings.Replace(patientToPerson, "http://hl7.org/fhir/StructureDefinition/Patient", "http://example.org/fhir/StructureDefinition/LegacyPatient", 1)
		Expect(errorsOf(validate(e, strings.Replace(src, `"element": "gender"`, `"element": "sex"`, 1)))).To(BeEmpty())
	})

	It("gives the same verdict on a map written in XML", func() {
		const xml = `<StructureMap xmlns="http://hl7.org/fhir">
  <url value="http://example.org/fhir/StructureMap/pat"/><name value="PatMap"/><status value="draft"/>
  <group><name value="Copy"/><typeMode value="none"/>
    <input><name value="src"/><type value="Patient"/><mode value="source"/></input>
    <input><name value="tgt"/><type value="Person"/><mode value="target"/></input>
    <rule><name value="gender"/><source><context value="%s"/><element value="gender"/><variable value="g"/></source>
      <target><context value="tgt"/><contextType value="variable"/><element value="gender"/><transform value="copy"/><parameter><valueId value="g"/></parameter></target></rule>
  </group>
</StructureMap>`
		Expect(errorsOf(validateXML(e, strings.Replace(xml, "%s", "src", 1)))).To(BeEmpty())
		Expect(errorsOf(validateXML(e, strings.Replace(xml, "%s", "source", 1)))).To(ConsistOf("StructureMap.group[0].rule[0].source[0].context"))
	})
})

// toBundle is a map from Patient into a Bundle: one entry's resource is
// created, its gender evaluated, its marital status translated.
const toBundle = `{"resourceType": "StructureMap", "url": "http://example.org/fhir/StructureMap/tb", "name": "ToBundle", "status": "draft",
 "group": [{"name": "PatToBundle", "typeMode": "none", "input": [{"name": "src", "type": "Patient", "mode": "source"}, {"name": "tgt", "type": "Bundle", "mode": "target"}],
   "rule": [{"name": "entry", "source": [{"context": "src"}], "target": [{"context": "tgt", "contextType": "variable", "element": "entry", "variable": "e"}],
     "rule": [{"name": "res", "source": [{"context": "src"}],
       "target": [{"context": "e", "contextType": "variable", "element": "resource", "variable": "r", "transform": "create", "parameter": [{"valueString": "Patient"}]}]}]},
    {"name": "type", "source": [{"context": "src", "element": "gender", "variable": "g"}],
     "target": [{"context": "tgt", "contextType": "variable", "element": "type", "transform": "evaluate", "parameter": [{"valueString": "'collection'"}]}]},
    {"name": "lang", "source": [{"context": "src", "element": "language", "variable": "l"}],
     "target": [{"context": "tgt", "contextType": "variable", "element": "language", "transform": "translate",
       "parameter": [{"valueId": "l"}, {"valueString": "http://example.org/fhir/ConceptMap/lang"}, {"valueString": "code"}]}]}]}]}`

var _ = Describe("StructureMap transforms' parameters: evaluate's expression, translate's output, create() in a resource slot", func() {
	e := newEngine()
	const g0 = "StructureMap.group[0]"
	DescribeTable("the map with one change",
		func(from, to string, want []string) {
			Expect(pathsOf(validate(e, withOneChange(toBundle, from, to)), model.Error, profile.CodeStructureMap)).To(ConsistOf(want))
		},
		Entry("as written", "", "", nil),
		Entry("an expression that does not parse", `"'collection'"`, `"'collection"`, []string{g0 + ".rule[1].target[0].parameter[0].valueString"}),
		Entry("an expression with an unclosed call", `"'collection'"`, `"iif(true, 'collection'"`, []string{g0 + ".rule[1].target[0].parameter[0].valueString"}),
		Entry("a longer expression that parses", `"'collection'"`, `"iif(%src.active, 'collection', 'document')"`, nil),
		Entry("translate to a Coding", `{"valueString": "code"}`, `{"valueString": "Coding"}`, nil),
		Entry("translate to CodeableConcept, written as an id", `{"valueString": "code"}`, `{"valueId": "CodeableConcept"}`, nil),
		Entry("translate to an output it does not have", `{"valueString": "code"}`, `{"valueString": "text"}`, []string{g0 + ".rule[2].target[0].parameter[2]"}),
		Entry("translate to an output spelled in another case", `{"valueString": "code"}`, `{"valueString": "coding"}`, []string{g0 + ".rule[2].target[0].parameter[2]"}),
		Entry("create() of another resource type", `{"valueString": "Patient"}`, `{"valueString": "Observation"}`, nil),
		Entry("create() of a misspelled type", `{"valueString": "Patient"}`, `{"valueString": "Patinet"}`, []string{g0 + ".rule[0].rule[0].target[0].parameter[0]"}),
		Entry("create() of a datatype where a resource goes", `{"valueString": "Patient"}`, `{"valueString": "HumanName"}`, []string{g0 + ".rule[0].rule[0].target[0].parameter[0]"}),
	)
})

var _ = Describe("StructureMap dependent rules: a variable passed to a group fits its input's type", func() {
	e := newEngine()
	passing := func(inputType string) []string {
		src := `{"resourceType": "StructureMap", "url": "http://example.org/fhir/StructureMap/dep", "name": "DepMap", "status": "draft",
		 "group": [
		  {"name": "Main", "typeMode": "none", "input": [{"name": "src", "type": "Patient", "mode": "source"}, {"name": "tgt", "type": "Bundle", "mode": "target"}],
		   "rule": [{"name": "all", "source": [{"context": "src", "variable": "s"}], "dependent": [{"name": "Sub", "variable": ["s", "tgt"]}]}]},
		  {"name": "Sub", "typeMode": "none", "input": [{"name": "p", "type": "` + inputType + `", "mode": "source"}, {"name": "b", "type": "Bundle", "mode": "target"}]}]}`
		return pathsOf(validate(e, src), model.Error, profile.CodeStructureMap)
	}
	DescribeTable("a Patient variable passed to an input of type",
		func(inputType string, want []string) { Expect(passing(inputType)).To(ConsistOf(want)) },
		Entry("Patient", "Patient", nil),
		Entry("DomainResource, which Patient derives from", "DomainResource", nil),
		Entry("Resource", "Resource", nil),
		Entry("Bundle", "Bundle", []string{"StructureMap.group[0].rule[0].dependent[0].variable[0]"}),
		Entry("Observation", "Observation", []string{"StructureMap.group[0].rule[0].dependent[0].variable[0]"}),
	)
})

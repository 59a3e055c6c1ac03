package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// genderMap translates a Patient's gender to a Person's through a contained
// ConceptMap that maps every administrative gender to itself; its names rule
// reads a repeating element, so it runs as a list; its family rule
// evaluates an expression on a name; its default rule copies a name through
// the map's default group for HumanName.
const genderMap = `{"resourceType": "StructureMap", "url": "http://example.org/fhir/StructureMap/gender", "name": "GenderMap", "status": "draft",
 "contained": [{"resourceType": "ConceptMap", "id": "gm", "status": "draft", "group": [{"source": "http://hl7.org/fhir/administrative-gender", "target": "http://hl7.org/fhir/administrative-gender",
   "element": [{"code": "male", "target": [{"code": "male", "equivalence": "equal"}]}, {"code": "female", "target": [{"code": "female", "equivalence": "equal"}]},
               {"code": "other", "target": [{"code": "other", "equivalence": "equal"}]}, {"code": "unknown", "target": [{"code": "unknown", "equivalence": "equal"}]}]}]}],
 "structure": [{"url": "http://hl7.org/fhir/StructureDefinition/Patient", "mode": "source", "alias": "Src"},
               {"url": "http://hl7.org/fhir/StructureDefinition/Person", "mode": "target", "alias": "Tgt"}],
 "group": [
  {"name": "PatToPerson", "typeMode": "none", "input": [{"name": "src", "type": "Src", "mode": "source"}, {"name": "tgt", "type": "Tgt", "mode": "target"}],
   "rule": [
    {"name": "gender", "source": [{"context": "src", "element": "gender", "variable": "g"}],
     "target": [{"context": "tgt", "contextType": "variable", "element": "gender", "transform": "translate", "parameter": [{"valueId": "g"}, {"valueString": "#gm"}, {"valueString": "code"}]}]},
    {"name": "names", "source": [{"context": "src", "element": "name", "variable": "n"}],
     "target": [{"context": "tgt", "contextType": "variable", "element": "name", "variable": "tn", "listMode": ["first"]}],
     "rule": [{"name": "family", "source": [{"context": "n", "variable": "nn"}],
       "target": [{"context": "tn", "contextType": "variable", "element": "family", "transform": "evaluate", "parameter": [{"valueString": "nn.family.upper()"}]}]}]},
    {"name": "aliases", "source": [{"context": "src", "element": "name", "variable": "vvv"}],
     "target": [{"context": "tgt", "contextType": "variable", "element": "name", "variable": "vvv"}],
     "dependent": [{"name": "DefaultMappingGroupAnonymousAlias", "variable": ["vvv", "vvv"]}]}]},
  {"name": "NameToName", "typeMode": "types", "input": [{"name": "src", "type": "HumanName", "mode": "source"}, {"name": "tgt", "type": "HumanName", "mode": "target"}],
   "rule": [{"name": "text", "source": [{"context": "src", "element": "text", "variable": "t"}],
     "target": [{"context": "tgt", "contextType": "variable", "element": "text", "transform": "copy", "parameter": [{"valueId": "t"}]}]}]}]}`

var _ = Describe("StructureMap: translate, list modes, evaluate and default groups", func() {
	e := newEngine()
	const rules = "StructureMap.group[0].rule"
	const gender = rules + "[0].target[0]"
	type sp struct {
		sev  model.Severity
		path string
	}
	findings := func(src string) []sp {
		out := []sp{}
		for _, f := range validate(e, src) {
			if f.Code == profile.CodeStructureMap {
				out = append(out, sp{f.Severity, f.Path})
			}
		}
		return out
	}
	DescribeTable("the map with one change",
		func(from, to string, want ...sp) {
			Expect(findings(withOneChange(genderMap, from, to))).To(ConsistOf(want))
		},
		Entry("as written", "", ""),
		Entry("a translate source that is no source variable", `{"valueId": "g"}, {"valueString": "#gm"}`, `{"valueId": "h"}, {"valueString": "#gm"}`,
			sp{model.Error, gender + ".parameter[0]"}),
		Entry("a translate source with no value", `{"valueId": "g"}, {"valueString": "#gm"}`, `{"id": "s"}, {"valueString": "#gm"}`,
			sp{model.Error, gender + ".parameter[0]"}),
		Entry("a contained ConceptMap that is not there", `"#gm"`, `"#gx"`, sp{model.Error, gender + ".parameter[1]"}),
		Entry("a source code the ConceptMap leaves unmapped", `{"code": "unknown", "target"`, `{"code": "unknowable", "target"`,
			sp{model.Warning, gender + ".parameter[1]"}),
		Entry("a target code the target element's value set lacks", `"target": [{"code": "other", "equivalence"`, `"target": [{"code": "diverse", "equivalence"`,
			sp{model.Warning, gender + ".parameter[1]"}),
		Entry("a source element without a required binding", `"element": "gender", "variable": "g"`, `"element": "maritalStatus", "variable": "g"`,
			sp{model.Warning, gender + ".parameter[1]"}),
		Entry("a list mode on a rule that runs once", `"element": "gender", "transform"`, `"element": "gender", "listMode": ["last"], "transform"`,
			sp{model.Warning, gender + ".listMode"}),
		Entry("a listRuleId without the share mode", `"listMode": ["first"]`, `"listMode": ["first"], "listRuleId": "names"`,
			sp{model.Warning, rules + "[1].target[0].listRuleId"}),
		Entry("a listRuleId with the share mode", `"listMode": ["first"]`, `"listMode": ["share"], "listRuleId": "names"`),
		Entry("a list mode on a source limited to one value", `"element": "name", "variable": "n"`, `"element": "name", "variable": "n", "max": "1"`,
			sp{model.Warning, rules + "[1].target[0].listMode"}),
		Entry("an evaluate path the type has", `nn.family.upper()`, `nn.given.first().upper()`),
		Entry("an evaluate path the type lacks", `nn.family.upper()`, `nn.surname.upper()`,
			sp{model.Error, rules + "[1].rule[0].target[0].parameter[0].valueString"}),
		Entry("no default group for the variables' types", `"typeMode": "types"`, `"typeMode": "none"`,
			sp{model.Error, rules + "[2].dependent[0].name"}),
		Entry("a default group the map may import", `"name": "GenderMap",`, `"name": "GenderMap", "import": ["http://example.org/fhir/StructureMap/names"],`),
	)

	It("says, as information, that a ConceptMap it does not hold leaves the bindings not judged", func() {
		src := withOneChange(genderMap, `"#gm"`, `"http://example.org/fhir/ConceptMap/elsewhere"`)
		var got []model.Finding
		for _, f := range e.ValidateRecord(record(src), "", nil) {
			if f.Code == profile.CodeStructureMap {
				got = append(got, f)
			}
		}
		Expect(got).To(ConsistOf(at(model.Information, profile.CodeStructureMap, gender+".parameter[1]")))
	})

	It("reads a translate in XML the same way", func() {
		xml := `<StructureMap xmlns="http://hl7.org/fhir"><url value="http://example.org/fhir/StructureMap/x"/><name value="X"/><status value="draft"/>
			<group><name value="G"/><typeMode value="none"/><input><name value="src"/><type value="Patient"/><mode value="source"/></input>
			<input><name value="tgt"/><type value="Person"/><mode value="target"/></input>
			<rule><name value="gender"/><source><context value="src"/><element value="gender"/><variable value="g"/></source>
			<target><context value="tgt"/><contextType value="variable"/><element value="gender"/><transform value="translate"/>
			<parameter><valueId value="q"/></parameter><parameter><valueString value="#none"/></parameter><parameter><valueString value="code"/></parameter></target></rule></group></StructureMap>`
		Expect(pathsOf(validateXML(e, xml), model.Error, profile.CodeStructureMap)).To(ConsistOf("StructureMap.group[0].rule[0].target[0].parameter[0]"))
	})
})

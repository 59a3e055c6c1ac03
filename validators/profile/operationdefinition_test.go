package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// validateXML returns the error and warning findings of a resource written
// in XML.
func validateXML(e *profile.Engine, src string) []model.Finding {
	m, err := fhirxml.Decode([]byte(src))
	Expect(err).NotTo(HaveOccurred(), src)
	var out []model.Finding
	for _, f := range e.ValidateRecord(&model.Record{Kind: model.KindFHIR, Source: "spec.xml", Line: 1, Type: fhir.ResourceType(m), Value: m}, "", nil) {
		if f.Severity > model.Information {
			out = append(out, f)
		}
	}
	return out
}

// sevPath is a finding's severity and path.
type sevPath struct {
	sev  model.Severity
	path string
}

// sevPathsOf returns the severity and path of each finding of one code.
func sevPathsOf(code string, fs []model.Finding) []sevPath {
	out := []sevPath{}
	for _, f := range withCode(code, fs) {
		out = append(out, sevPath{f.Severity, f.Path})
	}
	return out
}

// opInProfile is a profile of Parameters with two named parameter slices:
// subject (one Reference to a Patient) and count (an optional integer).
var opInProfile = diffProfile("http://example.org/fhir/StructureDefinition/op-in", "Parameters",
	`{"id": "Parameters.parameter", "path": "Parameters.parameter", "slicing": {"discriminator": [{"type": "value", "path": "name"}], "rules": "closed"}}`,
	`{"id": "Parameters.parameter:subject", "path": "Parameters.parameter", "sliceName": "subject", "min": 1, "max": "1"}`,
	`{"id": "Parameters.parameter:subject.name", "path": "Parameters.parameter.name", "fixedString": "subject"}`,
	`{"id": "Parameters.parameter:subject.value[x]", "path": "Parameters.parameter.value[x]", "type": [{"code": "Reference", "targetProfile": ["http://hl7.org/fhir/StructureDefinition/Patient"]}]}`,
	`{"id": "Parameters.parameter:subject.resource", "path": "Parameters.parameter.resource", "max": "0"}`,
	`{"id": "Parameters.parameter:count", "path": "Parameters.parameter", "sliceName": "count", "min": 0, "max": "1"}`,
	`{"id": "Parameters.parameter:count.name", "path": "Parameters.parameter.name", "patternString": "count"}`,
	`{"id": "Parameters.parameter:count.value[x]", "path": "Parameters.parameter.value[x]", "type": [{"code": "integer"}]}`,
	`{"id": "Parameters.parameter:count.resource", "path": "Parameters.parameter.resource", "max": "0"}`,
)

// opUnnamedProfile has a parameter slice that fixes no name.
var opUnnamedProfile = diffProfile("http://example.org/fhir/StructureDefinition/op-unnamed", "Parameters",
	`{"id": "Parameters.parameter", "path": "Parameters.parameter", "slicing": {"discriminator": [{"type": "value", "path": "name"}], "rules": "open"}}`,
	`{"id": "Parameters.parameter:subject", "path": "Parameters.parameter", "sliceName": "subject", "min": 1, "max": "1"}`,
)

// operation writes an OperationDefinition with the given extra members
// (JSON, comma-led) and parameters.
func operation(extra, params string) string {
	return `{"resourceType": "OperationDefinition", "url": "http://example.org/fhir/OperationDefinition/op", "name": "Op", "status": "draft",
		"kind": "operation", "code": "op", "system": false, "type": true, "instance": false, "resource": ["Patient"]` + extra +
		`, "parameter": [` + params + `]}`
}

const (
	opSubject = `{"name": "subject", "use": "in", "min": 1, "max": "1", "type": "Reference", "targetProfile": ["http://hl7.org/fhir/StructureDefinition/Patient"]}`
	opCount   = `{"name": "count", "use": "in", "min": 0, "max": "1", "type": "integer"}`
	opReturn  = `{"name": "return", "use": "out", "min": 1, "max": "1", "type": "Bundle"}`
	opIn      = `, "inputProfile": "http://example.org/fhir/StructureDefinition/op-in"`
)

var _ = Describe("OperationDefinition: base chain and input/output profiles", func() {
	e := newEngine(opInProfile, opUnnamedProfile,
		map[string]any{"resourceType": "OperationDefinition", "url": "http://example.org/fhir/OperationDefinition/a", "name": "A", "status": "draft", "kind": "operation", "code": "a",
			"system": true, "type": false, "instance": false, "base": "http://example.org/fhir/OperationDefinition/b"},
		map[string]any{"resourceType": "OperationDefinition", "url": "http://example.org/fhir/OperationDefinition/b", "name": "B", "status": "draft", "kind": "operation", "code": "b",
			"system": true, "type": false, "instance": false, "base": "http://example.org/fhir/OperationDefinition/op"},
	)
	type want = sevPath
	findings := func(fs []model.Finding) []want { return sevPathsOf(profile.CodeOperationDefinition, fs) }
	DescribeTable("the operation against its profiles and its base",
		func(extra, params string, expected []want) {
			Expect(findings(validate(e, operation(extra, params)))).To(ConsistOf(expected))
		},
		Entry("parameters as the input profile has them", opIn, strings.Join([]string{opSubject, opCount, opReturn}, ","), nil),
		Entry("no profiles, nothing to compare", "", opSubject, nil),
		Entry("an input profile of another resource type",
			`, "inputProfile": "http://hl7.org/fhir/StructureDefinition/Patient"`, opSubject,
			[]want{{model.Error, "OperationDefinition.inputProfile"}}),
		Entry("an output profile that is no core definition",
			`, "outputProfile": "http://hl7.org/fhir/StructureDefinition/no-such-profile"`, opReturn,
			[]want{{model.Error, "OperationDefinition.outputProfile"}}),
		Entry("a profile carecert does not hold is not judged, and said so",
			`, "inputProfile": "http://elsewhere.example.org/fhir/StructureDefinition/op-in"`, opSubject,
			[]want{{model.Warning, "OperationDefinition.inputProfile"}}),
		Entry("a parameter's min differs from its slice's", opIn,
			strings.Join([]string{strings.Replace(opSubject, `"min": 1`, `"min": 0`, 1), opCount}, ","),
			[]want{{model.Error, "OperationDefinition.parameter[0].min"}}),
		Entry("a parameter's max differs from its slice's", opIn,
			strings.Join([]string{opSubject, strings.Replace(opCount, `"max": "1"`, `"max": "*"`, 1)}, ","),
			[]want{{model.Error, "OperationDefinition.parameter[1].max"}}),
		Entry("a parameter's type differs from its slice's (both ways)", opIn,
			strings.Join([]string{opSubject, strings.Replace(opCount, "integer", "decimal", 1)}, ","),
			[]want{{model.Error, "OperationDefinition.parameter[1]"}, {model.Error, "OperationDefinition.parameter[1]"}}),
		Entry("a target profile the slice does not allow, and the slice's it lacks", opIn,
			strings.Join([]string{strings.Replace(opSubject, "StructureDefinition/Patient", "StructureDefinition/Group", 1), opCount}, ","),
			[]want{{model.Error, "OperationDefinition.parameter[0]"}, {model.Error, "OperationDefinition.parameter[0]"}}),
		Entry("a profile's parameter the operation does not list (a warning)", opIn, opSubject,
			[]want{{model.Warning, "OperationDefinition.inputProfile"}}),
		Entry("an input parameter the profile does not define (a warning); output parameters are not its business", opIn,
			strings.Join([]string{opSubject, opCount, `{"name": "extra", "use": "in", "min": 0, "max": "1", "type": "string"}`, opReturn}, ","),
			[]want{{model.Warning, "OperationDefinition.parameter[2]"}}),
		Entry("a slice that fixes no parameter name",
			`, "inputProfile": "http://example.org/fhir/StructureDefinition/op-unnamed"`, opSubject,
			[]want{{model.Error, "OperationDefinition.inputProfile"}, {model.Warning, "OperationDefinition.parameter[0]"}}),
		Entry("a base chain that leads back to the operation",
			`, "base": "http://example.org/fhir/OperationDefinition/a"`, opSubject,
			[]want{{model.Error, "OperationDefinition.base"}}),
		Entry("an operation based on itself",
			`, "base": "http://example.org/fhir/OperationDefinition/op|1.0"`, opSubject,
			[]want{{model.Error, "OperationDefinition.base"}}),
		Entry("a base chain that ends", `, "base": "http://example.org/fhir/OperationDefinition/elsewhere"`, opSubject, nil),
	)

	It("gives the same verdict on the operation written in XML", func() {
		const xml = `<OperationDefinition xmlns="http://hl7.org/fhir">
  <url value="http://example.org/fhir/OperationDefinition/op"/><name value="Op"/><status value="draft"/><kind value="operation"/>
  <code value="op"/><resource value="Patient"/><system value="false"/><type value="true"/><instance value="false"/>
  <inputProfile value="http://example.org/fhir/StructureDefinition/op-in"/>
  <parameter><name value="subject"/><use value="in"/><min value="1"/><max value="1"/><type value="Reference"/>
    <targetProfile value="http://hl7.org/fhir/StructureDefinition/Patient"/></parameter>
  <parameter><name value="count"/><use value="in"/><min value="0"/><max value="%s"/><type value="integer"/></parameter>
</OperationDefinition>`
		Expect(findings(validateXML(e, strings.Replace(xml, "%s", "1", 1)))).To(BeEmpty())
		Expect(findings(validateXML(e, strings.Replace(xml, "%s", "2", 1)))).To(ConsistOf(want{model.Error, "OperationDefinition.parameter[1].max"}))
	})

	It("finds the core operations true to themselves", func() {
		for _, res := range coreResources("profiles-resources.json") {
			if res["resourceType"] == "OperationDefinition" {
				Expect(withCode(profile.CodeOperationDefinition, e.ValidateRecord(recordOf(res), "", nil))).To(BeEmpty(), res["url"])
			}
		}
	})
})

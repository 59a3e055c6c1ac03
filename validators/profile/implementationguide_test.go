package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// guide writes an ImplementationGuide at url with the given extensions and
// dependencies (JSON arrays' contents).
func guide(url, extensions, dependsOn string) string {
	return `{"resourceType": "ImplementationGuide", "url": "` + url + `", "name": "Guide", "status": "draft",
		"packageId": "example.fhir.guide", "fhirVersion": ["4.0.1"], "extension": [` + extensions + `], "dependsOn": [` + dependsOn + `]}`
}

const (
	hl7GuideExtensions = `{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status", "valueCode": "trial-use"},
		{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-wg", "valueCode": "fhir"},
		{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-fmm", "valueInteger": 1}`
	usCore = `{"uri": "http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core", "packageId": "hl7.fhir.us.core", "version": "3.1.1"}`
)

var _ = Describe("ImplementationGuide: dependencies and HL7 guides' metadata", func() {
	e := newEngine()
	type want = sevPath
	findings := func(fs []model.Finding) []want { return sevPathsOf(profile.CodeImplementationGuide, fs) }
	const own = "http://example.org/fhir/ImplementationGuide/guide"
	DescribeTable("a guide's dependencies",
		func(dep string, expected []want) {
			Expect(findings(validate(e, guide(own, "", dep)))).To(ConsistOf(expected))
		},
		Entry("a dependency by its guide's canonical URL, package and version", usCore, nil),
		Entry("a version in the uri that is the dependency's version",
			strings.Replace(usCore, "hl7.fhir.us.core\",", "hl7.fhir.us.core|3.1.1\",", 1), nil),
		Entry("a uri ending in '|'", strings.Replace(usCore, "hl7.fhir.us.core\",", "hl7.fhir.us.core|\",", 1),
			[]want{{model.Error, "ImplementationGuide.dependsOn[0].uri"}}),
		Entry("a version in the uri only",
			`{"uri": "http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core|3.1.1", "packageId": "hl7.fhir.us.core"}`,
			[]want{{model.Error, "ImplementationGuide.dependsOn[0].uri"}}),
		Entry("a version in the uri other than the dependency's",
			strings.Replace(usCore, "hl7.fhir.us.core\",", "hl7.fhir.us.core|4.0.0\",", 1),
			[]want{{model.Error, "ImplementationGuide.dependsOn[0].uri"}}),
		Entry("a uri that is the guide's home page, not its ImplementationGuide",
			`{"uri": "http://hl7.org/fhir/us/core", "packageId": "hl7.fhir.us.core", "version": "3.1.1"}`,
			[]want{{model.Error, "ImplementationGuide.dependsOn[0].uri"}}),
		Entry("a packageId of one part", strings.Replace(usCore, `"packageId": "hl7.fhir.us.core"`, `"packageId": "uscore"`, 1),
			[]want{{model.Error, "ImplementationGuide.dependsOn[0].packageId"}}),
		Entry("a packageId starting with a digit", strings.Replace(usCore, `"packageId": "hl7.fhir.us.core"`, `"packageId": "7hl.fhir.us.core"`, 1),
			[]want{{model.Error, "ImplementationGuide.dependsOn[0].packageId"}}),
		Entry("the second dependency is the wrong one", usCore+`, {"uri": "http://example.org/guides/other", "version": "1.0.0"}`,
			[]want{{model.Error, "ImplementationGuide.dependsOn[1].uri"}}),
	)
	DescribeTable("an HL7 guide states its status, work group and maturity",
		func(url, extensions string, expected []want) {
			Expect(findings(validate(e, guide(url, extensions, usCore)))).To(ConsistOf(expected))
		},
		Entry("an HL7 guide with all three", "http://hl7.org/fhir/uv/example/ImplementationGuide/hl7.fhir.uv.example", hl7GuideExtensions, nil),
		Entry("a guide of another publisher needs none", own, "", nil),
		Entry("an HL7 guide with none", "http://hl7.org/fhir/uv/example/ImplementationGuide/hl7.fhir.uv.example", "",
			[]want{{model.Error, "ImplementationGuide"}, {model.Error, "ImplementationGuide"}, {model.Warning, "ImplementationGuide"}}),
		Entry("an HL7 guide without its maturity", "http://hl7.org/fhir/uv/example/ImplementationGuide/hl7.fhir.uv.example",
			strings.Join(strings.Split(hl7GuideExtensions, ",\n")[:2], ",\n"), []want{{model.Warning, "ImplementationGuide"}}),
	)

	It("gives the same verdict on a guide written in XML", func() {
		const xml = `<ImplementationGuide xmlns="http://hl7.org/fhir">
  <url value="http://example.org/fhir/ImplementationGuide/guide"/><name value="Guide"/><status value="draft"/>
  <packageId value="example.fhir.guide"/><fhirVersion value="4.0.1"/>
  <dependsOn><uri value="%s"/><packageId value="hl7.fhir.us.core"/><version value="3.1.1"/></dependsOn>
</ImplementationGuide>`
		Expect(findings(validateXML(e, strings.Replace(xml, "%s", "http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core", 1)))).To(BeEmpty())
		Expect(findings(validateXML(e, strings.Replace(xml, "%s", "http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core|3.1.0", 1)))).To(
			ConsistOf(want{model.Error, "ImplementationGuide.dependsOn[0].uri"}))
	})
})

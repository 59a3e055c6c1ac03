package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("Definitions: a version without '#', a status that agrees with the standards status", func() {
	e := newEngine()
	warnings := func(fs []model.Finding) []string {
		return pathsOf(fs, model.Warning, profile.CodeCanonicalResource)
	}
	// definition writes a resource of typ with the version, status and
	// standards-status extension given ("" leaves one out).
	definition := func(typ, version, status, standards string) string {
		src := `{"resourceType": "` + typ + `", "url": "http://example.org/fhir/` + typ + `/d", "name": "D", "status": "` + status + `"`
		if version != "" {
			src += `, "version": "` + version + `"`
		}
		if standards != "" {
			src += `, "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status", "valueCode": "` + standards + `"}]`
		}
		return src + "}"
	}
	DescribeTable("on every kind of definition",
		func(typ, version, status, standards string, want []string) {
			Expect(warnings(validate(e, definition(typ, version, status, standards)))).To(ConsistOf(want))
		},
		Entry("a plain version", "ValueSet", "1.0.0", "draft", "", nil),
		Entry("a version with '#'", "ValueSet", "1.0#2", "draft", "", []string{"ValueSet.version"}),
		Entry("a NamingSystem (no url or version in R4) whose status contradicts its standards status", "NamingSystem", "", "retired", "normative",
			[]string{"NamingSystem.status"}),
		Entry("a version with '#' on a CompartmentDefinition", "CompartmentDefinition", "2#", "draft", "", []string{"CompartmentDefinition.version"}),
		Entry("normative and active", "GraphDefinition", "", "active", "normative", nil),
		Entry("normative but draft", "GraphDefinition", "", "draft", "normative", []string{"GraphDefinition.status"}),
		Entry("trial-use and active", "CapabilityStatement", "", "active", "trial-use", nil),
		Entry("trial-use but retired", "CapabilityStatement", "", "retired", "trial-use", []string{"CapabilityStatement.status"}),
		Entry("deprecated but active", "OperationDefinition", "", "active", "deprecated", []string{"OperationDefinition.status"}),
		Entry("withdrawn and retired", "OperationDefinition", "", "retired", "withdrawn", nil),
		Entry("draft but active", "StructureMap", "", "active", "draft", []string{"StructureMap.status"}),
		Entry("a standards status R4 does not list is not judged", "StructureMap", "", "active", "proposed", nil),
	)

	It("leaves resources that are not definitions alone", func() {
		// Device has a url and a status, but no publisher or date.
		src := `{"resourceType": "Device", "url": "http://example.org/device#1", "status": "active",
			"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status", "valueCode": "draft"}]}`
		Expect(warnings(validate(e, src))).To(BeEmpty())
	})

	It("gives the same verdict in XML", func() {
		const xml = `<NamingSystem xmlns="http://hl7.org/fhir"><name value="D"/><status value="draft"/><kind value="identifier"/><date value="2020-01-01"/>
  <uniqueId><type value="uri"/><value value="http://example.org/ids"/></uniqueId></NamingSystem>`
		Expect(warnings(validateXML(e, xml))).To(BeEmpty())
		Expect(warnings(validateXML(e, strings.Replace(xml, `<name value="D"/>`, `<extension url="http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status"><valueCode value="normative"/></extension><name value="D"/>`, 1)))).To(
			ConsistOf("NamingSystem.status"))
	})
})

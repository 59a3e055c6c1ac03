package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("SearchParameter expressions name elements that exist, and codes avoid the search syntax", func() {
	e := newEngine()
	errorsOf := func(fs []model.Finding) []string {
		return pathsOf(fs, model.Error, profile.CodeSearchParameter)
	}
	DescribeTable("each step of each branch names an element of the type reached there",
		func(base, typ, expression string, wantError bool) {
			fs := errorsOf(validate(e, searchParameter("", base, typ, expression)))
			if wantError {
				Expect(fs).To(ConsistOf("SearchParameter.expression"))
			} else {
				Expect(fs).To(BeEmpty())
			}
		},
		Entry("a resource's element", "Patient", "string", "Patient.name", false),
		Entry("a misspelt element", "Patient", "string", "Patient.nmae", true),
		Entry("through a datatype", "Patient", "string", "Patient.name.family", false),
		Entry("a datatype's element that does not exist", "Patient", "string", "Patient.name.surname", true),
		Entry("through a backbone element", "Patient", "reference", "Patient.contact.organization", false),
		Entry("a backbone element's element that does not exist", "Patient", "reference", "Patient.contact.employer", true),
		Entry("through a content reference", "Questionnaire", "token", "Questionnaire.item.item.linkId", false),
		Entry("a choice read as one of its types", "Observation", "quantity", "(Observation.value as Quantity)", false),
		Entry("a choice read through ofType", "Observation", "quantity", "Observation.value.ofType(Quantity).unit", false),
		Entry("a choice's type named in the path", "Observation", "quantity", "Observation.valueQuantity", false),
		Entry("a choice followed by an element one of its types has", "Observation", "quantity", "Observation.value.unit", false),
		Entry("a choice followed by an element none of its types has", "Observation", "quantity", "Observation.value.family", true),
		Entry("an element of the base resource type", "Patient", "token", "Patient.meta.tag", false),
		Entry("a filter keeps the focus", "Patient", "token", "Patient.identifier.where(system = 'urn:x').value", false),
		Entry("after a filter, an element that does not exist", "Patient", "token", "Patient.identifier.where(system = 'urn:x').code", true),
		Entry("an indexer keeps the focus", "Bundle", "reference", "Bundle.entry[0].resource", false),
		Entry("an extension by url", "Patient", "token", "Patient.extension('http://example.org/x').value", false),
		Entry("the second branch is wrong", "Patient", "string", "Patient.name.family | Patient.name.surname", true),
		Entry("a wrong step inside a group", "Observation", "quantity", "(Observation.component.valeu as Quantity)", true),
		Entry("the walk stops at resolve()", "Observation", "reference", "Observation.subject.resolve().anything", false),
		Entry("the walk stops at an operator", "Patient", "token", "Patient.deceased.exists() and Patient.deceased != false", false),
		Entry("an element name without the type starts at the base", "Patient", "string", "name.given", false),
		Entry("a wrong element name without the type", "Patient", "string", "nmae", true),
		Entry("branches on the resources of an abstract base", "DomainResource", "string", "Patient.name | Practitioner.name", false),
		Entry("a wrong branch among the resources of an abstract base", "DomainResource", "string", "Patient.name | Practitioner.nmae", true),
	)

	It("gives the same verdict on a parameter written in XML", func() {
		const xml = `<SearchParameter xmlns="http://hl7.org/fhir">
  <url value="http://example.org/fhir/SearchParameter/test"/><name value="Test"/><status value="active"/>
  <description value="A test parameter"/><code value="test"/><base value="Patient"/><type value="string"/>
  <expression value="%s"/>
</SearchParameter>`
		Expect(errorsOf(validateXML(e, strings.Replace(xml, "%s", "Patient.name.family", 1)))).To(BeEmpty())
		Expect(errorsOf(validateXML(e, strings.Replace(xml, "%s", "Patient.name.surname", 1)))).To(ConsistOf("SearchParameter.expression"))
	})

	It("finds every R4 core search parameter's expression sound", func() {
		n := 0
		for _, res := range coreResources(r4core.SearchParameters) {
			if _, ok := res["expression"]; !ok {
				continue
			}
			n++
			Expect(errorsOf(e.ValidateRecord(recordOf(res), "", nil))).To(BeEmpty(), "%s: %s", res["url"], res["expression"])
		}
		Expect(n).To(BeNumerically(">", 1000))
	})

	DescribeTable("a code holds none of the characters the search syntax reserves (a warning)",
		func(code string, warnings int) {
			src := strings.Replace(searchParameter("", "Patient", "string", "Patient.name"), `"code":"test"`, `"code":"`+code+`"`, 1)
			Expect(src).To(ContainSubstring(code))
			Expect(pathsOf(validate(e, src), model.Warning, profile.CodeSearchParameter)).To(HaveLen(warnings))
		},
		Entry("a plain code", "family-name", 0),
		Entry("a dot", "name.family", 1),
		Entry("a dollar", "name$family", 1),
		Entry("a bar", "name|family", 1),
		Entry("two of them", "a.b|c", 2),
	)
})

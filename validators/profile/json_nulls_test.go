package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
)

var _ = Describe("null items of repeating primitives (R4 JSON §2.6.2)", func() {
	e := newEngine()
	const qualifier = `{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier","valueCode":"IN"}]}`

	It("accepts a null whose _x item carries the item's extensions or id", func() {
		Expect(validate(e, `{"resourceType":"Patient","id":"a","name":[{"family":"Moreau","given":["Claire",null],"_given":[null,`+qualifier+`]}]}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType":"Patient","id":"a","name":[{"family":"Moreau","given":[null,"Claire"],"_given":[{"id":"g0","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"masked"}]},null]}]}`)).To(BeEmpty())
	})

	DescribeTable("reports a null with nothing aligned in _x",
		func(name string) {
			fs := validate(e, `{"resourceType":"Patient","id":"a","name":[{"family":"Moreau",`+name+`}]}`)
			Expect(fs).NotTo(BeEmpty())
			Expect(fs).To(HaveEach(HaveField("Severity", model.Error)))
		},
		Entry("no _given", `"given":["Claire",null]`),
		Entry("a null _given item", `"given":["Claire",null],"_given":[null,null]`),
		Entry("a _given item with only an id (ele-1)", `"given":["Claire",null],"_given":[null,{"id":"g1"}]`),
	)
})

package coded_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/coded"
)

var _ = Describe("the paths of coded values", func() {
	It("builds a kept path's text from its steps, sharing the steps above it", func() {
		var t coded.PathTree
		root := t.Start("Observation")
		comp := t.Item(t.Child(root, "component"), 12)
		code := t.Path(t.Child(comp, "code"))
		value := t.Path(t.Child(comp, "valueQuantity"))
		deep := t.Path(t.Item(t.Child(t.Start("Bundle.entry[3].resource.contained[0]"), "coding"), 0))
		Expect(code.String()).To(Equal("Observation.component[12].code"))
		Expect(value.String()).To(Equal("Observation.component[12].valueQuantity"))
		Expect(deep.String()).To(Equal("Bundle.entry[3].resource.contained[0].coding[0]"))
		Expect(t.Path(root).String()).To(Equal("Observation"))
	})

	It("keeps a path of more steps than its buffer holds", func() {
		var t coded.PathTree
		at := t.Start("Questionnaire")
		want := "Questionnaire"
		for range 20 {
			at = t.Item(t.Child(at, "item"), 1)
			want += ".item[1]"
		}
		Expect(t.Path(at).String()).To(Equal(want))
	})

	It("gives a path known as text as it is", func() {
		Expect(coded.TextPath("Patient.gender").String()).To(Equal("Patient.gender"))
		Expect(coded.Path{}.String()).To(BeEmpty())
	})
})

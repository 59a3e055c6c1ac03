package fhir_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
)

var _ = Describe("the format a record was written in", func() {
	formats := func(name, src string) []model.Format {
		var out []model.Format
		Expect(fhir.ReadStream(name, strings.NewReader(src), func(r *model.Record) error {
			r.Load()
			out = append(out, r.Format)
			return nil
		})).To(Succeed())
		return out
	}
	It("is XML for an XML Bundle and each of its entries, JSON for JSON and NDJSON", func() {
		Expect(formats("b.xml", `<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>`+
			`<entry><resource><Patient><active value="true"/></Patient></resource></entry></Bundle>`)).
			To(Equal([]model.Format{model.FormatXML, model.FormatXML}))
		Expect(formats("b.json", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient"}}]}`)).
			To(Equal([]model.Format{model.FormatJSON, model.FormatJSON}))
		Expect(formats("p.ndjson", "{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Patient\"}\n")).
			To(Equal([]model.Format{model.FormatJSON, model.FormatJSON}))
	})
	It("words the same problem in the terms of each format", func() {
		xml := fhir.WordingOf(&model.Record{Format: model.FormatXML})
		json := fhir.WordingOf(&model.Record{})
		Expect(json.NotPrimitive("boolean", "yes")).To(Equal("must be a JSON boolean (true or false), got a string"))
		Expect(xml.NotPrimitive("boolean", "yes")).To(Equal(`must be a boolean (true or false) in the value attribute, got "yes"`))
		Expect(json.NotRepeating("name")).To(ContainSubstring("JSON array"))
		Expect(xml.NotRepeating("name")).To(ContainSubstring("<name> element of its own"))
		Expect(xml.WrongType("object", "string", "x")).To(Equal(`wrong form: expected child elements, got "x"`))
		Expect(json.NotObject("HumanName", "Smith")).To(Equal("must be a HumanName object, got a string"))
		Expect(xml.NotObject("HumanName", "Smith")).To(Equal(`must be a HumanName element with child elements, got "Smith"`))
		Expect(xml.NotObject("", []any{"a"})).To(Equal("must be an element with child elements, got a repeated element"))
		Expect(json.NoValue()).To(HavePrefix("null is not a valid value"))
		Expect(xml.NoValue()).To(HavePrefix("has no value: write the value attribute"))
		Expect(json.NumberProblem("1e999")).To(Equal(fhir.NumberProblem("1e999")))
		Expect(xml.NumberProblem("2")).To(BeEmpty())
	})
})

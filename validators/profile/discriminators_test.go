package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// R4 §5.1.0.5 (Slicing): a discriminator names a path in each item and the
// slice's definition says what must be found there. The slices below are our
// own; each family has an item that belongs and one that does not.
var _ = Describe("slicing discriminators", func() {
	slicing := func(fs []model.Finding) []model.Finding {
		var out []model.Finding
		for _, f := range fs {
			if f.Code == profile.CodeSlicing {
				out = append(out, f)
			}
		}
		return out
	}
	component := func(code, unit string) string {
		return `{"code": {"coding": [{"system": "http://loinc.org", "code": "` + code + `"}]},
			"valueQuantity": {"value": 1, "unit": "` + unit + `", "system": "http://unitsofmeasure.org", "code": "` + unit + `"}}`
	}
	observation := func(components ...string) string {
		list := ""
		for i, c := range components {
			if i > 0 {
				list += ","
			}
			list += c
		}
		return `{"resourceType": "Observation", "status": "final", "code": {"text": "pair"}, "component": [` + list + `]}`
	}

	Context("a value discriminator whose path runs through a re-sliced element (code.coding.code of a component)", func() {
		const url = "http://example.org/StructureDefinition/pair-resliced"
		coded := func(slice, coding, code string) []string {
			base := "Observation.component:" + slice + ".code.coding"
			return []string{
				`{"id": "Observation.component:` + slice + `", "path": "Observation.component", "sliceName": "` + slice + `", "min": 1, "max": "1"}`,
				`{"id": "` + base + `", "path": "Observation.component.code.coding", "slicing": {"discriminator": [{"type": "value", "path": "code"}], "rules": "open"}}`,
				`{"id": "` + base + `:` + coding + `", "path": "Observation.component.code.coding", "sliceName": "` + coding + `", "min": 1, "max": "1"}`,
				`{"id": "` + base + `:` + coding + `.system", "path": "Observation.component.code.coding.system", "fixedUri": "http://loinc.org"}`,
				`{"id": "` + base + `:` + coding + `.code", "path": "Observation.component.code.coding.code", "fixedCode": "` + code + `"}`,
			}
		}
		elements := []string{`{"id": "Observation.component", "path": "Observation.component",
			"slicing": {"discriminator": [{"type": "value", "path": "code.coding.code"}, {"type": "value", "path": "code.coding.system"}], "rules": "open"}}`}
		elements = append(elements, coded("first", "firstCode", "1111-1")...)
		elements = append(elements, coded("second", "secondCode", "2222-2")...)
		e := newEngine(diffProfile(url, "Observation", elements...))

		It("assigns each component to the slice whose nested coding it carries, in any order", func() {
			Expect(slicing(validate(e, observation(component("2222-2", "mm"), component("1111-1", "mm")), url))).To(BeEmpty())
		})

		It("reports the slice no component carries, and no second match for the other", func() {
			fs := slicing(validate(e, observation(component("1111-1", "mm"), component("3333-3", "mm")), url))
			Expect(fs).To(ConsistOf(at(model.Error, profile.CodeSlicing, "Observation.component")))
			Expect(fs[0].Message).To(ContainSubstring(`slice "second" of component requires at least 1 value(s) but 0 matched`))
		})

		It("counts two components with the same nested code against the slice's maximum", func() {
			fs := slicing(validate(e, observation(component("1111-1", "mm"), component("1111-1", "mm"), component("2222-2", "mm")), url))
			Expect(fs).To(ConsistOf(at(model.Error, profile.CodeSlicing, "Observation.component")))
			Expect(fs[0].Message).To(ContainSubstring(`slice "first" of component allows at most 1 value(s) but 2 matched`))
		})
	})

	Context("a value discriminator on an element whose children carry the fixed values", func() {
		const url = "http://example.org/StructureDefinition/pair-children"
		e := newEngine(diffProfile(url, "Observation",
			`{"id": "Observation.component", "path": "Observation.component",
			  "slicing": {"discriminator": [{"type": "value", "path": "code"}], "rules": "closed"}}`,
			`{"id": "Observation.component:first", "path": "Observation.component", "sliceName": "first", "min": 1, "max": "1"}`,
			`{"id": "Observation.component:first.code.coding", "path": "Observation.component.code.coding", "min": 1}`,
			`{"id": "Observation.component:first.code.coding.system", "path": "Observation.component.code.coding.system", "fixedUri": "http://loinc.org"}`,
			`{"id": "Observation.component:first.code.coding.code", "path": "Observation.component.code.coding.code", "fixedCode": "1111-1"}`))

		It("matches a component whose code has those values", func() {
			Expect(slicing(validate(e, observation(component("1111-1", "mm")), url))).To(BeEmpty())
		})

		It("rejects, under closed slicing, a component whose code differs", func() {
			fs := slicing(validate(e, observation(component("1111-1", "mm"), component("9999-9", "mm")), url))
			Expect(fs).To(ConsistOf(at(model.Error, profile.CodeSlicing, "Observation.component[1]")))
			Expect(fs[0].Message).To(ContainSubstring("matches none of the slices and the slicing is closed"))
		})
	})

	Context("a type discriminator on a choice element", func() {
		const url = "http://example.org/StructureDefinition/pair-typed"
		e := newEngine(diffProfile(url, "Observation",
			`{"id": "Observation.component", "path": "Observation.component",
			  "slicing": {"discriminator": [{"type": "type", "path": "value"}], "rules": "closed"}}`,
			`{"id": "Observation.component:measured", "path": "Observation.component", "sliceName": "measured", "max": "1"}`,
			`{"id": "Observation.component:measured.value[x]", "path": "Observation.component.value[x]", "type": [{"code": "Quantity"}]}`,
			`{"id": "Observation.component:noted", "path": "Observation.component", "sliceName": "noted", "max": "1"}`,
			`{"id": "Observation.component:noted.value[x]", "path": "Observation.component.value[x]", "type": [{"code": "string"}]}`))

		It("assigns items by the type their JSON name carries", func() {
			Expect(slicing(validate(e, observation(component("1111-1", "mm"),
				`{"code": {"text": "note"}, "valueString": "calm"}`), url))).To(BeEmpty())
		})

		It("rejects an item of a type no slice allows", func() {
			fs := slicing(validate(e, observation(`{"code": {"text": "flag"}, "valueBoolean": true}`), url))
			Expect(fs).To(ConsistOf(at(model.Error, profile.CodeSlicing, "Observation.component[0]")))
			Expect(fs[0].Message).To(ContainSubstring(`value is of type "boolean"`))
		})
	})

	Context("a discriminator path through extension('url')", func() {
		const url = "http://example.org/StructureDefinition/name-ordered"
		const order = "http://hl7.org/fhir/StructureDefinition/humanname-assembly-order"
		e := newEngine(diffProfile(url, "Patient",
			`{"id": "Patient.name", "path": "Patient.name",
			  "slicing": {"discriminator": [{"type": "value", "path": "extension('`+order+`').value"}], "rules": "closed"}}`,
			`{"id": "Patient.name:western", "path": "Patient.name", "sliceName": "western", "max": "1"}`,
			`{"id": "Patient.name:western.extension", "path": "Patient.name.extension", "slicing": {"discriminator": [{"type": "value", "path": "url"}], "rules": "open"}}`,
			`{"id": "Patient.name:western.extension:order", "path": "Patient.name.extension", "sliceName": "order", "min": 1, "max": "1",
			  "type": [{"code": "Extension", "profile": ["`+order+`"]}]}`,
			`{"id": "Patient.name:western.extension:order.value[x]", "path": "Patient.name.extension.value[x]", "fixedCode": "NL1"}`))
		name := func(code string) string {
			return `{"resourceType": "Patient", "name": [{"family": "Ng", "extension": [{"url": "` + order + `", "valueCode": "` + code + `"}]}]}`
		}

		It("finds the value inside the named extension", func() {
			Expect(slicing(validate(e, name("NL1"), url))).To(BeEmpty())
		})

		It("rejects a name whose extension holds another value", func() {
			fs := slicing(validate(e, name("NL2"), url))
			Expect(fs).To(ConsistOf(at(model.Error, profile.CodeSlicing, "Patient.name[0]")))
			Expect(fs[0].Message).To(ContainSubstring(`the slice requires "NL1"`))
		})
	})
})

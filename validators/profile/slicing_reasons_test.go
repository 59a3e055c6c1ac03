package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// Why a slice rejected an item is said only in a finding (a closed slicing's
// unmatched item, a slice's unmet minimum), and made only then: these specs
// pin the whole messages, so that making them late changes none of them.
var _ = Describe("slicing's reasons", func() {
	const suffix = " (profile http://example.org/StructureDefinition/pair-reasons)"
	profileWith := func(discriminators string) *profile.Engine {
		return newEngine(diffProfile("http://example.org/StructureDefinition/pair-reasons", "Observation",
			`{"id": "Observation.component", "path": "Observation.component",
			  "slicing": {"discriminator": [`+discriminators+`], "rules": "closed"}}`,
			`{"id": "Observation.component:first", "path": "Observation.component", "sliceName": "first", "min": 1, "max": "1"}`,
			`{"id": "Observation.component:first.code.coding.code", "path": "Observation.component.code.coding.code", "fixedCode": "1111-1"}`,
			`{"id": "Observation.component:first.valueQuantity", "path": "Observation.component.valueQuantity", "min": 1}`,
			`{"id": "Observation.component:second", "path": "Observation.component", "sliceName": "second", "min": 1, "max": "1"}`,
			`{"id": "Observation.component:second.code.coding.code", "path": "Observation.component.code.coding.code", "fixedCode": "2222-2"}`,
			`{"id": "Observation.component:second.valueQuantity", "path": "Observation.component.valueQuantity", "min": 1}`))
	}
	messages := func(e *profile.Engine, codes ...string) []string {
		list := ""
		for i, code := range codes {
			if i > 0 {
				list += ", "
			}
			list += `{"code": {"coding": [{"system": "http://loinc.org", "code": "` + code + `"}]}, "valueQuantity": {"value": 1}}`
		}
		fs := withCode(profile.CodeSlicing, validate(e, `{"resourceType": "Observation", "status": "final", "code": {"text": "pair"},
			"component": [`+list+`]}`, "http://example.org/StructureDefinition/pair-reasons"))
		var out []string
		for _, f := range fs {
			Expect(f.Severity).To(Equal(model.Error))
			out = append(out, f.Path+": "+f.Message)
		}
		return out
	}

	It("lists, under a slice's unmet minimum, the items a later slice took and those none took", func() {
		e := profileWith(`{"type": "value", "path": "code.coding.code"}`)
		Expect(messages(e, "2222-2", "9999-9")).To(ConsistOf(
			`Observation.component[1]: component matches none of the slices and the slicing is closed; tried slice "first": code.coding.code is "9999-9", the slice requires "1111-1"; slice "second": code.coding.code is "9999-9", the slice requires "2222-2"`+suffix,
			`Observation.component: slice "first" of component requires at least 1 value(s) but 0 matched (item 0 rejected: code.coding.code is "2222-2", the slice requires "1111-1"; item 1 rejected: code.coding.code is "9999-9", the slice requires "1111-1")`+suffix,
		))
	})

	It("gives the first discriminator that rejected an item, slice by slice", func() {
		e := profileWith(`{"type": "value", "path": "code.coding.code"}, {"type": "exists", "path": "valueQuantity"}`)
		Expect(messages(e, "2222-2", "9999-9", "1111-1")).To(ConsistOf(
			`Observation.component[0]: component matches none of the slices and the slicing is closed; tried slice "first": code.coding.code is "2222-2", the slice requires "1111-1"; slice "second": the slice does not constrain valueQuantity`+suffix,
			`Observation.component[1]: component matches none of the slices and the slicing is closed; tried slice "first": code.coding.code is "9999-9", the slice requires "1111-1"; slice "second": code.coding.code is "9999-9", the slice requires "2222-2"`+suffix,
			`Observation.component[2]: component matches none of the slices and the slicing is closed; tried slice "first": the slice does not constrain valueQuantity; slice "second": code.coding.code is "1111-1", the slice requires "2222-2"`+suffix,
			`Observation.component: slice "first" of component requires at least 1 value(s) but 0 matched (item 0 rejected: code.coding.code is "2222-2", the slice requires "1111-1"; item 1 rejected: code.coding.code is "9999-9", the slice requires "1111-1"; item 2 rejected: the slice does not constrain valueQuantity)`+suffix,
			`Observation.component: slice "second" of component requires at least 1 value(s) but 0 matched (item 0 rejected: the slice does not constrain valueQuantity; item 1 rejected: code.coding.code is "9999-9", the slice requires "2222-2"; item 2 rejected: code.coding.code is "1111-1", the slice requires "2222-2")`+suffix,
		))
	})
})

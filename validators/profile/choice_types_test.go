package profile_test

import (
	"encoding/json"
	"sort"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// R4 §2.24.0.1 and the reference validator: a choice element is matched by
// its name's stem, so valueString is value[x] carried with the type string.
// Where a profile allows value[x] only some types, such a value is one
// fault (the type), not also a missing value[x]; a name whose type the
// base definition does not allow at all (valueAddress on Observation,
// valueFoo anywhere) is no value[x] — an unknown element, reported once
// whatever walk meets it — and the element stays absent.
var _ = Describe("a choice element carried with a type its profile forbids", func() {
	const ns = "http://carecert.test/StructureDefinition/"
	obs := func(name string, elems ...string) map[string]any {
		return diffProfile(ns+name, "Observation", elems...)
	}
	ext := func(name, min string) map[string]any {
		var diff []any
		Expect(json.Unmarshal([]byte(`[{"id": "Extension", "path": "Extension"},
			{"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
			{"id": "Extension.url", "path": "Extension.url", "fixedUri": "`+ns+name+`"},
			{"id": "Extension.value[x]", "path": "Extension.value[x]", "min": `+min+`, "type": [{"code": "Quantity"}]}]`), &diff)).To(Succeed())
		return map[string]any{"resourceType": "StructureDefinition", "url": ns + name, "name": "Test", "status": "draft", "kind": "complex-type",
			"abstract": false, "type": "Extension", "context": []any{map[string]any{"type": "element", "expression": "Observation"}}, "derivation": "constraint",
			"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension", "differential": map[string]any{"element": diff}}
	}
	e := newEngine(
		obs("root1", `{"id": "Observation.value[x]", "path": "Observation.value[x]", "min": 1, "type": [{"code": "Quantity"}]}`),
		obs("rootTwo", `{"id": "Observation.value[x]", "path": "Observation.value[x]", "min": 1, "type": [{"code": "Quantity"}, {"code": "CodeableConcept"}]}`),
		obs("root0", `{"id": "Observation.value[x]", "path": "Observation.value[x]", "type": [{"code": "Quantity"}]}`),
		obs("backbone1", `{"id": "Observation.component.value[x]", "path": "Observation.component.value[x]", "min": 1, "type": [{"code": "Quantity"}]}`),
		obs("slice1", `{"id": "Observation.component", "path": "Observation.component", "slicing": {"discriminator": [{"type": "pattern", "path": "code"}], "rules": "open"}}`,
			`{"id": "Observation.component:systolic", "path": "Observation.component", "sliceName": "systolic", "min": 0, "max": "1"}`,
			`{"id": "Observation.component:systolic.code", "path": "Observation.component.code", "patternCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]}}`,
			`{"id": "Observation.component:systolic.value[x]", "path": "Observation.component.value[x]", "min": 1, "type": [{"code": "Quantity"}]}`),
		ext("ext1", "1"), ext("ext0", "0"),
		obs("typeSlice1", `{"id": "Observation.value[x]", "path": "Observation.value[x]", "type": [{"code": "Quantity"}], "slicing": {"discriminator": [{"type": "type", "path": "$this"}], "rules": "closed"}}`,
			`{"id": "Observation.value[x]:valueQuantity", "path": "Observation.value[x]", "sliceName": "valueQuantity", "min": 1, "max": "1", "type": [{"code": "Quantity"}]}`),
		obs("typeSliceOpen", `{"id": "Observation.value[x]", "path": "Observation.value[x]", "slicing": {"discriminator": [{"type": "type", "path": "$this"}], "rules": "open"}}`,
			`{"id": "Observation.value[x]:valueQuantity", "path": "Observation.value[x]", "sliceName": "valueQuantity", "min": 1, "max": "1", "type": [{"code": "Quantity"}]}`),
		obs("typeSliceString", `{"id": "Observation.value[x]", "path": "Observation.value[x]", "slicing": {"discriminator": [{"type": "type", "path": "$this"}], "rules": "open"}}`,
			`{"id": "Observation.value[x]:valueString", "path": "Observation.value[x]", "sliceName": "valueString", "min": 1, "max": "1", "type": [{"code": "string"}]}`),
	)
	st := profile.NewStreamer(e)
	quantity := map[string]any{"value": json.Number("3"), "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"}
	absent := map[string]any{"extension": []any{map[string]any{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}}}
	values := map[string]map[string]any{
		"allowed":   {"valueQuantity": quantity},
		"forbidden": {"valueString": "three"},
		"notbase":   {"valueAddress": map[string]any{"city": "Leeds"}},
		"unknown":   {"valueFoo": "three"},
		"absent":    {},
		// one choice carried under two types at once
		"allowed+forbidden": {"valueQuantity": quantity, "valueString": "three"},
		"two allowed":       {"valueQuantity": quantity, "valueCodeableConcept": map[string]any{"text": "three"}},
		"two others":        {"valueString": "three", "valueBoolean": true},
		// a primitive given by its "_" companion alone is a value too
		"companion":               {"_valueString": absent},
		"companion+value":         {"valueString": "three", "_valueString": absent},
		"allowed+companion":       {"valueQuantity": quantity, "_valueString": absent},
		"allowed+companion+value": {"valueQuantity": quantity, "valueString": "three", "_valueString": absent},
	}
	build := func(place, kind string) map[string]any {
		holder := map[string]any{}
		for name, v := range values[kind] {
			holder[name] = v
		}
		res := map[string]any{"resourceType": "Observation", "id": "o1", "status": "final", "code": map[string]any{"text": "x"}}
		switch place {
		case "", "root1", "root0", "rootTwo", "typeSlice1", "typeSliceOpen", "typeSliceString":
			for k, x := range holder {
				res[k] = x
			}
			if place != "" {
				res["meta"] = map[string]any{"profile": []any{ns + place}}
			}
		case "backbone1", "slice1":
			holder["code"] = map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "8480-6"}}}
			res["component"] = []any{holder}
			res["meta"] = map[string]any{"profile": []any{ns + place}}
		case "ext1", "ext0":
			holder["url"] = ns + place
			res["extension"] = []any{holder}
		}
		return res
	}
	// errorsIn returns each placement's errors as "path: code".
	errorsIn := func(res map[string]any) map[string][]string {
		return placementErrors(e, st, res, func(path string, f model.Finding) string { return path + ": " + f.Code })
	}

	where := map[string]string{"": "Observation.", "root1": "Observation.", "root0": "Observation.", "rootTwo": "Observation.",
		"typeSlice1": "Observation.", "typeSliceOpen": "Observation.", "typeSliceString": "Observation.",
		"backbone1": "Observation.component[0].", "slice1": "Observation.component[0].",
		"ext1": "Observation.extension[0].", "ext0": "Observation.extension[0]."}
	DescribeTable("one fault, one error, the same in JSON and XML, alone, contained and in a Bundle",
		func(place, kind string, want ...string) {
			got := errorsIn(build(place, kind))
			Expect(got).To(HaveLen(6))
			for name, errs := range got {
				Expect(errs).To(Equal(got["map walk"]), "%s against the map walk", name)
			}
			expected := []string{}
			for _, w := range want {
				expected = append(expected, where[place]+w)
			}
			sort.Strings(expected)
			Expect(got["map walk"]).To(Equal(expected))
		},
		Entry("root, min 1: an allowed type", "root1", "allowed"),
		Entry("root, min 1: a type the base allows and the profile forbids", "root1", "forbidden", "valueString: profile.unknown-element"),
		Entry("root, min 1: a FHIR type the base does not allow", "root1", "notbase", "valueAddress: profile.unknown-element", "value[x]: profile.cardinality"),
		Entry("root, min 1: a type unknown to FHIR", "root1", "unknown", "valueFoo: profile.unknown-element", "value[x]: profile.cardinality"),
		Entry("root, min 1: absent", "root1", "absent", "value[x]: profile.cardinality"),
		Entry("root, two types, min 1: a type the base allows and the profile forbids", "rootTwo", "forbidden", "valueString: profile.unknown-element"),
		Entry("root, two types, min 1: absent", "rootTwo", "absent", "value[x]: profile.cardinality"),
		Entry("root, min 0: an allowed type", "root0", "allowed"),
		Entry("root, min 0: a forbidden type", "root0", "forbidden", "valueString: profile.unknown-element"),
		Entry("root, min 0: a FHIR type the base does not allow", "root0", "notbase", "valueAddress: profile.unknown-element"),
		Entry("root, min 0: a type unknown to FHIR", "root0", "unknown", "valueFoo: profile.unknown-element"),
		Entry("root, min 0: absent", "root0", "absent"),
		Entry("backbone, min 1: an allowed type", "backbone1", "allowed"),
		Entry("backbone, min 1: a forbidden type", "backbone1", "forbidden", "valueString: profile.unknown-element"),
		Entry("backbone, min 1: a FHIR type the base does not allow", "backbone1", "notbase", "valueAddress: profile.unknown-element", "value[x]: profile.cardinality"),
		Entry("backbone, min 1: a type unknown to FHIR", "backbone1", "unknown", "valueFoo: profile.unknown-element", "value[x]: profile.cardinality"),
		Entry("backbone, min 1: absent", "backbone1", "absent", "value[x]: profile.cardinality"),
		Entry("slice, min 1: an allowed type", "slice1", "allowed"),
		Entry("slice, min 1: a forbidden type", "slice1", "forbidden", "valueString: profile.unknown-element"),
		Entry("slice, min 1: a type unknown to FHIR", "slice1", "unknown", "valueFoo: profile.unknown-element", "value[x]: profile.cardinality"),
		Entry("slice, min 1: absent", "slice1", "absent", "value[x]: profile.cardinality"),
		Entry("extension, min 1: an allowed type", "ext1", "allowed"),
		Entry("extension, min 1: a type its definition forbids", "ext1", "forbidden", "valueString: profile.unknown-element"),
		Entry("extension, min 1: another FHIR type its definition forbids", "ext1", "notbase", "valueAddress: profile.unknown-element"),
		Entry("extension, min 1: a type unknown to FHIR", "ext1", "unknown", "valueFoo: profile.unknown-element", "value[x]: profile.cardinality"),
		Entry("extension, min 0: a forbidden type", "ext0", "forbidden", "valueString: profile.unknown-element"),
		Entry("extension, min 0: a type unknown to FHIR", "ext0", "unknown", "valueFoo: profile.unknown-element"),

		// Two types of one choice at once: one error for carrying it twice
		// (the reference counts both names against value[x]'s maximum), and
		// the type a profile forbids as its own fault; never a slice or a
		// minimum the element meets under one of its names.
		Entry("base: two types", "", "allowed+forbidden", "valueString: profile.cardinality"),
		Entry("base: two other types", "", "two others", "valueString: profile.cardinality"),
		Entry("root, min 1: an allowed and a forbidden type", "root1", "allowed+forbidden", "valueString: profile.cardinality", "valueString: profile.unknown-element"),
		Entry("root, two types, min 1: both allowed types", "rootTwo", "two allowed", "valueQuantity: profile.cardinality"),
		Entry("root, two types, min 1: two forbidden types", "rootTwo", "two others",
			"valueString: profile.cardinality", "valueBoolean: profile.unknown-element", "valueString: profile.unknown-element"),
		Entry("backbone, min 1: an allowed and a forbidden type", "backbone1", "allowed+forbidden", "valueString: profile.cardinality", "valueString: profile.unknown-element"),
		Entry("slice, min 1: an allowed and a forbidden type", "slice1", "allowed+forbidden", "valueString: profile.cardinality", "valueString: profile.unknown-element"),
		Entry("extension, min 1: an allowed and a forbidden type", "ext1", "allowed+forbidden", "valueString: profile.cardinality", "valueString: profile.unknown-element"),

		// A required type slice on value[x] (valueQuantity, min 1).
		Entry("type slice, type restricted: the slice's type", "typeSlice1", "allowed"),
		Entry("type slice, type restricted: a forbidden type", "typeSlice1", "forbidden", "valueString: profile.unknown-element"),
		Entry("type slice, type restricted: absent", "typeSlice1", "absent", "value[x]: profile.slicing"),
		Entry("type slice, type restricted: the slice's type and a forbidden one", "typeSlice1", "allowed+forbidden", "valueString: profile.cardinality", "valueString: profile.unknown-element"),
		Entry("type slice, any type: the slice's type", "typeSliceOpen", "allowed"),
		Entry("type slice, any type: another type", "typeSliceOpen", "forbidden", "valueString: profile.slicing"),
		Entry("type slice, any type: absent", "typeSliceOpen", "absent", "value[x]: profile.slicing"),
		Entry("type slice, any type: the slice's type and another", "typeSliceOpen", "allowed+forbidden", "valueString: profile.cardinality"),
		Entry("type slice, any type: two others", "typeSliceOpen", "two others", "valueString: profile.cardinality", "value[x]: profile.slicing"),

		// A required type slice of a primitive (valueString, min 1), met by
		// the value's "_" companion alone as by the value (R4 2.6.2.3: a
		// primitive may be carried by its extensions without its value),
		// whether the choice is carried under one name or under two.
		Entry("type slice of a primitive: the slice's type", "typeSliceString", "forbidden"),
		Entry("type slice of a primitive: its companion alone", "typeSliceString", "companion"),
		Entry("type slice of a primitive: its value and companion", "typeSliceString", "companion+value"),
		Entry("type slice of a primitive: another type", "typeSliceString", "allowed", "valueQuantity: profile.slicing"),
		Entry("type slice of a primitive: absent", "typeSliceString", "absent", "value[x]: profile.slicing"),
		Entry("type slice of a primitive: another type and the slice's", "typeSliceString", "allowed+forbidden", "valueString: profile.cardinality"),
		Entry("type slice of a primitive: another type and the slice's companion alone", "typeSliceString", "allowed+companion", "valueString: profile.cardinality"),
		Entry("type slice of a primitive: another type and the slice's value with its companion", "typeSliceString", "allowed+companion+value", "valueString: profile.cardinality"),
	)
})

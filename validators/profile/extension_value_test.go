package profile_test

import (
	"sort"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// ext-1 (R4 Extension: "extension.exists() != value.exists()"): an
// extension has a value or sub-extensions, not both. A value of a primitive
// type is present when its element is, and R4 JSON carries an element that
// has extensions but no value (data-absent-reason on the value itself) by
// its companion alone: "_valueCode": {"extension": [...]}, no "valueCode".
// Such a value exists (FHIRPath's exists() is true of it; the reference
// validator passes ext-1), as it does in XML, <valueCode><extension/></valueCode>.
// R4's own examples carry v2 table comments that way.
var _ = Describe("an extension whose value is present only by its id and extensions (ext-1)", func() {
	const dar = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
	e := newEngine()
	st := profile.NewStreamer(e)
	absent := map[string]any{"extension": []any{map[string]any{"url": dar, "valueCode": "unknown"}}}
	extensions := map[string]map[string]any{
		"a value by its companion":           {"url": dar, "_valueCode": absent},
		"a value by its companion and value": {"url": dar, "valueCode": "unknown", "_valueCode": absent},
		"a value":                            {"url": dar, "valueCode": "unknown"},
		"neither value nor extensions":       {"url": dar},
		"a value's companion and sub-extensions": {"url": dar, "_valueCode": absent,
			"extension": []any{map[string]any{"url": "a", "valueString": "b"}}},
	}
	// places the extension is carried in, and its path there.
	places := map[string]string{
		"the resource":             "Observation.extension[0]",
		"a data type":              "Observation.code.extension[0]",
		"a primitive element":      "Observation.status.extension[0]",
		"a backbone element":       "Observation.component[0].extension[0]",
		"an extension's own value": "Observation.extension[0].valueCode.extension[0]",
	}
	build := func(place, kind string) map[string]any {
		x := extensions[kind]
		res := map[string]any{"resourceType": "Observation", "id": "o1", "status": "final", "code": map[string]any{"text": "x"},
			"subject": map[string]any{"reference": "Patient/p1"}}
		switch place {
		case "the resource":
			res["extension"] = []any{x}
		case "a data type":
			res["code"] = map[string]any{"text": "x", "extension": []any{x}}
		case "a primitive element":
			res["_status"] = map[string]any{"extension": []any{x}}
		case "a backbone element":
			res["component"] = []any{map[string]any{"code": map[string]any{"text": "c"}, "valueString": "v", "extension": []any{x}}}
		case "an extension's own value":
			res["extension"] = []any{map[string]any{"url": dar, "valueCode": "unknown", "_valueCode": map[string]any{"extension": []any{x}}}}
		}
		return res
	}
	DescribeTable("passes ext-1 in every placement and format, and fails it with both or neither",
		func(kind string, fails bool) {
			for place, at := range places {
				got := placementErrors(e, st, build(place, kind), func(path string, f model.Finding) string {
					if f.Code != profile.CodeInvariant {
						return path + ": " + f.Code
					}
					return path + ": " + f.Message[:len("constraint ext-1")]
				})
				Expect(got).To(HaveLen(6))
				for name, errs := range got {
					Expect(errs).To(Equal(got["map walk"]), "%s, %s against the map walk", place, name)
				}
				var ext1 []string
				for _, m := range got["map walk"] {
					if m == at+": constraint ext-1" {
						ext1 = append(ext1, m)
					}
				}
				sort.Strings(ext1)
				if fails {
					Expect(ext1).To(HaveLen(1), "%s: %v", place, got["map walk"])
				} else {
					Expect(got["map walk"]).To(BeEmpty(), place)
				}
			}
		},
		Entry("a value present only by its companion (extensions, no value)", "a value by its companion", false),
		Entry("a value with its companion", "a value by its companion and value", false),
		Entry("a value", "a value", false),
		Entry("neither a value nor sub-extensions", "neither value nor extensions", true),
		Entry("a value's companion beside sub-extensions", "a value's companion and sub-extensions", true),
	)
})

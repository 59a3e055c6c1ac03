package profile_test

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/carecert/carecert/validators/profile"
)

// A discriminator path that runs through an element sliced again (a
// category slice's coding.code) asks of the item what each required nested
// slice sets there: all of them. When one is a required binding carecert
// cannot expand (not decided) and another a value the item surely lacks, the
// item is surely not in the slice, whichever the profile lists first, as
// a sure miss of one discriminator wins over another's undecided
// (sliceMatch). Before, the first expectation that failed answered, so an
// undecided binding listed first hid the sure rejection: the slice's
// minimum became "not decided" instead of an error.
var _ = Describe("a nested slice's sure rejection beside an undecided binding on the same discriminator path", func() {
	const ns = "http://example.org/StructureDefinition/"
	const unknownVS = "http://example.org/ValueSet/not-loaded"
	nested := func(url string, first, second string) map[string]any {
		slices := map[string]string{
			"a": `{"id": "Condition.category:cat.coding:a", "path": "Condition.category.coding", "sliceName": "a", "min": 1, "max": "1"}`,
			"b": `{"id": "Condition.category:cat.coding:b", "path": "Condition.category.coding", "sliceName": "b", "min": 1, "max": "1",
			  "patternCoding": {"system": "http://example.org/cs-b", "code": "y"}}`,
		}
		children := map[string]string{
			"a": `{"id": "Condition.category:cat.coding:a.code", "path": "Condition.category.coding.code", "min": 1,
			  "binding": {"strength": "required", "valueSet": "` + unknownVS + `"}}`,
			"b": `{"id": "Condition.category:cat.coding:b.code", "path": "Condition.category.coding.code"}`,
		}
		return diffProfile(ns+url, "Condition",
			`{"id": "Condition.category", "path": "Condition.category",
			  "slicing": {"discriminator": [{"type": "value", "path": "coding.code"}], "rules": "open"}}`,
			`{"id": "Condition.category:cat", "path": "Condition.category", "sliceName": "cat", "min": 1, "max": "*"}`,
			`{"id": "Condition.category:cat.coding", "path": "Condition.category.coding",
			  "slicing": {"discriminator": [{"type": "value", "path": "system"}], "rules": "open"}}`,
			slices[first], children[first], slices[second], children[second])
	}
	e := newEngine(nested("undecided-first", "a", "b"), nested("sure-first", "b", "a"))
	condition := func(url, codings string) string {
		return `{"resourceType": "Condition", "id": "r1", "meta": {"profile": ["` + ns + url + `"]},
			"subject": {"reference": "Patient/1"}, "category": [{"coding": [` + codings + `]}]}`
	}
	local := `{"system": "http://example.org/cs", "code": "x"}`
	wanted := `{"system": "http://example.org/cs-b", "code": "y"}`
	cases := []undecidedCase{
		{"lacking the nested slice's value, the undecided binding's slice listed first (before: not decided)", condition("undecided-first", local), []string{profile.CodeSlicing + " .category"}, false},
		{"lacking the nested slice's value, the undecided binding's slice listed second", condition("sure-first", local), []string{profile.CodeSlicing + " .category"}, false},
		{"holding the nested slice's value, the binding undecided, listed first", condition("undecided-first", local+", "+wanted), nil, true},
		{"holding the nested slice's value, the binding undecided, listed second", condition("sure-first", local+", "+wanted), nil, true},
	}
	itJudgesUndecided(e, cases)
})

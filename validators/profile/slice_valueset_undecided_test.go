package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// A value or pattern discriminator whose slice gives no value but a
// required binding takes an item for the slice when the item's code is in
// the binding's value set (R4 §5.1.0.5 discriminators; the reference
// validator checks membership). When carecert cannot expand that value set
// (it comes from a guide that is not loaded, as US Core's category value
// sets behind mCODE's Condition profiles, or is defined by what carecert
// does not hold), whether the item belongs is not decided: the slice's
// minimum and a closed slicing are then carecert's limit, a warning, never
// the supplier's error. A value set it can expand still decides, and an
// item with no code is in none.
var _ = Describe("slices discriminated by a value set carecert cannot expand", func() {
	const ns = "http://example.org/StructureDefinition/"
	const unknownVS = "http://example.org/ValueSet/not-loaded"
	const knownVS = "http://hl7.org/fhir/ValueSet/condition-category"
	sliced := func(url, rules, discriminator, valueSet string, min int) map[string]any {
		return diffProfile(ns+url, "Condition",
			`{"id": "Condition.category", "path": "Condition.category",
			  "slicing": {"discriminator": [{"type": "`+discriminator+`", "path": "$this"}], "rules": "`+rules+`"}}`,
			`{"id": "Condition.category:cat", "path": "Condition.category", "sliceName": "cat", "min": `+string(rune('0'+min))+`, "max": "*",
			  "binding": {"strength": "required", "valueSet": "`+valueSet+`"}}`)
	}
	e := newEngine(
		sliced("open-unknown", "open", "pattern", unknownVS, 1),
		sliced("open-unknown-value", "open", "value", unknownVS, 1),
		sliced("closed-unknown", "closed", "pattern", unknownVS, 0),
		sliced("open-known", "open", "pattern", knownVS, 1),
		sliced("closed-known", "closed", "pattern", knownVS, 0),
	)
	condition := func(url, category string) string {
		return `{"resourceType": "Condition", "id": "r1", "meta": {"profile": ["` + ns + url + `"]},
			"subject": {"reference": "Patient/1"}, "category": [` + category + `]}`
	}
	problem := `{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "problem-list-item"}]}`
	other := `{"coding": [{"system": "http://example.org/cs", "code": "x"}]}`
	textOnly := `{"text": "a problem"}`
	// The cases marked "before" were errors on the code before.
	cases := []undecidedCase{
		{"a required slice of a value set not loaded, pattern discriminator (before)", condition("open-unknown", problem), nil, true},
		{"a required slice of a value set not loaded, value discriminator (before)", condition("open-unknown-value", other), nil, true},
		{"a closed slicing whose only slice's value set is not loaded (before)", condition("closed-unknown", problem), nil, true},
		{"a required slice of a value set not loaded, the item has no code", condition("open-unknown", textOnly), []string{profile.CodeSlicing + " .category"}, false},
		{"a required slice of an expandable value set holding the code", condition("open-known", problem), nil, false},
		{"a required slice of an expandable value set not holding the code", condition("open-known", other), []string{profile.CodeSlicing + " .category"}, false},
		{"a closed slicing of an expandable value set not holding the code", condition("closed-known", other), []string{profile.CodeSlicing + " .category[0]"}, false},
	}
	itJudgesUndecided(e, cases)
})

// undecidedCase is a resource, its errors ("code .path" below the resource)
// and whether a slicing warning says what carecert did not decide.
type undecidedCase struct {
	name, resource string
	errors         []string
	undecided      bool
}

// itJudgesUndecided runs each case in every placement, in JSON and XML.
func itJudgesUndecided(e *profile.Engine, cases []undecidedCase) {
	for _, c := range cases {
		for _, pl := range placements("Condition", "r1") {
			for _, format := range []string{"json", "xml"} {
				It(c.name+", "+pl.name+", in "+format, func() {
					Expect(pl.errors(e, format, c.resource)).To(ConsistOf(pl.paths(c.errors)))
					var undecided []model.Finding
					for _, f := range bundleAllFindings(e, inFormat(format, pl.place(c.resource))) {
						if f.Severity == model.Warning && f.Code == profile.CodeSlicing {
							undecided = append(undecided, f)
						}
					}
					if c.undecided {
						Expect(undecided).To(ContainElement(WithTransform(func(f model.Finding) string { return f.Message }, ContainSubstring("not decided"))))
					} else {
						Expect(undecided).To(BeEmpty())
					}
				})
			}
		}
	}
}

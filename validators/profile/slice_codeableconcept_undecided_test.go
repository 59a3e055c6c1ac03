package profile_test

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/carecert/carecert/validators/profile"
)

// A CodeableConcept is in a value set when one of its codings is (FHIRPath
// memberOf, a required binding's slice): it is not in it only when every
// coding with a code is decidably outside. A coding carecert cannot decide
// (a SNOMED CT code, whose hierarchy the value set filters on, with no
// release loaded) leaves the concept undecided even beside a coding that is
// decidably outside, as the terminology engine's CodeableConcept says
// (terminology.Engine.CodeableConcept): carecert's limit, a warning, never
// the supplier's error.
var _ = Describe("a CodeableConcept's membership when one coding cannot be decided", func() {
	const ns = "http://example.org/StructureDefinition/"
	// clinical-findings is SNOMED CT below 404684003, by filter.
	const snomedVS = "http://hl7.org/fhir/ValueSet/clinical-findings"
	e := newEngine(diffProfile(ns+"coded", "Condition",
		`{"id": "Condition.category", "path": "Condition.category",
		  "slicing": {"discriminator": [{"type": "pattern", "path": "$this"}], "rules": "open"}}`,
		`{"id": "Condition.category:finding", "path": "Condition.category", "sliceName": "finding", "min": 1, "max": "*",
		  "binding": {"strength": "required", "valueSet": "`+snomedVS+`"}}`))
	condition := func(codings ...string) string {
		cc := `{"coding": [`
		for i, c := range codings {
			if i > 0 {
				cc += ", "
			}
			cc += c
		}
		cc += `]}`
		return `{"resourceType": "Condition", "id": "r1", "meta": {"profile": ["` + ns + `coded"]},
			"subject": {"reference": "Patient/1"}, "category": [` + cc + `]}`
	}
	local := `{"system": "http://example.org/cs", "code": "x"}`
	snomed := `{"system": "http://snomed.info/sct", "code": "22298006"}`
	cases := []undecidedCase{
		{"a local coding beside a SNOMED CT coding carecert cannot decide (before: an error)", condition(local, snomed), nil, true},
		{"a SNOMED CT coding beside a local one (before: an error)", condition(snomed, local), nil, true},
		{"a SNOMED CT coding alone", condition(snomed), nil, true},
		{"a local coding alone, decidably outside", condition(local), []string{profile.CodeSlicing + " .category"}, false},
	}
	itJudgesUndecided(e, cases)
})

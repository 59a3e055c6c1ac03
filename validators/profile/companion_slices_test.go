package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/validators/profile"
)

// A primitive can be given by its "_" companion alone (R4 §2.6.2.3 JSON,
// §2.6.3 XML: an element with extensions and no value), as the IPS examples
// give a data-absent-reason in place of a dateTime. It is still a value of
// its element, and a slice can claim it: by its type under a type-sliced
// choice (the IPS slices Procedure.performed[x] and AllergyIntolerance
// .onset[x] so). The engine sliced only the values and walked the
// companions too, and panicked (index out of range) on every such record.
var _ = Describe("a sliced primitive given only by its extensions", func() {
	const ns = "http://example.org/StructureDefinition/"
	dar := `{"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}]}`
	e := newEngine(
		diffProfile(ns+"procedure-performed", "Procedure",
			`{"id": "Procedure.performed[x]", "path": "Procedure.performed[x]", "min": 1,
			  "slicing": {"discriminator": [{"type": "type", "path": "$this"}], "rules": "open"}}`,
			`{"id": "Procedure.performed[x]:performedDateTime", "path": "Procedure.performed[x]", "sliceName": "performedDateTime",
			  "min": 0, "max": "1", "type": [{"code": "dateTime"}]}`),
		diffProfile(ns+"allergy-onset", "AllergyIntolerance",
			`{"id": "AllergyIntolerance.onset[x]", "path": "AllergyIntolerance.onset[x]",
			  "slicing": {"discriminator": [{"type": "type", "path": "$this"}], "rules": "open"}}`,
			`{"id": "AllergyIntolerance.onset[x]:onsetDateTime", "path": "AllergyIntolerance.onset[x]", "sliceName": "onsetDateTime",
			  "min": 1, "max": "1", "type": [{"code": "dateTime"}]}`),
		diffProfile(ns+"patient-given", "Patient",
			`{"id": "Patient.name.given", "path": "Patient.name.given",
			  "slicing": {"discriminator": [{"type": "value", "path": "$this"}], "rules": "open"}}`,
			`{"id": "Patient.name.given:first", "path": "Patient.name.given", "sliceName": "first", "min": 0, "max": "1", "fixedString": "Ann"}`),
	)
	procedure := func(performed string) string {
		return `{"resourceType": "Procedure", "id": "r1", "meta": {"profile": ["` + ns + `procedure-performed"]},
			"status": "completed", "subject": {"reference": "Patient/1"}, ` + performed + `}`
	}
	allergy := func(onset string) string {
		return `{"resourceType": "AllergyIntolerance", "id": "r1", "meta": {"profile": ["` + ns + `allergy-onset"]},
			"clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": "active"}]},
			"patient": {"reference": "Patient/1"}, ` + onset + `}`
	}
	patient := func(given string) string {
		return `{"resourceType": "Patient", "id": "r1", "meta": {"profile": ["` + ns + `patient-given"]}, "name": [{` + given + `}]}`
	}
	// Each case: the resource and its errors (code, path below the
	// resource). The ones marked "before" panicked on the code before.
	cases := []struct {
		name, resource string
		errors         []string
		jsonOnly       bool
	}{
		{"a required choice given only by a data-absent-reason, under a type slice (before)", procedure(`"_performedDateTime": ` + dar), nil, false},
		{"a required choice given by its value, under a type slice", procedure(`"performedDateTime": "2024-05-01"`), nil, false},
		{"a type slice that requires a value, met by extensions alone (before)", allergy(`"_onsetDateTime": ` + dar), nil, false},
		{"a type slice that requires a value, met by another type", allergy(`"onsetString": "childhood"`), []string{profile.CodeSlicing + " .onsetString"}, false},
		{"a sliced repeating primitive, one item given by extensions alone", patient(`"given": [null, "Ann"], "_given": [` + dar + `, null]`), nil, false},
		// JSON alone can give a companion array longer than its values
		// (XML gives each item its own element).
		{"a sliced repeating primitive whose companions outnumber its values (before)", patient(`"given": ["Ann"], "_given": [null, ` + dar + `]`),
			[]string{profile.CodeCardinality + " .name[0].given"}, true},
	}
	for _, c := range cases {
		for _, pl := range placements(fhirType(c.resource), "r1") {
			for _, format := range []string{"json", "xml"} {
				if c.jsonOnly && format == "xml" {
					continue
				}
				It(c.name+", "+pl.name+", in "+format, func() {
					Expect(pl.errors(e, format, c.resource)).To(ConsistOf(pl.paths(c.errors)))
				})
			}
		}
	}
})

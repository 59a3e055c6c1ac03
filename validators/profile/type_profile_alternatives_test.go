package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/validators/profile"
)

// R4 §5.1.0.9 (ElementDefinition.type.profile): when a type names several
// profiles, the value must conform to at least one of them, each with its
// own root constraints; and a profile discriminator takes an item for a
// slice only when the item conforms to the slice's profile, its root
// constraints included. AU Base's identifiers are the family at large
// (Patient.identifier names ten Identifier profiles, each with a root
// invariant on the value: an IHI is 16 digits, an ABN 11). The profiles
// below are our own.
var _ = Describe("root constraints of a type's alternative profiles", func() {
	const ns = "http://example.org/StructureDefinition/"
	digits := func(name, n string) map[string]any {
		p := diffProfile(ns+name, "Identifier",
			`{"id": "Identifier", "path": "Identifier", "constraint": [{"key": "`+name+`", "severity": "error",
			  "human": "the value is `+n+` digits", "expression": "value.matches('^[0-9]{`+n+`}$')"}]}`)
		p["kind"] = "complex-type"
		return p
	}
	patient := func(name, elements string) map[string]any {
		return diffProfile(ns+name, "Patient", elements)
	}
	identifiers := func(name string, profiles ...string) map[string]any {
		list := `"` + strings.Join(profiles, `", "`) + `"`
		return patient(name, `{"id": "Patient.identifier", "path": "Patient.identifier", "type": [{"code": "Identifier", "profile": [`+list+`]}]}`)
	}
	sliced := diffProfile(ns+"patient-sliced", "Patient",
		`{"id": "Patient.identifier", "path": "Patient.identifier", "slicing": {"discriminator": [{"type": "profile", "path": "$this"}], "rules": "open"}}`,
		`{"id": "Patient.identifier:eleven", "path": "Patient.identifier", "sliceName": "eleven", "min": 0, "max": "*",
		  "type": [{"code": "Identifier", "profile": ["`+ns+`id-eleven"]}]}`)
	slicedClosed := diffProfile(ns+"patient-sliced-closed", "Patient",
		`{"id": "Patient.identifier", "path": "Patient.identifier", "slicing": {"discriminator": [{"type": "profile", "path": "$this"}], "rules": "closed"}}`,
		`{"id": "Patient.identifier:eleven", "path": "Patient.identifier", "sliceName": "eleven", "min": 0, "max": "*",
		  "type": [{"code": "Identifier", "profile": ["`+ns+`id-eleven"]}]}`)
	e := newEngine(
		digits("id-eleven", "11"), digits("id-nine", "9"),
		identifiers("patient-either", ns+"id-eleven", ns+"id-nine"),
		identifiers("patient-or-base", "http://hl7.org/fhir/StructureDefinition/Identifier", ns+"id-eleven"),
		identifiers("patient-eleven", ns+"id-eleven"),
		sliced, slicedClosed,
	)

	resource := func(profileName, value string) string {
		return `{"resourceType": "Patient", "id": "p1", "meta": {"profile": ["` + ns + profileName + `"]},
			"identifier": [{"system": "http://example.org/ids", "value": "` + value + `"}]}`
	}
	// Each case: the profile claimed, the identifier's value, and the errors
	// (code and path below the placement) it must give. The first six failed
	// before: every alternative's root constraint was asked of every value,
	// and a profile discriminator ignored the slice profile's.
	cases := []struct {
		name, profile, value string
		errors               []string
	}{
		{"conforming to the first of two alternatives", "patient-either", "12345678901", nil},
		{"conforming to the second of two alternatives", "patient-either", "123456789", nil},
		{"conforming to neither alternative: one finding naming both", "patient-either", "12AB", []string{profile.CodeTypeProfile + " .identifier[0]"}},
		{"under alternatives that include the base type", "patient-or-base", "12AB", nil},
		{"not conforming to an open slice's profile: no slice, no error", "patient-sliced", "12AB", nil},
		{"not conforming to a closed slice's profile: matches no slice", "patient-sliced-closed", "12AB", []string{profile.CodeSlicing + " .identifier[0]"}},
		{"conforming to a slice's profile", "patient-sliced", "12345678901", nil},
		{"under one profile, its root constraint is the value's own", "patient-eleven", "12AB", []string{profile.CodeInvariant + " .identifier[0]"}},
		{"under one profile, conforming", "patient-eleven", "12345678901", nil},
	}
	for _, pl := range placements("Patient", "p1") {
		for _, format := range []string{"json", "xml"} {
			for _, c := range cases {
				It(c.name+", "+pl.name+", in "+format, func() {
					Expect(pl.errors(e, format, resource(c.profile, c.value))).To(ConsistOf(pl.paths(c.errors)))
				})
			}
		}
	}
})

// The core's own constraint profiles of a datatype (SimpleQuantity,
// MoneyQuantity) are alternatives like any other when a type names several:
// only the base type's own URL stands for "any value of the type". Before,
// the first core profile listed made every alternative go unchecked.
var _ = Describe("core constraint profiles among a type's alternatives", func() {
	const (
		ns     = "http://example.org/StructureDefinition/"
		core   = "http://hl7.org/fhir/StructureDefinition/"
		ucum   = "http://unitsofmeasure.org"
		iso    = "urn:iso:std:iso:4217"
		simple = core + "SimpleQuantity"
		money  = core + "MoneyQuantity"
	)
	mg := diffProfile(ns+"qty-mg", "Quantity",
		`{"id": "Quantity", "path": "Quantity", "constraint": [{"key": "qty-mg", "severity": "error",
		  "human": "the unit is mg", "expression": "code = 'mg'"}]}`)
	mg["kind"] = "complex-type"
	observation := func(name string, profiles ...string) map[string]any {
		list := `"` + strings.Join(profiles, `", "`) + `"`
		return diffProfile(ns+name, "Observation", `{"id": "Observation.value[x]", "path": "Observation.value[x]", "type": [{"code": "Quantity", "profile": [`+list+`]}]}`)
	}
	e := newEngine(mg,
		observation("obs-simple-or-money", simple, money),
		observation("obs-simple-or-mg", simple, ns+"qty-mg"),
		observation("obs-base-or-simple", core+"Quantity", simple),
	)
	resource := func(profileName, quantity string) string {
		return `{"resourceType": "Observation", "id": "o1", "meta": {"profile": ["` + ns + profileName + `"]},
			"status": "final", "code": {"text": "dose"}, "valueQuantity": ` + quantity + `}`
	}
	qty := func(comparator, system, code string) string {
		c := ""
		if comparator != "" {
			c = `"comparator": "` + comparator + `", `
		}
		return `{"value": 1, ` + c + `"system": "` + system + `", "code": "` + code + `"}`
	}
	none := []string{profile.CodeTypeProfile + " .valueQuantity"}
	// Each case: the profile claimed, the quantity, and the errors it must
	// give. The "none" rows gave no finding at all before.
	cases := []struct {
		name, profile, quantity string
		errors                  []string
	}{
		{"SimpleQuantity or MoneyQuantity, meeting SimpleQuantity only", "obs-simple-or-money", qty("", ucum, "mg"), nil},
		{"SimpleQuantity or MoneyQuantity, meeting MoneyQuantity only", "obs-simple-or-money", qty("<", iso, "USD"), nil},
		{"SimpleQuantity or MoneyQuantity, meeting both", "obs-simple-or-money", qty("", iso, "USD"), nil},
		{"SimpleQuantity or MoneyQuantity, meeting neither", "obs-simple-or-money", qty("<", ucum, "mg"), none},
		{"SimpleQuantity or an IG's profile, meeting SimpleQuantity only", "obs-simple-or-mg", qty("", ucum, "g"), nil},
		{"SimpleQuantity or an IG's profile, meeting the IG's only", "obs-simple-or-mg", qty("<", ucum, "mg"), nil},
		{"SimpleQuantity or an IG's profile, meeting both", "obs-simple-or-mg", qty("", ucum, "mg"), nil},
		{"SimpleQuantity or an IG's profile, meeting neither", "obs-simple-or-mg", qty("<", ucum, "g"), none},
		{"the base type among the alternatives: any Quantity", "obs-base-or-simple", qty("<", ucum, "g"), nil},
	}
	for _, pl := range placements("Observation", "o1") {
		for _, format := range []string{"json", "xml"} {
			for _, c := range cases {
				It(c.name+", "+pl.name+", in "+format, func() {
					Expect(pl.errors(e, format, resource(c.profile, c.quantity))).To(ConsistOf(pl.paths(c.errors)))
				})
			}
		}
	}
})

package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// A type profile that carries the elementdefinition-profile-element
// extension names one element of that profile, not its root (R4
// ElementDefinition.type.profile; the reference validator validates the
// value against that element). A library profile defines each component or
// section once; profiles reuse them as slices. The libraries, profiles and
// instances are our own.
var _ = Describe("type profiles naming an element of another profile", func() {
	const (
		library = "http://example.org/fhir/StructureDefinition/bp-component-library"
		panel   = "http://example.org/fhir/StructureDefinition/bp-panel"
		loinc   = "http://loinc.org"
	)
	// component is a library slice of Observation.component: a LOINC code
	// (the pattern that tells the slices apart), a Quantity value required,
	// in UCUM.
	component := func(name, code string) []string {
		return []string{
			`{"id": "Observation.component:` + name + `", "path": "Observation.component", "sliceName": "` + name + `"}`,
			`{"id": "Observation.component:` + name + `.code", "path": "Observation.component.code", "patternCodeableConcept": {"coding": [{"system": "` + loinc + `", "code": "` + code + `"}]}}`,
			`{"id": "Observation.component:` + name + `.value[x]", "path": "Observation.component.value[x]", "min": 1, "type": [{"code": "Quantity"}]}`,
			`{"id": "Observation.component:` + name + `.value[x].system", "path": "Observation.component.value[x].system", "min": 1, "fixedUri": "http://unitsofmeasure.org"}`,
		}
	}
	libraryElems := append([]string{
		`{"id": "Observation.component", "path": "Observation.component", "slicing": {"discriminator": [{"type": "pattern", "path": "code"}], "rules": "open"}}`,
	}, append(component("systolic", "8480-6"), component("diastolic", "8462-4")...)...)
	// use is a slice typed by an element of a profile.
	use := func(slice, profileURL, element string) string {
		return `{"id": "Observation.component:` + slice + `", "path": "Observation.component", "sliceName": "` + slice + `", "min": 1, "max": "1",
			"type": [{"code": "BackboneElement", "profile": ["` + profileURL + `"],
			"_profile": [{"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/elementdefinition-profile-element", "valueString": "` + element + `"}]}]}]}`
	}
	panelProfile := diffProfile(panel, "Observation",
		`{"id": "Observation.component", "path": "Observation.component", "slicing": {"discriminator": [{"type": "pattern", "path": "code"}], "rules": "closed"}}`,
		use("sys", library, "Observation.component:systolic"),
		use("dia", library, "Observation.component:diastolic"),
		// the profile's own constraint on a child, on top of the library's
		`{"id": "Observation.component:dia.interpretation", "path": "Observation.component.interpretation", "min": 1}`)
	e := newEngine(diffProfile(library, "Observation", libraryElems...), panelProfile)

	quantity := func(v string) string {
		return `"valueQuantity": {"value": ` + v + `, "unit": "mm[Hg]", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}`
	}
	comp := func(code string, rest ...string) string {
		return `{"code": {"coding": [{"system": "` + loinc + `", "code": "` + code + `"}]}` + strings.Join(append([]string{""}, rest...), ", ") + `}`
	}
	const high = `"interpretation": [{"text": "high"}]`
	observation := func(components ...string) string {
		return `{"resourceType": "Observation", "status": "final", "code": {"coding": [{"system": "http://example.org/codes", "code": "bp-check"}]},
			"subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2024-05-01", "component": [` + strings.Join(components, ", ") + `]}`
	}

	It("assigns each item to the slice whose named element its code matches, and accepts what those elements allow", func() {
		Expect(validate(e, observation(comp("8480-6", quantity("142")), comp("8462-4", quantity("91"), high)), panel)).To(BeEmpty())
		// order does not matter: the slicing is not ordered
		Expect(validate(e, observation(comp("8462-4", quantity("91"), high), comp("8480-6", quantity("142"))), panel)).To(BeEmpty())
	})

	It("holds each item to its named element's children: cardinality and fixed values", func() {
		Expect(validate(e, observation(comp("8480-6"), comp("8462-4", quantity("91"), high)), panel)).To(ConsistOf(
			saying(model.Error, profile.CodeCardinality, "Observation.component[0].value[x]", "required")))
		wrongSystem := `"valueQuantity": {"value": 91, "unit": "mm[Hg]", "system": "http://example.org/units", "code": "mm[Hg]"}`
		Expect(validate(e, observation(comp("8480-6", quantity("142")), comp("8462-4", wrongSystem, high)), panel)).To(ConsistOf(
			at(model.Error, profile.CodeFixed, "Observation.component[1].valueQuantity.system")))
	})

	It("applies the using profile's own constraints on the slice's children as well", func() {
		Expect(validate(e, observation(comp("8480-6", quantity("142")), comp("8462-4", quantity("91"))), panel)).To(ConsistOf(
			saying(model.Error, profile.CodeCardinality, "Observation.component[1].interpretation", "required")))
	})

	It("finds a required slice missing, and an item no named element matches in a closed slicing", func() {
		Expect(validate(e, observation(comp("8480-6", quantity("142"))), panel)).To(ConsistOf(
			saying(model.Error, profile.CodeSlicing, "Observation.component", `slice "dia"`)))
		Expect(validate(e, observation(comp("8480-6", quantity("142")), comp("8462-4", quantity("91"), high), comp("8867-4", quantity("70"))), panel)).To(ConsistOf(
			saying(model.Error, profile.CodeSlicing, "Observation.component[2]", "closed")))
	})

	It("follows a named element that itself names an element, at any depth", func() {
		const sections = "http://example.org/fhir/StructureDefinition/section-library"
		const note = "http://example.org/fhir/StructureDefinition/care-plan-note"
		typed := func(id, path, slice, min, element string) string {
			return `{"id": "` + id + `", "path": "` + path + `", "sliceName": "` + slice + `", "min": ` + min + `,
				"type": [{"code": "BackboneElement", "profile": ["` + sections + `"],
				"_profile": [{"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/elementdefinition-profile-element", "valueString": "` + element + `"}]}]}]}`
		}
		lib := diffProfile(sections, "Composition",
			`{"id": "Composition.section", "path": "Composition.section", "slicing": {"discriminator": [{"type": "value", "path": "title"}], "rules": "open"}}`,
			`{"id": "Composition.section:plan", "path": "Composition.section", "sliceName": "plan"}`,
			`{"id": "Composition.section:plan.title", "path": "Composition.section.title", "fixedString": "Plan"}`,
			`{"id": "Composition.section:plan.section", "path": "Composition.section.section", "slicing": {"discriminator": [{"type": "value", "path": "title"}], "rules": "open"}}`,
			typed("Composition.section:plan.section:followUp", "Composition.section.section", "followUp", "1", "Composition.section:followUp"),
			`{"id": "Composition.section:followUp", "path": "Composition.section", "sliceName": "followUp"}`,
			`{"id": "Composition.section:followUp.title", "path": "Composition.section.title", "fixedString": "Follow-up"}`,
			`{"id": "Composition.section:followUp.orderedBy", "path": "Composition.section.orderedBy", "min": 1}`)
		doc := diffProfile(note, "Composition",
			`{"id": "Composition.section", "path": "Composition.section", "slicing": {"discriminator": [{"type": "value", "path": "title"}], "rules": "open"}}`,
			typed("Composition.section:plan", "Composition.section", "plan", "1", "Composition.section:plan"))
		e := newEngine(lib, doc)
		const narrative = `"text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Rest.</div>"}`
		composition := func(followUp string) string {
			return `{"resourceType": "Composition", "status": "final", "type": {"text": "care plan"}, "date": "2024-05-01", "title": "Plan",
				"author": [{"display": "Dr A"}], "section": [{"title": "Plan", "section": [` + followUp + `]}]}`
		}
		Expect(validate(e, composition(`{"title": "Follow-up", "orderedBy": {"text": "priority"}, `+narrative+`}`), note)).To(BeEmpty())
		Expect(validate(e, composition(`{"title": "Follow-up", `+narrative+`}`), note)).To(ConsistOf(
			saying(model.Error, profile.CodeCardinality, "Composition.section[0].section[0].orderedBy", "required")))
		Expect(validate(e, composition(`{"title": "Other", `+narrative+`}`), note)).To(ConsistOf(
			saying(model.Error, profile.CodeSlicing, "Composition.section[0].section", `slice "followUp"`)))
	})

	It("says, as a warning, that a value was not checked when the named element does not exist", func() {
		broken := diffProfile("http://example.org/fhir/StructureDefinition/bp-broken", "Observation",
			`{"id": "Observation.component", "path": "Observation.component", "slicing": {"discriminator": [{"type": "pattern", "path": "code"}], "rules": "open"}}`,
			use("sys", library, "Observation.component:nosuch"))
		e := newEngine(diffProfile(library, "Observation", libraryElems...), broken)
		fs := validate(e, observation(comp("8480-6", quantity("142"))), "http://example.org/fhir/StructureDefinition/bp-broken")
		Expect(fs).To(ContainElement(saying(model.Warning, profile.CodeProfile, "Observation.component[0]", "Observation.component:nosuch")))
		Expect(fs).NotTo(ContainElement(WithTransform(func(f model.Finding) model.Severity { return f.Severity }, Equal(model.Error))))
	})

	Context("when a type names several profiles, some by element", func() {
		// Any component of the panel is one of the library's: the value
		// conforms if it conforms to any of them, as type profiles do.
		const either = "http://example.org/fhir/StructureDefinition/bp-either"
		anyOf := func(elements ...string) string {
			var profiles, exts []string
			for _, el := range elements {
				profiles = append(profiles, `"`+library+`"`)
				exts = append(exts, `{"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/elementdefinition-profile-element", "valueString": "`+el+`"}]}`)
			}
			return `{"id": "Observation.component", "path": "Observation.component",
				"type": [{"code": "BackboneElement", "profile": [` + strings.Join(profiles, ", ") + `], "_profile": [` + strings.Join(exts, ", ") + `]}]}`
		}
		lib := diffProfile(library, "Observation", libraryElems...)

		It("accepts a value that conforms to any one of the named elements", func() {
			e := newEngine(lib, diffProfile(either, "Observation", anyOf("Observation.component:systolic", "Observation.component:diastolic")))
			Expect(validate(e, observation(comp("8480-6", quantity("142")), comp("8462-4", quantity("91"))), either)).To(BeEmpty())
		})

		It("rejects a value that conforms to none, naming each element tried", func() {
			e := newEngine(lib, diffProfile(either, "Observation", anyOf("Observation.component:systolic", "Observation.component:diastolic")))
			Expect(validate(e, observation(comp("8867-4", quantity("70"))), either)).To(ConsistOf(
				saying(model.Error, profile.CodeTypeProfile, "Observation.component[0]", library+"#Observation.component:diastolic")))
			// the right code, but what the element requires of it is missing
			Expect(validate(e, observation(comp("8480-6")), either)).To(ConsistOf(
				saying(model.Error, profile.CodeTypeProfile, "Observation.component[0]", "Observation.component:systolic")))
		})

		It("leaves the question undecided, as a warning, when one named element cannot be found", func() {
			e := newEngine(lib, diffProfile(either, "Observation", anyOf("Observation.component:systolic", "Observation.component:nosuch")))
			Expect(validate(e, observation(comp("8480-6", quantity("142"))), either)).To(ConsistOf(
				saying(model.Warning, profile.CodeProfile, "Observation.component[0]", "Observation.component:nosuch")))
			fs := validate(e, observation(comp("8462-4", quantity("91"))), either)
			Expect(fs).To(ContainElement(at(model.Warning, profile.CodeTypeProfile, "Observation.component[0]")))
			Expect(fs).NotTo(ContainElement(WithTransform(func(f model.Finding) model.Severity { return f.Severity }, Equal(model.Error))))
		})

		It("weighs a whole datatype profile and an element of another profile as alternatives alike", func() {
			const described = "http://example.org/fhir/StructureDefinition/described-concept"
			const coded = "http://example.org/fhir/StructureDefinition/bp-coded"
			const mixed = "http://example.org/fhir/StructureDefinition/bp-mixed"
			text := diffProfile(described, "CodeableConcept", `{"id": "CodeableConcept.text", "path": "CodeableConcept.text", "min": 1}`)
			text["kind"] = "complex-type"
			codedProfile := diffProfile(coded, "Observation",
				`{"id": "Observation.code", "path": "Observation.code", "patternCodeableConcept": {"coding": [{"system": "`+loinc+`", "code": "2339-0"}]}}`)
			mixedProfile := diffProfile(mixed, "Observation",
				`{"id": "Observation.code", "path": "Observation.code", "type": [{"code": "CodeableConcept", "profile": ["`+described+`", "`+coded+`"],
					"_profile": [null, {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/elementdefinition-profile-element", "valueString": "Observation.code"}]}]}]}`)
			e := newEngine(text, codedProfile, mixedProfile)
			withCode := func(code string) string {
				return `{"resourceType": "Observation", "status": "final", "code": ` + code + `, "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2024-05-01"}`
			}
			Expect(validate(e, withCode(`{"text": "blood pressure"}`), mixed)).To(BeEmpty())
			Expect(validate(e, withCode(`{"coding": [{"system": "`+loinc+`", "code": "2339-0"}]}`), mixed)).To(BeEmpty())
			Expect(validate(e, withCode(`{"coding": [{"system": "`+loinc+`", "code": "718-7"}]}`), mixed)).To(ConsistOf(
				saying(model.Error, profile.CodeTypeProfile, "Observation.code", described)))
		})
	})
})

package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// R4 §5.1.0.5 (Slicing): a discriminator names a path in each item and the
// slice's definition says what must be found there. The slices below are our
// own; each family has an item that belongs and one that does not.
var _ = Describe("slicing discriminators", func() {
	slicing := func(fs []model.Finding) []model.Finding { return withCode(profile.CodeSlicing, fs) }
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

	Context("a type discriminator on a choice inside extension('url'), whose URL has dots", func() {
		const url = "http://example.org/StructureDefinition/name-typed-by-extension"
		const ext = "http://example.org/fhir/ext.v1.kind"
		slice := func(name, typ string) []string {
			return []string{
				`{"id": "Patient.name:` + name + `", "path": "Patient.name", "sliceName": "` + name + `", "max": "1"}`,
				`{"id": "Patient.name:` + name + `.extension", "path": "Patient.name.extension", "slicing": {"discriminator": [{"type": "value", "path": "url"}], "rules": "open"}}`,
				`{"id": "Patient.name:` + name + `.extension:kind", "path": "Patient.name.extension", "sliceName": "kind", "min": 1, "max": "1"}`,
				`{"id": "Patient.name:` + name + `.extension:kind.url", "path": "Patient.name.extension.url", "fixedUri": "` + ext + `"}`,
				`{"id": "Patient.name:` + name + `.extension:kind.value[x]", "path": "Patient.name.extension.value[x]", "type": [{"code": "` + typ + `"}]}`,
			}
		}
		elements := []string{`{"id": "Patient.name", "path": "Patient.name",
			  "slicing": {"discriminator": [{"type": "type", "path": "extension('` + ext + `').value"}], "rules": "closed"}}`}
		elements = append(elements, slice("coded", "code")...)
		elements = append(elements, slice("written", "string")...)
		e := newEngine(diffProfile(url, "Patient", elements...))
		name := func(value string) string {
			return `{"resourceType": "Patient", "name": [{"family": "Ng", "extension": [{"url": "` + ext + `", ` + value + `}]}]}`
		}

		It("reads the type from the value's JSON name inside the named extension", func() {
			Expect(slicing(validate(e, name(`"valueCode": "a"`), url))).To(BeEmpty())
			Expect(slicing(validate(e, name(`"valueString": "a"`), url))).To(BeEmpty())
		})

		It("rejects a value of a type no slice allows", func() {
			fs := slicing(validate(e, name(`"valueBoolean": true`), url))
			Expect(fs).To(ConsistOf(at(model.Error, profile.CodeSlicing, "Patient.name[0]")))
			Expect(fs[0].Message).To(ContainSubstring(`is of type "boolean"`))
		})
	})

	Context("a value discriminator on an element a slice forbids (max 0)", func() {
		const url = "http://example.org/StructureDefinition/telecom-kinds"
		e := newEngine(diffProfile(url, "Patient",
			`{"id": "Patient.telecom", "path": "Patient.telecom",
			  "slicing": {"discriminator": [{"type": "value", "path": "system"}, {"type": "value", "path": "use"}], "rules": "closed"}}`,
			`{"id": "Patient.telecom:home", "path": "Patient.telecom", "sliceName": "home", "max": "1"}`,
			`{"id": "Patient.telecom:home.system", "path": "Patient.telecom.system", "fixedCode": "phone"}`,
			`{"id": "Patient.telecom:home.use", "path": "Patient.telecom.use", "fixedCode": "home"}`,
			`{"id": "Patient.telecom:email", "path": "Patient.telecom", "sliceName": "email", "max": "1"}`,
			`{"id": "Patient.telecom:email.system", "path": "Patient.telecom.system", "fixedCode": "email"}`,
			`{"id": "Patient.telecom:email.use", "path": "Patient.telecom.use", "max": "0"}`))

		It("puts an item without the element in the slice", func() {
			Expect(slicing(validate(e, `{"resourceType": "Patient", "telecom": [{"system": "phone", "value": "1", "use": "home"},
				{"system": "email", "value": "a@b.org"}]}`, url))).To(BeEmpty())
		})

		It("keeps an item that has it out of the slice", func() {
			fs := slicing(validate(e, `{"resourceType": "Patient", "telecom": [{"system": "email", "value": "a@b.org", "use": "work"}]}`, url))
			Expect(fs).To(ConsistOf(at(model.Error, profile.CodeSlicing, "Patient.telecom[0]")))
			Expect(fs[0].Message).To(ContainSubstring(`use is "work", the slice forbids it`))
		})
	})

	Context("profile discriminators", func() {
		const url = "http://example.org/StructureDefinition/category-by-profile"
		const local = "http://example.org/StructureDefinition/local-coding"
		const note = "http://example.org/StructureDefinition/fixed-note"
		datatype := func(url, typ string, elements ...string) map[string]any {
			p := diffProfile(url, typ, elements...)
			p["kind"] = "complex-type"
			if typ == "string" {
				p["kind"] = "primitive-type"
			}
			return p
		}
		e := newEngine(
			datatype(local, "Coding", `{"id": "Coding.system", "path": "Coding.system", "fixedUri": "http://example.org/local"}`),
			datatype(note, "string", `{"id": "string", "path": "string", "fixedString": "reviewed"}`),
			diffProfile(url, "Observation",
				`{"id": "Observation.category", "path": "Observation.category",
				  "slicing": {"discriminator": [{"type": "profile", "path": "coding"}, {"type": "profile", "path": "text"}], "rules": "closed"}}`,
				`{"id": "Observation.category:local", "path": "Observation.category", "sliceName": "local", "max": "1"}`,
				`{"id": "Observation.category:local.coding", "path": "Observation.category.coding", "min": 1, "type": [{"code": "Coding", "profile": ["`+local+`"]}]}`,
				`{"id": "Observation.category:noted", "path": "Observation.category", "sliceName": "noted", "max": "1"}`,
				`{"id": "Observation.category:noted.text", "path": "Observation.category.text", "min": 1, "type": [{"code": "string", "profile": ["`+note+`"]}]}`))
		obs := func(categories string) string {
			return `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "category": [` + categories + `]}`
		}

		It("assigns items by the profile their coding or text conforms to; a discriminator the slice leaves open is met", func() {
			Expect(slicing(validate(e, obs(`{"coding": [{"system": "http://example.org/local", "code": "a"}]}, {"text": "reviewed"}`), url))).To(BeEmpty())
		})

		It("rejects an item that conforms to none, or lacks the element a slice profiles", func() {
			fs := slicing(validate(e, obs(`{"coding": [{"system": "http://example.org/other", "code": "a"}]}, {"text": "draft"}`), url))
			Expect(fs).To(ConsistOf(at(model.Error, profile.CodeSlicing, "Observation.category[0]"), at(model.Error, profile.CodeSlicing, "Observation.category[1]")))
			Expect(fs[1].Message).To(And(ContainSubstring("coding is absent, the slice requires it to conform to "+local),
				ContainSubstring("text does not conform to "+note)))
		})

		It("matches Bundle entries only to slices whose profile constrains their resource type", func() {
			const bundle = "http://example.org/StructureDefinition/people-bundle"
			const person = "http://example.org/StructureDefinition/named-patient"
			const carer = "http://example.org/StructureDefinition/named-practitioner"
			e := newEngine(
				diffProfile(person, "Patient", `{"id": "Patient.name", "path": "Patient.name", "min": 1}`),
				diffProfile(carer, "Practitioner", `{"id": "Practitioner.name", "path": "Practitioner.name", "min": 1}`),
				diffProfile(bundle, "Bundle",
					`{"id": "Bundle.entry", "path": "Bundle.entry", "slicing": {"discriminator": [{"type": "profile", "path": "resource"}], "rules": "open"}}`,
					`{"id": "Bundle.entry:patient", "path": "Bundle.entry", "sliceName": "patient", "min": 1, "max": "1"}`,
					`{"id": "Bundle.entry:patient.resource", "path": "Bundle.entry.resource", "type": [{"code": "Patient", "profile": ["`+person+`"]}]}`,
					`{"id": "Bundle.entry:carer", "path": "Bundle.entry", "sliceName": "carer", "min": 1, "max": "2"}`,
					`{"id": "Bundle.entry:carer.resource", "path": "Bundle.entry.resource", "type": [{"code": "Practitioner", "profile": ["`+carer+`"]}]}`))
			entry := func(typ, id string) string {
				return `{"fullUrl": "http://example.org/fhir/` + typ + `/` + id + `", "resource": {"resourceType": "` + typ + `", "id": "` + id + `", "name": [{"family": "Ng"}]}}`
			}
			Expect(slicing(validate(e, `{"resourceType": "Bundle", "type": "collection", "entry": [`+
				entry("Patient", "a")+`,`+entry("Practitioner", "b")+`,`+entry("Practitioner", "c")+`]}`, bundle))).To(BeEmpty())
			fs := slicing(validate(e, `{"resourceType": "Bundle", "type": "collection", "entry": [`+entry("Patient", "a")+`]}`, bundle))
			Expect(fs).To(ConsistOf(at(model.Error, profile.CodeSlicing, "Bundle.entry")))
			Expect(fs[0].Message).To(ContainSubstring(`slice "carer" of entry requires at least 1 value(s) but 0 matched`))
		})
	})
})

// A type discriminator through resolve() matches a referenced resource to
// the slice whose target types allow it, read from the compiled type as a
// reference's targets are: a versioned type (…/Organization|4.0.1) is that
// type, a profile (a guide's practitioner profile) the type it constrains.
// The Observation refers to entries of its Bundle and to contained
// resources, in JSON and XML.
var _ = Describe("a type discriminator through resolve(), by the target types of each slice", func() {
	const ns = "http://example.net/fhir/StructureDefinition/"
	e := newEngine(
		diffProfile(ns+"gp-practitioner", "Practitioner",
			`{"id": "Practitioner.name", "path": "Practitioner.name", "min": 1}`),
		diffProfile(ns+"performers", "Observation",
			`{"id": "Observation.performer", "path": "Observation.performer", "slicing": {"discriminator": [{"type": "type", "path": "$this.resolve()"}], "rules": "closed"}}`,
			`{"id": "Observation.performer:gp", "path": "Observation.performer", "sliceName": "gp", "min": 1, "max": "1",
				"type": [{"code": "Reference", "targetProfile": ["`+ns+`gp-practitioner"]}]}`,
			`{"id": "Observation.performer:lab", "path": "Observation.performer", "sliceName": "lab", "min": 0, "max": "1",
				"type": [{"code": "Reference", "targetProfile": ["http://hl7.org/fhir/StructureDefinition/Organization|4.0.1"]}]}`),
		// a catch-all slice beside gp: a reference to any resource
		diffProfile(ns+"performers-and-others", "Observation",
			`{"id": "Observation.performer", "path": "Observation.performer", "slicing": {"discriminator": [{"type": "type", "path": "$this.resolve()"}], "rules": "closed"}}`,
			`{"id": "Observation.performer:gp", "path": "Observation.performer", "sliceName": "gp", "min": 1, "max": "1",
				"type": [{"code": "Reference", "targetProfile": ["http://hl7.org/fhir/StructureDefinition/Practitioner"]}]}`,
			`{"id": "Observation.performer:others", "path": "Observation.performer", "sliceName": "others", "min": 0, "max": "*",
				"type": [{"code": "Reference", "targetProfile": ["http://hl7.org/fhir/StructureDefinition/Resource"]}]}`),
		// the gp slice's target profile is in no guide loaded: the type it
		// constrains is not known
		diffProfile(ns+"performers-elsewhere", "Observation",
			`{"id": "Observation.performer", "path": "Observation.performer", "slicing": {"discriminator": [{"type": "type", "path": "$this.resolve()"}], "rules": "closed"}}`,
			`{"id": "Observation.performer:gp", "path": "Observation.performer", "sliceName": "gp", "min": 1, "max": "1",
				"type": [{"code": "Reference", "targetProfile": ["`+ns+`not-in-any-guide"]}]}`),
	)
	const base = "https://fhir.oakfield-trust.nhs.uk/R4/"
	observation := func(contained string, performers ...string) string {
		refs := ""
		for i, p := range performers {
			if i > 0 {
				refs += ", "
			}
			refs += `{"reference": "` + p + `"}`
		}
		return `{"resourceType": "Observation", "id": "o1", "meta": {"profile": ["` + ns + `performers"]},` + contained + `
			"status": "final", "code": {"text": "glucose"}, "subject": {"reference": "Patient/p1"}, "performer": [` + refs + `]}`
	}
	const others = `{"fullUrl": "` + base + `Practitioner/dr", "resource": {"resourceType": "Practitioner", "id": "dr", "name": [{"family": "Okafor"}]}},
		{"fullUrl": "` + base + `Organization/lab", "resource": {"resourceType": "Organization", "id": "lab", "name": "Lab"}},
		{"fullUrl": "` + base + `Patient/p1", "resource": {"resourceType": "Patient", "id": "p1"}}`
	inBundle := func(obs string) string {
		return `{"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "` + base + `Observation/o1", "resource": ` + obs + `}, ` + others + `]}`
	}
	const containedOnes = ` "contained": [{"resourceType": "Practitioner", "id": "dr", "name": [{"family": "Okafor"}]}, {"resourceType": "Organization", "id": "lab", "name": "Lab"}, {"resourceType": "Patient", "id": "p2"}],`
	for _, format := range []string{"json", "xml"} {
		It("matches entries of the Bundle to their slices, in "+format, func() {
			Expect(slicingFindings(e, inFormat(format, inBundle(observation("", "Practitioner/dr", "Organization/lab"))))).To(BeEmpty())
			Expect(slicingFindings(e, inFormat(format, inBundle(observation("", "Practitioner/dr"))))).To(BeEmpty())
			Expect(slicingFindings(e, inFormat(format, inBundle(observation("", "Practitioner/dr", "Patient/p1"))))).To(ConsistOf("error Observation.performer[1]"))
		})
		It("matches contained resources to their slices, in "+format, func() {
			Expect(slicingFindings(e, inFormat(format, observation(containedOnes, "#dr", "#lab")))).To(BeEmpty())
			Expect(slicingFindings(e, inFormat(format, observation(containedOnes, "#dr", "#p2")))).To(ConsistOf("error Observation.performer[1]"))
		})
		It("says which target types a slice wanted of a target it rejected, in "+format, func() {
			var messages []string
			for _, f := range bundleAllFindings(e, inFormat(format, inBundle(observation("", "Practitioner/dr", "Patient/p1")))) {
				if f.Code == profile.CodeSlicing {
					messages = append(messages, f.Message)
				}
			}
			Expect(messages).To(ConsistOf(And(
				ContainSubstring(`slice "gp": $this.resolve() is of type "Patient", the slice requires a reference to Practitioner`),
				ContainSubstring(`slice "lab": $this.resolve() is of type "Patient", the slice requires a reference to Organization`))))
		})
		It("matches any target to a slice of references to any resource, in "+format, func() {
			others := func(obs string) string { return strings.Replace(obs, ns+"performers", ns+"performers-and-others", 1) }
			Expect(slicingFindings(e, inFormat(format, inBundle(others(observation("", "Practitioner/dr", "Patient/p1", "Organization/lab")))))).To(BeEmpty())
			Expect(slicingFindings(e, inFormat(format, others(observation(containedOnes, "#dr", "#p2"))))).To(BeEmpty())
		})
		It("leaves a target undecided, a warning, where the slice's target profile is not loaded, in "+format, func() {
			elsewhere := func(obs string) string { return strings.Replace(obs, ns+"performers", ns+"performers-elsewhere", 1) }
			undecided := []string{"warning Observation.performer[0]", "warning Observation.performer"}
			Expect(slicingFindings(e, inFormat(format, inBundle(elsewhere(observation("", "Practitioner/dr")))))).To(ConsistOf(undecided))
			Expect(slicingFindings(e, inFormat(format, elsewhere(observation(containedOnes, "#lab"))))).To(ConsistOf(undecided))
		})
	}
})

// slicingFindings are the slicing findings of a document read as a user's
// file is (a Bundle's entries each a record), as "severity path".
func slicingFindings(e *profile.Engine, src string) []string {
	out := []string{}
	for _, f := range bundleAllFindings(e, src) {
		if f.Code == profile.CodeSlicing {
			out = append(out, f.Severity.String()+" "+f.Path)
		}
	}
	return out
}

// A profile discriminator whose slice names a profile carecert does not hold
// cannot tell whether an item belongs to it: that is carecert's limit, said
// as a warning, never a closed slicing's or a slice minimum's error. A
// profile it holds still decides.
var _ = Describe("a profile discriminator naming a profile that is not loaded", func() {
	const ns = "http://example.net/fhir/StructureDefinition/"
	sliced := func(name, target string) map[string]any {
		return diffProfile(ns+name, "Observation",
			`{"id": "Observation.performer", "path": "Observation.performer", "slicing": {"discriminator": [{"type": "profile", "path": "$this.resolve()"}], "rules": "closed"}}`,
			`{"id": "Observation.performer:gp", "path": "Observation.performer", "sliceName": "gp", "min": 1, "max": "1",
				"type": [{"code": "Reference", "targetProfile": ["`+target+`"]}]}`)
	}
	e := newEngine(
		diffProfile(ns+"named-practitioner", "Practitioner", `{"id": "Practitioner.name", "path": "Practitioner.name", "min": 1}`),
		sliced("by-missing-profile", ns+"not-in-any-guide"),
		sliced("by-held-profile", ns+"named-practitioner"),
	)
	const base = "https://fhir.oakfield-trust.nhs.uk/R4/"
	bundle := func(profileName, practitioner string) string {
		return `{"resourceType": "Bundle", "type": "collection", "entry": [
			{"fullUrl": "` + base + `Observation/o1", "resource": {"resourceType": "Observation", "id": "o1", "meta": {"profile": ["` + ns + profileName + `"]},
				"status": "final", "code": {"text": "glucose"}, "performer": [{"reference": "Practitioner/dr"}]}},
			{"fullUrl": "` + base + `Practitioner/dr", "resource": ` + practitioner + `}]}`
	}
	const named = `{"resourceType": "Practitioner", "id": "dr", "name": [{"family": "Okafor"}]}`
	const unnamed = `{"resourceType": "Practitioner", "id": "dr"}`
	for _, format := range []string{"json", "xml"} {
		It("warns that it was not decided, in "+format, func() {
			Expect(slicingFindings(e, inFormat(format, bundle("by-missing-profile", named)))).To(ConsistOf("warning Observation.performer[0]", "warning Observation.performer"))
		})
		It("decides by a profile it holds, in "+format, func() {
			Expect(slicingFindings(e, inFormat(format, bundle("by-held-profile", named)))).To(BeEmpty())
			Expect(slicingFindings(e, inFormat(format, bundle("by-held-profile", unnamed)))).To(ConsistOf("error Observation.performer[0]", "error Observation.performer"))
		})
	}
})

package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/validators/profile"
)

// A target profile carecert cannot read names a type it does not know: a
// reference or canonical to something the element's other targets do not
// allow may be allowed by it, so that is not decided (a warning, carecert's
// limit), neither passed unsaid nor failed; nor is a target that meets none
// of the loaded target profiles of its type. What the loaded targets decide
// stays decided. In a Bundle and contained, in JSON and XML.
var _ = Describe("target profiles carecert cannot read", func() {
	const ns = "http://example.net/fhir/StructureDefinition/"
	const core = "http://hl7.org/fhir/StructureDefinition/"
	const missing = ns + "not-in-any-guide"
	targets := func(name, typ, element, code string, urls ...string) map[string]any {
		list := `"` + urls[0] + `"`
		for _, u := range urls[1:] {
			list += `, "` + u + `"`
		}
		return diffProfile(ns+name, typ, `{"id": "`+element+`", "path": "`+element+`", "type": [{"code": "`+code+`", "targetProfile": [`+list+`]}]}`)
	}
	e := newEngine(
		diffProfile(ns+"named-practitioner", "Practitioner", `{"id": "Practitioner.name", "path": "Practitioner.name", "min": 1}`),
		targets("subject-or-unread", "Observation", "Observation.subject", "Reference", core+"Patient", missing),
		targets("subject-patient", "Observation", "Observation.subject", "Reference", core+"Patient"),
		targets("subject-unread", "Observation", "Observation.subject", "Reference", missing),
		targets("performer-or-unread", "Observation", "Observation.performer", "Reference", ns+"named-practitioner", missing),
		targets("performer-named", "Observation", "Observation.performer", "Reference", ns+"named-practitioner"),
		targets("value-set-or-unread", "Parameters", "Parameters.parameter.value[x]", "canonical", core+"ValueSet", missing),
		targets("value-set", "Parameters", "Parameters.parameter.value[x]", "canonical", core+"ValueSet"),
	)
	const base = "https://fhir.oakfield-trust.nhs.uk/R4/"
	observation := func(profileName, element, target string) string {
		return `{"resourceType": "Observation", "id": "o1", "meta": {"profile": ["` + ns + profileName + `"]}, "status": "final", "code": {"text": "glucose"}, "` +
			element + `": ` + target + `}`
	}
	// inBundle places the observation and the target it refers to as
	// entries of a Bundle; contained places the target in the observation.
	inBundle := func(profileName, element string, many bool, target string) string {
		ref := `{"reference": "` + fhirType(target) + `/t1"}`
		if many {
			ref = "[" + ref + "]"
		}
		return `{"resourceType": "Bundle", "type": "collection", "entry": [
			{"fullUrl": "` + base + `Observation/o1", "resource": ` + observation(profileName, element, ref) + `},
			{"fullUrl": "` + base + fhirType(target) + `/t1", "resource": ` + target + `}]}`
	}
	contained := func(profileName, element string, many bool, target string) string {
		ref := `{"reference": "#t1"}`
		if many {
			ref = "[" + ref + "]"
		}
		obs := observation(profileName, element, ref)
		return obs[:len(obs)-1] + `, "contained": [` + target + `]}`
	}
	refFindings := func(src string) []string {
		out := []string{}
		for _, f := range bundleAllFindings(e, src) {
			if f.Code == profile.CodeReference {
				out = append(out, f.Severity.String()+" "+f.Path)
			}
		}
		return out
	}
	const (
		patient    = `{"resourceType": "Patient", "id": "t1"}`
		device     = `{"resourceType": "Device", "id": "t1"}`
		named      = `{"resourceType": "Practitioner", "id": "t1", "name": [{"family": "Okafor"}]}`
		unnamed    = `{"resourceType": "Practitioner", "id": "t1"}`
		department = `{"resourceType": "Organization", "id": "t1", "name": "Cardiology"}`
	)
	DescribeTable("a reference's target, in a Bundle and contained, in JSON and XML",
		func(profileName, element string, many bool, target string, want string) {
			at := "Observation." + element
			if many {
				at += "[0]"
			}
			wanted := []string{}
			if want != "" {
				wanted = append(wanted, want+" "+at+".reference")
			}
			for _, format := range []string{"json", "xml"} {
				Expect(refFindings(inFormat(format, inBundle(profileName, element, many, target)))).To(ConsistOf(wanted), "a Bundle, "+format)
				Expect(refFindings(inFormat(format, contained(profileName, element, many, target)))).To(ConsistOf(wanted), "contained, "+format)
			}
		},
		Entry("a Patient, which a loaded target allows", "subject-or-unread", "subject", false, patient, ""),
		Entry("a Device, which only the unread target may allow: not decided", "subject-or-unread", "subject", false, device, "warning"),
		Entry("a Device, where the targets are all loaded and allow only a Patient", "subject-patient", "subject", false, device, "error"),
		Entry("a Device, where the only target is unread: not decided", "subject-unread", "subject", false, device, "warning"),
		Entry("a Practitioner meeting the loaded target profile", "performer-or-unread", "performer", true, named, ""),
		Entry("a Practitioner meeting none of the loaded target profiles, beside an unread one: not decided", "performer-or-unread", "performer", true, unnamed, "warning"),
		Entry("a Practitioner meeting none of them, all loaded", "performer-named", "performer", true, unnamed, "error"),
		Entry("an Organization, which only the unread target may allow: not decided", "performer-or-unread", "performer", true, department, "warning"),
	)

	// A parameter's value may be a canonical to anything; the profiles
	// narrow it.
	DescribeTable("a canonical naming a definition carecert holds, in JSON and XML",
		func(profileName, canonical string, want string) {
			q := `{"resourceType": "Parameters", "meta": {"profile": ["` + ns + profileName + `"]}, "parameter": [{"name": "answers", "valueCanonical": "` + canonical + `"}]}`
			wanted := []string{}
			if want != "" {
				wanted = append(wanted, want+" Parameters.parameter[0].valueCanonical")
			}
			for _, format := range []string{"json", "xml"} {
				Expect(refFindings(inFormat(format, q))).To(ConsistOf(wanted), format)
			}
		},
		Entry("a ValueSet, which a loaded target allows", "value-set-or-unread", "http://hl7.org/fhir/ValueSet/administrative-gender", ""),
		Entry("a CodeSystem, which only the unread target may allow: not decided", "value-set-or-unread", "http://hl7.org/fhir/administrative-gender", "warning"),
		Entry("a CodeSystem, where the targets are all loaded", "value-set", "http://hl7.org/fhir/administrative-gender", "error"),
	)
})

// fhirType is the resourceType of a resource written in a spec.
func fhirType(src string) string {
	res := record(src).Resource()
	t, _ := res["resourceType"].(string)
	return t
}

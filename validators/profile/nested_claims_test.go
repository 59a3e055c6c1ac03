package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// A resource is held to the profiles it claims (meta.profile) and those
// its content implies (R4 §8.1.1's vital signs) wherever it is placed: a
// contained resource and a parameter's resource as a record is (the
// reference validator starts every resource it validates the same way).
var _ = Describe("profiles a nested resource claims or implies", func() {
	e := newEngine()
	const heartRate = `"code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
		"subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2024-05-01",
		"valueQuantity": {"value": 60, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}`
	const category = `"category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}]`
	observation := func(meta, body string) string {
		return `{"resourceType": "Observation", "id": "o1", ` + meta + `"status": "final", ` + body + `}`
	}
	patient := func(meta string) string {
		return `{"resourceType": "Patient", "id": "o1", ` + meta + `"gender": "female"}`
	}
	contained := func(res string) string {
		return `{"resourceType": "Basic", "id": "b1", "contained": [` + res + `],
			"code": {"text": "carrier"}, "subject": {"reference": "#o1"}}`
	}
	parameter := func(res string) string {
		return `{"resourceType": "Parameters", "parameter": [{"name": "p", "resource": ` + res + `}]}`
	}
	alone := func(res string) string { return res }
	claims := func(p string) string { return `"meta": {"profile": ["` + p + `"]}, ` }
	const core = "http://hl7.org/fhir/StructureDefinition/"

	placements := []struct {
		name  string
		place func(string) string
		path  string
	}{
		{"alone", alone, ""},
		{"contained", contained, "Basic.contained[0]"},
		{"a parameter's resource", parameter, "Parameters.parameter[0].resource"},
	}

	for _, pl := range placements {
		It("holds the resource to them "+pl.name, func() {
			for _, c := range []struct {
				name, res, want string
			}{
				{"a heart rate without the vital-signs category (implied heartrate)", observation("", heartRate),
					".category: category is required (minimum 1) but absent (profile " + core + "heartrate, implied by LOINC 8867-4, R4 §8.1.1 vital signs)"},
				{"another Observation claiming vitalsigns without its category", observation(claims(core+"vitalsigns"), strings.Replace(heartRate, "8867-4", "2093-3", 1)),
					"(profile " + core + "vitalsigns)"},
				{"a Patient claiming an Observation profile", patient(claims(core + "bodyweight")),
					": resource is a Patient, but profile " + core + "bodyweight constrains Observation"},
			} {
				Expect(errorMessages(e, pl.place(c.res))).To(ContainElement(And(HavePrefix(pl.path), ContainSubstring(c.want))), c.name)
			}
			for _, c := range []struct{ name, res string }{
				{"a heart rate with its category", observation("", category+", "+heartRate)},
				{"a heart rate with its category claiming vitalsigns", observation(claims(core+"vitalsigns"), category+", "+heartRate)},
				{"a Patient claiming the core Patient profile", patient(claims(core + "Patient"))},
			} {
				Expect(errorMessages(e, pl.place(c.res))).To(BeEmpty(), c.name)
			}
		})
	}

	It("warns, never errs, when a nested resource claims a profile that is not loaded, and names where", func() {
		fs := validate(e, contained(patient(claims("https://fhir.oakfield-trust.nhs.uk/StructureDefinition/oak-patient"))))
		Expect(fs).To(ConsistOf(at(model.Warning, "profile.unknown-profile", "Basic.contained[0].meta.profile[0]")))
	})

	It("reports a finding the resource's type already gives once, not again for each profile it claims", func() {
		src := contained(`{"resourceType": "Observation", "id": "o1", ` + claims(core+"vitalsigns") + `"status": "finished", ` + category + `, ` + heartRate + `}`)
		var onStatus []string
		for _, f := range validate(e, src) {
			if f.Severity == model.Error && strings.HasPrefix(f.Path, "Basic.contained[0].status") {
				onStatus = append(onStatus, f.Message)
			}
		}
		Expect(onStatus).To(HaveLen(1), strings.Join(onStatus, "\n"))
	})
})

// A Bundle's entries are records of their own when the Bundle is one (the
// reader splits it, and a Bundle that is an entry, again); a Bundle held
// otherwise, as a parameter's resource, has no records for its entries,
// so its walk walks them.
var _ = Describe("the entries of a nested Bundle", func() {
	e := newEngine()
	bundle := func(gender string) string {
		return `{"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "https://fhir.oakfield-trust.nhs.uk/R4/Patient/p1",
			"resource": {"resourceType": "Patient", "id": "p1", "gender": "` + gender + `"}}]}`
	}
	parameter := func(res string) string {
		return `{"resourceType": "Parameters", "parameter": [{"name": "p", "resource": ` + res + `}]}`
	}

	It("walks the entries of a parameter's Bundle, which no reader makes records of", func() {
		Expect(errorPaths(e, parameter(bundle("femalee")))).To(ConsistOf("Parameters.parameter[0].resource.entry[0].resource.gender"))
		Expect(errorPaths(e, parameter(bundle("female")))).To(BeEmpty())
	})

	It("leaves the entries of the record's Bundle to their own records", func() {
		Expect(errorPaths(e, bundle("femalee"))).To(BeEmpty())
	})
})

// A reference inside a contained resource points at its container's
// contained resources, wherever the container is.
var _ = Describe("references between the contained resources of a nested resource", func() {
	e := newEngine()
	observation := func(practitioner string) string {
		return `{"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "glucose"},
			"contained": [{"resourceType": "Practitioner", "id": "p1"},
				{"resourceType": "PractitionerRole", "id": "r1", "practitioner": {"reference": "` + practitioner + `"}}],
			"performer": [{"reference": "#r1"}]}`
	}
	for _, pl := range []struct{ name, open, close, path string }{
		{"alone", "", "", "Observation"},
		{"a parameter's resource", `{"resourceType": "Parameters", "parameter": [{"name": "p", "resource": `, `}]}`, "Parameters.parameter[0].resource"},
		{"a nested Bundle's entry", `{"resourceType": "Parameters", "parameter": [{"name": "p", "resource": {"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "https://fhir.oakfield-trust.nhs.uk/R4/Observation/o1", "resource": `, `}]}}]}`, "Parameters.parameter[0].resource.entry[0].resource"},
	} {
		It("resolves them "+pl.name, func() {
			Expect(errorPaths(e, pl.open+observation("#p1")+pl.close)).To(BeEmpty())
			// #p2 names nothing, and leaves p1 referred to by nothing (dom-3)
			Expect(errorPaths(e, pl.open+observation("#p2")+pl.close)).To(ConsistOf(pl.path+".contained[1].practitioner.reference", pl.path))
		})
	}
})

// The references inside a nested Bundle's entries resolve among its
// entries, under the Bundle rules of its type, as the record's Bundle's do.
var _ = Describe("references inside a nested Bundle", func() {
	e := newEngine()
	const base = "https://fhir.oakfield-trust.nhs.uk/R4/"
	document := func(entryRef string) string {
		return `{"resourceType": "Bundle", "type": "document", "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:0c3a1a52-6f0e-4c3e-9d8e-2b9f4f3e8a11"},
			"timestamp": "2024-05-01T10:00:00Z", "entry": [
			{"fullUrl": "` + base + `Composition/c1", "resource": {"resourceType": "Composition", "id": "c1", "status": "final",
				"type": {"text": "note"}, "subject": {"reference": "Patient/p1"}, "date": "2024-05-01", "author": [{"reference": "Patient/p1"}], "title": "Note",
				"section": [{"title": "Findings", "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">p</div>"}, "entry": [{"reference": "` + entryRef + `"}]}]}},
			{"fullUrl": "` + base + `Patient/p1", "resource": {"resourceType": "Patient", "id": "p1"}}]}`
	}
	parameter := func(res string) string {
		return `{"resourceType": "Parameters", "parameter": [{"name": "p", "resource": ` + res + `}]}`
	}

	It("resolves a document's section entry among the nested document's entries", func() {
		Expect(errorMessages(e, parameter(document("Patient/p1")))).To(BeEmpty())
		Expect(errorMessages(e, parameter(document("Patient/p9")))).To(ContainElement(
			HavePrefix("Parameters.parameter[0].resource.entry[0].resource.section[0].entry[0].reference: ")))
	})

	It("holds a relative reference in a nested Bundle's entry to a form its fullUrl resolves", func() {
		collection := func(ref string) string {
			return `{"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "` + base + `Observation/o1",
				"resource": {"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "x"}, "subject": {"reference": "` + ref + `"}}}]}`
		}
		Expect(errorMessages(e, parameter(collection("Patient/p1")))).To(BeEmpty())
		Expect(errorMessages(e, parameter(collection("Patient/p1/_history")))).To(ConsistOf(And(
			HavePrefix("Parameters.parameter[0].resource.entry[0].resource.subject.reference: "), ContainSubstring("cannot be resolved against the entry's fullUrl"))))
	})
})

// errorMessages is the error findings of a resource as "path: message".
func errorMessages(e *profile.Engine, src string) []string {
	var out []string
	for _, f := range validate(e, src) {
		if f.Severity == model.Error {
			out = append(out, f.Path+": "+f.Message)
		}
	}
	return out
}

// errorPaths is where a resource's error findings are.
func errorPaths(e *profile.Engine, src string) []string {
	var out []string
	for _, f := range validate(e, src) {
		if f.Severity == model.Error {
			out = append(out, f.Path)
		}
	}
	return out
}

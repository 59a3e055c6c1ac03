package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// The section rules of a FHIR document that hold offline (R4 §3.3
// Documents, Composition cmp-1 and cmp-2, Bundle §2.36.4.1): every section,
// at any depth, has text, entries or sub-sections; only a section without
// entries says why it is empty; each entry resolves within the document; and a
// document profile's required sections are required when the Composition
// has none. The documents are our own.
var _ = Describe("document sections", func() {
	const patient = "urn:uuid:b0a5e4c2-2c4e-4a38-9d3c-1a5d3c0f7e11"
	const narrative = `"text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Stable.</div>"}`
	document := func(composition string) string {
		return `{"resourceType": "Bundle", "type": "document", "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"},
			"timestamp": "2024-05-01T10:00:00Z", "entry": [
			{"fullUrl": "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a", "resource": {"resourceType": "Composition", "status": "final", "type": {"text": "discharge note"},
			  "date": "2024-05-01", "title": "Discharge", "subject": {"reference": "` + patient + `"}, "author": [{"reference": "` + patient + `"}]` + composition + `}},
			{"fullUrl": "` + patient + `", "resource": {"resourceType": "Patient"}}]}`
	}
	sections := func(list ...string) string { return `, "section": [` + strings.Join(list, ", ") + `]` }
	// documentFindings validates each entry as a run does (records inside
	// the Bundle record, one sink) and keeps the errors and warnings.
	documentFindings := func(e *profile.Engine, src, profileURL string) []model.Finding {
		var out []model.Finding
		sink := &profile.Sink{}
		Expect(fhir.ReadStream("spec.json", strings.NewReader(src), func(r *model.Record) error {
			r.Load()
			url := ""
			if r.Type == "Composition" {
				url = profileURL
			}
			for _, f := range e.ValidateRecord(r, url, sink) {
				if f.Severity > model.Information {
					out = append(out, f)
				}
			}
			return nil
		})).To(Succeed())
		return out
	}
	e := newEngine()

	It("accepts sections with text, with entries that resolve, with sub-sections, and an empty one that says why", func() {
		Expect(documentFindings(e, document(sections(
			`{"title": "Summary", `+narrative+`}`,
			`{"title": "Patient", "entry": [{"reference": "`+patient+`"}]}`,
			`{"title": "Plan", "section": [{"title": "Follow-up", `+narrative+`}]}`,
			`{"title": "Allergies", "emptyReason": {"text": "nil known"}, `+narrative+`}`)), "")).To(BeEmpty())
	})

	It("rejects a section with neither text, entries nor sub-sections, at any depth", func() {
		Expect(documentFindings(e, document(sections(`{"title": "Empty"}`)), "")).To(ConsistOf(
			saying(model.Error, profile.CodeInvariant, "Composition.section[0]", "cmp-1")))
		Expect(documentFindings(e, document(sections(`{"title": "Plan", "section": [{"title": "Inner"}]}`)), "")).To(ConsistOf(
			saying(model.Error, profile.CodeInvariant, "Composition.section[0].section[0]", "cmp-1")))
	})

	It("rejects an emptyReason on a section with entries", func() {
		Expect(documentFindings(e, document(sections(`{"title": "Allergies", "emptyReason": {"text": "nil known"}, "entry": [{"reference": "`+patient+`"}]}`)), "")).To(ConsistOf(
			saying(model.Error, profile.CodeInvariant, "Composition.section[0]", "cmp-2")))
		// R4's cmp-1 still wants text in a section that says why it is empty.
		Expect(documentFindings(e, document(sections(`{"title": "Allergies", "emptyReason": {"text": "nil known"}}`)), "")).To(ConsistOf(
			saying(model.Error, profile.CodeInvariant, "Composition.section[0]", "cmp-1")))
	})

	It("rejects a section entry the document does not contain", func() {
		Expect(documentFindings(e, document(sections(`{"title": "Results", "entry": [{"reference": "urn:uuid:a0a5e4c2-2c4e-4a38-9d3c-1a5d3c0f7e12"}]}`)), "")).To(ConsistOf(
			saying(model.Error, profile.CodeReference, "Composition.section[0].entry[0].reference", "is not found in the Bundle")))
	})

	It("requires the sections a document profile requires, also when the Composition has none", func() {
		const url = "http://registry.acme-health.test/StructureDefinition/discharge-composition"
		pe := newEngine(diffProfile(url, "Composition",
			`{"id": "Composition.section", "path": "Composition.section", "slicing": {"discriminator": [{"type": "pattern", "path": "code"}], "rules": "open"}}`,
			`{"id": "Composition.section:plan", "path": "Composition.section", "sliceName": "plan", "min": 1, "max": "1"}`,
			`{"id": "Composition.section:plan.code", "path": "Composition.section.code", "min": 1, "patternCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "18776-5"}]}}`))
		plan := `{"title": "Plan", "code": {"coding": [{"system": "http://loinc.org", "code": "18776-5"}]}, ` + narrative + `}`
		Expect(documentFindings(pe, document(sections(plan)), url)).To(BeEmpty())
		Expect(documentFindings(pe, document(""), url)).To(ConsistOf(
			saying(model.Error, profile.CodeSlicing, "Composition.section", `slice "plan" of section requires at least 1 value(s) but section is absent`)))
		Expect(documentFindings(pe, document(sections(`{"title": "Summary", `+narrative+`}`)), url)).To(ConsistOf(
			saying(model.Error, profile.CodeSlicing, "Composition.section", `slice "plan" of section requires at least 1 value(s) but 0 matched`)))
	})
})

package profile_test

import (
	"encoding/json"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// R4 §8.1.1: a vital sign recorded under a more specific code (an oral
// temperature, a heart rate by pulse oximetry, SNOMED CT's body
// temperature) still carries the sign's own LOINC code, so such an
// Observation is held to the sign's profile as one coded with that LOINC
// code is; the reference validator does the same.
var _ = Describe("vital-sign profiles implied by a more specific code", func() {
	e := newEngine()
	st := profile.NewStreamer(e)
	coding := func(system, code string) any { return map[string]any{"system": system, "code": code} }
	const ln, sct = "http://loinc.org", "http://snomed.info/sct"
	quantity := func(v, unit string) map[string]any {
		return map[string]any{"value": json.Number(v), "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}
	}
	observation := func(codings []any, unit string) map[string]any {
		res := map[string]any{
			"resourceType": "Observation", "id": "vs1", "status": "final",
			"category": []any{map[string]any{"coding": []any{coding("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")}}},
			"code":     map[string]any{"coding": codings},
			"subject":  map[string]any{"reference": "Patient/p1"}, "effectiveDateTime": "2025-05-09T11:54:00Z",
		}
		if unit == "mm[Hg]" {
			res["component"] = []any{
				map[string]any{"code": map[string]any{"coding": []any{coding(ln, "8480-6")}}, "valueQuantity": quantity("120", unit)},
				map[string]any{"code": map[string]any{"coding": []any{coding(ln, "8462-4")}}, "valueQuantity": quantity("80", unit)},
			}
		} else {
			res["valueQuantity"] = quantity("37.1", unit)
		}
		return res
	}

	errorsIn := func(res map[string]any) map[string][]string {
		return placementErrors(e, st, res, func(path string, f model.Finding) string { return path + ": " + f.Message })
	}
	// agreed returns the map walk's errors once every placement is shown
	// to give the same.
	agreed := func(codings []any, unit string) []string {
		got := errorsIn(observation(codings, unit))
		Expect(got).To(HaveLen(6))
		for name, errs := range got {
			Expect(errs).To(Equal(got["map walk"]), "%s against the map walk", name)
		}
		return got["map walk"]
	}

	DescribeTable("holds the Observation to the sign's profile in every placement, JSON and XML",
		func(codings []any, unit, broken string) {
			errs := agreed(codings, unit)
			if broken == "" {
				Expect(errs).To(BeEmpty())
				return
			}
			Expect(errs).To(ContainElement(ContainSubstring(broken)))
		},
		Entry("body temperature under its own LOINC code", []any{coding(ln, "8310-5")}, "Cel", ""),
		Entry("an oral temperature beside the body temperature code", []any{coding(ln, "8331-1"), coding(ln, "8310-5")}, "Cel", ""),
		Entry("SNOMED CT's body temperature beside the LOINC code", []any{coding(sct, "276885007"), coding(ln, "8310-5")}, "Cel", ""),
		Entry("a blood pressure of LOINC 55284-4 beside 85354-9", []any{coding(ln, "55284-4"), coding(ln, "85354-9")}, "mm[Hg]", ""),
		Entry("a SNOMED CT code that is no vital sign: nothing implied", []any{coding(sct, "27113001")}, "Cel", ""),
		Entry("a laboratory LOINC code: nothing implied", []any{coding(ln, "2339-0")}, "mg/dL", ""),

		Entry("an oral temperature alone", []any{coding(ln, "8331-1")}, "Cel",
			`code.coding: slice "BodyTempCode" of coding requires at least 1`),
		Entry("SNOMED CT's body temperature alone", []any{coding(sct, "276885007")}, "Cel",
			`code.coding: slice "BodyTempCode" of coding requires at least 1`),
		Entry("a heart rate by pulse oximetry alone", []any{coding(ln, "8889-8")}, "/min",
			`code.coding: slice "HeartRateCode" of coding requires at least 1`),
		Entry("SNOMED CT 271306003, listed under two signs, alone: respiratory rate, the reference's first",
			[]any{coding(sct, "271306003")}, "/min", `code.coding: slice "RespRateCode" of coding requires at least 1`),
		Entry("SNOMED CT's body mass index alone", []any{coding(sct, "60621009")}, "kg/m2",
			`code.coding: slice "BMICode" of coding requires at least 1`),
		Entry("a blood pressure of LOINC 55284-4 alone (as Synthea writes it)", []any{coding(ln, "55284-4")}, "mm[Hg]",
			`code.coding: slice "BPCode" of coding requires at least 1`),
		Entry("an oral temperature in kilograms: the profile's unit binds too", []any{coding(ln, "8331-1"), coding(ln, "8310-5")}, "kg",
			"valueQuantity"),
	)

	// The reference validator implies one profile per Observation: of the
	// codings that name a sign, the first LOINC one's by the signs' order
	// (vitalspanel, resprate, heartrate, oxygensat, bodytemp, ...), else
	// the first SNOMED CT one's by the same order, whatever the codings'
	// own order. sign is the profile every error names ("" for none).
	DescribeTable("holds an Observation coded as several signs to one, as the reference picks it",
		func(codings []any, unit, sign string, broken string) {
			errs := agreed(codings, unit)
			if sign == "" {
				Expect(errs).To(BeEmpty())
				return
			}
			Expect(errs).To(ContainElement(ContainSubstring(broken)))
			Expect(errs).To(HaveEach(ContainSubstring("(profile http://hl7.org/fhir/StructureDefinition/" + sign)))
		},
		Entry("LOINC body temperature and SNOMED CT heart rate, in Celsius: the LOINC coding's sign",
			[]any{coding(ln, "8310-5"), coding(sct, "249043002")}, "Cel", "", ""),
		Entry("the same codings the other way round",
			[]any{coding(sct, "249043002"), coding(ln, "8310-5")}, "Cel", "", ""),
		Entry("two LOINC signs, per minute: heart rate comes before body temperature",
			[]any{coding(ln, "8310-5"), coding(ln, "8867-4")}, "/min", "", ""),
		Entry("two LOINC signs in Celsius: held to heart rate's unit alone",
			[]any{coding(ln, "8867-4"), coding(ln, "8310-5")}, "Cel", "heartrate", "valueQuantity"),
		Entry("a more specific LOINC code of a later sign before a SNOMED CT code of an earlier one",
			[]any{coding(sct, "86290005"), coding(ln, "8331-1")}, "Cel", "bodytemp", `slice "BodyTempCode" of coding requires at least 1`),
		Entry("two SNOMED CT signs: heart rate before body temperature",
			[]any{coding(sct, "276885007"), coding(sct, "249043002")}, "/min", "heartrate", `slice "HeartRateCode" of coding requires at least 1`),
		Entry("SNOMED CT 271306003 beside LOINC heart rate: the LOINC coding's sign",
			[]any{coding(sct, "271306003"), coding(ln, "8867-4")}, "/min", "", ""),
		Entry("SNOMED CT 271306003 beside SNOMED CT heart rate: respiratory rate comes first",
			[]any{coding(sct, "249043002"), coding(sct, "271306003")}, "/min", "resprate", `slice "RespRateCode" of coding requires at least 1`),
		Entry("a sign's own code with a more specific one of the same sign",
			[]any{coding(ln, "8310-5"), coding(ln, "8331-1"), coding(sct, "276885007")}, "Cel", "", ""),
	)

	// A finding of an implied profile says which coding implied it, in
	// every placement; one the record claims in meta.profile does not.
	DescribeTable("names the coding a profile is implied by",
		func(codings []any, unit string, claimed bool, note string) {
			res := observation(codings, unit)
			if claimed {
				res["meta"] = map[string]any{"profile": []any{"http://hl7.org/fhir/StructureDefinition/bodytemp"}}
			}
			got := errorsIn(res)
			Expect(got).To(HaveLen(6))
			for name, errs := range got {
				Expect(errs).NotTo(BeEmpty(), name)
				Expect(errs).To(HaveEach(HaveSuffix(note)), name)
			}
		},
		Entry("a more specific LOINC code alone", []any{coding(ln, "8331-1")}, "Cel", false,
			"(profile http://hl7.org/fhir/StructureDefinition/bodytemp, implied by LOINC 8331-1, R4 §8.1.1 vital signs)"),
		Entry("a SNOMED CT code alone", []any{coding(sct, "276885007")}, "Cel", false,
			"(profile http://hl7.org/fhir/StructureDefinition/bodytemp, implied by SNOMED CT 276885007, R4 §8.1.1 vital signs)"),
		Entry("the first of two codings of the sign", []any{coding(sct, "1222808002"), coding(ln, "8331-1"), coding(ln, "8332-9")}, "Cel", false,
			"(profile http://hl7.org/fhir/StructureDefinition/bodytemp, implied by LOINC 8331-1, R4 §8.1.1 vital signs)"),
		Entry("the sign's own code in kg", []any{coding(ln, "8310-5")}, "kg", false,
			"(profile http://hl7.org/fhir/StructureDefinition/bodytemp, implied by LOINC 8310-5, R4 §8.1.1 vital signs)"),
		Entry("a profile the record also claims: its URL alone", []any{coding(ln, "8331-1")}, "Cel", true,
			"(profile http://hl7.org/fhir/StructureDefinition/bodytemp)"),
	)
})

// placementErrors validates an Observation in every placement (an NDJSON
// line through the stream path, the line's map form, XML, contained, the
// entry of a JSON and an XML Bundle) and returns each placement's errors,
// as show writes them with paths from the Observation, sorted.
func placementErrors(e *profile.Engine, st *profile.Streamer, res map[string]any, show func(path string, f model.Finding) string) map[string][]string {
	id, _ := res["id"].(string)
	out := map[string][]string{}
	messages := func(fs []model.Finding, prefix string) []string {
		m := []string{}
		for _, f := range fs {
			if f.Severity == model.Error {
				m = append(m, show(strings.Replace(f.Path, prefix, "Observation.", 1), f))
			}
		}
		sort.Strings(m)
		return m
	}
	src := line(res)
	rec := deferredLine(src, 0)
	var fs []model.Finding
	if !st.Prove(rec, &profile.Sink{}) {
		rec.Load()
		fs = e.ValidateRecord(rec, "", &profile.Sink{})
	}
	out["stream"] = messages(fs, "Observation.")
	out["map walk"] = messages(e.ValidateRecord(lineRecord(src, 0), "", &profile.Sink{}), "Observation.")

	contained := map[string]any{"resourceType": "Basic", "id": "b1", "contained": []any{res},
		"code": map[string]any{"text": "carrier"}, "subject": map[string]any{"reference": "#" + id}}
	out["contained"] = messages(e.ValidateRecord(lineRecord(line(contained), 0), "", &profile.Sink{}), "Basic.contained[0].")

	for name, doc := range documentsOf(res, "http://example.org/fhir/Observation/"+id) {
		if name != "alone.json" { // the NDJSON line's, above
			out[name] = messages(findingsFor(e, name, doc, "Observation"), "Bundle.entry[0].resource.")
		}
	}
	return out
}

// documentsOf writes a resource as the files a supplier may send it in: JSON
// and XML, alone and as the entry (with fullURL) of a collection Bundle.
func documentsOf(res map[string]any, fullURL string) map[string][]byte {
	bundle := map[string]any{"resourceType": "Bundle", "type": "collection",
		"entry": []any{map[string]any{"fullUrl": fullURL, "resource": res}}}
	out := map[string][]byte{"alone.json": line(res), "bundle.json": line(bundle)}
	for name, r := range map[string]map[string]any{"alone.xml": res, "bundle.xml": bundle} {
		xml, err := fhirxml.Encode(r)
		Expect(err).NotTo(HaveOccurred())
		out[name] = xml
	}
	return out
}

// findingsFor reads a document as the runner does and validates the records
// of type typ it holds.
func findingsFor(e *profile.Engine, name string, doc []byte, typ string) []model.Finding {
	var fs []model.Finding
	for _, r := range readRecords(name, doc) {
		if r.Type == typ {
			fs = append(fs, e.ValidateRecord(r, "", &profile.Sink{})...)
		}
	}
	return fs
}

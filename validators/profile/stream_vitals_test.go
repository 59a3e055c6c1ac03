package profile_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// vitalSign is a clean vital sign of the profile the LOINC code implies:
// body weight, with a value, or blood pressure, with its two components.
func vitalSign(loincCode string) map[string]any {
	coding := func(system, code string) map[string]any { return map[string]any{"system": system, "code": code} }
	concept := func(system, code string) map[string]any { return map[string]any{"coding": []any{coding(system, code)}} }
	quantity := func(v float64, unit string) map[string]any {
		return map[string]any{"value": json.Number(fmt.Sprint(v)), "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}
	}
	res := map[string]any{
		"resourceType": "Observation", "id": "vs1", "status": "final",
		"category":          []any{concept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")},
		"code":              concept("http://loinc.org", loincCode),
		"subject":           map[string]any{"reference": "Patient/p1"},
		"effectiveDateTime": "2025-05-09T11:54:00Z",
	}
	switch loincCode {
	case "85354-9":
		res["component"] = []any{
			map[string]any{"code": concept("http://loinc.org", "8480-6"), "valueQuantity": quantity(120, "mm[Hg]")},
			map[string]any{"code": concept("http://loinc.org", "8462-4"), "valueQuantity": quantity(80, "mm[Hg]")},
		}
	default:
		res["valueQuantity"] = quantity(55.6, "kg")
	}
	return res
}

// member returns the value a dotted path with [i] steps names in res, for a
// damage to change.
func member(res map[string]any, path string) map[string]any {
	var cur any = res
	for _, step := range strings.Split(path, ".") {
		name, index, _ := strings.Cut(strings.TrimSuffix(step, "]"), "[")
		cur = cur.(map[string]any)[name]
		if index != "" {
			var i int
			fmt.Sscan(index, &i)
			cur = cur.([]any)[i]
		}
	}
	return cur.(map[string]any)
}

// seen is what one placement of a vital sign gives: its findings as the
// report says them, relative to the resource, and the must-support
// coverage counted.
type seen struct {
	findings []string
	coverage map[string]profile.Coverage
}

func seenOf(fs []model.Finding, sink *profile.Sink, prefix string) seen {
	out := seen{findings: []string{}, coverage: map[string]profile.Coverage{}}
	for _, f := range fs {
		out.findings = append(out.findings, fmt.Sprintf("%s %s %s: %s", f.Severity, f.Code, strings.TrimPrefix(f.Path, prefix), f.Message))
	}
	for url, c := range sink.Coverage {
		out.coverage[url] = *c
	}
	return out
}

// readRecords reads a document as the runner does, and returns the records
// it holds.
func readRecords(name string, doc []byte) []*model.Record {
	var recs []*model.Record
	Expect(fhir.ReadStream(name, bytes.NewReader(doc), func(r *model.Record) error {
		recs = append(recs, r)
		return nil
	})).To(Succeed())
	return recs
}

// failedAt reads a document as the runner does, validates every record it
// holds and returns the paths where constraint key failed.
func failedAt(e *profile.Engine, name string, doc []byte, key string) []string {
	var paths []string
	for _, r := range readRecords(name, doc) {
		for _, f := range e.ValidateRecord(r, "", &profile.Sink{}) {
			if strings.Contains(f.Message, "constraint "+key+" failed") {
				paths = append(paths, f.Path)
			}
		}
	}
	return paths
}

var _ = Describe("vital signs on the stream path: the implied profile compiled into the scan", func() {
	e := newEngine()
	st := profile.NewStreamer(e)

	// placements validates one vital sign as an NDJSON line (proved by the
	// stream path where it can, walked otherwise, as the fhir-profile check
	// runs it), as the same line walked on its map form, as an XML file and
	// as the entry of a JSON and an XML Bundle; it returns what each gave and
	// whether the line was proved without being decoded.
	placements := func(res map[string]any) (map[string]seen, bool) {
		src := line(res)
		out := map[string]seen{}

		var proving profile.Sink
		rec := deferredLine(src, 0)
		proved := st.Prove(rec, &proving)
		var fs []model.Finding
		if !proved {
			rec.Load()
			fs = e.ValidateRecord(rec, "", &proving)
		}
		out["stream"] = seenOf(fs, &proving, "")
		undecoded := proved && rec.Deferred()

		var walking profile.Sink
		out["map walk"] = seenOf(e.ValidateRecord(lineRecord(src, 0), "", &walking), &walking, "")

		xml, err := fhirxml.Encode(res)
		Expect(err).NotTo(HaveOccurred())
		bundle := map[string]any{"resourceType": "Bundle", "type": "collection",
			"entry": []any{map[string]any{"fullUrl": "http://example.org/fhir/Observation/vs1", "resource": res}}}
		bundleXML, err := fhirxml.Encode(bundle)
		Expect(err).NotTo(HaveOccurred())
		for _, p := range []struct {
			name string
			doc  []byte
		}{{"xml.xml", xml}, {"bundle.json", line(bundle)}, {"bundle.xml", bundleXML}} {
			var sink profile.Sink
			var fs []model.Finding
			for _, r := range readRecords(p.name, p.doc) {
				Expect(r.Problem).To(BeNil(), p.name)
				if r.Type == "Observation" {
					fs = append(fs, e.ValidateRecord(r, "", &sink)...)
				}
			}
			out[p.name] = seenOf(fs, &sink, "Bundle.entry[0].resource.")
		}
		return out, undecoded
	}

	DescribeTable("gives the map walk's findings, paths and must-support coverage in every placement, and proves only what the walk finds clean",
		func(loincCode string, damage func(map[string]any), broken string) {
			res := vitalSign(loincCode)
			if damage != nil {
				damage(res)
			}
			got, undecoded := placements(res)
			want := got["map walk"]
			for name, g := range got {
				Expect(g).To(Equal(want), "%s against the map walk of the line", name)
			}
			if broken == "" {
				Expect(want.findings).To(BeEmpty())
				Expect(undecoded).To(BeTrue(), "a clean vital sign is proved from its bytes, never decoded")
				Expect(want.coverage).To(HaveLen(1), "the implied profile's must-support coverage is counted")
				return
			}
			Expect(undecoded).To(BeFalse())
			Expect(strings.Join(want.findings, "\n")).To(ContainSubstring(broken), "the damage is the finding the table says")
		},
		// clean: the compiled form decides these without the walk
		Entry("body weight", "29463-7", nil, ""),
		Entry("blood pressure", "85354-9", nil, ""),
		Entry("a second coding of the code beside the LOINC slice (open slicing)", "29463-7", func(r map[string]any) {
			member(r, "code")["coding"] = append(member(r, "code")["coding"].([]any), map[string]any{"system": "http://snomed.info/sct", "code": "27113001"})
		}, ""),
		Entry("a second category beside VSCat", "29463-7", func(r map[string]any) {
			r["category"] = append([]any{map[string]any{"text": "measured at home"}}, r["category"].([]any)...)
		}, ""),
		Entry("an effective period (vs-1 asks only of a dateTime)", "29463-7", func(r map[string]any) {
			delete(r, "effectiveDateTime")
			r["effectivePeriod"] = map[string]any{"start": "2025-05-09", "end": "2025-05-10"}
		}, ""),
		Entry("an effective period with times and only a start", "29463-7", func(r map[string]any) {
			delete(r, "effectiveDateTime")
			r["effectivePeriod"] = map[string]any{"start": "2025-05-09T11:54:00Z"}
		}, ""),
		Entry("an effective time precise to the day", "29463-7", func(r map[string]any) {
			r["effectiveDateTime"] = "2025-05-09"
		}, ""),
		Entry("a data absent reason in place of the value", "29463-7", func(r map[string]any) {
			delete(r, "valueQuantity")
			r["dataAbsentReason"] = map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "unknown"}}}
		}, ""),
		Entry("a blood pressure component with a data absent reason", "85354-9", func(r map[string]any) {
			c := member(r, "component[1]")
			delete(c, "valueQuantity")
			c["dataAbsentReason"] = map[string]any{"text": "not measured"}
		}, ""),
		Entry("a third blood pressure component (open slicing)", "85354-9", func(r map[string]any) {
			r["component"] = append(r["component"].([]any), map[string]any{"code": map[string]any{"text": "mean"}, "valueQuantity": map[string]any{"value": json.Number("93")}})
		}, ""),
		Entry("members the profile holds as the base type does (performer, interpretation, issued)", "29463-7", func(r map[string]any) {
			r["performer"] = []any{map[string]any{"reference": "Practitioner/pr1"}}
			r["interpretation"] = []any{map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "N"}}}}
			r["issued"] = "2025-05-09T12:24:00.000Z"
		}, ""),

		// each constraint of the profiles broken once
		Entry("category without the VSCat slice", "29463-7", func(r map[string]any) {
			member(r, "category[0].coding[0]")["code"] = "laboratory"
		}, `slice "VSCat" of category requires at least 1`),
		Entry("VSCat's code under another system", "29463-7", func(r map[string]any) {
			member(r, "category[0].coding[0]")["system"] = "http://example.org/categories"
		}, `slice "VSCat" of category requires at least 1`),
		Entry("the LOINC code twice (its slice is 1..1)", "29463-7", func(r map[string]any) {
			member(r, "code")["coding"] = append(member(r, "code")["coding"].([]any), map[string]any{"system": "http://loinc.org", "code": "29463-7", "display": "Body weight"})
		}, `slice "BodyWeightCode" of coding allows at most 1`),
		Entry("no subject", "29463-7", func(r map[string]any) { delete(r, "subject") }, "Observation.subject: subject is required"),
		Entry("a subject other than a Patient", "29463-7", func(r map[string]any) {
			r["subject"] = map[string]any{"reference": "Group/g1"}
		}, "Observation.subject"),
		Entry("no effective time", "29463-7", func(r map[string]any) { delete(r, "effectiveDateTime") }, "Observation.effective"),
		Entry("an effective time precise to the month (vs-1)", "29463-7", func(r map[string]any) {
			r["effectiveDateTime"] = "2025-05"
		}, "constraint vs-1 failed"),
		Entry("an effective time precise to the year (vs-1)", "29463-7", func(r map[string]any) {
			r["effectiveDateTime"] = "2025"
		}, "constraint vs-1 failed"),
		Entry("a blood pressure's effective time precise to the month (vs-1)", "85354-9", func(r map[string]any) {
			r["effectiveDateTime"] = "2025-05"
		}, "constraint vs-1 failed"),
		Entry("an effective instant (the profile allows a dateTime or a Period)", "29463-7", func(r map[string]any) {
			delete(r, "effectiveDateTime")
			r["effectiveInstant"] = "2025-05-09T11:54:00.000Z"
		}, "effectiveInstant"),
		Entry("an effective Timing (the profile allows a dateTime or a Period)", "29463-7", func(r map[string]any) {
			delete(r, "effectiveDateTime")
			r["effectiveTiming"] = map[string]any{"event": []any{"2025-05-09T11:54:00Z"}}
		}, "effectiveTiming"),
		Entry("a value without its number", "29463-7", func(r map[string]any) { delete(member(r, "valueQuantity"), "value") }, "Observation.valueQuantity"),
		Entry("a value without its unit", "29463-7", func(r map[string]any) { delete(member(r, "valueQuantity"), "unit") }, "Observation.valueQuantity"),
		Entry("a value in another unit system (fixed UCUM)", "29463-7", func(r map[string]any) {
			member(r, "valueQuantity")["system"] = "http://example.org/units"
		}, "Observation.valueQuantity.system"),
		Entry("a value in a unit outside the profile's required value set", "29463-7", func(r map[string]any) {
			member(r, "valueQuantity")["code"], member(r, "valueQuantity")["unit"] = "m", "m"
		}, "Observation.valueQuantity.code"),
		Entry("a value of another type (value[x] sliced by type, closed)", "29463-7", func(r map[string]any) {
			delete(r, "valueQuantity")
			r["valueString"] = "55.6 kg"
		}, "valueString"),
		Entry("neither a value nor a data absent reason (vs-2)", "29463-7", func(r map[string]any) { delete(r, "valueQuantity") }, "constraint vs-2 failed"),
		Entry("blood pressure without its systolic component", "85354-9", func(r map[string]any) {
			r["component"] = r["component"].([]any)[1:]
		}, `slice "SystolicBP" of component requires at least 1`),
		Entry("a blood pressure component without a value or a data absent reason (vs-3)", "85354-9", func(r map[string]any) {
			delete(member(r, "component[0]"), "valueQuantity")
		}, "constraint vs-3 failed"),
		Entry("a blood pressure component in mm (fixed mm[Hg])", "85354-9", func(r map[string]any) {
			member(r, "component[1].valueQuantity")["code"] = "mm"
		}, "Observation.component[1].valueQuantity.code"),
		Entry("a status outside its required value set (a member the profile holds as the base type does)", "29463-7", func(r map[string]any) {
			r["status"] = "done"
		}, "Observation.status"),
		Entry("blood pressure with a value of its own (its value slice is 0..0)", "85354-9", func(r map[string]any) {
			r["valueQuantity"] = map[string]any{"value": json.Number("120"), "unit": "mm[Hg]", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}
		}, "valueQuantity"),
	)

	// A finding the implied profile's scan meets is one its walk makes too,
	// so the scan decides the profile fails without the walk; the profile
	// check's walk then says which findings (profileState.observe, held to
	// the map walk above and in implied_codes_test.go).
	DescribeTable("decides from the bytes alone that a vital sign fails its implied profile, when the profile's scan meets a finding",
		func(loincCode string, damage func(map[string]any), broken string) {
			res := vitalSign(loincCode)
			damage(res)
			src := line(res)
			rec := deferredLine(src, 0)
			rec.Type = "Observation"
			clean, why := st.Check(rec, nil)
			Expect(clean).To(BeFalse())
			Expect(why).To(ContainSubstring("implied profile"))
			Expect(rec.Deferred()).To(BeTrue(), "the record is not decoded to walk a profile the scan found failing (%s)", why)
			var found []string
			for _, f := range e.ValidateRecord(lineRecord(src, 0), "", &profile.Sink{}) {
				found = append(found, f.Message)
			}
			Expect(strings.Join(found, "\n")).To(ContainSubstring(broken), "the walk's finding")
		},
		Entry("Synthea's blood pressure, coded 55284-4 alone", "85354-9", func(r map[string]any) {
			member(r, "code.coding[0]")["code"] = "55284-4"
		}, `slice "BPCode" of coding requires at least 1`),
		Entry("an oral temperature, coded 8331-1 alone", "8331-1", func(r map[string]any) {
			member(r, "valueQuantity")["code"], member(r, "valueQuantity")["unit"] = "Cel", "Cel"
		}, `slice "BodyTempCode" of coding requires at least 1`),
		Entry("a body temperature coded in SNOMED CT alone", "8331-1", func(r map[string]any) {
			member(r, "code.coding[0]")["system"], member(r, "code.coding[0]")["code"] = "http://snomed.info/sct", "276885007"
			member(r, "valueQuantity")["code"], member(r, "valueQuantity")["unit"] = "Cel", "Cel"
		}, `slice "BodyTempCode" of coding requires at least 1`),
		Entry("category without the VSCat slice", "29463-7", func(r map[string]any) {
			member(r, "category[0].coding[0]")["code"] = "laboratory"
		}, `slice "VSCat" of category requires at least 1`),
		Entry("the LOINC code twice (its slice is 1..1)", "29463-7", func(r map[string]any) {
			member(r, "code")["coding"] = append(member(r, "code")["coding"].([]any), map[string]any{"system": "http://loinc.org", "code": "29463-7"})
		}, `slice "BodyWeightCode" of coding allows at most 1`),
	)

	// vs-1 where a vital sign is held in another resource: contained in a
	// report, a parameter's resource, an entry of a Bundle a parameter holds,
	// each read from JSON and from XML; the Observation is held to the
	// profile its code implies, vs-1 included, in its restated form (one
	// compiled invariant, whichever placement or walk evaluates it).
	DescribeTable("holds a held vital sign's effective time to vs-1 in every placement, in JSON and XML",
		func(effective map[string]any, fails bool) {
			obs := vitalSign("29463-7")
			delete(obs, "effectiveDateTime")
			for k, v := range effective {
				obs[k] = v
			}
			report := map[string]any{"resourceType": "DiagnosticReport", "id": "dr1", "status": "final",
				"code":      map[string]any{"text": "weight check"},
				"contained": []any{obs}, "result": []any{map[string]any{"reference": "#vs1"}}}
			parameter := func(res map[string]any) map[string]any {
				return map[string]any{"resourceType": "Parameters", "parameter": []any{map[string]any{"name": "vs", "resource": res}}}
			}
			nested := parameter(map[string]any{"resourceType": "Bundle", "type": "collection",
				"entry": []any{map[string]any{"fullUrl": "http://example.org/fhir/Observation/vs1", "resource": obs}}})
			for _, p := range []struct {
				name, at string
				res      map[string]any
			}{
				{"report", "DiagnosticReport.contained[0]", report},
				{"parameter", "Parameters.parameter[0].resource", parameter(obs)},
				{"nested", "Parameters.parameter[0].resource.entry[0].resource", nested},
			} {
				xml, err := fhirxml.Encode(p.res)
				Expect(err).NotTo(HaveOccurred())
				for name, doc := range map[string][]byte{p.name + ".json": line(p.res), p.name + ".xml": xml} {
					vs1 := failedAt(e, name, doc, "vs-1")
					if !fails {
						Expect(vs1).To(BeEmpty(), name)
						continue
					}
					Expect(vs1).To(ConsistOf(HavePrefix(p.at+".effective")), name)
				}
			}
		},
		Entry("a dateTime with a time", map[string]any{"effectiveDateTime": "2025-05-09T11:54:00Z"}, false),
		Entry("a dateTime precise to the day", map[string]any{"effectiveDateTime": "2025-05-09"}, false),
		Entry("a dateTime precise to the month", map[string]any{"effectiveDateTime": "2025-05"}, true),
		Entry("a dateTime precise to the year", map[string]any{"effectiveDateTime": "2025"}, true),
		Entry("a Period", map[string]any{"effectivePeriod": map[string]any{"start": "2025-05-09", "end": "2025-05-10"}}, false),
		Entry("a Period precise to the month (vs-1 asks nothing of a Period)", map[string]any{"effectivePeriod": map[string]any{"start": "2025-05"}}, false),
	)
})

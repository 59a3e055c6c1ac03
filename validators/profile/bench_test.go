package profile_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// benchFeed generates a clean feed and decodes it, so that the benchmark
// measures validation alone (parsing is the reader's cost).
func benchFeed(b *testing.B, n int) []*model.Record {
	g, err := fixtures.New(fixtures.Options{Seed: 1, Records: n})
	if err != nil {
		b.Fatal(err)
	}
	var recs []*model.Record
	if _, err := g.Generate(func(line []byte) error {
		res, err := fhir.Decode(line)
		if err != nil {
			return err
		}
		recs = append(recs, &model.Record{Kind: model.KindFHIR, Type: fhir.ResourceType(res), ID: fhir.ID(res), Value: res})
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	return recs
}

func benchEngine(b *testing.B) *profile.Engine {
	defs, err := definitions.New(definitions.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return profile.NewEngine(defs, profile.Options{Invariants: profile.FHIRPath{}})
}

// BenchmarkValidate is full profile validation (base definitions, FHIRPath
// invariants on) of a generated feed of Patients, Encounters, Observations,
// Conditions and MedicationRequests, on one core. resources/s is per core.
func BenchmarkValidate(b *testing.B) {
	e := benchEngine(b)
	recs := benchFeed(b, 2000)
	sink := &profile.Sink{}
	for _, r := range recs { // compile the profiles outside the timing
		e.ValidateRecord(r, "", sink)
	}
	b.ResetTimer()
	start := cpuTime()
	n := 0
	for b.Loop() {
		r := recs[n%len(recs)]
		if fs := e.ValidateRecord(r, "", sink); len(fs) > 0 {
			b.Fatalf("clean record %s has findings: %v", r.Name(), fs)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
	// CPU time holds steadier than wall time on a shared machine.
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(n), "cpu-ns/record")
}

// BenchmarkValidateByType reports resources/s per core for each typical type.
func BenchmarkValidateByType(b *testing.B) {
	e := benchEngine(b)
	recs := benchFeed(b, 2000)
	byType := map[string][]*model.Record{}
	for _, r := range recs {
		byType[r.Type] = append(byType[r.Type], r)
		e.ValidateRecord(r, "", nil)
	}
	for _, typ := range []string{"Patient", "Observation", "Encounter"} {
		b.Run(typ, func(b *testing.B) {
			list := byType[typ]
			sink := &profile.Sink{}
			n := 0
			for b.Loop() {
				e.ValidateRecord(list[n%len(list)], "", sink)
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
		})
	}
}

// BenchmarkMemoryFlat streams feeds of growing size through the validator
// (each record generated, decoded, validated and dropped) and reports the
// peak live heap: it must not grow with the feed.
func BenchmarkMemoryFlat(b *testing.B) {
	e := benchEngine(b)
	for _, size := range []int{2000, 20000} {
		b.Run(fmt.Sprintf("records=%d", size), func(b *testing.B) {
			var peak uint64
			for b.Loop() {
				g, err := fixtures.New(fixtures.Options{Seed: 1, Records: size})
				if err != nil {
					b.Fatal(err)
				}
				sink := &profile.Sink{}
				i := 0
				if _, err := g.Generate(func(line []byte) error {
					res, err := fhir.Decode(line)
					if err != nil {
						return err
					}
					e.ValidateRecord(&model.Record{Kind: model.KindFHIR, Type: fhir.ResourceType(res), Value: res}, "", sink)
					if i++; i%1000 == 0 {
						// live heap: what the run keeps, not garbage awaiting GC
						runtime.GC()
						var ms runtime.MemStats
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapInuse)
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-live-heap-MB")
		})
	}
}

// BenchmarkValidateCorpus validates the records of the first Synthea
// transaction Bundles of the shared corpus (each entry a record, with its
// Bundle), with the guides Synthea writes for accepted: real data with real
// datatypes (Periods, Quantities, ContactPoints) nested everywhere.
func BenchmarkValidateCorpus(b *testing.B) {
	files, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
	if err != nil || len(files) == 0 {
		b.Skip("the shared corpus is not beside the repository")
	}
	defs, err := definitions.New(definitions.Options{})
	if err != nil {
		b.Fatal(err)
	}
	e := profile.NewEngine(defs, profile.Options{Invariants: profile.FHIRPath{},
		AcceptExtensions: []string{"http://hl7.org/fhir/us/core/", "http://synthetichealth.github.io/synthea/"}})
	var recs []*model.Record
	for _, f := range files[:min(len(files), 6)] {
		if err := fhir.ReadFile(f, func(r *model.Record) error {
			r.Load()
			recs = append(recs, r)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	sink := &profile.Sink{}
	for _, r := range recs { // compile the profiles outside the timing
		e.ValidateRecord(r, "", sink)
	}
	b.ResetTimer()
	start := cpuTime()
	n := 0
	for b.Loop() {
		e.ValidateRecord(recs[n%len(recs)], "", sink)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(n), "cpu-ns/record")
}

// BenchmarkSlicing validates blood pressures against the R4 bp profile,
// whose component slices are tried in order: the diastolic component is
// rejected by the systolic slice before its own takes it, as an item that
// matches a later slice is on every sliced element.
func BenchmarkSlicing(b *testing.B) {
	e := benchEngine(b)
	bp := []byte(`{"resourceType":"Observation","id":"bp","status":"final",
	"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
	"code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"subject":{"reference":"Patient/p"},"effectiveDateTime":"2020-01-01",
	"component":[
	 {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
	 {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":80,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}`)
	res, err := fhir.Decode(bp)
	if err != nil {
		b.Fatal(err)
	}
	r := &model.Record{Kind: model.KindFHIR, Type: "Observation", ID: "bp", Value: res}
	const bpProfile = "http://hl7.org/fhir/StructureDefinition/bp"
	sink := &profile.Sink{}
	if fs := e.ValidateRecord(r, bpProfile, sink); len(fs) > 0 {
		b.Fatalf("the blood pressure has findings: %v", fs)
	}
	b.ResetTimer()
	start := cpuTime()
	n := 0
	for b.Loop() {
		e.ValidateRecord(r, bpProfile, sink)
		n++
	}
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(n), "cpu-ns/record")
}

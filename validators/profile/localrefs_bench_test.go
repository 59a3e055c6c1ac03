package profile_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// BenchmarkBundleReferences validates a document Bundle of n Observations,
// each referring to the Patient, whose Composition lists every Observation:
// with one index per Bundle, the cost per entry stays flat as n grows.
func BenchmarkBundleReferences(b *testing.B) {
	e := benchEngine(b)
	for _, n := range []int{100, 2000} {
		var entries, refs []string
		for i := range n {
			refs = append(refs, fmt.Sprintf(`{"reference": "Observation/o%d"}`, i))
			entries = append(entries, fmt.Sprintf(`{"fullUrl": "http://example.org/fhir/Observation/o%d", "resource": {"resourceType": "Observation", "id": "o%d",
				"status": "final", "code": {"text": "x"}, "subject": {"reference": "Patient/p1"}}}`, i, i))
		}
		src := `{"resourceType": "Bundle", "type": "document", "timestamp": "2024-12-01T13:28:17+02:00",
			"identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:ba2d1426-ed83-4d55-8032-c6345382c92b"}, "entry": [
			{"fullUrl": "http://example.org/fhir/Composition/c1", "resource": {"resourceType": "Composition", "id": "c1", "status": "final",
			  "type": {"text": "note"}, "date": "2024-12-01", "title": "Note", "subject": {"reference": "Patient/p1"},
			  "author": [{"reference": "Patient/p1"}], "section": [{"entry": [` + strings.Join(refs, ",") + `]}]}},
			{"fullUrl": "http://example.org/fhir/Patient/p1", "resource": {"resourceType": "Patient", "id": "p1"}},
			` + strings.Join(entries, ",") + `]}`
		benchBundleRecords(b, e, n, src)
	}
}

// benchBundleRecords reads a Bundle's records, validates each once (to
// compile the profiles outside the timing), then times validating them all
// with one Sink, as a check does, reporting resources/s under entries=n.
// An error finding fails the benchmark: the Bundles are sound.
func benchBundleRecords(b *testing.B, e *profile.Engine, n int, src string) {
	var recs []*model.Record
	if err := fhir.ReadStream("bench.json", strings.NewReader(src), func(r *model.Record) error {
		r.Load()
		recs = append(recs, r)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	for _, r := range recs {
		e.ValidateRecord(r, "", nil)
	}
	b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
		sink := &profile.Sink{}
		done := 0
		for b.Loop() {
			for _, r := range recs {
				for _, f := range e.ValidateRecord(r, "", sink) {
					if f.Severity == model.Error {
						b.Fatalf("%s: %s", f.Path, f.Message)
					}
				}
			}
			done += len(recs)
		}
		b.ReportMetric(float64(done)/b.Elapsed().Seconds(), "resources/s")
	})
}

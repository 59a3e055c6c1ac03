package profile_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// BenchmarkBundleCanonicals validates a collection Bundle of n Tasks, each
// naming an ActivityDefinition in HL7's space by instantiatesCanonical,
// which is looked up among the Bundle's definitions (held.go): with one
// index per Bundle, the cost per entry stays flat as n grows.
func BenchmarkBundleCanonicals(b *testing.B) {
	e := benchEngine(b)
	for _, n := range []int{100, 2000} {
		entries := []string{`{"fullUrl": "http://hl7.org/fhir/us/example/ActivityDefinition/a0", "resource": {"resourceType": "ActivityDefinition", "id": "a0",
			"url": "http://hl7.org/fhir/us/example/ActivityDefinition/a0", "version": "1.0.0", "name": "A0", "status": "draft"}}`}
		for i := range n {
			entries = append(entries, fmt.Sprintf(`{"fullUrl": "http://example.org/fhir/Task/t%d", "resource": {"resourceType": "Task", "id": "t%d",
				"instantiatesCanonical": "http://hl7.org/fhir/us/example/ActivityDefinition/a%d", "status": "requested", "intent": "order"}}`, i, i, i%7))
		}
		src := `{"resourceType": "Bundle", "type": "collection", "entry": [` + strings.Join(entries, ",") + `]}`
		var recs []*model.Record
		if err := fhir.ReadStream("bench.json", strings.NewReader(src), func(r *model.Record) error {
			r.Load()
			recs = append(recs, r)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		for _, r := range recs { // compile the profiles outside the timing
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
}

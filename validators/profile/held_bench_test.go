package profile_test

import (
	"fmt"
	"strings"
	"testing"
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
		benchBundleRecords(b, e, n, src)
	}
}

package narrative_test

import (
	"testing"

	"github.com/carecert/carecert/fhir/narrative"
)

// BenchmarkCheck checks a narrative of the size Synthea and FHIR servers
// generate (a summary paragraph and a short list).
func BenchmarkCheck(b *testing.B) {
	div := `<div xmlns="http://www.w3.org/1999/xhtml"><p><b>Generated Narrative: Encounter</b><a name="e1"> </a></p>` +
		`<p>Encounter for symptom (procedure), <span style="color: grey">2019-02-03</span></p>` +
		`<ul><li>status: finished</li><li>class: ambulatory</li><li>subject: <a href="Patient/p1">Ann Smith</a></li></ul></div>`
	for b.Loop() {
		if !narrative.Check(div).OK() {
			b.Fatal("clean narrative has problems")
		}
	}
}

package terminology_test

import (
	"context"
	"testing"

	"github.com/carecert/carecert/terminology"
)

// BenchmarkDICOM measures the first question about a DICOM code, which a
// feed with an ImagingStudy asks: the engine reads the core's largest code
// system.
func BenchmarkDICOM(b *testing.B) {
	for b.Loop() {
		e := terminology.NewCore(nil)
		issues, _, err := e.CheckCode(context.Background(), "http://dicom.nema.org/resources/ontology/DCM", "CT", "")
		if err != nil || len(issues) > 0 {
			b.Fatal(err, issues)
		}
	}
}

// BenchmarkRepeatedCodes measures the questions a feed asks on every record:
// the same few codes against their value sets and code systems.
func BenchmarkRepeatedCodes(b *testing.B) {
	e := terminology.NewCore(nil)
	ctx := context.Background()
	type question struct{ vs, system, code, display string }
	questions := []question{
		{"http://hl7.org/fhir/ValueSet/observation-category", "http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "vital-signs"},
		{"http://hl7.org/fhir/ValueSet/condition-clinical", "http://terminology.hl7.org/CodeSystem/condition-clinical", "active", ""},
		{"http://hl7.org/fhir/ValueSet/encounter-status", "", "finished", ""},
		{"http://hl7.org/fhir/ValueSet/immunization-status", "", "completed", ""},
		{"http://terminology.hl7.org/ValueSet/v3-ActEncounterCode", "http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"},
		{"http://hl7.org/fhir/ValueSet/identifier-type", "http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical Record Number"},
	}
	n := 0
	for b.Loop() {
		q := questions[n%len(questions)]
		n++
		if _, _, err := e.Member(ctx, q.vs, q.system, q.code); err != nil {
			b.Fatal(err)
		}
		if q.system != "" {
			if _, _, err := e.CheckCode(ctx, q.system, q.code, q.display); err != nil {
				b.Fatal(err)
			}
		}
	}
}

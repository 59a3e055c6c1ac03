package structure

import "testing"

// synthea16 are the resource types of the Synthea corpus.
var synthea16 = []string{"AllergyIntolerance", "CarePlan", "CareTeam", "Claim", "Condition", "Device", "DiagnosticReport",
	"DocumentReference", "Encounter", "ExplanationOfBenefit", "Immunization", "MedicationRequest", "Observation",
	"Patient", "Procedure", "Provenance"}

// BenchmarkCompileEachType compiles the Synthea corpus's 16 types one by one,
// as a run that meets them does below eachTypeLimit; BenchmarkCompileWhole
// compiles the whole schema once, as it does past the limit. Their ratio sets
// the limit.
func BenchmarkCompileEachType(b *testing.B) {
	for b.Loop() {
		s, err := LoadSchema()
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range synthea16 {
			if _, err := s.compile([]string{t}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkCompileWhole(b *testing.B) {
	for b.Loop() {
		s, err := LoadSchema()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.compile(s.ResourceTypes()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileOneType(b *testing.B) {
	for b.Loop() {
		s, err := LoadSchema()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.compile([]string{"Patient"}); err != nil {
			b.Fatal(err)
		}
	}
}

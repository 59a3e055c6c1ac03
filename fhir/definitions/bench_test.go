package definitions_test

import (
	"testing"

	"github.com/carecert/carecert/fhir/definitions"
)

// BenchmarkStartup measures what a run pays before validating: building a
// registry (nothing is read) and the first lookup, which indexes the core.
func BenchmarkStartup(b *testing.B) {
	for b.Loop() {
		r, err := definitions.New(definitions.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.StructureDefinition("http://hl7.org/fhir/StructureDefinition/Patient"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNew measures building a registry alone: the core is lazy.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := definitions.New(definitions.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearchParameterStartup measures the first search parameter lookup
// of a run: it indexes the core search parameters alone, not the profiles.
func BenchmarkSearchParameterStartup(b *testing.B) {
	for b.Loop() {
		r, err := definitions.New(definitions.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.SearchParameter("http://hl7.org/fhir/SearchParameter/Patient-name"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSyntheaTypes measures what meeting the Synthea corpus's sixteen
// resource types costs the registry: decompressing and decoding each
// type's definition.
func BenchmarkSyntheaTypes(b *testing.B) {
	types := []string{"AllergyIntolerance", "CarePlan", "CareTeam", "Claim", "Condition", "Device", "DiagnosticReport",
		"DocumentReference", "Encounter", "ExplanationOfBenefit", "Immunization", "MedicationRequest", "Observation",
		"Patient", "Procedure", "Provenance"}
	for b.Loop() {
		r, err := definitions.New(definitions.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range types {
			if _, err := r.BaseType(t); err != nil {
				b.Fatal(err)
			}
		}
	}
}

package fhirxml_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/internal/sharedtest"
)

// BenchmarkDecode compares converting a resource from XML with decoding the
// same resource from JSON.
func BenchmarkDecode(b *testing.B) {
	for _, file := range []string{"patient-example.xml", "observation-example.xml", "questionnaire-example.xml"} {
		xmlData, err := os.ReadFile(sharedtest.Path("fhirpath-tests", file))
		if err != nil {
			b.Fatal(err)
		}
		res, err := fhirxml.Decode(xmlData)
		if err != nil {
			b.Fatal(err)
		}
		jsonData, err := json.Marshal(res)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(file+"/xml", func(b *testing.B) {
			b.SetBytes(int64(len(xmlData)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := fhirxml.Decode(xmlData); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(file+"/json", func(b *testing.B) {
			b.SetBytes(int64(len(jsonData)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := fhir.Decode(jsonData); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

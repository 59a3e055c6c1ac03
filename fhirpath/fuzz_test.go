package fhirpath_test

import (
	"strings"
	"testing"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirpath"
)

// FuzzCompileEvaluate checks that no expression text makes Compile or
// Evaluate panic or hang: malformed invariants in an IG must become errors.
// "go test" runs the seeds; "go test -fuzz FuzzCompileEvaluate" explores.
func FuzzCompileEvaluate(f *testing.F) {
	for _, seed := range []string{
		"name.where(use = 'official').given.first()",
		"hasValue() or (children().count() > id.count())",
		"(1 | 2 | 3).aggregate($this + $total, 0)",
		"@2014-01-01T08:05-05:00.highBoundary(17)",
		"4.0 'g' ~ 4000 'mg' and 1 year != 12 months",
		"Patient.name.given.substring(1, 2).matches('[a-z]+')",
		"descendants().ofType(Reference).reference.startsWith('#')",
		"iif(active, %resource.id, {}).toString() & 'x'",
		"'a\\u0041'.replaceMatches('(A)', '$1$1').length()",
		"-(1 div 0).sqrt().power(2).round(3)",
		"/* unterminated",
		"name.`given`[0].sort(-$this).tail().skip(-1)",
	} {
		f.Add(seed)
	}
	patient, err := fhir.Decode([]byte(patientJSON))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string) {
		expr, err := fhirpath.Compile(src)
		if err != nil {
			return
		}
		// Evaluate recovers from panics; the fuzzer must still see them
		for _, err := range []error{evalErr(expr.Evaluate(nil, patient)), evalErr(expr.EvaluateTyped(nil, patient))} {
			if err != nil && strings.Contains(err.Error(), "internal error") {
				t.Fatalf("%q: %v", src, err)
			}
		}
	})
}

func evalErr[T any](_ T, err error) error { return err }

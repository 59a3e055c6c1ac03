package fhirpath_test

import (
	"os"
	"testing"

	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/fhirpath"
	"github.com/carecert/carecert/internal/sharedtest"
)

// BenchmarkCompileCoreInvariants compiles every distinct invariant expression
// of the R4 core definitions once per iteration.
func BenchmarkCompileCoreInvariants(b *testing.B) {
	seen := map[string]bool{}
	var exprs []string
	ix := elements.MustR4()
	for _, name := range ix.Names() {
		for _, el := range ix.Definition(name).Elements {
			for _, c := range el.Constraints {
				if c.Expression != "" && !seen[c.Expression] {
					seen[c.Expression] = true
					exprs = append(exprs, c.Expression)
				}
			}
		}
	}
	for b.Loop() {
		for _, e := range exprs {
			if _, err := fhirpath.Compile(e); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(exprs)), "exprs")
}

func benchResource(b *testing.B, file string) map[string]any {
	data, err := os.ReadFile(sharedtest.Path("fhirpath-tests", file))
	if err != nil {
		b.Fatal(err)
	}
	res, err := fhirxml.Decode(data)
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// BenchmarkInvariant evaluates typical invariants on one resource.
func BenchmarkInvariant(b *testing.B) {
	patient := benchResource(b, "patient-example.xml")
	obs := benchResource(b, "observation-example.xml")
	name := fhirpath.Element(patient["name"].([]any)[0], nil, "HumanName", "HumanName")
	cases := []struct {
		name  string
		expr  string
		res   map[string]any
		input any
	}{
		{"ele-1 on a HumanName", "hasValue() or (children().count() > id.count())", patient, name},
		{"obs-6 on an Observation", "dataAbsentReason.empty() or value.empty()", obs, obs},
		{"obs-7 on an Observation", "value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()", obs, obs},
		{"dom-3 on a Patient", "contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | %resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = '#').exists()).not()).trace('unmatched', id).empty()", patient, patient},
		{"dom-6 on a Patient", "text.`div`.exists()", patient, patient},
	}
	for _, c := range cases {
		expr := fhirpath.MustCompile(c.expr)
		env := &fhirpath.Env{Resource: c.res}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ok, _, err := expr.EvaluateBool(env, c.input)
				if err != nil || !ok {
					b.Fatal(ok, err)
				}
			}
		})
	}
}

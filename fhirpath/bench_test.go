package fhirpath_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/fhirpath"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
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

// BenchmarkCoreInvariantsPerResource evaluates every invariant of a resource's
// core definition on every element the definition names (ele-1 on each, dom-*
// on the resource, ...) over the resources of one Synthea bundle: the cost of
// FHIRPath invariants in a validation that uses no native shortcuts.
func BenchmarkCoreInvariantsPerResource(b *testing.B) {
	ix := elements.MustR4()
	files, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
	if err != nil || len(files) == 0 {
		b.Fatal("no corpus", err)
	}
	var resources []map[string]any
	err = fhir.ReadFile(files[0], func(r *model.Record) error {
		if r.Type != "Bundle" {
			resources = append(resources, r.Resource())
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	type check struct {
		path *fhirpath.Expr
		invs []*fhirpath.Expr
	}
	plans := map[string][]check{}
	for _, res := range resources {
		typ := res["resourceType"].(string)
		if _, done := plans[typ]; done {
			continue
		}
		var plan []check
		for _, el := range ix.Definition(typ).Elements {
			var invs []*fhirpath.Expr
			for _, c := range el.Constraints {
				if c.Expression != "" {
					invs = append(invs, fhirpath.MustCompile(c.Expression))
				}
			}
			if len(invs) > 0 {
				plan = append(plan, check{fhirpath.MustCompile(strings.ReplaceAll(el.Path, "[x]", "")), invs})
			}
		}
		plans[typ] = plan
	}
	b.ResetTimer()
	evaluations := 0
	cpu := cpuTime()
	for b.Loop() {
		for _, res := range resources {
			env := &fhirpath.Env{Resource: res}
			for _, c := range plans[res["resourceType"].(string)] {
				nodes, err := c.path.EvaluateTyped(env, res)
				if err != nil {
					b.Fatal(err)
				}
				for _, n := range nodes {
					for _, inv := range c.invs {
						if _, _, err := inv.EvaluateBool(env, n); err != nil {
							b.Fatal(err)
						}
						evaluations++
					}
				}
			}
		}
	}
	b.ReportMetric(float64(len(resources)*b.N)/b.Elapsed().Seconds(), "resources/s")
	if used := cpuTime() - cpu; used > 0 {
		b.ReportMetric(float64(len(resources)*b.N)/used.Seconds(), "resources/cpu-s")
	}
	b.ReportMetric(float64(evaluations)/float64(len(resources)*b.N), "invariants/resource")
}

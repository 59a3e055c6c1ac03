package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("ConceptMap codes: in scope, with the system's displays, mapped once", func() {
	// Beds (complete, with a designation) maps to wards; the scope value
	// sets take some codes of each.
	beds := map[string]any{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/beds", "name": "Beds", "status": "active", "content": "complete",
		"concept": []any{
			map[string]any{"code": "icu", "display": "Intensive care", "designation": []any{map[string]any{"language": "de", "value": "Intensivstation"}}},
			map[string]any{"code": "cot", "display": "Cot"}, map[string]any{"code": "chair", "display": "Chair"}}}
	wards := map[string]any{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/wards", "name": "Wards", "status": "active", "content": "complete",
		"concept": []any{map[string]any{"code": "w1", "display": "Ward one"}, map[string]any{"code": "w2", "display": "Ward two"}}}
	scope := func(url, system string, codes ...string) map[string]any {
		var list []any
		for _, c := range codes {
			list = append(list, map[string]any{"code": c})
		}
		return map[string]any{"resourceType": "ValueSet", "url": url, "status": "active", "compose": map[string]any{"include": []any{map[string]any{"system": system, "concept": list}}}}
	}
	e := newEngine(beds, wards, scope("http://example.org/fhir/ValueSet/beds-in", "http://example.org/fhir/CodeSystem/beds", "icu", "cot"),
		scope("http://example.org/fhir/ValueSet/wards-out", "http://example.org/fhir/CodeSystem/wards", "w1"))
	cm := func(scopes, elements string) string {
		return `{"resourceType": "ConceptMap", "id": "m", "url": "http://example.org/fhir/ConceptMap/m", "status": "draft", ` + scopes + `
			"group": [{"source": "http://example.org/fhir/CodeSystem/beds", "target": "http://example.org/fhir/CodeSystem/wards", "element": [` + elements + `]}]}`
	}
	const scoped = `"sourceCanonical": "http://example.org/fhir/ValueSet/beds-in", "targetCanonical": "http://example.org/fhir/ValueSet/wards-out", `
	found := func(src string, sev model.Severity) []string {
		return pathsOf(everyFinding(e, src), sev, profile.CodeConceptMap)
	}

	DescribeTable("codes in the scope value sets (errors)",
		func(scopes, elements string, want []string) {
			Expect(found(cm(scopes, elements), model.Error)).To(ConsistOf(want))
		},
		Entry("both in scope", scoped, `{"code": "icu", "target": [{"code": "w1", "equivalence": "equivalent"}]}`, nil),
		Entry("a source code outside its scope", scoped, `{"code": "chair", "target": [{"code": "w1", "equivalence": "equivalent"}]}`,
			[]string{"ConceptMap.group[0].element[0].code"}),
		Entry("a target code outside its scope", scoped, `{"code": "cot", "target": [{"code": "w2", "equivalence": "equivalent"}]}`,
			[]string{"ConceptMap.group[0].element[0].target[0].code"}),
		Entry("scopes given as uri", `"sourceUri": "http://example.org/fhir/ValueSet/beds-in", `, `{"code": "chair", "target": [{"code": "w2", "equivalence": "equivalent"}]}`,
			[]string{"ConceptMap.group[0].element[0].code"}),
		Entry("a scope carecert cannot enumerate is not judged", `"sourceUri": "http://example.org/fhir/ValueSet/elsewhere", `,
			`{"code": "chair", "target": [{"code": "w2", "equivalence": "equivalent"}]}`, nil),
		Entry("no scopes", ``, `{"code": "chair", "target": [{"code": "w2", "equivalence": "equivalent"}]}`, nil),
	)

	DescribeTable("displays the code system gives the code (warnings)",
		func(elements string, want []string) {
			Expect(found(cm(scoped, elements), model.Warning)).To(ConsistOf(want))
		},
		Entry("the system's displays, in any case, and a designation",
			`{"code": "icu", "display": "intensive care", "target": [{"code": "w1", "display": "Ward one", "equivalence": "equivalent"}]}, {"code": "icu", "display": "Intensivstation"}`, nil),
		Entry("a source display the system does not give", `{"code": "icu", "display": "ICU", "target": [{"code": "w1", "equivalence": "equivalent"}]}`,
			[]string{"ConceptMap.group[0].element[0].display"}),
		Entry("a target display the system does not give", `{"code": "icu", "target": [{"code": "w1", "display": "First ward", "equivalence": "equivalent"}]}`,
			[]string{"ConceptMap.group[0].element[0].target[0].display"}),
	)

	DescribeTable("a source code mapped twice (warnings)",
		func(elements string, want []string) {
			Expect(found(cm(``, elements), model.Warning)).To(ConsistOf(want))
			Expect(found(cm(``, elements), model.Error)).To(BeEmpty())
		},
		Entry("to two targets", `{"code": "icu", "target": [{"code": "w1", "equivalence": "wider"}, {"code": "w2", "equivalence": "narrower"}]}`, nil),
		Entry("to the same target twice", `{"code": "icu", "target": [{"code": "w1", "equivalence": "wider"}]}, {"code": "icu", "target": [{"code": "w1", "equivalence": "wider"}]}`,
			[]string{"ConceptMap.group[0].element[1].target[0]"}),
		Entry("to the same target with another equivalence", `{"code": "icu", "target": [{"code": "w1", "equivalence": "wider"}, {"code": "w1", "equivalence": "equal"}]}`,
			[]string{"ConceptMap.group[0].element[0].target[1]"}),
		Entry("to no target, then to a target", `{"code": "icu", "target": [{"equivalence": "unmatched"}, {"code": "w1", "equivalence": "wider"}]}`,
			[]string{"ConceptMap.group[0].element[0].target[1]"}),
		Entry("to no target twice", `{"code": "icu", "target": [{"equivalence": "unmatched"}]}, {"code": "icu", "target": [{"equivalence": "unmatched"}]}`,
			[]string{"ConceptMap.group[0].element[1].target[0]"}),
		Entry("to no target in two ways", `{"code": "icu", "target": [{"equivalence": "unmatched"}, {"equivalence": "disjoint"}]}`,
			[]string{"ConceptMap.group[0].element[0].target[1]"}),
	)
})

var _ = Describe("the core's concept maps against the ConceptMap families", func() {
	It("raises no scope error on R4's concept maps", func() {
		Expect(coreFindings("ConceptMap", []string{"conceptmaps.json"}, func(_ string, f model.Finding) bool {
			return f.Severity == model.Error && f.Code == profile.CodeConceptMap && strings.Contains(f.Message, "value set")
		})).To(BeEmpty())
	})
})

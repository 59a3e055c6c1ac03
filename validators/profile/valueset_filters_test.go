package profile_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// Filters of a ValueSet's compose (R4 ValueSet.compose.include.filter,
// CodeSystem.filter and .property, §4.8.5 standard properties), judged as
// the reference validator does offline: a property neither the code system
// nor every code system has is a warning; an operator the property does not
// allow, and a value not of the property's kind, are errors. The code system
// and value sets are our own.
var _ = Describe("ValueSet compose filters", func() {
	const stages = "http://example.org/fhir/CodeSystem/wound-stage"
	var cs map[string]any
	Expect(json.Unmarshal([]byte(`{"resourceType": "CodeSystem", "id": "wound-stage", "url": "`+stages+`", "name": "WoundStage", "status": "draft",
		"content": "complete", "hierarchyMeaning": "is-a",
		"filter": [{"code": "category", "operator": ["=", "in"], "value": "a category code"}],
		"property": [{"code": "category", "type": "code"}, {"code": "severity", "type": "integer"}, {"code": "healing", "type": "boolean"},
		  {"code": "onset", "type": "dateTime"}, {"code": "note", "type": "string"}],
		"concept": [{"code": "stage-1", "display": "Stage 1", "concept": [{"code": "stage-1a", "display": "Stage 1a"}]}, {"code": "stage-2", "display": "Stage 2"}]}`), &cs)).To(Succeed())
	e := newEngine(cs)
	filters := func(system string, list ...string) []model.Finding {
		fs := ""
		for i, f := range list {
			if i > 0 {
				fs += ", "
			}
			fs += f
		}
		return withCode(profile.CodeValueSet, validate(e, valueSet(`{"system": "`+system+`", "filter": [`+fs+`]}`)))
	}
	filter := func(property, op, value string) string {
		return `{"property": "` + property + `", "op": "` + op + `", "value": "` + value + `"}`
	}
	const elsewhere = "http://example.org/fhir/CodeSystem/not-held"

	It("accepts the code system's own properties and the standard ones, with operators and values they allow", func() {
		Expect(filters(stages,
			filter("concept", "is-a", "stage-1"), filter("concept", "descendent-of", "stage-1"), filter("concept", "in", "stage-1,stage-2"),
			filter("code", "regex", "stage-[0-9]+[a-z]?"), filter("parent", "=", "stage-1"),
			filter("category", "=", "stage-1"), filter("category", "in", "stage-1,stage-2"),
			filter("severity", "=", "3"), filter("healing", "exists", "true"), filter("healing", "=", "false"),
			filter("onset", "=", "ge2020-01-01"), filter("note", "=", "anything at all"), filter("inactive", "=", "false"),
		)).To(BeEmpty())
		// Java's look-ahead is not RE2's, but it compiles where the reference runs.
		Expect(filters(stages, filter("code", "regex", "stage-(?=1)"))).To(BeEmpty())
		// A system carecert does not hold: any code may be asked for.
		Expect(filters(elsewhere, filter("concept", "is-a", "anything"))).To(BeEmpty())
	})

	It("warns of a property the code system does not define, where carecert holds the code system", func() {
		Expect(filters(stages, filter("colour", "=", "red"))).To(ConsistOf(at(model.Warning, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0].property")))
		Expect(filters(elsewhere, filter("colour", "=", "red"))).To(BeEmpty())
	})

	It("rejects an operator the property does not allow: the code system's declared ones, R4's on the concept", func() {
		Expect(filters(stages, filter("category", "is-a", "stage-1"))).To(ConsistOf(at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0].op")))
		Expect(filters(stages, filter("concept", "exists", "true"))).To(ConsistOf(at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0].op")))
		// R5's child-of is not an R4 operator on the concept, held or not
		Expect(filters(elsewhere, filter("concept", "child-of", "x"))).To(ContainElement(at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0].op")))
		// a regex matches codes, not concepts
		Expect(filters(stages, filter("concept", "regex", "stage-.*"))).To(ConsistOf(
			at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0].op"),
			at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0].property")))
	})

	It("rejects a value not of the property's kind", func() {
		Expect(filters(stages, filter("concept", "is-a", "stage-9"))).To(ConsistOf(at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0].value")))
		Expect(filters(stages, filter("concept", "in", "stage-1,stage-9"))).To(ConsistOf(at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0].value")))
		Expect(filters(stages, filter("healing", "=", "yes"))).To(ConsistOf(at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0].value")))
		Expect(filters(stages, filter("healing", "exists", "maybe"))).To(ConsistOf(at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0].value")))
		Expect(filters(elsewhere, filter("inactive", "=", "no"))).To(ConsistOf(at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0].value")))
		Expect(filters(stages, filter("severity", "=", "three"))).To(ConsistOf(at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0].value")))
		Expect(filters(stages, filter("onset", "=", "2020-13-01"))).To(ConsistOf(at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0].value")))
		Expect(filters(stages, filter("code", "regex", "stage-["))).To(ConsistOf(at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0].value")))
		// a property the code system types as code should name one of its
		// codes (a warning: many systems use such properties for other lists)
		Expect(filters(stages, filter("category", "=", "pressure"))).To(ConsistOf(at(model.Warning, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0].value")))
		Expect(filters(stages, filter("parent", "=", "stage-9"))).To(ConsistOf(at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0].value")))
	})
})

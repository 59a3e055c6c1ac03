package profile_test

import (
	"encoding/json"
	"strings"

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

// Code systems whose filter properties no CodeSystem resource carries: each
// has a catalogue (SNOMED CT's concept model attributes, LOINC's parts and
// columns, RxNorm's term types...), judged as the reference validator does
// offline. A property outside it is a warning; an operator it does not allow
// and a value not of its kind (a code checked by the system's form) are
// errors. The value sets are our own.
var _ = Describe("ValueSet compose filters on code systems with property catalogues", func() {
	e := newEngine()
	type filterCase struct {
		system, property, op, value string
		// want is the finding: "" for none, else "warning property",
		// "error op" or "error value".
		want string
	}
	judged := func(c filterCase) []model.Finding {
		return withCode(profile.CodeValueSet, validate(e, valueSet(`{"system": "`+c.system+`", "filter": [{"property": "`+c.property+`", "op": "`+c.op+`", "value": "`+c.value+`"}]}`)))
	}
	const (
		sct    = "http://snomed.info/sct"
		loinc  = "http://loinc.org"
		rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
		ucum   = "http://unitsofmeasure.org"
		cpt    = "http://www.ama-assn.org/go/cpt"
		bcp47  = "urn:ietf:bcp:47"
	)
	DescribeTable("each filter",
		func(c filterCase) {
			found := judged(c)
			if c.want == "" {
				Expect(found).To(BeEmpty())
				return
			}
			sev, where, _ := strings.Cut(c.want, " ")
			severity := model.Error
			if sev == "warning" {
				severity = model.Warning
			}
			Expect(found).To(ConsistOf(at(severity, profile.CodeValueSet, "ValueSet.compose.include[0].filter[0]."+where)))
		},
		// SNOMED CT
		Entry("SNOMED CT: descendants of a concept", filterCase{sct, "concept", "is-a", "73211009", ""}),
		Entry("SNOMED CT: members of a reference set", filterCase{sct, "concept", "in", "723264001,450970008", ""}),
		Entry("SNOMED CT: leaves below a concept", filterCase{sct, "concept", "descendent-leaf", "73211009", ""}),
		Entry("SNOMED CT: an ECL constraint", filterCase{sct, "constraint", "=", "<< 73211009 |Diabetes mellitus|", ""}),
		Entry("SNOMED CT: a concept model attribute's value", filterCase{sct, "363698007", "=", "80891009", ""}),
		Entry("SNOMED CT: expressions included", filterCase{sct, "expressions", "=", "false", ""}),
		Entry("SNOMED CT: the concept by =, which SNOMED CT's filters lack", filterCase{sct, "concept", "=", "73211009", "error op"}),
		Entry("SNOMED CT: a concept that is no SNOMED CT id", filterCase{sct, "concept", "is-a", "diabetes", "error value"}),
		Entry("SNOMED CT: a concept failing its check digit", filterCase{sct, "concept", "is-a", "73211008", "error value"}),
		Entry("SNOMED CT: one bad member of an in list", filterCase{sct, "concept", "in", "723264001,refset", "error value"}),
		Entry("SNOMED CT: an attribute under not-in", filterCase{sct, "363698007", "not-in", "80891009", "error op"}),
		Entry("SNOMED CT: an attribute whose value is a term", filterCase{sct, "363698007", "=", "heart", "error value"}),
		Entry("SNOMED CT: expressions as yes", filterCase{sct, "expressions", "=", "yes", "error value"}),
		Entry("SNOMED CT: a constraint under in", filterCase{sct, "constraint", "in", "<< 73211009", "error op"}),
		Entry("SNOMED CT: a concept id that is no attribute", filterCase{sct, "73211009", "=", "80891009", "warning property"}),
		Entry("SNOMED CT: code, which SNOMED CT filters by concept", filterCase{sct, "code", "regex", "7.*", "warning property"}),
		// LOINC
		Entry("LOINC: a part by its code", filterCase{loinc, "COMPONENT", "=", "LP14449-0", ""}),
		Entry("LOINC: parts in a list", filterCase{loinc, "SCALE_TYP", "in", "LP7753-9,LP7750-5", ""}),
		Entry("LOINC: a part present", filterCase{loinc, "METHOD_TYP", "exists", "false", ""}),
		Entry("LOINC: a part by pattern", filterCase{loinc, "CLASS", "regex", "LP7[0-9]+-[0-9]", ""}),
		Entry("LOINC: descendants of a code", filterCase{loinc, "ancestor", "=", "24336-0", ""}),
		Entry("LOINC: the concept by is-a", filterCase{loinc, "concept", "is-a", "LP32067-8", ""}),
		Entry("LOINC: a text column", filterCase{loinc, "STATUS", "=", "ACTIVE", ""}),
		Entry("LOINC: the copyright", filterCase{loinc, "copyright", "=", "LOINC", ""}),
		Entry("LOINC: a standard property", filterCase{loinc, "inactive", "=", "anything", ""}),
		Entry("LOINC: a part by its name, as before 2.67", filterCase{loinc, "SCALE_TYP", "=", "Doc", "error value"}),
		Entry("LOINC: a code failing its check digit", filterCase{loinc, "parent", "=", "24336-1", "error value"}),
		Entry("LOINC: a part under is-a", filterCase{loinc, "COMPONENT", "is-a", "LP14449-0", "error op"}),
		Entry("LOINC: the concept under descendent-of", filterCase{loinc, "concept", "descendent-of", "LP32067-8", "error op"}),
		Entry("LOINC: a text column under is-a", filterCase{loinc, "STATUS", "is-a", "ACTIVE", "error op"}),
		Entry("LOINC: exists as yes", filterCase{loinc, "COMPONENT", "exists", "yes", "error value"}),
		Entry("LOINC: a copyright of another kind", filterCase{loinc, "copyright", "=", "AMA", "error value"}),
		Entry("LOINC: a property LOINC lacks", filterCase{loinc, "LONG_COMMON_NAME", "=", "Glucose", "warning property"}),
		// RxNorm
		Entry("RxNorm: term types", filterCase{rxnorm, "TTY", "in", "SCD,SBD", ""}),
		Entry("RxNorm: any operator", filterCase{rxnorm, "STY", "is-a", "T200", ""}),
		Entry("RxNorm: the concept, any operator", filterCase{rxnorm, "concept", "child-of", "161", ""}),
		Entry("RxNorm: a code with spaces", filterCase{rxnorm, "TTY", "=", " SCD", "error value"}),
		Entry("RxNorm: a regex that does not compile", filterCase{rxnorm, "SAB", "regex", "RX[", "error value"}),
		Entry("RxNorm: a property RxNorm lacks", filterCase{rxnorm, "ingredient", "=", "161", "warning property"}),
		// UCUM
		Entry("UCUM: units of a kind of quantity", filterCase{ucum, "property", "=", "mass", ""}),
		Entry("UCUM: units with a canonical unit", filterCase{ucum, "canonical", "=", "g", ""}),
		Entry("UCUM: exists as 1", filterCase{ucum, "canonical", "exists", "1", "error value"}),
		Entry("UCUM: a property UCUM lacks", filterCase{ucum, "dimension", "=", "M", "warning property"}),
		// CPT
		Entry("CPT: modifiers", filterCase{cpt, "modifier", "=", "true", ""}),
		Entry("CPT: a kind of code", filterCase{cpt, "kind", "=", "code", ""}),
		Entry("CPT: the concept, not judged", filterCase{cpt, "concept", "child-of", "99201", ""}),
		Entry("CPT: telemedicine as yes", filterCase{cpt, "telemedicine", "=", "yes", "error value"}),
		Entry("CPT: a property CPT lacks", filterCase{cpt, "section", "=", "E/M", "warning property"}),
		// BCP-47
		Entry("BCP-47: tags with a region", filterCase{bcp47, "region", "exists", "true", ""}),
		Entry("BCP-47: tags below a language", filterCase{bcp47, "concept", "is-a", "en", ""}),
		Entry("BCP-47: a concept that is no tag", filterCase{bcp47, "concept", "is-a", "english language", "error value"}),
		Entry("BCP-47: R5's child-of under R4", filterCase{bcp47, "concept", "child-of", "en", "error op"}),
		Entry("BCP-47: the inactive flag as no", filterCase{bcp47, "inactive", "=", "no", "error value"}),
		Entry("BCP-47: a property BCP-47 lacks", filterCase{bcp47, "country", "=", "GB", "warning property"}),
	)
})

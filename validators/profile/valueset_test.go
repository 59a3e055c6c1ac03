package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// valueSet is a ValueSet whose compose has the given include clauses.
func valueSet(includes string) string {
	return `{"resourceType": "ValueSet", "id": "vs", "url": "http://example.org/fhir/ValueSet/vs", "name": "VS", "status": "draft", "compose": {"include": [` + includes + `]}}`
}

var _ = Describe("ValueSet compose: systems and codes", func() {
	e := newEngine()
	vsFindings := func(src string) []model.Finding { return withCode(profile.CodeValueSet, validate(e, src)) }

	It("requires an included or excluded system to be an absolute URI", func() {
		Expect(vsFindings(valueSet(`{"system": "http://snomed.info/sct", "concept": [{"code": "22298006"}]}`))).To(BeEmpty())
		// An OID is an absolute URI (one naming a code system carecert holds
		// is the next family's: valueset_include_system.go).
		Expect(vsFindings(valueSet(`{"system": "urn:oid:1.2.826.0.1.3680043.2.1"}`))).To(BeEmpty())
		Expect(vsFindings(valueSet(`{"system": "sct", "concept": [{"code": "22298006"}]}`))).To(ConsistOf(at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].system")))
		src := `{"resourceType": "ValueSet", "id": "vs", "url": "http://example.org/fhir/ValueSet/vs", "status": "draft", "compose": {
			"include": [{"system": "http://loinc.org"}], "exclude": [{"system": "LN", "concept": [{"code": "1-8"}]}]}}`
		Expect(vsFindings(src)).To(ConsistOf(at(model.Error, profile.CodeValueSet, "ValueSet.compose.exclude[0].system")))
	})

	It("rejects a value set's URL where a code system belongs", func() {
		Expect(vsFindings(valueSet(`{"valueSet": ["http://hl7.org/fhir/ValueSet/contact-point-use"]}`))).To(BeEmpty())
		Expect(vsFindings(valueSet(`{"system": "http://hl7.org/fhir/ValueSet/contact-point-use", "concept": [{"code": "home"}]}`))).To(
			ConsistOf(at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].system")))
	})

	It("requires listed codes of a code system carecert holds complete to be its codes, in the version asked for", func() {
		Expect(vsFindings(valueSet(`{"system": "http://hl7.org/fhir/contact-point-use", "concept": [{"code": "home"}, {"code": "mobile"}]}`))).To(BeEmpty())
		Expect(vsFindings(valueSet(`{"system": "http://hl7.org/fhir/contact-point-use", "concept": [{"code": "home"}, {"code": "cell"}]}`))).To(
			ConsistOf(at(model.Error, profile.CodeValueSet, "ValueSet.compose.include[0].concept[1].code")))
		Expect(vsFindings(valueSet(`{"system": "http://hl7.org/fhir/contact-point-use", "version": "4.0.1", "concept": [{"code": "cell"}]}`))).To(HaveLen(1))
		// Another version may have codes carecert's copy lacks; a system it
		// does not hold (or not complete) is not judged either.
		Expect(vsFindings(valueSet(`{"system": "http://hl7.org/fhir/contact-point-use", "version": "5.0.0", "concept": [{"code": "cell"}]}`))).To(BeEmpty())
		Expect(vsFindings(valueSet(`{"system": "http://snomed.info/sct", "concept": [{"code": "not-a-concept"}]}`))).To(BeEmpty())
	})
})

var _ = Describe("ValueSet expansion: an entry without a version has one version to be read in", func() {
	e := newEngine()
	expansion := func(params, contains string) []string {
		src := `{"resourceType": "ValueSet", "id": "vs", "url": "http://example.org/fhir/ValueSet/vs", "name": "VS", "status": "draft",
			"expansion": {"identifier": "urn:uuid:6a1f0b52-2d7e-4f0e-9d55-0c3c1b1e7a10", "timestamp": "2026-01-01T00:00:00Z", "parameter": [` + params + `], "contains": [` + contains + `]}}`
		return pathsOf(validate(e, src), model.Error, profile.CodeValueSet)
	}
	const v1 = `{"name": "used-codesystem", "valueUri": "http://example.org/fhir/CodeSystem/beds|1"}`
	const v2 = `{"name": "used-codesystem", "valueUri": "http://example.org/fhir/CodeSystem/beds|2"}`
	const other = `{"name": "used-codesystem", "valueUri": "http://example.org/fhir/CodeSystem/wards|3"}`
	const bed = `{"system": "http://example.org/fhir/CodeSystem/beds", "code": "b1"}`
	DescribeTable("used-codesystem versions of an unversioned entry's system",
		func(params, contains string, want []string) { Expect(expansion(params, contains)).To(ConsistOf(want)) },
		Entry("one version", v1+", "+other, bed, nil),
		Entry("two versions", v1+", "+v2, bed, []string{"ValueSet.expansion"}),
		Entry("two versions, the entry saying which", v1+", "+v2, `{"system": "http://example.org/fhir/CodeSystem/beds", "version": "2", "code": "b1"}`, nil),
		Entry("two versions, the unversioned entry nested", v1+", "+v2, `{"abstract": true, "display": "Beds", "contains": [`+bed+`]}`, []string{"ValueSet.expansion"}),
		Entry("two versions of another system", `{"name": "used-codesystem", "valueUri": "http://example.org/fhir/CodeSystem/wards|1"}, `+other, bed, nil),
	)
})

package definitions_test

import (
	"errors"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/definitions"
)

var _ = Describe("search parameters", func() {
	It("resolves the core SearchParameters by canonical URL, with and without a version", func() {
		sp, err := core.SearchParameter("http://hl7.org/fhir/SearchParameter/Organization-name")
		Expect(err).NotTo(HaveOccurred())
		Expect(*sp).To(Equal(definitions.SearchParameter{
			URL: "http://hl7.org/fhir/SearchParameter/Organization-name", Version: "4.0.1", Name: "name", Code: "name",
			Base: []string{"Organization"}, Type: "string", Expression: "Organization.name | Organization.alias",
		}))
		Expect(sp.Canonical()).To(Equal("http://hl7.org/fhir/SearchParameter/Organization-name|4.0.1"))
		same, err := core.SearchParameter("http://hl7.org/fhir/SearchParameter/Organization-name|4.0.1")
		Expect(err).NotTo(HaveOccurred())
		Expect(same).To(BeIdenticalTo(sp), "decoded once")
		_, err = core.SearchParameter("http://hl7.org/fhir/SearchParameter/Organization-name|3.0.2")
		Expect(err).To(MatchError(ContainSubstring("unknown definition")))
	})

	It("keeps every base of a parameter shared by many resource types", func() {
		sp, err := core.SearchParameter("http://hl7.org/fhir/SearchParameter/clinical-code")
		Expect(err).NotTo(HaveOccurred())
		Expect(sp.Type).To(Equal("token"))
		Expect(sp.HasBase("AllergyIntolerance")).To(BeTrue())
		Expect(sp.HasBase("Observation")).To(BeTrue())
		Expect(sp.HasBase("Patient")).To(BeFalse())
	})

	It("reads the core search parameters for a registry whose parent is the core", func() {
		r, err := definitions.New(definitions.Options{Parent: core})
		Expect(err).NotTo(HaveOccurred())
		sp, err := r.SearchParameter("http://hl7.org/fhir/SearchParameter/AllergyIntolerance-clinical-status")
		Expect(err).NotTo(HaveOccurred())
		Expect(sp.Type).To(Equal("token"))
	})

	It("says when a canonical is unknown or is not a SearchParameter", func() {
		_, err := core.SearchParameter("http://hl7.org/fhir/SearchParameter/Patient-nickname")
		var nf *definitions.NotFoundError
		Expect(errors.As(err, &nf)).To(BeTrue())
		Expect(err.Error()).To(ContainSubstring("Patient-nickname"))

		_, err = core.SearchParameter("http://hl7.org/fhir/StructureDefinition/Patient")
		Expect(err).To(MatchError("http://hl7.org/fhir/StructureDefinition/Patient is a StructureDefinition, not a SearchParameter"))
	})

	It("indexes the SearchParameters of an implementation guide", func() {
		dir := GinkgoT().TempDir()
		copyTo(dir, "sp-diff-expression.json")
		r, err := definitions.New(definitions.Options{IGs: []string{dir}, Parent: core})
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Packages()[0].Resources).To(Equal(1))
		Expect(r.URLs("SearchParameter")).To(ConsistOf("http://hl7.org/fhir/us/davinci-pdex-plan-net/SearchParameter/organization-name"))
		sp, err := r.SearchParameter("http://hl7.org/fhir/us/davinci-pdex-plan-net/SearchParameter/organization-name|0.2.0")
		Expect(err).NotTo(HaveOccurred())
		Expect(sp.DerivedFrom).To(Equal("http://hl7.org/fhir/SearchParameter/Organization-name"))
		Expect(sp.Base).To(Equal([]string{"Organization"}))
		Expect(sp.Expression).To(Equal("Organization.name"))
	})

	It("lets a guide's SearchParameter stand in for a core one of the same URL", func() {
		r, err := definitions.New(definitions.Options{Parent: core})
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Add(map[string]any{
			"resourceType": "SearchParameter", "url": "http://hl7.org/fhir/SearchParameter/Organization-name",
			"version": "9.9.9", "code": "name", "base": []any{"Organization"}, "type": "string", "expression": "Organization.name",
		}, "test")).To(Succeed())
		sp, err := r.SearchParameter("http://hl7.org/fhir/SearchParameter/Organization-name")
		Expect(err).NotTo(HaveOccurred())
		Expect(sp.Version).To(Equal("9.9.9"))
		sp, err = r.SearchParameter("http://hl7.org/fhir/SearchParameter/Organization-name|4.0.1")
		Expect(err).NotTo(HaveOccurred())
		Expect(sp.Expression).To(Equal("Organization.name | Organization.alias"), "the core version stays reachable by version")
	})
})

package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// bundle-validation-rules (the reference validator's -bundle): entries a rule
// picks are validated against its profile as well.
var _ = Describe("bundle-validation-rules", func() {
	const named = "http://example.org/fhir/StructureDefinition/named-patient"
	// A Bundle of two unnamed Patients around an Observation; an entry
	// without a name fails named-patient.
	const src = `{"resourceType": "Bundle", "type": "collection", "entry": [
		{"fullUrl": "http://example.org/fhir/Patient/p1", "resource": {"resourceType": "Patient", "id": "p1"}},
		{"fullUrl": "http://example.org/fhir/Observation/o1", "resource": {"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "x"}}},
		{"fullUrl": "http://example.org/fhir/Patient/p2", "resource": {"resourceType": "Patient", "id": "p2"}}]}`
	engine := func(rules string) *profile.Engine {
		defs, err := definitions.New(definitions.Options{Parent: core})
		Expect(err).NotTo(HaveOccurred())
		Expect(defs.Add(diffProfile(named, "Patient", `{"id": "Patient.name", "path": "Patient.name", "min": 1}`), "test")).To(Succeed())
		rs, err := profile.ParseBundleRules(rules, defs.IsResourceType)
		Expect(err).NotTo(HaveOccurred())
		return profile.NewEngine(defs, profile.Options{Invariants: profile.FHIRPath{}, BundleRules: rs})
	}
	// unnamed returns the ids of the Patients found without the name the
	// profile requires.
	unnamed := func(e *profile.Engine) []string {
		var ids []string
		for _, f := range bundleAllFindings(e, src) {
			if f.Severity == model.Error && f.Path == "Patient.name" {
				ids = append(ids, f.Record)
			}
		}
		return ids
	}

	It("validates the entries a rule picks against its profile: Type:n, Type or n, counted from 0", func() {
		Expect(unnamed(engine(""))).To(BeEmpty())
		Expect(unnamed(engine("Patient:0=" + named))).To(ConsistOf("Patient/p1"))
		Expect(unnamed(engine("Patient:1=" + named))).To(ConsistOf("Patient/p2"))
		Expect(unnamed(engine("Patient=" + named))).To(ConsistOf("Patient/p1", "Patient/p2"))
		Expect(unnamed(engine("2=" + named))).To(ConsistOf("Patient/p2"))
		// The entry at 1 is an Observation: a Patient profile does not fit it.
		Expect(unnamed(engine("Patient:2=" + named))).To(BeEmpty())
	})

	It("refuses a rule it cannot read, and says when the profile a rule names is not loaded", func() {
		for _, bad := range []string{"Patient:0", "Patients:0=" + named, "Patient:first=" + named, "=" + named, "-1=" + named} {
			_, err := profile.ParseBundleRules(bad, func(t string) bool { return t == "Patient" })
			Expect(err).To(HaveOccurred(), bad)
		}
		fs := bundleAllFindings(engine("Patient:0=http://example.org/fhir/StructureDefinition/absent"), src)
		Expect(fs).To(ContainElement(And(at(model.Error, profile.CodeProfile, "Patient"),
			HaveField("Message", ContainSubstring("the Bundle rule Patient:0=http://example.org/fhir/StructureDefinition/absent")))))
	})

	It("is an option of the run and of a requirement, checked before the run", func() {
		reg := check.NewRegistry()
		profile.Register(reg)
		_, err := reg.Compile(check.Spec{Requirement: "R", Type: "fhir-profile", Params: params.Params{"bundle-validation-rules": "Patient:x=" + named}}, &check.Env{})
		Expect(err).To(MatchError(ContainSubstring("bundle-validation-rules")))
		_, err = reg.Compile(check.Spec{Requirement: "R", Type: "fhir-profile"}, &check.Env{FHIROptions: map[string]string{"bundle-validation-rules": "Patient:0=" + named}})
		Expect(err).NotTo(HaveOccurred())
	})
})

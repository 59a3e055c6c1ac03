package profile_test

import (
	"os"
	"path/filepath"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/suites"
	"github.com/carecert/carecert/validators/profile"
)

// ukCore loads UK Core from ../shared once for the suite (it is never copied
// into the repository).
var ukCore = sync.OnceValues(func() (*definitions.Registry, error) {
	return definitions.New(definitions.Options{IGs: []string{sharedtest.Path("fhir", "uk-core")}, XML: fhirxml.Decode, Parent: core})
})

const ukBase = "https://fhir.hl7.org.uk/StructureDefinition/"

var _ = Describe("UK Core", func() {
	It("loads the guide and expands every one of its differential-only profiles", func() {
		r, err := ukCore()
		Expect(err).NotTo(HaveOccurred())
		pkgs := r.Packages()
		Expect(pkgs).To(HaveLen(1))
		Expect(pkgs[0].Name).To(Equal("UKCore.R4.STU.02.00.00"))
		// One code system file of the published package has a stray "c"
		// after an element: it is reported, the rest of the guide is used.
		Expect(pkgs[0].Problems).To(ConsistOf(And(ContainSubstring("CodeSystem-UKCore-EthnicCategoryScotland.xml"), ContainSubstring("line 37"))))
		urls := r.URLs("StructureDefinition")
		Expect(urls).To(HaveLen(153))
		var failed []string
		for _, u := range urls {
			if _, err := r.StructureDefinition(u); err != nil {
				failed = append(failed, err.Error())
			}
		}
		Expect(failed).To(BeEmpty())
		e := profile.NewEngine(r, profile.Options{Invariants: hooks.Invariants, Codes: hooks.Codes})
		for _, u := range urls {
			_, err := e.Compiled(u)
			Expect(err).NotTo(HaveOccurred(), u)
		}
	})

	It("finds the published examples valid against the UK Core profile of their type, except those with real defects", func() {
		r, err := ukCore()
		Expect(err).NotTo(HaveOccurred())
		// Published examples point at example servers (a QuestionnaireResponse
		// at its Questionnaire on example.com): they are validated as their
		// guide's publisher validates examples, with example URLs allowed.
		e := profile.NewEngine(r, profile.Options{Invariants: hooks.Invariants, Codes: hooks.Codes, AllowExampleURLs: true})
		// Examples whose errors are defects of the examples themselves.
		known := map[string]string{
			"Extension-UKCore-ConditionEpisode-Example.xml":        "valueCode where the extension defines valueCodeableConcept",
			"UKCore-Provenance-RARecordConsent-Example.xml":        "onBehalfOf refers to a StructureDefinition",
			"UKCore-Bundle-NEWS2Observations-Example.xml":          "relative fullUrls (the reference validator rejects them too)",
			"Extension-UKCore-RecordingSetting-Example.xml":        "misspelt extension url Extension-UKCore-RcordingSetting, which no definition declares",
			"UKCore-Observation-VitalSigns-BodyHeight-Example.xml": "a body height (LOINC 8302-2) in metres: the core bodyheight profile every body height must meet binds its unit to cm or [in_i] (required)",
		}
		// Examples whose authorizingPrescription is a bare id, without its
		// resource type: a reference that may mean something to its server,
		// so a warning, as the reference validator has it.
		warned := map[string]bool{
			"UKCore-MedicationDispense-Amoxicillin-Example.xml":       true,
			"UKCore-MedicationDispense-CiprofloxacinIV-Example.xml":   true,
			"UKCore-MedicationDispense-CiprofloxacinOral-Example.xml": true,
		}
		files, err := filepath.Glob(sharedtest.Path("fhir", "uk-core", "examples", "*.xml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(len(files)).To(BeNumerically(">", 200))
		profiled := 0
		for _, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			res, err := fhirxml.Decode(data)
			Expect(err).NotTo(HaveOccurred(), f)
			rec := &model.Record{Kind: model.KindFHIR, Source: filepath.Base(f), Type: fhir.ResourceType(res), ID: fhir.ID(res), Value: res}
			url := ""
			if _, ok := r.Lookup(ukBase + "UKCore-" + rec.Type); ok {
				url = ukBase + "UKCore-" + rec.Type
				profiled++
			}
			var errs []string
			referenceWarning := false
			for _, fd := range e.ValidateRecord(rec, url, nil) {
				if fd.Severity == model.Error {
					errs = append(errs, fd.Path+": "+fd.Message)
				}
				referenceWarning = referenceWarning || fd.Severity == model.Warning && fd.Code == profile.CodeReference &&
					fd.Path == "MedicationDispense.authorizingPrescription[0].reference"
			}
			Expect(referenceWarning).To(Equal(warned[filepath.Base(f)]), f)
			if why, ok := known[filepath.Base(f)]; ok {
				Expect(errs).NotTo(BeEmpty(), "%s: %s", f, why)
				continue
			}
			Expect(errs).To(BeEmpty(), f)
		}
		Expect(profiled).To(BeNumerically(">", 120))
	})

	Describe("the uk-core suite", func() {
		compile := func(igs ...string) []check.Check {
			reg := check.NewRegistry()
			profile.Register(reg)
			s, err := suites.Builtin("uk-core", reg)
			Expect(err).NotTo(HaveOccurred())
			env := &check.Env{IGs: igs}
			if len(igs) > 0 {
				r, err := ukCore()
				Expect(err).NotTo(HaveOccurred())
				env = profile.UseEngine(env, profile.NewEngine(r, profile.Options{Invariants: hooks.Invariants, Codes: hooks.Codes}))
			} else {
				env = profile.UseEngine(env, newEngine())
			}
			var out []check.Check
			for _, req := range s.Requirements {
				c, err := reg.Compile(req.Spec(), env)
				Expect(err).NotTo(HaveOccurred())
				out = append(out, c)
			}
			return out
		}

		It("is errored, saying how to load UK Core, when UK Core is not loaded", func() {
			cs := compile()
			g, ok := cs[0].(check.Grader)
			Expect(ok).To(BeTrue())
			outcome, msg := g.Grade(model.NewTally(0))
			Expect(outcome).To(Equal(model.Errored))
			Expect(msg).To(And(ContainSubstring("UK Core is not loaded"), ContainSubstring("--ig")))
		})

		It("validates against the UK Core profile of each resource's type when loaded", func() {
			cs := compile(sharedtest.Path("fhir", "uk-core"))
			rec := record(`{"resourceType": "MedicationRequest", "status": "active", "intent": "order",
				"medicationCodeableConcept": {"text": "x"}, "subject": {"reference": "Patient/p"}}`)
			Expect(cs[0].Applies(rec)).To(BeTrue())
			fs := cs[0].NewState().Observe(rec)
			Expect(fs).To(ContainElement(at(model.Error, profile.CodeCardinality, "MedicationRequest.substitution")))
			Expect(cs[0].Applies(record(`{"resourceType": "Basic", "code": {"text": "x"}}`))).To(BeFalse(), "UK Core has no Basic profile")
		})
	})
})

var _ = Describe("NHS numbers", func() {
	compileNHS := func(params params.Params) check.Check {
		reg := check.NewRegistry()
		profile.Register(reg)
		c, err := reg.Compile(check.Spec{Requirement: "R", Type: "nhs-number", Params: params}, &check.Env{})
		Expect(err).NotTo(HaveOccurred())
		return c
	}

	It("reports invalid NHS numbers and near-miss systems, with the number as sensitive evidence", func() {
		c := compileNHS(nil)
		rec := record(`{"resourceType": "Patient", "identifier": [
			{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765918"},
			{"system": "http://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"},
			{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}]}`)
		Expect(c.Applies(rec)).To(BeTrue())
		fs := c.NewState().Observe(rec)
		Expect(fs).To(ConsistOf(
			at(model.Error, "nhs-number.check-digit", "Patient.identifier[0].value"),
			at(model.Error, "nhs-number.system", "Patient.identifier[1].system")))
		Expect(fs[0].Evidence).To(Equal("9434765918"))
		Expect(fs[0].Sensitive).To(BeTrue())
		Expect(c.Applies(record(`{"resourceType": "Patient", "identifier": [{"system": "http://example.org", "value": "1"}]}`))).To(BeFalse())
	})

	It("checks the NHS number verification status extension", func() {
		c := compileNHS(params.Params{"check": "verification-status"})
		status := func(code string) string {
			return `{"resourceType": "Patient", "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919",
				"extension": [{"url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus",
				"valueCodeableConcept": {"coding": [{"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland", "code": "` + code + `"}]}}]}]}`
		}
		Expect(c.NewState().Observe(record(status("01")))).To(BeEmpty())
		fs := c.NewState().Observe(record(status("99")))
		Expect(fs).To(ConsistOf(at(model.Error, "nhs-number.verification-status", "Patient.identifier[0].extension[0]")))
		Expect(fs[0].Message).To(ContainSubstring("#99"))
		Expect(c.NewState().Observe(record(cleanPatient))).To(ConsistOf(
			at(model.Error, "nhs-number.verification-status", "Patient.identifier[0]")))
		reg := check.NewRegistry()
		profile.Register(reg)
		_, err := reg.Compile(check.Spec{Requirement: "R", Type: "nhs-number", Params: params.Params{"check": "colour"}}, &check.Env{})
		Expect(err).To(MatchError(ContainSubstring("colour")))
	})
})

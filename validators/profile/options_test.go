package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// optionsEngine is an engine over the core with the given options.
func optionsEngine(o profile.Options) *profile.Engine {
	defs, err := definitions.New(definitions.Options{Parent: core})
	Expect(err).NotTo(HaveOccurred())
	o.Invariants = profile.FHIRPath{}
	return profile.NewEngine(defs, o)
}

// everyFinding returns every finding of a resource, information included.
func everyFinding(e *profile.Engine, src string) []model.Finding {
	return e.ValidateRecord(record(src), "", nil)
}

var _ = Describe("options named as the reference validator's", func() {
	const noNarrative = `{"resourceType": "Patient", "id": "a"}`

	It("best-practice: ignores guidelines by default, and reports them at the level asked for", func() {
		Expect(everyFinding(optionsEngine(profile.Options{}), noNarrative)).To(BeEmpty())
		for level, sev := range map[profile.BestPractice]model.Severity{
			profile.BestPracticeHint: model.Information, profile.BestPracticeWarning: model.Warning, profile.BestPracticeError: model.Error} {
			Expect(everyFinding(optionsEngine(profile.Options{BestPractice: level}), noNarrative)).To(ConsistOf(
				saying(sev, profile.CodeInvariant, "Patient", "constraint dom-6 failed")), level.String())
		}
		_, err := profile.ParseBestPractice("loud")
		Expect(err).To(MatchError(ContainSubstring("ignore, hint, warning or error")))
	})

	It("security-checks: off by default; on, HTML tags in strings are errors and other angle brackets are not", func() {
		src := `{"resourceType": "Patient", "name": [{"family": "<script>alert(1)</script>"}, {"family": "O'Brien <5 mg> a < b"}], "address": [{"text": "<a href='x'>home</a>"}]}`
		Expect(validate(optionsEngine(profile.Options{}), src)).To(BeEmpty())
		Expect(validate(optionsEngine(profile.Options{SecurityChecks: true}), src)).To(ConsistOf(
			saying(model.Error, profile.CodeSecurity, "Patient.name[0].family", "<script>"),
			saying(model.Error, profile.CodeSecurity, "Patient.address[0].text", "<a>")))
	})

	It("allow-example-urls: extensions on example domains are errors by default, warnings when allowed", func() {
		src := `{"resourceType": "Patient", "extension": [{"url": "http://example.org/fhir/StructureDefinition/something", "valueString": "x"}]}`
		fs := validate(optionsEngine(profile.Options{}), src)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeUnknownExtension, "Patient.extension[0]")))
		Expect(fs[0].Message).To(ContainSubstring("example URLs are not allowed"))
		Expect(validate(optionsEngine(profile.Options{AllowExampleURLs: true}), src)).To(ConsistOf(
			saying(model.Warning, profile.CodeUnknownExtension, "Patient.extension[0]", "allow-example-urls")))
	})

	It("allow-example-urls accepts unknown extensions on example.org and acme.com only, as the reference does", func() {
		ext := func(u string) string {
			return `{"resourceType": "Patient", "extension": [{"url": "` + u + `", "valueString": "x"}]}`
		}
		allowed := optionsEngine(profile.Options{AllowExampleURLs: true})
		Expect(validate(allowed, ext("http://acme.com/fhir/StructureDefinition/x"))).To(ConsistOf(
			saying(model.Warning, profile.CodeUnknownExtension, "Patient.extension[0]", "allow-example-urls")))
		for _, u := range []string{"http://example.com/fhir/StructureDefinition/x", "https://example.net/StructureDefinition/x"} {
			Expect(validate(allowed, ext(u))).To(ConsistOf(at(model.Error, profile.CodeUnknownExtension, "Patient.extension[0]")), u)
		}
	})

	It("takes the run's options and a requirement's parameters, which override them", func() {
		reg := check.NewRegistry()
		profile.Register(reg)
		run := func(env *check.Env, params params.Params) []model.Finding {
			c, err := reg.Compile(check.Spec{Requirement: "R", Type: "fhir-profile", Params: params}, env)
			Expect(err).NotTo(HaveOccurred())
			return c.NewState().Observe(record(noNarrative))
		}
		env := func(o map[string]string) *check.Env { return &check.Env{FHIROptions: o} }
		Expect(run(env(nil), params.Params{})).To(BeEmpty())
		Expect(run(env(map[string]string{"best-practice": "warning"}), params.Params{})).To(ConsistOf(at(model.Warning, profile.CodeInvariant, "Patient")))
		Expect(run(env(map[string]string{"best-practice": "warning"}), params.Params{"best-practice": "error"})).To(ConsistOf(at(model.Error, profile.CodeInvariant, "Patient")))
		_, err := reg.Compile(check.Spec{Requirement: "R", Type: "fhir-profile", Params: params.Params{}}, env(map[string]string{"allow-everything": "true"}))
		Expect(err).To(MatchError(ContainSubstring(`unknown FHIR option "allow-everything"`)))
		_, err = reg.Compile(check.Spec{Requirement: "R", Type: "fhir-profile", Params: params.Params{"security-checks": "maybe"}}, env(nil))
		Expect(err).To(MatchError(ContainSubstring("security-checks")))
	})
})

// assume-valid-rest-references (the reference validator's
// -assumeValidRestReferences): whether a reference that does not resolve in
// the input is held to its element's target types by the type its URL names.
// carecert's default is yes; false is the reference validator's default.
var _ = Describe("assume-valid-rest-references", func() {
	engine := func(untyped bool) *profile.Engine {
		defs, err := definitions.New(definitions.Options{Parent: core})
		Expect(err).NotTo(HaveOccurred())
		return profile.NewEngine(defs, profile.Options{Invariants: hooks.Invariants, Codes: hooks.Codes, UnresolvedUntyped: untyped})
	}
	assumed, unchecked := engine(false), engine(true)
	refFindings := func(e *profile.Engine, src string) []model.Finding {
		return withCode(profile.CodeReference, validate(e, src))
	}
	// Encounter.subject may refer to a Patient or a Group only.
	encounter := func(subject string) string {
		return `{"resourceType": "Encounter", "status": "finished", "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"}, "subject": ` + subject + `}`
	}

	It("holds an unresolved reference to the target types by its URL only when REST references are assumed valid", func() {
		Expect(refFindings(assumed, encounter(`{"reference": "Device/7"}`))).To(ConsistOf(at(model.Error, profile.CodeReference, "Encounter.subject.reference")))
		Expect(refFindings(unchecked, encounter(`{"reference": "Device/7"}`))).To(BeEmpty())
		Expect(refFindings(unchecked, encounter(`{"reference": "Patient/7"}`))).To(BeEmpty())
	})

	It("still checks Reference.type against the URL, and a declared type against the targets, either way", func() {
		Expect(refFindings(unchecked, encounter(`{"reference": "Device/7", "type": "Patient"}`))).To(ConsistOf(at(model.Error, profile.CodeReference, "Encounter.subject.type")))
		Expect(refFindings(unchecked, encounter(`{"reference": "https://other.org/fhir/x/7", "type": "Device"}`))).To(ConsistOf(at(model.Error, profile.CodeReference, "Encounter.subject.reference")))
	})

	It("checks a reference that resolves in the input by what it resolves to, either way", func() {
		bundle := `{"resourceType": "Bundle", "type": "collection", "entry": [
			{"fullUrl": "urn:uuid:3c1e5d6a-1d2b-4f3a-9e8d-7a6b5c4d3e2f", "resource": {"resourceType": "Device", "status": "active"}},
			{"fullUrl": "urn:uuid:4d2f6e7b-2e3c-4a4b-8f9e-8b7c6d5e4f30", "resource": ` + encounter(`{"reference": "urn:uuid:3c1e5d6a-1d2b-4f3a-9e8d-7a6b5c4d3e2f"}`) + `}]}`
		var fs []model.Finding
		sink := &profile.Sink{}
		Expect(fhir.ReadStream("spec.json", strings.NewReader(bundle), func(r *model.Record) error {
			r.Load()
			fs = append(fs, withCode(profile.CodeReference, unchecked.ValidateRecord(r, "", sink))...)
			return nil
		})).To(Succeed())
		Expect(fs).To(ContainElement(WithTransform(func(f model.Finding) string { return f.Message }, ContainSubstring("reference to a Device"))))
	})
})

var _ = Describe("no-experimental-content: definitions fit for production", func() {
	strict := optionsEngine(profile.Options{NoExperimentalContent: true})
	experimental := func(sev model.Severity, fs []model.Finding) []string {
		out := []string{}
		for _, f := range fs {
			if f.Code == profile.CodeCanonicalResource && f.Severity == sev && strings.Contains(f.Message, "experimental") {
				out = append(out, f.Path)
			}
		}
		return out
	}
	DescribeTable("each definition, in JSON and XML",
		func(json, xml string, want []string) {
			Expect(experimental(model.Error, everyFinding(optionsEngine(profile.Options{}), json))).To(BeEmpty(), "off by default")
			Expect(experimental(model.Error, everyFinding(strict, json))).To(ConsistOf(want))
			Expect(experimental(model.Error, everyFinding(strict, fromXML(xml)))).To(ConsistOf(want), "XML")
		},
		Entry("an experimental value set", `{"resourceType": "ValueSet", "url": "http://example.org/fhir/ValueSet/v", "status": "draft", "experimental": true}`,
			`<ValueSet xmlns="http://hl7.org/fhir"><url value="http://example.org/fhir/ValueSet/v"/><status value="draft"/><experimental value="true"/></ValueSet>`,
			[]string{"ValueSet.experimental"}),
		Entry("one that is not", `{"resourceType": "ValueSet", "url": "http://example.org/fhir/ValueSet/v", "status": "draft", "experimental": false}`,
			`<ValueSet xmlns="http://hl7.org/fhir"><url value="http://example.org/fhir/ValueSet/v"/><status value="draft"/><experimental value="false"/></ValueSet>`, nil),
		Entry("one that does not say", `{"resourceType": "ValueSet", "url": "http://example.org/fhir/ValueSet/v", "status": "draft"}`,
			`<ValueSet xmlns="http://hl7.org/fhir"><url value="http://example.org/fhir/ValueSet/v"/><status value="draft"/></ValueSet>`, nil),
		Entry("an experimental code system, contained in a Questionnaire",
			`{"resourceType": "Questionnaire", "status": "draft", "contained": [{"resourceType": "CodeSystem", "id": "cs", "status": "draft", "experimental": true, "content": "complete",
				"concept": [{"code": "a"}]}], "item": [{"linkId": "q", "type": "choice", "answerOption": [{"valueCoding": {"system": "#cs", "code": "a"}}]}]}`,
			`<Questionnaire xmlns="http://hl7.org/fhir"><contained><CodeSystem><id value="cs"/><status value="draft"/><experimental value="true"/><content value="complete"/>`+
				`<concept><code value="a"/></concept></CodeSystem></contained><status value="draft"/><item><linkId value="q"/><type value="choice"/>`+
				`<answerOption><valueCoding><system value="#cs"/><code value="a"/></valueCoding></answerOption></item></Questionnaire>`,
			[]string{"Questionnaire.contained[0].experimental"}),
	)
	It("is taken from the run's options or a requirement's parameters", func() {
		reg := check.NewRegistry()
		profile.Register(reg)
		run := func(o map[string]string, p params.Params) []string {
			c, err := reg.Compile(check.Spec{Requirement: "R", Type: "fhir-profile", Params: p}, &check.Env{FHIROptions: o})
			Expect(err).NotTo(HaveOccurred())
			return experimental(model.Error, c.NewState().Observe(record(`{"resourceType": "ValueSet", "url": "http://example.org/fhir/ValueSet/v", "status": "draft", "experimental": true}`)))
		}
		Expect(run(nil, params.Params{})).To(BeEmpty())
		Expect(run(map[string]string{"no-experimental-content": "true"}, params.Params{})).To(ConsistOf("ValueSet.experimental"))
		Expect(run(map[string]string{"no-experimental-content": "true"}, params.Params{"no-experimental-content": "false"})).To(BeEmpty())
		_, err := reg.Compile(check.Spec{Requirement: "R", Type: "fhir-profile", Params: params.Params{"no-experimental-content": "sometimes"}}, &check.Env{})
		Expect(err).To(MatchError(ContainSubstring("no-experimental-content")))
	})
})

// dom-6 (a narrative) is asked of a resource that is its own root: a record,
// an entry of a Bundle (the record's or a nested one) and a parameter's
// resource, as the reference validator evaluates it; a contained resource is
// part of its container, in every placement, in JSON and in XML.
var _ = Describe("best-practice dom-6: asked of a resource that is its own root, not of a contained one", func() {
	e := optionsEngine(profile.Options{BestPractice: profile.BestPracticeWarning})
	narrative := map[string]any{"status": "generated", "div": `<div xmlns="http://www.w3.org/1999/xhtml">a patient</div>`}
	patient := func(text bool, contained ...any) map[string]any {
		p := map[string]any{"resourceType": "Patient", "id": "p"}
		if text {
			p["text"] = narrative
		}
		if len(contained) > 0 {
			p["contained"] = contained
			p["managingOrganization"] = map[string]any{"reference": "#o"}
		}
		return p
	}
	organization := map[string]any{"resourceType": "Organization", "id": "o", "name": "Riverside"}
	entry := func(res map[string]any) map[string]any {
		return map[string]any{"fullUrl": "http://example.org/fhir/Patient/p", "resource": res}
	}
	collection := func(res map[string]any) map[string]any {
		return map[string]any{"resourceType": "Bundle", "type": "collection", "entry": []any{entry(res)}}
	}
	parameter := func(res map[string]any) map[string]any {
		return map[string]any{"resourceType": "Parameters", "parameter": []any{map[string]any{"name": "p", "resource": res}}}
	}
	DescribeTable("in JSON and XML",
		func(doc map[string]any, want []string) {
			xml, err := fhirxml.Encode(doc)
			Expect(err).NotTo(HaveOccurred())
			Expect(failedAt(e, "doc.json", line(doc), "dom-6")).To(ConsistOf(want), "JSON")
			Expect(failedAt(e, "doc.xml", xml, "dom-6")).To(ConsistOf(want), "XML")
		},
		Entry("a record with a narrative", patient(true), nil),
		Entry("a record without one", patient(false), []string{"Patient"}),
		Entry("a contained resource without one, in a record that has one", patient(true, organization), nil),
		Entry("a contained resource and its record, neither with one", patient(false, organization), []string{"Patient"}),
		Entry("a Bundle entry without one", collection(patient(false)), []string{"Patient"}),
		Entry("a contained resource in a Bundle entry that has one", collection(patient(true, organization)), nil),
		Entry("a parameter's resource without one", parameter(patient(false)), []string{"Parameters.parameter[0].resource"}),
		Entry("a contained resource in a parameter's resource that has one", parameter(patient(true, organization)), nil),
		Entry("an entry of a Bundle in a parameter, without one", parameter(collection(patient(false))), []string{"Parameters.parameter[0].resource.entry[0].resource"}),
		Entry("a contained resource in an entry of a Bundle in a parameter", parameter(collection(patient(true, organization))), nil),
	)
})

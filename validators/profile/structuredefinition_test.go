package profile_test

import (
	"encoding/json"
	"os"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// conformanceCase reads a file of the shared conformance cases as a record.
func conformanceCase(name ...string) *model.Record {
	data, err := os.ReadFile(sharedtest.Path(append([]string{"conformance-cases", "cases"}, name...)...))
	Expect(err).NotTo(HaveOccurred())
	res, err := fhir.Decode(data)
	Expect(err).NotTo(HaveOccurred())
	return &model.Record{Kind: model.KindFHIR, Source: name[len(name)-1], Line: 1, Type: fhir.ResourceType(res), ID: fhir.ID(res), Value: res}
}

// withMessage matches a finding whose message contains each text.
func withMessage(texts ...string) OmegaMatcher {
	var ms []OmegaMatcher
	for _, t := range texts {
		ms = append(ms, WithTransform(func(f model.Finding) string { return f.Message }, ContainSubstring(t)))
	}
	return And(ms...)
}

// errorsAndWarnings validates a record and drops information findings.
func errorsAndWarnings(e *profile.Engine, rec *model.Record) []model.Finding {
	var out []model.Finding
	for _, f := range e.ValidateRecord(rec, "", nil) {
		if f.Severity > model.Information {
			out = append(out, f)
		}
	}
	return out
}

// goodProfile constrains Observation the way guides do: renamed choices,
// slicing by url, by code, by type after resolve(), through an extension.
const goodProfile = `{"resourceType": "StructureDefinition", "url": "http://example.org/StructureDefinition/bp",
  "name": "BloodPressure", "status": "draft", "kind": "resource", "abstract": false, "type": "Observation",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Observation", "derivation": "constraint",
  "differential": {"element": [
    {"id": "Observation.extension", "path": "Observation.extension",
     "slicing": {"discriminator": [{"type": "value", "path": "url"}], "rules": "open"}},
    {"id": "Observation.extension:rendered", "path": "Observation.extension", "sliceName": "rendered",
     "type": [{"code": "Extension", "profile": ["http://hl7.org/fhir/StructureDefinition/rendered-value"]}]},
    {"id": "Observation.identifier", "path": "Observation.identifier",
     "slicing": {"discriminator": [{"type": "value", "path": "extension('http://hl7.org/fhir/StructureDefinition/rendered-value').value"},
       {"type": "value", "path": "system"}], "rules": "open"}},
    {"id": "Observation.performer", "path": "Observation.performer",
     "slicing": {"discriminator": [{"type": "type", "path": "$this.resolve()"}], "rules": "open"}},
    {"id": "Observation.value[x]", "path": "Observation.valueQuantity", "min": 1},
    {"id": "Observation.component", "path": "Observation.component",
     "slicing": {"discriminator": [{"type": "pattern", "path": "code.coding.code"}, {"type": "type", "path": "value.ofType(Quantity)"}],
       "ordered": false, "rules": "open"}},
    {"id": "Observation.component:systolic", "path": "Observation.component", "sliceName": "systolic",
     "slicing": {"discriminator": [{"type": "pattern", "path": "code.coding.code"}, {"type": "type", "path": "value.ofType(Quantity)"}], "rules": "open"}},
    {"id": "Observation.component:systolic.valueQuantity", "path": "Observation.component.valueQuantity", "min": 1},
    {"id": "Observation.component:systolic.valueQuantity.system", "path": "Observation.component.valueQuantity.system",
     "fixedUri": "http://unitsofmeasure.org"}
  ]}}`

var _ = Describe("StructureDefinitions validated as resources", func() {
	It("finds nothing wrong with a differential that fits its base", func() {
		Expect(validate(newEngine(), goodProfile)).To(BeEmpty())
		// A published profile with a snapshot, and a slice on identifier.
		Expect(errorsAndWarnings(newEngine(), conformanceCase("sd-device.json"))).To(BeEmpty())
	})

	It("reports a renamed choice element whose type the choice does not allow, at its path", func() {
		fs := errorsAndWarnings(newEngine(), conformanceCase("obs-mz.json"))
		Expect(fs).To(ConsistOf(And(
			at(model.Error, profile.CodeSnapshot, "StructureDefinition.differential.element[0].path"),
			withMessage("snapshot cannot be generated", "Observation.valueQuantity",
				"Bla is not one of the types Observation.value[x] allows (Quantity, CodeableConcept, string",
				"use value[x], or value followed by one of those types"),
		)))
	})

	It("reports a slice that redefines the slicing, and discriminator paths that name no element of the sliced element", func() {
		e := newEngine()
		other, err := fhir.Decode(mustRead(sharedtest.Path("conformance-cases", "cases", "slice23", "StructureDefinition-OtherId.json")))
		Expect(err).NotTo(HaveOccurred())
		Expect(e.Definitions().Add(other, "OtherId")).To(Succeed())
		fs := errorsAndWarnings(e, conformanceCase("slice23", "StructureDefinition-Slice23-original.json"))
		Expect(fs).To(ConsistOf(
			And(at(model.Error, profile.CodeSnapshot, "StructureDefinition.differential.element[2].slicing"),
				withMessage("AuditEvent.agent.extension defines the slicing [value:url] (open, unordered)",
					"its slice AuditEvent.agent.extension:extOtherId redefines it as [value:type]")),
			And(at(model.Error, profile.CodeSnapshot, "StructureDefinition.differential.element[2].slicing.discriminator[0]"),
				withMessage(`the discriminator path "type" does not resolve on the sliced element AuditEvent.agent.extension`,
					`type Extension (profile http://hl7.org/fhir/test/StructureDefinition/OtherId) has no element "type"`)),
			And(at(model.Error, profile.CodeSnapshot, "StructureDefinition.differential.element[15].slicing.discriminator[0]"),
				withMessage("AuditEvent.agent:userorg.extension:extOtherId", `has no element "type"`)),
		))
	})

	It("names the step of a discriminator path that goes wrong", func() {
		var sd map[string]any
		Expect(json.Unmarshal([]byte(goodProfile), &sd)).To(Succeed())
		elems := sd["differential"].(map[string]any)["element"].([]any)
		slicing := elems[5].(map[string]any)["slicing"].(map[string]any)
		slicing["discriminator"] = []any{
			map[string]any{"type": "pattern", "path": "code.coding.colour"},
			map[string]any{"type": "type", "path": "value.ofType(Banana)"},
		}
		elems = elems[:6] // the slicing alone, without its slice
		sd["differential"].(map[string]any)["element"] = elems
		raw, err := json.Marshal(sd)
		Expect(err).NotTo(HaveOccurred())
		fs := validate(newEngine(), string(raw))
		Expect(fs).To(ConsistOf(
			And(at(model.Error, profile.CodeSnapshot, "StructureDefinition.differential.element[5].slicing.discriminator[0]"),
				withMessage(`"code.coding.colour" does not resolve on the sliced element Observation.component`, `type Coding has no element "colour"`)),
			And(at(model.Error, profile.CodeSnapshot, "StructureDefinition.differential.element[5].slicing.discriminator[1]"),
				withMessage("ofType(Banana): Observation.component.value[x] has no type Banana (its types are Quantity, CodeableConcept")),
		))
	})

	It("reports an element the base does not have once, not again for its children", func() {
		fs := validate(newEngine(), `{"resourceType": "StructureDefinition", "url": "http://example.org/StructureDefinition/p",
		  "name": "P", "status": "draft", "kind": "resource", "abstract": false, "type": "Patient",
		  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint",
		  "differential": {"element": [
		    {"id": "Patient.colour", "path": "Patient.colour", "min": 1},
		    {"id": "Patient.colour.shade", "path": "Patient.colour.shade", "min": 1},
		    {"id": "Patient.gender", "path": "Patient.gender", "min": 1}]}}`)
		Expect(fs).To(ConsistOf(And(
			at(model.Error, profile.CodeSnapshot, "StructureDefinition.differential.element[0]"),
			withMessage("differential element Patient.colour", `has no child element "colour"`),
		)))
	})

	It("warns once when the base cannot be resolved, and leaves specialisations and definitions without a differential alone", func() {
		fs := errorsAndWarnings(newEngine(), conformanceCase("ext-derived-circle.json"))
		Expect(fs).To(ContainElement(And(
			at(model.Warning, profile.CodeProfile, "StructureDefinition.baseDefinition"),
			withMessage("the differential was not checked", "http://hl7.org/fhir/test/StructureDefinition/ext-derived is not loaded"),
		)))
		Expect(fs).NotTo(ContainElement(WithTransform(func(f model.Finding) model.Severity { return f.Severity }, Equal(model.Error))))

		// Patient specialises DomainResource: its differential adds elements.
		for _, name := range []string{"Patient", "Observation", "Extension"} {
			sd, err := core.Resource("http://hl7.org/fhir/StructureDefinition/" + name)
			Expect(err).NotTo(HaveOccurred())
			rec := &model.Record{Kind: model.KindFHIR, Source: name, Type: "StructureDefinition", Value: sd}
			Expect(snapshotFindings(newEngine(), rec)).To(BeEmpty(), name)
		}
	})

	It("generates the snapshot once for many copies of a profile, even from several workers", func() {
		e := newEngine()
		var wg sync.WaitGroup
		results := make([][]model.Finding, 8)
		for w := range results {
			wg.Go(func() {
				for range 25 {
					results[w] = errorsAndWarnings(e, conformanceCase("obs-mz.json"))
				}
			})
		}
		wg.Wait()
		Expect(profile.DifferentialChecks(e)).To(Equal(int64(1)))
		for _, fs := range results {
			Expect(fs).To(Equal(results[0]))
			Expect(fs).To(HaveLen(1))
		}
		// A different profile (other content under the same URL) is checked afresh.
		rec := conformanceCase("obs-mz.json")
		rec.Resource()["description"] = "changed"
		Expect(errorsAndWarnings(e, rec)).To(HaveLen(1))
		Expect(profile.DifferentialChecks(e)).To(Equal(int64(2)))
	})

	It("finds no problem in any constraint profile or extension of the R4 core, nor in UK Core", func() {
		e := newEngine()
		checked := 0
		for _, name := range []string{r4core.ProfilesOthers, r4core.ExtensionDefs} {
			data, err := r4core.ReadFile(name)
			Expect(err).NotTo(HaveOccurred())
			bundle, err := fhir.Decode(data)
			Expect(err).NotTo(HaveOccurred())
			for _, entry := range bundle["entry"].([]any) {
				res := entry.(map[string]any)["resource"].(map[string]any)
				if res["resourceType"] != "StructureDefinition" || res["derivation"] != "constraint" {
					continue
				}
				checked++
				rec := &model.Record{Kind: model.KindFHIR, Source: name, Type: "StructureDefinition", ID: fhir.ID(res), Value: res}
				Expect(snapshotFindings(e, rec)).To(BeEmpty(), fhir.ID(res))
			}
		}
		Expect(checked).To(BeNumerically(">", 400))

		uk, err := ukCore()
		Expect(err).NotTo(HaveOccurred())
		ue := profile.NewEngine(uk, profile.Options{})
		for _, u := range uk.URLs("StructureDefinition") {
			res, err := uk.Resource(u)
			Expect(err).NotTo(HaveOccurred())
			rec := &model.Record{Kind: model.KindFHIR, Source: u, Type: "StructureDefinition", Value: res}
			Expect(snapshotFindings(ue, rec)).To(BeEmpty(), u)
		}
	})
})

// snapshotFindings validates a StructureDefinition and keeps what checking
// its differential found.
func snapshotFindings(e *profile.Engine, rec *model.Record) []string {
	var out []string
	for _, f := range e.ValidateRecord(rec, "", nil) {
		if f.Code == profile.CodeSnapshot || f.Path == "StructureDefinition.baseDefinition" {
			out = append(out, f.Path+": "+f.Message)
		}
	}
	return out
}

func mustRead(path string) []byte {
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	return data
}

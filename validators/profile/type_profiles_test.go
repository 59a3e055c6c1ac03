package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// R4 §5.1.0.9 (ElementDefinition.type.profile): a datatype value must
// conform to one of the profiles its element's type names. The profiles
// below are our own: an Address that must say its use, one that must say
// its type, and a Patient profile whose address takes either.
var _ = Describe("datatype profiles named by an element's type", func() {
	const ns = "http://example.org/StructureDefinition/"
	addressProfile := func(name, required string) map[string]any {
		p := diffProfile(ns+name, "Address",
			`{"id": "Address", "path": "Address"}`,
			`{"id": "Address.`+required+`", "path": "Address.`+required+`", "min": 1}`)
		p["kind"] = "complex-type"
		return p
	}
	e := newEngine(
		addressProfile("address-with-use", "use"),
		addressProfile("address-with-type", "type"),
		diffProfile(ns+"patient-either", "Patient",
			`{"id": "Patient.address", "path": "Patient.address", "type": [{"code": "Address", "profile": ["`+ns+`address-with-use", "`+ns+`address-with-type"]}]}`),
		diffProfile(ns+"patient-use", "Patient",
			`{"id": "Patient.address", "path": "Patient.address", "type": [{"code": "Address", "profile": ["`+ns+`address-with-use"]}]}`),
	)
	patient := func(address string) string {
		return `{"resourceType": "Patient", "address": [` + address + `]}`
	}

	It("accepts a value that conforms to any one of the profiles", func() {
		Expect(validate(e, patient(`{"use": "home", "city": "Leeds"}`), ns+"patient-either")).To(BeEmpty())
		Expect(validate(e, patient(`{"type": "postal", "city": "Leeds"}`), ns+"patient-either")).To(BeEmpty())
	})

	It("rejects a value that conforms to none, naming the profiles tried and the first problem", func() {
		fs := validate(e, patient(`{"text": "somewhere"}`), ns+"patient-either")
		Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeTypeProfile, "Patient.address[0]",
			"does not conform to any of the profiles "+ns+"address-with-use, "+ns+"address-with-type")))
		Expect(fs[0].Message).To(ContainSubstring("use is required"))
	})

	It("checks a single profile the same way", func() {
		Expect(validate(e, patient(`{"use": "work"}`), ns+"patient-use")).To(BeEmpty())
		Expect(validate(e, patient(`{"type": "postal"}`), ns+"patient-use")).To(ConsistOf(
			saying(model.Error, profile.CodeTypeProfile, "Patient.address[0]", "does not conform to the profile "+ns+"address-with-use")))
	})
})

// R4 §5.1.0.9 on a resource element: the profiles a Bundle profile names on
// entry.resource restrict the entries to the types they constrain.
var _ = Describe("resource types a resource element's profiles admit", func() {
	const url = "http://example.org/StructureDefinition/manifest-bundle"
	e := newEngine(diffProfile(url, "Bundle",
		`{"id": "Bundle.entry.resource", "path": "Bundle.entry.resource", "min": 1,
		  "type": [{"code": "Resource", "profile": ["http://hl7.org/fhir/StructureDefinition/DocumentManifest"]}]}`))
	bundle := func(resource string) string {
		return `{"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "urn:uuid:3f1c2d9e-5b7a-4c1e-9d2f-0a1b2c3d4e5f", "resource": ` + resource + `}]}`
	}

	It("admits an entry of the type the profile constrains", func() {
		Expect(validate(e, bundle(`{"resourceType": "DocumentManifest", "status": "current", "content": [{"reference": "Binary/1"}]}`), url)).To(BeEmpty())
	})

	It("refuses an entry of another type", func() {
		Expect(validate(e, bundle(`{"resourceType": "Patient"}`), url)).To(ConsistOf(
			saying(model.Error, profile.CodeType, "Bundle.entry[0].resource", "is a Patient, but the profiles of this element allow only DocumentManifest")))
	})
})

// The profiles a resource element names for one type are alternatives too.
var _ = Describe("alternative profiles of a nested resource", func() {
	const ns = "http://example.org/StructureDefinition/"
	params := func(name string, profiles ...string) map[string]any {
		list := ""
		for i, p := range profiles {
			if i > 0 {
				list += ", "
			}
			list += `"` + p + `"`
		}
		return diffProfile(ns+name, "Parameters",
			`{"id": "Parameters.parameter.resource", "path": "Parameters.parameter.resource", "type": [{"code": "Resource", "profile": [`+list+`]}]}`)
	}
	e := newEngine(
		diffProfile(ns+"named-patient", "Patient", `{"id": "Patient.name", "path": "Patient.name", "min": 1}`),
		diffProfile(ns+"born-patient", "Patient", `{"id": "Patient.birthDate", "path": "Patient.birthDate", "min": 1}`),
		params("either-patient", ns+"named-patient", ns+"born-patient"),
		params("named-or-unknown", ns+"named-patient", ns+"not-loaded-patient"),
	)
	parameters := func(patient string) string {
		return `{"resourceType": "Parameters", "parameter": [{"name": "p", "resource": ` + patient + `}]}`
	}

	It("accepts a resource that conforms to one of them, and names them all when it conforms to none", func() {
		Expect(validate(e, parameters(`{"resourceType": "Patient", "birthDate": "2000-01-01"}`), ns+"either-patient")).To(BeEmpty())
		Expect(validate(e, parameters(`{"resourceType": "Patient", "name": [{"family": "Ng"}]}`), ns+"either-patient")).To(BeEmpty())
		Expect(validate(e, parameters(`{"resourceType": "Patient", "gender": "other"}`), ns+"either-patient")).To(ConsistOf(
			saying(model.Error, profile.CodeTypeProfile, "Parameters.parameter[0].resource", "any of the profiles "+ns+"named-patient, "+ns+"born-patient")))
	})

	It("does not decide against a resource when an alternative could not be loaded", func() {
		fs := validate(e, parameters(`{"resourceType": "Patient", "gender": "other"}`), ns+"named-or-unknown")
		Expect(fs).To(ContainElement(saying(model.Warning, profile.CodeTypeProfile, "Parameters.parameter[0].resource", "was not decided")))
		Expect(fs).NotTo(ContainElement(HaveField("Severity", model.Error)))
	})

	// A Bundle's entries are checked against their types as records of their
	// own; the profiles a Bundle profile names for them, the same way as here.
	bundles := newEngine(
		diffProfile(ns+"named-patient", "Patient", `{"id": "Patient.name", "path": "Patient.name", "min": 1}`),
		diffProfile(ns+"born-patient", "Patient", `{"id": "Patient.birthDate", "path": "Patient.birthDate", "min": 1}`),
		diffProfile(ns+"either-bundle", "Bundle",
			`{"id": "Bundle.entry.resource", "path": "Bundle.entry.resource", "type": [{"code": "Resource", "profile": ["`+ns+`named-patient", "`+ns+`born-patient"]}]}`),
		diffProfile(ns+"unknown-bundle", "Bundle",
			`{"id": "Bundle.entry.resource", "path": "Bundle.entry.resource", "type": [{"code": "Resource", "profile": ["`+ns+`named-patient", "`+ns+`not-loaded-patient"]}]}`),
	)
	bundle := func(patient string) string {
		return `{"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "urn:uuid:3f1c2d9e-5b7a-4c1e-9d2f-0a1b2c3d4e5f", "resource": ` + patient + `}]}`
	}

	It("checks a Bundle profile's entry profiles as alternatives in the same way", func() {
		Expect(validate(bundles, bundle(`{"resourceType": "Patient", "birthDate": "2000-01-01"}`), ns+"either-bundle")).To(BeEmpty())
		Expect(validate(bundles, bundle(`{"resourceType": "Patient", "gender": "other"}`), ns+"either-bundle")).To(ConsistOf(
			saying(model.Error, profile.CodeTypeProfile, "Bundle.entry[0].resource", "any of the profiles "+ns+"named-patient, "+ns+"born-patient")))
		// An entry profile carecert could not load is its limit, said as a
		// warning, never the entry's failure.
		fs := validate(bundles, bundle(`{"resourceType": "Patient", "gender": "other"}`), ns+"unknown-bundle")
		Expect(fs).To(ContainElement(saying(model.Warning, profile.CodeProfile, "Bundle.entry[0].resource", "profile "+ns+"not-loaded-patient of this resource is not loaded")))
		Expect(fs).To(ContainElement(saying(model.Warning, profile.CodeTypeProfile, "Bundle.entry[0].resource", "was not decided")))
		Expect(fs).NotTo(ContainElement(HaveField("Severity", model.Error)))
	})
})

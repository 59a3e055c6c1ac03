package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"strings"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

const cleanPatient = `{"resourceType": "Patient", "id": "p1",
  "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}],
  "name": [{"family": "Smith", "given": ["Ann", "B"]}],
  "gender": "female", "birthDate": "1970-03-01",
  "address": [{"line": ["1 High St"], "postalCode": "LS1 1AA"}]}`

const cleanObservation = `{"resourceType": "Observation", "id": "o1", "status": "final",
  "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
  "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
  "subject": {"reference": "Patient/p1"},
  "effectiveDateTime": "2024-05-01T10:00:00Z",
  "valueQuantity": {"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}}`

var _ = Describe("validating against the R4 base definitions", func() {
	e := newEngine()

	It("finds nothing wrong with clean resources", func() {
		Expect(validate(e, cleanPatient)).To(BeEmpty())
		Expect(validate(e, cleanObservation)).To(BeEmpty())
	})

	It("reports unknown elements at their path", func() {
		fs := validate(e, `{"resourceType": "Patient", "colour": "blue", "name": [{"family": "X", "nickname": "Y"}]}`)
		Expect(fs).To(ConsistOf(
			at(model.Error, profile.CodeUnknownElement, "Patient.colour"),
			at(model.Error, profile.CodeUnknownElement, "Patient.name[0].nickname"),
		))
	})

	It("checks cardinality and the JSON form of single and repeating elements", func() {
		Expect(validate(e, `{"resourceType": "Observation", "code": {"text": "x"}}`)).To(ConsistOf(
			at(model.Error, profile.CodeCardinality, "Observation.status")))
		Expect(validate(e, `{"resourceType": "Patient", "gender": ["male"]}`)).To(ConsistOf(
			at(model.Error, profile.CodeCardinality, "Patient.gender")))
		Expect(validate(e, `{"resourceType": "Patient", "name": {"family": "X"}}`)).To(ConsistOf(
			at(model.Error, profile.CodeCardinality, "Patient.name")))
		Expect(validate(e, `{"resourceType": "Patient", "name": []}`)).To(ConsistOf(
			at(model.Error, profile.CodeCardinality, "Patient.name")))
	})

	It("checks choice types: allowed types only, and one of them", func() {
		fs := validate(e, `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueAddress": {"city": "Leeds"}}`)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeUnknownElement, "Observation.valueAddress")))
		Expect(fs[0].Message).To(ContainSubstring("value[x] does not allow the type Address"))
		Expect(validate(e, `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueString": "a", "valueBoolean": true}`)).To(ContainElement(
			at(model.Error, profile.CodeCardinality, "Observation.valueString")))
	})

	It("checks JSON types of complex elements", func() {
		Expect(validate(e, `{"resourceType": "Patient", "maritalStatus": "married"}`)).To(ConsistOf(
			at(model.Error, profile.CodeType, "Patient.maritalStatus")))
	})

	DescribeTable("primitive formats",
		func(resource, path string) {
			var fs []model.Finding
			for _, f := range validate(e, resource) {
				// The extensions only carry the values under test.
				if f.Severity == model.Error && f.Code != profile.CodeUnknownExtension {
					fs = append(fs, f)
				}
			}
			if path == "" {
				Expect(fs).To(BeEmpty())
				return
			}
			Expect(fs).To(ConsistOf(at(model.Error, profile.CodeFormat, path)))
		},
		Entry("date: month 13", `{"resourceType": "Patient", "birthDate": "2020-13-01"}`, "Patient.birthDate"),
		Entry("date: 30 February", `{"resourceType": "Patient", "birthDate": "2020-02-30"}`, "Patient.birthDate"),
		Entry("date: DD/MM/YYYY", `{"resourceType": "Patient", "birthDate": "01/02/2020"}`, "Patient.birthDate"),
		Entry("date: year only is fine", `{"resourceType": "Patient", "birthDate": "2020"}`, ""),
		Entry("dateTime: time without zone", `{"resourceType": "Patient", "deceasedDateTime": "2020-01-01T10:00:00"}`, "Patient.deceasedDateTime"),
		Entry("dateTime: with zone is fine", `{"resourceType": "Patient", "deceasedDateTime": "2020-01-01T10:00:00.123+01:00"}`, ""),
		Entry("instant: date only", `{"resourceType": "Patient", "meta": {"lastUpdated": "2020-01-01"}}`, "Patient.meta.lastUpdated"),
		Entry("time: hour 25", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueTime": "25:00:00"}`, "Observation.valueTime"),
		Entry("boolean as a string", `{"resourceType": "Patient", "active": "true"}`, "Patient.active"),
		Entry("integer with a fraction", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueInteger": 1.5}`, "Observation.valueInteger"),
		Entry("integer out of 32-bit range", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueInteger": 3000000000}`, "Observation.valueInteger"),
		Entry("positiveInt zero", `{"resourceType": "Patient", "multipleBirthInteger": 1, "contact": [{"name": {"family": "X"}, "period": {"start": "2020"}}], "photo": [{"size": 0}]}`, ""),
		Entry("unsignedInt negative", `{"resourceType": "Patient", "photo": [{"size": -1}]}`, "Patient.photo[0].size"),
		Entry("decimal as a string", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueQuantity": {"value": "72"}}`, "Observation.valueQuantity.value"),
		Entry("id too long", `{"resourceType": "Patient", "id": "`+string(make([]byte, 0))+`a123456789012345678901234567890123456789012345678901234567890123456"}`, "Patient.id"),
		Entry("id with underscore", `{"resourceType": "Patient", "id": "bad_id"}`, "Patient.id"),
		Entry("code with double space", `{"resourceType": "Patient", "gender": "fe  male"}`, "Patient.gender"),
		Entry("uri with a space", `{"resourceType": "Patient", "identifier": [{"system": "http://a b"}]}`, "Patient.identifier[0].system"),
		Entry("base64Binary", `{"resourceType": "Patient", "photo": [{"contentType": "image/png", "data": "%%%2@()()"}]}`, "Patient.photo[0].data"),
		Entry("oid", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "extension": [{"url": "http://example.org/x", "valueOid": "1.2.3"}]}`, "Observation.extension[0].valueOid"),
		Entry("uuid in upper case", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "extension": [{"url": "http://example.org/x", "valueUuid": "urn:uuid:A0000000-0000-0000-0000-000000000000"}]}`, "Observation.extension[0].valueUuid"),
		Entry("empty string", `{"resourceType": "Patient", "name": [{"family": ""}]}`, "Patient.name[0].family"),
		Entry("markdown with a control character", `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "note": [{"text": "a\u0001b"}]}`, "Observation.note[0].text"),
	)

	It("checks required bindings of codes against enumerated value sets", func() {
		fs := validate(e, `{"resourceType": "Patient", "gender": "F"}`)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeBinding, "Patient.gender")))
		Expect(fs[0].Message).To(ContainSubstring("http://hl7.org/fhir/ValueSet/administrative-gender"))
		Expect(validate(e, `{"resourceType": "Observation", "status": "done", "code": {"text": "x"}}`)).To(ConsistOf(
			at(model.Error, profile.CodeBinding, "Observation.status")))
	})

	It("gives a warning, not an error, for codes outside an extensible binding it can enumerate", func() {
		fs := validate(e, `{"resourceType": "Patient", "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "NOPE"}]}}]}`)
		Expect(fs).To(ConsistOf(at(model.Warning, profile.CodeBinding, "Patient.identifier[0].type")))
	})

	It("reads que-12 and que-7 as their descriptions say, as R4B and R5 correct them", func() {
		q := func(n int, behavior string) string {
			var conds []string
			for i := 0; i < n; i++ {
				conds = append(conds, `{"question": "1", "operator": "exists", "answerBoolean": true}`)
			}
			b := ""
			if behavior != "" {
				b = `, "enableBehavior": "` + behavior + `"`
			}
			return `{"resourceType": "Questionnaire", "status": "active", "item": [{"linkId": "1", "type": "boolean"},
				{"linkId": "2", "type": "string", "enableWhen": [` + strings.Join(conds, ", ") + `]` + b + `}]}`
		}
		fs := validate(e, q(2, ""))
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeInvariant, "Questionnaire.item[1]")))
		Expect(fs[0].Message).To(ContainSubstring("que-12"))
		Expect(validate(e, q(2, "all"))).To(BeEmpty())
		Expect(validate(e, q(1, ""))).To(BeEmpty())
		// que-7 as corrected: an exists condition needs a boolean answer.
		fs = validate(e, strings.Replace(q(1, ""), `"answerBoolean": true`, `"answerString": "yes"`, 1))
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeInvariant, "Questionnaire.item[1].enableWhen[0]")))
		Expect(fs[0].Message).To(ContainSubstring("que-7"))
	})

	It("requires a Coding.system to be an absolute URI naming a code system, not a local name or a value set", func() {
		obs := func(system string) string {
			return `{"resourceType": "Observation", "status": "final", "code": {"coding": [{"system": "` + system + `", "code": "x"}]}}`
		}
		Expect(validate(e, obs("http://snomed.info/sct"))).To(BeEmpty())
		Expect(validate(e, obs("http://terminology.hl7.org/CodeSystem/observation-category"))).To(BeEmpty())
		fs := validate(e, obs("Location1"))
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeCoding, "Observation.code.coding[0].system")))
		Expect(fs[0].Message).To(ContainSubstring(`"Location1" must be an absolute URI`))
		fs = validate(e, obs("http://hl7.org/fhir/ValueSet/observation-codes"))
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeCoding, "Observation.code.coding[0].system")))
		Expect(fs[0].Message).To(ContainSubstring("is the URL of a value set, not of a code system"))
	})

	It("checks empty elements (ele-1) natively", func() {
		Expect(validate(e, `{"resourceType": "Patient", "maritalStatus": {}}`)).To(ConsistOf(
			And(at(model.Error, profile.CodeInvariant, "Patient.maritalStatus"),
				WithTransform(func(f model.Finding) string { return f.Message }, ContainSubstring("ele-1")))))
	})
})

var _ = Describe("references", func() {
	e := newEngine()

	It("reads a core profile named as a target (vitalsigns) as the type it constrains, not as a type of its own", func() {
		obs := func(member string) string {
			return `{"resourceType": "Observation", "meta": {"profile": ["http://hl7.org/fhir/StructureDefinition/vitalsigns"]}, "status": "final",
				"category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
				"code": {"coding": [{"system": "http://loinc.org", "code": "85353-1"}]}, "subject": {"reference": "Patient/p"},
				"effectiveDateTime": "2020-01-01", "hasMember": [{"reference": "` + member + `"}]}`
		}
		Expect(validate(e, obs("Observation/hr"))).To(BeEmpty())
		fs := validate(e, obs("Patient/p"))
		Expect(fs).To(ContainElement(at(model.Error, profile.CodeReference, "Observation.hasMember[0].reference")))
		Expect(fs).To(ContainElement(WithTransform(func(f model.Finding) string { return f.Message },
			HavePrefix("reference to a Patient, but this element may only refer to QuestionnaireResponse, MolecularSequence, Observation (profile"))))
	})

	It("checks the format and the allowed target types", func() {
		Expect(validate(e, `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "subject": {"reference": "Patient/p1"}}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "subject": {"reference": "http://example.org/fhir/Patient/p1"}}`)).To(BeEmpty())
		// A relative reference of another shape may mean something to its
		// server: a warning (reference_format_test.go has the family).
		Expect(validate(e, `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "subject": {"reference": "p1"}}`)).To(ConsistOf(
			at(model.Warning, profile.CodeReference, "Observation.subject.reference")))
		fs := validate(e, `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "subject": {"reference": "Medication/m1"}}`)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeReference, "Observation.subject.reference")))
		Expect(fs[0].Message).To(ContainSubstring("may only refer to Patient, Group, Device, Location"))
	})

	It("resolves references to contained resources and reports missing ones", func() {
		Expect(validate(e, `{"resourceType": "Observation", "status": "final", "code": {"text": "x"},
			"contained": [{"resourceType": "Patient", "id": "p"}], "subject": {"reference": "#p"}}`)).To(BeEmpty())
		Expect(validate(e, `{"resourceType": "Observation", "status": "final", "code": {"text": "x"},
			"contained": [{"resourceType": "Medication", "id": "m"}], "subject": {"reference": "#m"}, "focus": [{"reference": "#m"}]}`)).To(ConsistOf(
			at(model.Error, profile.CodeReference, "Observation.subject.reference")))
		Expect(validate(e, `{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "subject": {"reference": "#nowhere"}}`)).To(ConsistOf(
			at(model.Error, profile.CodeReference, "Observation.subject.reference")))
	})

	It("resolves references inside the record's Bundle through its index", func() {
		bundle := record(`{"resourceType": "Bundle", "type": "document", "entry": [
			{"fullUrl": "urn:uuid:0b6a3c1e-4a55-4e8f-9a3e-6f1d5e2b7c11", "resource": {"resourceType": "Medication", "id": "m"}},
			{"fullUrl": "urn:uuid:1c7b4d2f-5b66-4f90-8b4f-7a2e6f3c8d22", "resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"},
			  "subject": {"reference": "urn:uuid:0b6a3c1e-4a55-4e8f-9a3e-6f1d5e2b7c11"}, "focus": [{"reference": "urn:uuid:99999999-5b66-4f90-8b4f-7a2e6f3c8d22"}]}}]}`)
		entries := bundle.Resource()["entry"].([]any)
		obs := entries[1].(map[string]any)["resource"].(map[string]any)
		rec := &model.Record{Kind: model.KindFHIR, Source: "b.json", Type: "Observation", Value: obs, Container: bundle}
		fs := e.ValidateRecord(rec, "", nil)
		Expect(fs).To(ContainElements(
			at(model.Error, profile.CodeReference, "Observation.subject.reference"),
			at(model.Error, profile.CodeReference, "Observation.focus[0].reference")))
		Expect(fs[0].Message + fs[1].Message).To(And(ContainSubstring("Medication"), ContainSubstring("not found in the Bundle")))
	})
})

var _ = Describe("Bundle rules", func() {
	e := newEngine()

	It("requires unique fullUrls and a request on every transaction entry", func() {
		fs := validate(e, `{"resourceType": "Bundle", "type": "transaction", "entry": [
			{"fullUrl": "urn:uuid:0b6a3c1e-4a55-4e8f-9a3e-6f1d5e2b7c11", "resource": {"resourceType": "Patient"}, "request": {"method": "POST", "url": "Patient"}},
			{"fullUrl": "urn:uuid:0b6a3c1e-4a55-4e8f-9a3e-6f1d5e2b7c11", "resource": {"resourceType": "Patient"}}]}`)
		Expect(fs).To(ConsistOf(
			at(model.Error, profile.CodeBundle, "Bundle.entry[1].fullUrl"),
			at(model.Error, profile.CodeBundle, "Bundle.entry[1]"),
		))
	})
})

package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// bundleCode keeps the Bundle-rule findings of a validation.
func bundleCode(fs []model.Finding) []model.Finding {
	var out []model.Finding
	for _, f := range fs {
		if f.Code == profile.CodeBundle {
			out = append(out, f)
		}
	}
	return out
}

// allFindings returns every finding of a resource, information included.
func allFindings(e *profile.Engine, src string) []model.Finding {
	return e.ValidateRecord(record(src), "", nil)
}

var _ = Describe("Bundle rules by type", func() {
	e := newEngine()

	Describe("fullUrl", func() {
		It("requires a fullUrl on the entries of a collection, but not of a transaction", func() {
			collection := `{"resourceType": "Bundle", "type": "collection", "entry": [
				{"resource": {"resourceType": "Patient", "id": "a"}},
				{"fullUrl": "urn:uuid:0b2a6f5e-6c1e-4a8c-9d1f-2e3b4c5d6e7f", "resource": {"resourceType": "Patient", "id": "b"}}]}`
			Expect(bundleCode(validate(e, collection))).To(ConsistOf(at(model.Error, profile.CodeBundle, "Bundle.entry[0]")))
			transaction := `{"resourceType": "Bundle", "type": "transaction", "entry": [
				{"resource": {"resourceType": "Patient"}, "request": {"method": "POST", "url": "Patient"}}]}`
			Expect(bundleCode(validate(e, transaction))).To(BeEmpty())
		})

		It("requires a RESTful fullUrl to end in the type and id of its resource", func() {
			bad := `{"resourceType": "Bundle", "type": "collection", "entry": [
				{"fullUrl": "http://example.org/fhir/Patient/a", "resource": {"resourceType": "Patient", "id": "b"}},
				{"fullUrl": "https://example.org/fhir/Observation/c", "resource": {"resourceType": "Patient", "id": "c"}},
				{"fullUrl": "http://example.org/fhir/Patient/d", "resource": {"resourceType": "Patient"}},
				{"fullUrl": "http://example.org/fhir/Patient/e/_history/2", "resource": {"resourceType": "Patient", "id": "f"}}]}`
			Expect(bundleCode(validate(e, bad))).To(ConsistOf(
				at(model.Error, profile.CodeBundle, "Bundle.entry[0]"),
				at(model.Error, profile.CodeBundle, "Bundle.entry[1]"),
				at(model.Error, profile.CodeBundle, "Bundle.entry[2]"),
				at(model.Error, profile.CodeBundle, "Bundle.entry[3]"),
			))
			good := `{"resourceType": "Bundle", "type": "collection", "entry": [
				{"fullUrl": "http://example.org/fhir/Patient/a", "resource": {"resourceType": "Patient", "id": "a"}},
				{"fullUrl": "https://example.org/fhir/Patient/b/_history/2", "resource": {"resourceType": "Patient", "id": "b"}},
				{"fullUrl": "http://terminology.example.org/CodeSystem-x", "resource": {"resourceType": "Patient", "id": "other"}},
				{"fullUrl": "http://example.org/fhir/Patient/g/_history/", "resource": {"resourceType": "Patient", "id": "other"}},
				{"fullUrl": "http://example.org/fhir/Patient/h/_history/v!1", "resource": {"resourceType": "Patient", "id": "other"}},
				{"fullUrl": "urn:uuid:0b2a6f5e-6c1e-4a8c-9d1f-2e3b4c5d6e70", "resource": {"resourceType": "Patient", "id": "c"}}]}`
			Expect(bundleCode(validate(e, good))).To(BeEmpty())
		})
	})

	Describe("document and message shape", func() {
		It("requires a document to start with a Composition and a message with a MessageHeader", func() {
			doc := `{"resourceType": "Bundle", "type": "document", "entry": [
				{"fullUrl": "urn:uuid:0b2a6f5e-6c1e-4a8c-9d1f-2e3b4c5d6e71", "resource": {"resourceType": "Patient", "id": "p"}}]}`
			Expect(bundleCode(validate(e, doc))).To(ContainElement(at(model.Error, profile.CodeBundle, "Bundle.entry[0].resource")))
			msg := `{"resourceType": "Bundle", "type": "message"}`
			Expect(bundleCode(validate(e, msg))).To(ConsistOf(at(model.Error, profile.CodeBundle, "Bundle")))
		})

		It("does not allow paging links outside searches and histories", func() {
			bad := `{"resourceType": "Bundle", "type": "collection", "link": [{"relation": "next", "url": "http://example.org/fhir/x?page=2"}]}`
			Expect(bundleCode(validate(e, bad))).To(ConsistOf(at(model.Error, profile.CodeBundle, "Bundle.link[0].relation")))
			good := `{"resourceType": "Bundle", "type": "searchset", "link": [{"relation": "self", "url": "http://example.org/fhir/Patient"},
				{"relation": "next", "url": "http://example.org/fhir/Patient?page=2"}]}`
			Expect(bundleCode(validate(e, good))).To(BeEmpty())
		})
	})

	Describe("document and message graphs", func() {
		composition := func(refs string) string {
			return `{"fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111", "resource": {"resourceType": "Composition", "id": "c",
				"status": "final", "type": {"text": "note"}, "date": "2024-01-01", "title": "t", "author": [{"display": "x"}],
				"subject": {"reference": "urn:uuid:22222222-2222-4222-8222-222222222222"}` + refs + `}}`
		}
		patient := `{"fullUrl": "urn:uuid:22222222-2222-4222-8222-222222222222", "resource": {"resourceType": "Patient", "id": "p"}}`
		obs := func(subject string) string {
			return `{"fullUrl": "urn:uuid:33333333-3333-4333-8333-333333333333", "resource": {"resourceType": "Observation", "id": "o",
				"status": "final", "code": {"text": "x"}` + subject + `}}`
		}
		document := func(entries ...string) string {
			s := `{"resourceType": "Bundle", "type": "document", "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:44444444-4444-4444-8444-444444444444"},
				"timestamp": "2024-01-01T00:00:00Z", "entry": [`
			for i, x := range entries {
				if i > 0 {
					s += ","
				}
				s += x
			}
			return s + "]}"
		}

		It("reports an entry nothing in the document links to as an orphan", func() {
			fs := bundleCode(validate(e, document(composition(""), patient, obs(""))))
			Expect(fs).To(ConsistOf(at(model.Error, profile.CodeBundle, "Bundle.entry[2]")))
			Expect(fs[0].Message).To(ContainSubstring("orphan"))
		})

		It("accepts entries reached from the Composition through other entries", func() {
			section := `, "section": [{"title": "s", "entry": [{"reference": "urn:uuid:33333333-3333-4333-8333-333333333333"}]}]`
			Expect(bundleCode(validate(e, document(composition(section), patient, obs(""))))).To(BeEmpty())
		})

		It("warns about an entry that only refers into the document, unless it is a Provenance", func() {
			fs := bundleCode(validate(e, document(composition(""), patient, obs(`, "subject": {"reference": "urn:uuid:22222222-2222-4222-8222-222222222222"}`))))
			Expect(fs).To(ConsistOf(at(model.Warning, profile.CodeBundle, "Bundle.entry[2]")))
			prov := `{"fullUrl": "urn:uuid:55555555-5555-4555-8555-555555555555", "resource": {"resourceType": "Provenance", "id": "v",
				"recorded": "2024-01-01T00:00:00Z", "agent": [{"who": {"display": "x"}}], "target": [{"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"}]}}`
			Expect(bundleCode(validate(e, document(composition(""), patient, prov)))).To(BeEmpty())
		})

		It("only warns about orphans in a message", func() {
			msg := `{"resourceType": "Bundle", "type": "message", "timestamp": "2024-01-01T00:00:00Z", "entry": [
				{"fullUrl": "urn:uuid:66666666-6666-4666-8666-666666666666", "resource": {"resourceType": "MessageHeader", "id": "m",
					"eventCoding": {"system": "http://example.org/events", "code": "e"}, "source": {"endpoint": "http://example.org/src"},
					"focus": [{"reference": "urn:uuid:22222222-2222-4222-8222-222222222222"}]}},
				` + patient + `, ` + obs("") + `]}`
			Expect(bundleCode(validate(e, msg))).To(ConsistOf(at(model.Warning, profile.CodeBundle, "Bundle.entry[2]")))
		})
	})

	Describe("search results", func() {
		search := func(self string, entries string) string {
			links := ""
			if self != "" {
				links = `"link": [{"relation": "self", "url": "` + self + `"}], `
			}
			return `{"resourceType": "Bundle", "type": "searchset", ` + links + `"entry": [` + entries + `]}`
		}

		It("requires matches of the searched type with ids, includes with ids and outcomes that are OperationOutcomes", func() {
			bad := search("http://example.org/fhir/Observation?code=x", `
				{"fullUrl": "http://example.org/fhir/Patient/p", "resource": {"resourceType": "Patient", "id": "p"}, "search": {"mode": "match"}},
				{"fullUrl": "urn:uuid:77777777-7777-4777-8777-777777777777", "resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}, "search": {"mode": "match"}},
				{"fullUrl": "http://example.org/fhir/Patient/q", "resource": {"resourceType": "Patient", "id": "q"}, "search": {"mode": "outcome"}}`)
			Expect(bundleCode(validate(e, bad))).To(ConsistOf(
				at(model.Error, profile.CodeBundle, "Bundle.entry[0].resource"),
				at(model.Error, profile.CodeBundle, "Bundle.entry[1].resource"),
				at(model.Error, profile.CodeBundle, "Bundle.entry[2].resource"),
			))
			good := search("http://example.org/fhir/Observation?code=x&_include=Observation:subject", `
				{"fullUrl": "http://example.org/fhir/Observation/o", "resource": {"resourceType": "Observation", "id": "o", "status": "final", "code": {"text": "x"}}, "search": {"mode": "match"}},
				{"fullUrl": "http://example.org/fhir/Patient/p", "resource": {"resourceType": "Patient", "id": "p"}, "search": {"mode": "include"}},
				{"fullUrl": "urn:uuid:88888888-8888-4888-8888-888888888888", "resource": {"resourceType": "OperationOutcome", "issue": [{"severity": "information", "code": "informational"}]}, "search": {"mode": "outcome"}}`)
			Expect(bundleCode(validate(e, good))).To(BeEmpty())
		})

		It("reads the searched types of a search across types from _type", func() {
			bad := search("http://example.org/fhir/?_type=Patient,Practitioner", `
				{"fullUrl": "http://example.org/fhir/Observation/o", "resource": {"resourceType": "Observation", "id": "o", "status": "final", "code": {"text": "x"}}, "search": {"mode": "match"}}`)
			Expect(bundleCode(validate(e, bad))).To(ConsistOf(at(model.Error, profile.CodeBundle, "Bundle.entry[0].resource")))
		})

		It("only warns when the search has no self link or the entries have no search mode", func() {
			fs := bundleCode(validate(e, search("", `
				{"fullUrl": "http://example.org/fhir/Patient/p", "resource": {"resourceType": "Patient", "id": "p"}}`)))
			Expect(fs).To(ConsistOf(at(model.Warning, profile.CodeBundle, "Bundle")))
			fs = bundleCode(validate(e, search("http://example.org/fhir/Patient", `
				{"fullUrl": "http://example.org/fhir/Patient/p", "resource": {"resourceType": "Patient", "id": "p"}, "search": {"mode": "match"}},
				{"fullUrl": "http://example.org/fhir/Patient/q", "resource": {"resourceType": "Patient", "id": "q"}}`)))
			Expect(fs).To(ConsistOf(at(model.Warning, profile.CodeBundle, "Bundle.entry[1]")))
		})
	})
})

package fhir_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
)

var _ = Describe("duplicate JSON keys", func() {
	It("finds each repeated key of an object with its place, line and column", func() {
		data := []byte("{\"resourceType\": \"Patient\",\n  \"name\": [{\"family\": \"A\", \"family\": \"B\"}],\n\"gender\": \"male\", \"gender\": \"female\"}")
		Expect(fhir.DuplicateKeys(data)).To(Equal([]fhir.DuplicateKey{
			{Path: "name[0]", Key: "family", Line: 2, Column: 28},
			{Path: "", Key: "gender", Line: 3, Column: 19},
		}))
	})

	It("tells an element from its primitive companion, and keys apart in different objects", func() {
		Expect(fhir.DuplicateKeys([]byte(`{"a": 1, "_a": {"id": "x"}, "b": [{"c": 1}, {"c": 2}], "d": {"c": 3}, "e": "\"a\""}`))).To(BeEmpty())
	})

	It("finds a repeat among many keys", func() {
		src := `{`
		for i := 0; i < 40; i++ {
			src += `"k` + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `": 1, `
		}
		src += `"kaa": 2}`
		Expect(fhir.DuplicateKeys([]byte(src))).To(ConsistOf(HaveField("Key", "kaa")))
	})

	errorsOf := func(recs []*model.Record) []model.Finding {
		var out []model.Finding
		for _, r := range recs {
			Expect(r.Problem).To(BeNil())
			out = append(out, r.Syntax...)
		}
		return out
	}

	It("reports a duplicate in a resource file as an error at the key, and keeps the record", func() {
		recs := readAll("p.json", []byte("{\"resourceType\": \"Patient\", \"id\": \"p1\",\n \"birthDate\": \"2000-01-01\", \"birthDate\": \"2001-01-01\"}"))
		Expect(recs).To(HaveLen(1))
		fs := errorsOf(recs)
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Severity).To(Equal(model.Error))
		Expect(fs[0].Code).To(Equal("input.duplicate-key"))
		Expect(fs[0].Location).To(Equal(model.Location{File: "p.json", Line: 2, Record: "Patient/p1", Path: "Patient.birthDate"}))
		Expect(fs[0].Message).To(ContainSubstring(`"birthDate" at column 29`))
	})

	It("reports duplicates on their NDJSON line", func() {
		recs := readAll("feed.ndjson", []byte("{\"resourceType\": \"Patient\", \"id\": \"a\"}\n{\"resourceType\": \"Patient\", \"id\": \"b\", \"active\": true, \"active\": false}\n"))
		fs := errorsOf(recs)
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Location).To(Equal(model.Location{File: "feed.ndjson", Line: 2, Record: "Patient/b", Path: "Patient.active"}))
	})

	It("gives a duplicate inside a Bundle entry to the entry's record, and one in the Bundle to the Bundle", func() {
		recs := readAll("b.json", []byte(`{"resourceType": "Bundle", "type": "collection", "type": "batch", "entry": [
		  {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Patient", "id": "p", "name": [{"given": ["A"], "given": ["B"]}]}}]}`))
		Expect(recs).To(HaveLen(2))
		Expect(recs[0].Syntax).To(ConsistOf(HaveField("Location.Path", "Bundle.type")))
		Expect(recs[1].Syntax).To(ConsistOf(HaveField("Location.Path", "Patient.name[0].given")))
		Expect(recs[1].Syntax[0].Location.Line).To(Equal(2))
	})
})

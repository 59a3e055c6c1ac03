package fhir_test

import (
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
)

var _ = Describe("summaries of a Bundle's entries", func() {
	summarize := func(bundle string) []model.BundleEntry {
		m, err := fhir.Decode([]byte(bundle))
		Expect(err).NotTo(HaveOccurred())
		return fhir.SummarizeEntries(m)
	}

	It("keeps one summary per item of Bundle.entry, in order, whatever the item is", func() {
		es := summarize(`{"resourceType":"Bundle","type":"collection","entry":[
			null, "x",
			{"fullUrl":"urn:uuid:1","request":{"method":"POST"},"response":null,
			 "search":{"mode":"match"},
			 "resource":{"resourceType":"Patient","id":"p","meta":{"versionId":"3"}}},
			{"fullUrl":7,"search":{"mode":null},"resource":"not an object"},
			{"search":{"mode":5},"resource":{"resourceType":"ValueSet","id":3,"url":"http://x/vs"}}]}`)
		Expect(es).To(HaveLen(5))
		Expect(es[0].Object).To(BeFalse())
		Expect(es[1].Object).To(BeFalse())

		p := es[2]
		Expect(p.Object && p.HasFullURL && p.HasRequest && p.HasResponse && p.HasSearchMode && p.HasResource && p.HasID).To(BeTrue())
		Expect([]string{p.FullURL, p.SearchMode, p.ResourceType, p.ID, p.VersionID, p.URL}).To(Equal([]string{"urn:uuid:1", "match", "Patient", "p", "3", ""}))
		Expect(p.Resource).To(HaveKeyWithValue("id", "p"))

		// A fullUrl that is not a string is none; a null mode is no mode;
		// a resource that is not an object is none.
		q := es[3]
		Expect(q.Object).To(BeTrue())
		Expect(q.HasFullURL || q.HasSearchMode || q.HasResource).To(BeFalse())
		Expect(q.Resource).To(BeNil())

		// A mode of the wrong type is still a mode; an id that is not a
		// string is no id.
		v := es[4]
		Expect(v.HasSearchMode).To(BeTrue())
		Expect(v.SearchMode).To(BeEmpty())
		Expect(v.HasID).To(BeFalse())
		Expect(v.URL).To(Equal("http://x/vs"))
	})

	DescribeTable("collects an entry's links only where a graph is followed",
		func(bundleType string, want bool) {
			es := summarize(`{"resourceType":"Bundle","type":"` + bundleType + `","entry":[
				{"fullUrl":"urn:uuid:c","resource":{"resourceType":"Composition","id":"c",
				 "subject":{"reference":"urn:uuid:p#x"},"date":"2020-01-01T10:00:00Z",
				 "code":{"coding":[{"system":"http://loinc.org","code":"1"}]},
				 "text":{"div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">a</div>"},
				 "contained":[{"resourceType":"Bundle","link":[{"url":"urn:uuid:q"}]}],
				 "section":[{"entry":[{"reference":"Patient/p"}],"extension":[{"url":"urn:uuid:e","valueUri":"urn:uuid:p"}]}]}}]}`)
			refs, urls := slices.Sorted(slices.Values(es[0].References)), slices.Sorted(slices.Values(es[0].URLs))
			if !want {
				Expect(refs).To(BeEmpty())
				Expect(urls).To(BeEmpty())
				return
			}
			Expect(refs).To(Equal([]string{"Patient/p", "urn:uuid:p#x"}))
			// Every other string of the resource with a colon, but not a code system, a
			// narrative or anything in a nested Bundle.
			Expect(urls).To(Equal([]string{"2020-01-01T10:00:00Z", "urn:uuid:e", "urn:uuid:p"}))
		},
		Entry("a document", "document", true),
		Entry("a message", "message", true),
		Entry("a collection", "collection", false),
		Entry("a transaction", "transaction", false),
	)

	It("takes a record's summaries from its reader when it made them, else from its resource", func() {
		made := []model.BundleEntry{{Object: true, FullURL: "urn:uuid:1", HasFullURL: true, Record: 4}}
		rec := &model.Record{Value: map[string]any{"resourceType": "Bundle"}, Entries: made}
		Expect(fhir.BundleEntries(rec)).To(Equal(made))

		m, err := fhir.Decode([]byte(`{"resourceType":"Bundle","entry":[{"fullUrl":"urn:uuid:2"}]}`))
		Expect(err).NotTo(HaveOccurred())
		es := fhir.BundleEntries(&model.Record{Value: m})
		Expect(es).To(HaveLen(1))
		Expect(es[0].FullURL).To(Equal("urn:uuid:2"))
	})
})

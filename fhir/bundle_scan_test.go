package fhir_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
)

// withoutSpan is a summary as SummarizeEntries makes it from a tree: no
// span, and its links in one order (a resource's members have none).
func withoutSpan(e model.BundleEntry) model.BundleEntry {
	e.Start, e.End = 0, 0
	e.References, e.URLs = slices.Sorted(slices.Values(e.References)), slices.Sorted(slices.Values(e.URLs))
	return e
}

// scannedWhole checks the reader's scan of a Bundle it must read against
// the one-pass decoder: keeping the resources, the tree is the whole
// decoding and nothing is summarised (the tree is, when a rule asks);
// leaving them out, the skeleton with each span decoded into its entry is
// the whole tree, and the summaries are what SummarizeEntries makes of it.
// It returns the summaries made leaving the resources out, or those of the
// whole tree when leaves is false: a Bundle the reader reads whole (a
// document).
func scannedWhole(data []byte, leaves bool) []model.BundleEntry {
	GinkgoHelper()
	whole, ok := fhir.DecodeFast(data)
	Expect(ok).To(BeTrue())
	kept, keptEntries, _, ok := fhir.ScanBundle(data, true)
	Expect(ok).To(BeTrue())
	Expect(kept).To(Equal(whole), "keeping the resources, the tree is the whole decoding")
	Expect(keptEntries).To(BeNil(), "a tree kept whole is summarised from the tree when a rule asks")
	want := fhir.SummarizeEntries(whole)

	skeleton, entries, line, ok := fhir.ScanBundle(data, false)
	if !leaves {
		// read whole in one pass when known to be whole before its
		// entries, or refused (ok false) and read again whole
		Expect(entries).To(BeNil())
		if ok {
			Expect(skeleton).To(Equal(whole))
		}
		return want
	}
	Expect(ok).To(BeTrue(), "the resources can be left out")
	Expect(entries).To(HaveLen(len(want)))
	doc := fhir.NewDocument(data, 1)
	list, _ := skeleton["entry"].([]any)
	for i, e := range entries {
		if !e.HasResource {
			Expect(line(i)).To(BeZero())
			continue
		}
		em := list[i].(map[string]any)
		res, ok := fhir.DecodeFast(data[e.Start:e.End])
		Expect(ok).To(BeTrue())
		if e.ResourceType == "" {
			Expect(em["resource"]).To(Equal(res), "a resource naming no type stays in the tree")
		} else {
			Expect(em).NotTo(HaveKey("resource"), "entry %d's resource is left out of the skeleton", i)
			Expect(e.Resource).To(BeNil())
			em["resource"] = res
		}
		e.Resource = want[i].Resource
		Expect(withoutSpan(e)).To(Equal(withoutSpan(want[i])), "entry %d is summarised as the whole tree is", i)
		Expect(line(i)).To(Equal(doc.Locator(fmt.Sprintf("entry[%d].resource", i)).Line(e.ResourceType)), "entry %d's line", i)
	}
	Expect(skeleton).To(Equal(whole), "the skeleton with each span decoded into its entry is the whole decoding")
	return entries
}

var _ = Describe("scanning a Bundle for its entries", func() {
	It("summarises every entry of every Synthea Bundle as the whole tree does, with each resource's span and line", func() {
		files, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(files).NotTo(BeEmpty())
		for _, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			By(filepath.Base(f))
			entries := scannedWhole(data, true)
			Expect(entries).NotTo(BeEmpty())
		}
	})

	It("summarises what the rules about other entries ask, entries without a resource object too", func() {
		doc := `{"resourceType":"Bundle","type":"collection","entry":[
  {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"p","meta":{"versionId":"3"}},"request":{"method":"PUT"}},
  {"fullUrl":"urn:uuid:2","search":{"mode":"match"}},
  {"resource":null,"response":{}},
  {"resource":"Patient/x"},
  {"fullUrl":42,"resource":
    {"resourceType":"Observation","id":7,"meta":{"versionId":2},"status":"final","subject":{"reference":"Patient/p"}}},
  {"resource":{"resourceType":"Parameters","parameter":[{"resource":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"}}]}}]}},
  "not an object",
  {"resource":{"id":"untyped"}}
]}`
		entries := scannedWhole([]byte(doc), true)
		span := func(res string) (int64, int64) {
			at := strings.Index(doc, res)
			Expect(at).To(BeNumerically(">", 0))
			return int64(at), int64(at + len(res))
		}
		patient, patientEnd := span(`{"resourceType":"Patient","id":"p","meta":{"versionId":"3"}}`)
		obs, obsEnd := span(`{"resourceType":"Observation","id":7,"meta":{"versionId":2},"status":"final","subject":{"reference":"Patient/p"}}`)
		params, paramsEnd := span(`{"resourceType":"Parameters","parameter":[{"resource":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"}}]}}]}`)
		untyped, untypedEnd := span(`{"id":"untyped"}`)
		Expect(entries).To(Equal([]model.BundleEntry{
			{Object: true, FullURL: "urn:uuid:1", HasFullURL: true, HasRequest: true, HasResource: true, ResourceType: "Patient", ID: "p", HasID: true, VersionID: "3", HasVersionID: true, Start: patient, End: patientEnd},
			{Object: true, FullURL: "urn:uuid:2", HasFullURL: true, SearchMode: "match", HasSearchMode: true},
			{Object: true, HasResponse: true},
			{Object: true},
			{Object: true, HasResource: true, ResourceType: "Observation", Start: obs, End: obsEnd},
			{Object: true, HasResource: true, ResourceType: "Parameters", Start: params, End: paramsEnd},
			{},
			{Object: true, HasResource: true, ID: "untyped", HasID: true, Start: untyped, End: untypedEnd, Resource: map[string]any{"id": "untyped"}},
		}), "a fullUrl, id or versionId that is no string is not summarised; a Bundle held in a parameter is no entry; a collection has no links")
	})

	It("reads a document whole, even when the Bundle's type is written after its entries, and its entries' links are summarised from the tree", func() {
		for _, doc := range []string{
			`{"resourceType":"Bundle","type":"document","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Composition","subject":{"reference":"urn:uuid:2"},"text":{"div":"<div>urn:x</div>"},"identifier":{"system":"urn:sys","value":"urn:v"}}}]}`,
			`{"resourceType":"Bundle","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Composition","subject":{"reference":"urn:uuid:2"},"text":{"div":"<div>urn:x</div>"},"identifier":{"system":"urn:sys","value":"urn:v"}}}],"type":"document"}`,
		} {
			entries := scannedWhole([]byte(doc), false)
			Expect(entries[0].References).To(Equal([]string{"urn:uuid:2"}))
			Expect(entries[0].URLs).To(Equal([]string{"urn:v"}))
		}
		entries := scannedWhole([]byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Composition","subject":{"reference":"urn:uuid:2"}}}],"type":"batch"}`), true)
		Expect(entries[0].References).To(BeNil(), "a batch written type last has no graph")
	})

	It("gives the spans and lines of a collection Bundle written one entry a line", func() {
		var b bytes.Buffer
		b.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
		for i := range 50 {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "\n{\"fullUrl\":\"urn:uuid:%d\",\"resource\":{\"resourceType\":\"Patient\",\"id\":\"%d\"}}", i, i)
		}
		b.WriteString("\n]}")
		entries := scannedWhole(b.Bytes(), true)
		Expect(entries).To(HaveLen(50))
		_, _, line, _ := fhir.ScanBundle(b.Bytes(), false)
		for i, e := range entries {
			Expect(line(i)).To(Equal(i + 2))
			Expect(e.FullURL).To(Equal(fmt.Sprintf("urn:uuid:%d", i)))
		}
	})

	DescribeTable("leaves to the whole reading what it cannot read without the resources",
		func(doc string) {
			_, _, _, ok := fhir.ScanBundle([]byte(doc), false)
			Expect(ok).To(BeFalse())
		},
		Entry("a key repeated inside an entry's resource", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"a","id":"b"}}]}`),
		Entry("a key repeated in the Bundle itself", `{"resourceType":"Bundle","type":"collection","type":"batch","entry":[{"resource":{"resourceType":"Patient"}}]}`),
		Entry("resource repeated in one entry", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"},"resource":{"resourceType":"Basic"}}]}`),
		Entry("a comment", "{\"resourceType\":\"Bundle\", // a note\n\"entry\":[]}"),
		Entry("invalid UTF-8", "{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"\xff\"}}]}"),
		Entry("a syntax error", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient",}}]}`),
		Entry("data after the Bundle", `{"resourceType":"Bundle"} {}`),
		Entry("an entry that is a Bundle, whose entries are records too", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Bundle","entry":[]}}]}`),
		Entry("a signed Bundle, whose signature digests it whole", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"}}],"signature":{}}`),
		Entry("a message whose type is written after its entries", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"MessageHeader"}}],"type":"message"}`),
	)

	DescribeTable("keeps the whole tree where no Bundle's entry is read, summarising nothing",
		func(doc string) {
			tree, entries, _, ok := fhir.ScanBundle([]byte(doc), false)
			Expect(ok).To(BeTrue())
			whole, _ := fhir.DecodeFast([]byte(doc))
			Expect(tree).To(Equal(whole))
			Expect(entries).To(BeNil())
		},
		Entry("a resource that is not a Bundle", `{"resourceType":"Patient","entry":[{"resource":{"resourceType":"Patient"}}]}`),
		Entry("an entry that is no array", `{"resourceType":"Bundle","entry":{"x":{"resource":{"resourceType":"Patient"}}}}`),
		Entry("a resource held outside the entries", `{"resourceType":"Bundle","signature":{"resource":{"a":1}},"entry":[[{"resource":{"resourceType":"Patient"}}]]}`),
		Entry("a Bundle whose resourceType is written after its entries", `{"entry":[{"resource":{"resourceType":"Patient"}}],"resourceType":"Bundle"}`),
		Entry("a key repeated in a Bundle without entries", `{"resourceType":"Bundle","type":"collection","type":"batch"}`),
		Entry("a document, known as one before its entries", `{"resourceType":"Bundle","type":"document","entry":[{"resource":{"resourceType":"Composition"}}]}`),
		Entry("a message, known as one before its entries", `{"resourceType":"Bundle","type":"message","entry":[{"resource":{"resourceType":"MessageHeader"}}]}`),
	)
})

package profile_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// familyPairBundles returns the JSON Bundles of the family-pair sets, by file.
func familyPairBundles() map[string]string {
	files, err := filepath.Glob("agreement/testdata/family-pairs/*/*.json")
	Expect(err).NotTo(HaveOccurred())
	out := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		Expect(err).NotTo(HaveOccurred())
		var head struct{ ResourceType string }
		if json.Unmarshal(data, &head) == nil && head.ResourceType == "Bundle" {
			out[f] = string(data)
		}
	}
	return out
}

// The Bundle's own rules read only the summaries of its entries, so a
// Bundle whose reader made records of its entries and kept none of their
// resources (model.Record.Entries) is judged as the whole tree is.
var _ = Describe("a Bundle's own rules on its entries' summaries", func() {
	e := newEngine()

	// ownRules keeps the findings of the Bundle's own rules: its CodeBundle
	// findings and the invariants on its entries' resources.
	ownRules := func(fs []model.Finding) []model.Finding {
		var out []model.Finding
		for _, f := range fs {
			if f.Code == profile.CodeBundle || strings.Contains(f.Message, "bdl-11") || strings.Contains(f.Message, "bdl-12") || strings.Contains(f.Message, "bdl-5") {
				out = append(out, f)
			}
		}
		return out
	}
	// withoutResources is the Bundle record as a reader that keeps no
	// entry's resource makes it: each resource object taken out of the
	// tree, the entries summarised, each with its record's index.
	withoutResources := func(src string) *model.Record {
		rec := record(src)
		rec.Entries = fhir.SummarizeEntries(rec.Resource())
		entries, _ := rec.Resource()["entry"].([]any)
		for i := range rec.Entries {
			rec.Entries[i].Resource, rec.Entries[i].Record = nil, int64(i+1)
			if m, ok := entries[i].(map[string]any); ok {
				if _, object := m["resource"].(map[string]any); object {
					delete(m, "resource")
				}
			}
		}
		return rec
	}
	same := func(src string) []model.Finding {
		want := ownRules(e.ValidateRecord(record(src), "", nil))
		Expect(ownRules(e.ValidateRecord(withoutResources(src), "", nil))).To(Equal(want), src)
		return want
	}

	It("judges every Bundle of the family pairs alike", func() {
		bundles, judged := 0, 0
		for _, data := range familyPairBundles() {
			bundles++
			if len(same(data)) > 0 {
				judged++
			}
		}
		// Enough Bundles, and enough of them with findings, that the
		// comparison says something.
		Expect(bundles).To(BeNumerically(">=", 80))
		Expect(judged).To(BeNumerically(">=", 20))
	})

	entry := func(full, res string) string {
		s := `{"fullUrl":"` + full + `"`
		if res != "" {
			s += `,"resource":` + res
		}
		return s + `}`
	}
	bundle := func(typ string, entries ...string) string {
		t := ""
		if typ != "" {
			t = `"type":"` + typ + `",`
		}
		return `{"resourceType":"Bundle",` + t + `"entry":[` + strings.Join(entries, ",") + `]}`
	}
	comp := `{"resourceType":"Composition","id":"c","status":"final","type":{"text":"x"},"date":"2020-01-01","author":[{"reference":"urn:uuid:p"}],"title":"t","subject":{"reference":"urn:uuid:p"}}`
	header := `{"resourceType":"MessageHeader","id":"h","eventCoding":{"system":"http://example.org","code":"x"},"source":{"endpoint":"http://example.org"},"focus":[{"reference":"urn:uuid:p"}]}`
	patient := `{"resourceType":"Patient","id":"p"}`
	DescribeTable("judges each shape the rules read alike",
		func(src string, findings int) {
			Expect(same(src)).To(HaveLen(findings))
		},
		Entry("a document starting with its Composition", bundle("document", entry("urn:uuid:c", comp), entry("urn:uuid:p", patient)), 0),
		Entry("a document starting with a Patient (bdl-11 and the first entry's type)", bundle("document", entry("urn:uuid:p", patient), entry("urn:uuid:c", comp)), 3),
		Entry("a document whose first entry has no resource", bundle("document", entry("urn:uuid:c", ""), entry("urn:uuid:p", patient)), 3),
		Entry("a message starting with a Composition", bundle("message", entry("urn:uuid:c", comp), entry("urn:uuid:p", patient)), 2),
		Entry("a message starting with its header", bundle("message", entry("urn:uuid:h", header), entry("urn:uuid:p", patient)), 0),
		Entry("a Bundle without a type whose first entry is a Composition", bundle("", entry("urn:uuid:c", comp)), 1),
		Entry("a document with an orphan", bundle("document", entry("urn:uuid:c", comp), entry("urn:uuid:p", patient), entry("urn:uuid:o", `{"resourceType":"Patient","id":"o"}`)), 1),
		Entry("a collection with one fullUrl twice, once per version",
			bundle("collection", entry("urn:uuid:p", `{"resourceType":"Patient","id":"p","meta":{"versionId":"1"}}`), entry("urn:uuid:p", `{"resourceType":"Patient","id":"p","meta":{"versionId":"2"}}`), entry("urn:uuid:p", `{"resourceType":"Patient","id":"p","meta":{"versionId":"2"}}`)), 1),
		Entry("a collection with an entry holding nothing (bdl-5)", bundle("collection", entry("urn:uuid:p", patient), `{"fullUrl":"urn:uuid:q"}`), 1),
		Entry("a collection whose RESTful fullUrl names another id", bundle("collection", entry("http://example.org/fhir/Patient/q", patient)), 1),
		Entry("a collection with a value set at its canonical URL",
			bundle("collection", entry("http://example.org/vs", `{"resourceType":"ValueSet","id":"v","url":"http://example.org/vs","status":"draft"}`)), 1),
		Entry("a searchset whose match is of another type",
			`{"resourceType":"Bundle","type":"searchset","link":[{"relation":"self","url":"http://example.org/fhir/Observation?code=x"}],"entry":[{"fullUrl":"http://example.org/fhir/Patient/p","resource":`+patient+`,"search":{"mode":"match"}},{"fullUrl":"http://example.org/fhir/Patient/q","resource":{"resourceType":"Patient"},"search":{"mode":"include"}}]}`, 3),
		Entry("a document whose stylesheet it carries, and one it does not",
			`{"resourceType":"Bundle","type":"document","link":[{"relation":"stylesheet","url":"Binary/css"},{"relation":"stylesheet","url":"Binary/other"}],"entry":[`+entry("urn:uuid:c", comp)+`,`+entry("urn:uuid:p", patient)+`,`+entry("urn:uuid:b", `{"resourceType":"Binary","id":"css","contentType":"text/css"}`)+`]}`, 1), // two stylesheets may be named; the one not carried is the finding
	)
})

// asStreamed writes a Bundle out again with each entry's resource first in
// its entry, and returns it as a reader that keeps no entry's resource
// hands it over: the Bundle record without the resources, holding the
// bytes (Raw) and each entry's summary with its resource's span, and a
// record of each entry's resource decoded from its span alone.
func asStreamed(src string) (*model.Record, []*model.Record) {
	whole := record(src).Resource()
	var raw bytes.Buffer
	raw.WriteString(`{"resourceType":"Bundle"`)
	keys := make([]string, 0, len(whole))
	for k := range whole {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	put := func(k string, v any) {
		b, err := json.Marshal(v)
		Expect(err).NotTo(HaveOccurred())
		raw.WriteString(`,"` + k + `":`)
		raw.Write(b)
	}
	for _, k := range keys {
		if k != "resourceType" && k != "entry" {
			put(k, whole[k])
		}
	}
	list, _ := whole["entry"].([]any)
	spans := make([][2]int64, len(list))
	raw.WriteString(`,"entry":[`)
	for i, v := range list {
		if i > 0 {
			raw.WriteString(",")
		}
		em, ok := v.(map[string]any)
		res, held := em["resource"].(map[string]any)
		if !ok || !held {
			b, err := json.Marshal(v)
			Expect(err).NotTo(HaveOccurred())
			raw.Write(b)
			continue
		}
		b, err := json.Marshal(res)
		Expect(err).NotTo(HaveOccurred())
		raw.WriteString(`{"resource":`)
		spans[i] = [2]int64{int64(raw.Len()), int64(raw.Len() + len(b))}
		raw.Write(b)
		for k, c := range em {
			if k != "resource" {
				b, err := json.Marshal(c)
				Expect(err).NotTo(HaveOccurred())
				raw.WriteString(`,"` + k + `":`)
				raw.Write(b)
			}
		}
		raw.WriteString("}")
	}
	raw.WriteString("]}")

	bundle := record(raw.String())
	bundle.Raw = raw.Bytes()
	bundle.Entries = fhir.SummarizeEntries(bundle.Resource())
	entries, _ := bundle.Resource()["entry"].([]any)
	var recs []*model.Record
	for i := range bundle.Entries {
		s := &bundle.Entries[i]
		s.Resource = nil
		if !s.HasResource {
			continue
		}
		delete(entries[i].(map[string]any), "resource")
		s.Record, s.Start, s.End = int64(len(recs)+1), spans[i][0], spans[i][1]
		rec := record(string(bundle.Raw[s.Start:s.End]))
		rec.Index, rec.Container = s.Record, bundle
		recs = append(recs, rec)
	}
	return bundle, recs
}

// asTree is the Bundle as today's reader hands it over: the whole tree, and
// a record of each entry's resource within it.
func asTree(src string) (*model.Record, []*model.Record) {
	bundle := record(src)
	list, _ := bundle.Resource()["entry"].([]any)
	var recs []*model.Record
	for _, v := range list {
		em, _ := v.(map[string]any)
		if res, ok := em["resource"].(map[string]any); ok {
			recs = append(recs, &model.Record{Kind: model.KindFHIR, Source: "spec.json", Line: 1, Index: int64(len(recs) + 1),
				Type: fhir.ResourceType(res), ID: fhir.ID(res), Value: res, Container: bundle})
		}
	}
	return bundle, recs
}

// The entries' lookups (the entry's fullUrl, references resolved among the
// other entries, a target's profiles and a discriminator's resolve() on
// another entry's resource decoded from the Bundle's bytes, the Bundle
// rules' picks by position) find by the entry's record what they found by
// its resource's identity in the tree.
var _ = Describe("a Bundle's entries validated without its tree", func() {
	const patientURL = "http://example.org/StructureDefinition/identified-patient"
	It("get the findings they get in the tree, for every Bundle of the family pairs", func() {
		e := newEngine()
		bundles, entries, findings := 0, 0, 0
		for f, data := range familyPairBundles() {
			bundles++
			_, tree := asTree(data)
			_, streamed := asStreamed(data)
			Expect(streamed).To(HaveLen(len(tree)), f)
			for i := range tree {
				want := e.ValidateRecord(tree[i], "", nil)
				Expect(e.ValidateRecord(streamed[i], "", nil)).To(Equal(want), "%s entry record %d", f, i)
				entries++
				findings += len(want)
			}
		}
		Expect(bundles).To(BeNumerically(">=", 80))
		Expect(entries).To(BeNumerically(">=", 200))
		Expect(findings).To(BeNumerically(">=", 10))
	})

	// same validates every entry record both ways and returns the findings
	// of all of them.
	same := func(e *profile.Engine, src string) []model.Finding {
		_, tree := asTree(src)
		_, streamed := asStreamed(src)
		var all []model.Finding
		for i := range tree {
			want := e.ValidateRecord(tree[i], "", nil)
			Expect(e.ValidateRecord(streamed[i], "", nil)).To(Equal(want), "entry record %d", i)
			all = append(all, want...)
		}
		return all
	}

	// targetProfileCase is a document whose Composition's subject must be
	// an identified Patient, and is not, with an engine that knows both.
	targetProfileCase := func() (*profile.Engine, string) {
		const compositionURL = "http://example.org/StructureDefinition/identified-composition"
		e := newEngine(
			diffProfile(patientURL, "Patient", `{"id": "Patient.identifier", "path": "Patient.identifier", "min": 1}`),
			diffProfile(compositionURL, "Composition", `{"id": "Composition.subject", "path": "Composition.subject",
				"type": [{"code": "Reference", "targetProfile": ["`+patientURL+`"]}]}`))
		return e, strings.Replace(document("Observation/o1/_history/2"), `"resourceType": "Composition", "id": "c1",`,
			`"resourceType": "Composition", "id": "c1", "meta": {"profile": ["`+compositionURL+`"]},`, 1)
	}

	It("checks a target against a reference's target profile on the target decoded from the Bundle's bytes", func() {
		e, src := targetProfileCase()
		Expect(same(e, src)).To(ContainElement(And(at(model.Error, profile.CodeReference, "Composition.subject.reference"),
			HaveField("Message", ContainSubstring("does not conform to "+patientURL)))))
	})

	It("says a target's profiles are not checked when the Bundle's bytes are no longer held", func() {
		e, src := targetProfileCase()
		bundle, streamed := asStreamed(src)
		bundle.Raw = nil
		fs := e.ValidateRecord(streamed[0], "", nil)
		Expect(fs).To(ContainElement(And(HaveField("Severity", model.Information), HaveField("Location.Path", "Composition.subject.reference"),
			HaveField("Message", ContainSubstring("not checked on Patient/p1")))))
		Expect(fs).NotTo(ContainElement(HaveField("Message", ContainSubstring("does not conform"))))
	})

	It("picks the entries a Bundle rule names by their place", func() {
		const named = "http://example.org/fhir/StructureDefinition/named-patient"
		defs, err := definitions.New(definitions.Options{Parent: core})
		Expect(err).NotTo(HaveOccurred())
		Expect(defs.Add(diffProfile(named, "Patient", `{"id": "Patient.name", "path": "Patient.name", "min": 1}`), "test")).To(Succeed())
		rs, err := profile.ParseBundleRules("Patient:1="+named, defs.IsResourceType)
		Expect(err).NotTo(HaveOccurred())
		e := profile.NewEngine(defs, profile.Options{Invariants: profile.FHIRPath{}, BundleRules: rs})
		src := `{"resourceType": "Bundle", "type": "collection", "entry": [
			{"fullUrl": "http://example.org/fhir/Patient/p1", "resource": {"resourceType": "Patient", "id": "p1"}},
			{"fullUrl": "http://example.org/fhir/Observation/o1", "resource": {"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "x"}}},
			{"fullUrl": "http://example.org/fhir/Patient/p2", "resource": {"resourceType": "Patient", "id": "p2"}}]}`
		var unnamed []string
		for _, f := range same(e, src) {
			if f.Severity == model.Error && f.Path == "Patient.name" {
				unnamed = append(unnamed, f.Location.Record)
			}
		}
		Expect(unnamed).To(ConsistOf("Patient/p2"))
	})
})

package profile_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// The Bundle's own rules read only the summaries of its entries, so a
// Bundle whose reader made records of its entries and kept none of their
// resources (model.Record.Entries) is judged as the whole tree is.
var _ = Describe("a Bundle's own rules on its entries' summaries", func() {
	e := newEngine()

	// ownRules keeps the findings of the Bundle's own rules: its CodeBundle
	// findings and the invariants on its first entry.
	ownRules := func(fs []model.Finding) []model.Finding {
		var out []model.Finding
		for _, f := range fs {
			if f.Code == profile.CodeBundle || strings.Contains(f.Message, "bdl-11") || strings.Contains(f.Message, "bdl-12") {
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
		files, err := filepath.Glob("agreement/testdata/family-pairs/*/*.json")
		Expect(err).NotTo(HaveOccurred())
		bundles, judged := 0, 0
		for _, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			var head struct{ ResourceType string }
			if json.Unmarshal(data, &head) != nil || head.ResourceType != "Bundle" {
				continue
			}
			bundles++
			if len(same(string(data))) > 0 {
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
		Entry("a document whose first entry has no resource", bundle("document", entry("urn:uuid:c", ""), entry("urn:uuid:p", patient)), 2),
		Entry("a message starting with a Composition", bundle("message", entry("urn:uuid:c", comp), entry("urn:uuid:p", patient)), 2),
		Entry("a message starting with its header", bundle("message", entry("urn:uuid:h", header), entry("urn:uuid:p", patient)), 0),
		Entry("a Bundle without a type whose first entry is a Composition", bundle("", entry("urn:uuid:c", comp)), 1),
		Entry("a document with an orphan", bundle("document", entry("urn:uuid:c", comp), entry("urn:uuid:p", patient), entry("urn:uuid:o", `{"resourceType":"Patient","id":"o"}`)), 1),
		Entry("a collection with one fullUrl twice, once per version",
			bundle("collection", entry("urn:uuid:p", `{"resourceType":"Patient","id":"p","meta":{"versionId":"1"}}`), entry("urn:uuid:p", `{"resourceType":"Patient","id":"p","meta":{"versionId":"2"}}`), entry("urn:uuid:p", `{"resourceType":"Patient","id":"p","meta":{"versionId":"2"}}`)), 1),
		Entry("a collection whose RESTful fullUrl names another id", bundle("collection", entry("http://example.org/fhir/Patient/q", patient)), 1),
		Entry("a collection with a value set at its canonical URL",
			bundle("collection", entry("http://example.org/vs", `{"resourceType":"ValueSet","id":"v","url":"http://example.org/vs","status":"draft"}`)), 1),
		Entry("a searchset whose match is of another type",
			`{"resourceType":"Bundle","type":"searchset","link":[{"relation":"self","url":"http://example.org/fhir/Observation?code=x"}],"entry":[{"fullUrl":"http://example.org/fhir/Patient/p","resource":`+patient+`,"search":{"mode":"match"}},{"fullUrl":"http://example.org/fhir/Patient/q","resource":{"resourceType":"Patient"},"search":{"mode":"include"}}]}`, 3),
		Entry("a document whose stylesheet it carries, and one it does not",
			`{"resourceType":"Bundle","type":"document","link":[{"relation":"stylesheet","url":"Binary/css"},{"relation":"stylesheet","url":"Binary/other"}],"entry":[`+entry("urn:uuid:c", comp)+`,`+entry("urn:uuid:p", patient)+`,`+entry("urn:uuid:b", `{"resourceType":"Binary","id":"css","contentType":"text/css"}`)+`]}`, 2),
	)
})

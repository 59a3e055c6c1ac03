package profile_test

import (
	"encoding/json"
	"regexp"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// A Bundle has one self link, and search results one link to each of
// their first, previous, next and last pages; other relations may repeat
// (a document's stylesheets, alternates).
var _ = Describe("Bundle link relations that may occur once", func() {
	e := newEngine()
	bundle := func(typ string, relations ...string) map[string]any {
		var links []any
		for i, rel := range relations {
			links = append(links, map[string]any{"relation": rel, "url": "https://fhir.oakfield.nhs.uk/R4/link/" + string(rune('a'+i))})
		}
		return map[string]any{"resourceType": "Bundle", "id": "b1", "type": typ, "link": links}
	}
	linkAt := regexp.MustCompile(`link\[\d+\]$`)
	// duplicatesIn validates the Bundle alone, as the entry of a collection
	// Bundle and as a parameter's resource, in JSON and XML, and returns
	// where each placement reports a repeated relation (link[i]).
	duplicatesIn := func(b map[string]any) map[string][]string {
		outer := map[string]any{"resourceType": "Bundle", "type": "collection",
			"entry": []any{map[string]any{"fullUrl": "https://fhir.oakfield.nhs.uk/R4/Bundle/b1", "resource": b}}}
		params := map[string]any{"resourceType": "Parameters", "parameter": []any{map[string]any{"name": "results", "resource": b}}}
		out := map[string][]string{}
		for name, doc := range map[string]map[string]any{"alone": b, "an entry": outer, "a parameter's resource": params} {
			raw, err := json.Marshal(doc)
			Expect(err).NotTo(HaveOccurred())
			xml, err := fhirxml.Encode(doc)
			Expect(err).NotTo(HaveOccurred())
			for format, data := range map[string][]byte{".json": raw, ".xml": xml} {
				got := []string{}
				for _, r := range readRecords("doc"+format, data) {
					for _, f := range e.ValidateRecord(r, "", &profile.Sink{}) {
						if f.Severity == model.Error && f.Code == profile.CodeBundle && linkAt.MatchString(f.Path) {
							got = append(got, linkAt.FindString(f.Path))
						}
					}
				}
				out[name+format] = got
			}
		}
		return out
	}

	DescribeTable("in JSON and XML, alone, as a Bundle entry and as a parameter's resource",
		func(b map[string]any, want []string) {
			got := duplicatesIn(b)
			Expect(got).To(HaveLen(6))
			for name, paths := range got {
				Expect(paths).To(ConsistOf(want), name)
			}
		},
		Entry("a document with two stylesheets", bundle("document", "self", "stylesheet", "stylesheet"), nil),
		Entry("a search set with two alternates", bundle("searchset", "self", "alternate", "alternate", "next"), nil),
		Entry("a collection with two related links", bundle("collection", "related", "related"), nil),
		Entry("a search set's pages, once each", bundle("searchset", "self", "first", "previous", "next", "last"), nil),

		Entry("a search set with two next pages", bundle("searchset", "self", "next", "next"), []string{"link[2]"}),
		Entry("a history with two first pages", bundle("history", "first", "self", "first"), []string{"link[2]"}),
		Entry("a search set with two self links", bundle("searchset", "self", "next", "self"), []string{"link[2]"}),
		Entry("a document with two self links", bundle("document", "self", "stylesheet", "self"), []string{"link[2]"}),
		Entry("a collection with three self links", bundle("collection", "self", "self", "self"), []string{"link[1]", "link[2]"}),
	)
})

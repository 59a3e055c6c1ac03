package terminology_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/terminology"
)

var _ = Describe("the bundle scanner behind lazy loading", func() {
	It("finds what encoding/json finds in every embedded terminology bundle", func() {
		for _, name := range []string{r4core.ValueSets, r4core.V3CodeSystems, r4core.V2Tables, r4core.ConceptMaps} {
			raw, err := r4core.ReadFile(name)
			Expect(err).NotTo(HaveOccurred())
			types, urls, contents, raws, err := terminology.ScanBundle(raw)
			Expect(err).NotTo(HaveOccurred())
			var b struct {
				Entry []struct {
					Resource struct {
						ResourceType string `json:"resourceType"`
						URL          string `json:"url"`
						Content      string `json:"content"`
					} `json:"resource"`
				} `json:"entry"`
			}
			Expect(json.Unmarshal(raw, &b)).To(Succeed())
			Expect(types).To(HaveLen(len(b.Entry)), name)
			for i, e := range b.Entry {
				Expect([]string{types[i], urls[i], contents[i]}).To(Equal([]string{e.Resource.ResourceType, e.Resource.URL, e.Resource.Content}), name)
				Expect(json.Valid(raws[i])).To(BeTrue())
			}
		}
	})

	It("reads escapes in the strings it returns", func() {
		types, urls, _, _, err := terminology.ScanBundle([]byte(`{"entry":[{"resource":{"resourceType":"ValueSet","text":{"div":"a \"quoted\" }{ ]["},"url":"http:\/\/x.example\/vs\u0041"}}]}`))
		Expect(err).NotTo(HaveOccurred())
		Expect(types).To(Equal([]string{"ValueSet"}))
		Expect(urls).To(Equal([]string{"http://x.example/vsA"}))
	})

	DescribeTable("fails on broken JSON instead of guessing",
		func(doc string) {
			_, _, _, _, err := terminology.ScanBundle([]byte(doc))
			Expect(err).To(HaveOccurred())
		},
		Entry("cut short", `{"entry":[{"resource":{"resourceType":"ValueSet","url":"x"`),
		Entry("an unterminated string", `{"entry":[{"resource":{"url":"x}}]}`),
		Entry("a missing colon", `{"entry" [{}]}`),
		Entry("not an object", `[1,2]`),
		Entry("a url that is not a string", `{"entry":[{"resource":{"url":7}}]}`),
	)
})

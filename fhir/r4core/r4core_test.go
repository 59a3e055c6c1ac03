package r4core_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/internal/sharedtest"
)

// bundles are the definition files packed as archives.
var bundles = []string{
	r4core.ProfilesTypes, r4core.ProfilesResources, r4core.ProfilesOthers, r4core.ExtensionDefs,
	r4core.ValueSets, r4core.V3CodeSystems, r4core.V2Tables, r4core.ConceptMaps, r4core.SearchParameters,
}

var _ = Describe("the embedded R4 core", func() {
	It("lists every definition file, the schema and the bundles", func() {
		Expect(r4core.Names()).To(ConsistOf(append([]string{r4core.Schema}, bundles...)))
		Expect(r4core.FileName(r4core.Schema)).To(Equal("fhir.schema.zip"))
		Expect(r4core.FileName(r4core.ValueSets)).To(Equal("valuesets.zip"))
	})

	It("indexes each bundle's resources with the header fields their JSON holds", func() {
		for _, name := range bundles {
			res, err := r4core.Resources(name)
			Expect(err).NotTo(HaveOccurred())
			Expect(res).NotTo(BeEmpty(), name)
			for _, r := range res {
				raw, err := r.Bytes()
				Expect(err).NotTo(HaveOccurred())
				// Exactly sized: no spare capacity left by growing a buffer.
				Expect(cap(raw)).To(Equal(len(raw)), r.Source())
				var h struct {
					ResourceType string `json:"resourceType"`
					ID           string `json:"id"`
					URL          string `json:"url"`
					Version      string `json:"version"`
					Name         string `json:"name"`
					Content      string `json:"content"`
					Type         any    `json:"type"`
				}
				Expect(json.Unmarshal(raw, &h)).To(Succeed(), r.Source())
				Expect([]string{r.ResourceType, r.ID, r.URL, r.Version, r.Name}).To(Equal([]string{h.ResourceType, h.ID, h.URL, h.Version, h.Name}), r.Source())
				if h.ResourceType == "CodeSystem" {
					Expect(r.Content).To(Equal(h.Content), r.Source())
				}
				if h.ResourceType == "StructureDefinition" {
					Expect(r.Type).To(Equal(h.Type), r.Source())
				}
			}
		}
	})

	It("decodes each bundle's index once and shares it between callers", func() {
		for _, name := range bundles {
			first, err := r4core.Resources(name)
			Expect(err).NotTo(HaveOccurred())
			again, err := r4core.Resources(name)
			Expect(err).NotTo(HaveOccurred())
			Expect(&again[0]).To(BeIdenticalTo(&first[0]), name)
		}
	})

	It("gives a list a caller's append cannot write into", func() {
		for _, name := range bundles {
			first, err := r4core.Resources(name)
			Expect(err).NotTo(HaveOccurred())
			grown := append(first, r4core.Resource{})
			Expect(&grown[0]).NotTo(BeIdenticalTo(&first[0]), "%s: an append wrote into the shared list", name)
			again, err := r4core.Resources(name)
			Expect(err).NotTo(HaveOccurred())
			Expect(again).To(HaveLen(len(first)), name)
		}
	})

	It("reassembles a bundle in index order for readers of whole files", func() {
		res, err := r4core.Resources(r4core.ProfilesTypes)
		Expect(err).NotTo(HaveOccurred())
		raw, err := r4core.ReadFile(r4core.ProfilesTypes)
		Expect(err).NotTo(HaveOccurred())
		var b struct {
			ResourceType string `json:"resourceType"`
			Entry        []struct {
				Resource struct {
					ID string `json:"id"`
				} `json:"resource"`
			} `json:"entry"`
		}
		Expect(json.Unmarshal(raw, &b)).To(Succeed())
		Expect(b.ResourceType).To(Equal("Bundle"))
		Expect(b.Entry).To(HaveLen(len(res)))
		for i, e := range b.Entry {
			Expect(e.Resource.ID).To(Equal(res[i].ID))
		}
	})

	It("packs the schema per definition and reassembles it to the published schema's content", func() {
		raw, err := r4core.ReadFile(r4core.Schema)
		Expect(err).NotTo(HaveOccurred())
		var got, want map[string]any
		Expect(json.Unmarshal(raw, &got)).To(Succeed())
		published, err := os.ReadFile(sharedtest.Path("fhir", "r4", "fhir.schema.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(json.Unmarshal(published, &want)).To(Succeed())
		Expect(got).To(Equal(want))

		top, defs, err := r4core.SchemaParts()
		Expect(err).NotTo(HaveOccurred())
		Expect(defs).To(HaveLen(len(want["definitions"].(map[string]any))))
		Expect(string(top)).NotTo(ContainSubstring(`"definitions"`))
		patient, err := defs["Patient"].Bytes()
		Expect(err).NotTo(HaveOccurred())
		Expect(cap(patient)).To(Equal(len(patient)))
		var p map[string]any
		Expect(json.Unmarshal(patient, &p)).To(Succeed())
		Expect(p).To(Equal(want["definitions"].(map[string]any)["Patient"]))
	})

	It("names the files it has when asked for one it has not", func() {
		_, err := r4core.Resources("nonesuch.json")
		Expect(err).To(MatchError(ContainSubstring(r4core.ValueSets)))
		_, err = r4core.ReadFile("nonesuch.json")
		Expect(err).To(MatchError(ContainSubstring("nonesuch.json")))
		_, err = r4core.Digest("nonesuch.json")
		Expect(err).To(HaveOccurred())
	})

	It("digests each file exactly as embedded", func() {
		for _, name := range r4core.Names() {
			sum, err := r4core.Digest(name)
			Expect(err).NotTo(HaveOccurred())
			Expect(sum).To(HaveLen(64))
			Expect(strings.Trim(sum, "0123456789abcdef")).To(BeEmpty())
		}
	})
})

// A derived archive is stale when what it holds differs, not when the
// compressor wrote the same entries differently.
var _ = Describe("comparing derived archives", func() {
	archive := func(method uint16, entries ...string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for i := 0; i+1 < len(entries); i += 2 {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: entries[i], Method: method})
			Expect(err).NotTo(HaveOccurred())
			_, err = w.Write([]byte(entries[i+1]))
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(zw.Close()).To(Succeed())
		return buf.Bytes()
	}
	body := strings.Repeat(`{"resourceType":"CodeSystem"}`, 20)

	It("finds the same entries the same, however they were compressed", func() {
		stored, deflated := archive(zip.Store, "a/x.json", body), archive(zip.Deflate, "a/x.json", body)
		Expect(bytes.Equal(stored, deflated)).To(BeFalse())
		Expect(r4core.SameEntries(stored, deflated)).To(BeTrue())
	})

	DescribeTable("finds archives different",
		func(other []byte) {
			Expect(r4core.SameEntries(archive(zip.Deflate, "a/x.json", body, "a/y.json", "{}"), other)).To(BeFalse())
		},
		Entry("by a content", archive(zip.Deflate, "a/x.json", body, "a/y.json", "[]")),
		Entry("by a name", archive(zip.Deflate, "a/x.json", body, "a/z.json", "{}")),
		Entry("by an entry missing", archive(zip.Deflate, "a/x.json", body)),
		Entry("by order", archive(zip.Deflate, "a/y.json", "{}", "a/x.json", body)),
	)

	It("says which archive cannot be read", func() {
		_, err := r4core.SameEntries(archive(zip.Deflate, "a/x.json", body), []byte("not a zip"))
		Expect(err).To(MatchError(ContainSubstring("second archive")))
	})
})

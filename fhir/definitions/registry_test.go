package definitions_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/pkgcache"
	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/internal/sharedtest"
)

// core is read once for the whole suite: reading it is what the registry
// makes lazy, and the specs below share it through Parent.
var core = func() *definitions.Registry {
	r, err := definitions.New(definitions.Options{})
	if err != nil {
		panic(err)
	}
	return r
}()

func caseFile(name string) string { return sharedtest.Path("conformance-cases", "cases", name) }

// copyTo copies files from the conformance cases into dir (a temporary
// folder standing for a user's implementation guide).
func copyTo(dir string, names ...string) {
	for _, n := range names {
		data, err := os.ReadFile(caseFile(n))
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(dir, n), data, 0o644)).To(Succeed())
	}
}

func writeTGZ(path string, files map[string][]byte) {
	f, err := os.Create(path)
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	for name, data := range files {
		Expect(tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})).To(Succeed())
		_, err := tw.Write(data)
		Expect(err).NotTo(HaveOccurred())
	}
	Expect(tw.Close()).To(Succeed())
	Expect(zw.Close()).To(Succeed())
}

var _ = Describe("the R4 core", func() {
	It("resolves base definitions by canonical URL, with and without a version", func() {
		sd, err := core.StructureDefinition("http://hl7.org/fhir/StructureDefinition/Patient")
		Expect(err).NotTo(HaveOccurred())
		Expect(sd.Type).To(Equal("Patient"))
		Expect(sd.Snapshot.Element[0].Path).To(Equal("Patient"))
		same, err := core.StructureDefinition("http://hl7.org/fhir/StructureDefinition/Patient|4.0.1")
		Expect(err).NotTo(HaveOccurred())
		Expect(same).To(BeIdenticalTo(sd))
		_, err = core.StructureDefinition("http://hl7.org/fhir/StructureDefinition/Patient|3.0.2")
		Expect(err).To(MatchError(ContainSubstring("unknown definition")))
	})

	It("holds data types, core profiles, extensions, value sets and code systems", func() {
		for _, url := range []string{
			"http://hl7.org/fhir/StructureDefinition/Identifier",
			"http://hl7.org/fhir/StructureDefinition/vitalsigns",
			"http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
		} {
			_, err := core.StructureDefinition(url)
			Expect(err).NotTo(HaveOccurred(), url)
		}
		vs, err := core.Resource("http://hl7.org/fhir/ValueSet/administrative-gender")
		Expect(err).NotTo(HaveOccurred())
		Expect(vs["resourceType"]).To(Equal("ValueSet"))
		cs, err := core.Resource("http://hl7.org/fhir/administrative-gender")
		Expect(err).NotTo(HaveOccurred())
		Expect(cs["resourceType"]).To(Equal("CodeSystem"))
	})

	It("names an unknown canonical in its error", func() {
		_, err := core.StructureDefinition("http://example.org/nothing")
		var nf *definitions.NotFoundError
		Expect(errors.As(err, &nf)).To(BeTrue())
		Expect(err.Error()).To(ContainSubstring("http://example.org/nothing"))
	})

	It("is safe for concurrent readers, who all get the same definition", func() {
		r, err := definitions.New(definitions.Options{Parent: core})
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Add(map[string]any{
			"resourceType": "StructureDefinition", "url": "http://example.org/p", "type": "Patient",
			"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint",
			"differential": map[string]any{"element": []any{map[string]any{"id": "Patient.name", "path": "Patient.name", "min": 1}}},
		}, "test")).To(Succeed())
		var wg sync.WaitGroup
		got := make([]*definitions.StructureDefinition, 8)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], _ = r.StructureDefinition("http://example.org/p")
			}()
		}
		wg.Wait()
		Expect(got[0]).NotTo(BeNil())
		for _, g := range got {
			Expect(g).To(BeIdenticalTo(got[0]))
		}
	})
})

var _ = Describe("telling resource types from other definitions", func() {
	It("answers from the archive index exactly as the decoded definitions do", func() {
		names := map[string]bool{"vitalsigns": true, "bp": true, "Bogus": true, "": true}
		for _, bundle := range []string{r4core.ProfilesTypes, r4core.ProfilesResources, r4core.ProfilesOthers} {
			res, err := r4core.Resources(bundle)
			Expect(err).NotTo(HaveOccurred())
			for _, r := range res {
				if r.ResourceType == "StructureDefinition" {
					names[r.Type] = true
					names[r.ID] = true
				}
			}
		}
		resources := 0
		for name := range names {
			decoded := false
			if sd, err := core.BaseType(name); err == nil && name != "" {
				decoded = sd.Kind == "resource" && sd.Derivation != "constraint" && sd.Type == name
			}
			Expect(core.IsResourceType(name)).To(Equal(decoded), name)
			if decoded {
				resources++
			}
		}
		// R4 4.0.1 specializes 148 definitions of kind resource: its 146
		// resource types, Resource and DomainResource (not SubscriptionStatus,
		// which the redistributed bundles added and gen leaves out).
		Expect(resources).To(Equal(148))
	})

	It("decodes a guide's definition of a core URL, which wins over the core", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "sd.json"), []byte(`{"resourceType":"StructureDefinition","url":"http://hl7.org/fhir/StructureDefinition/Patient",
			"name":"NotAResource","kind":"logical","type":"Patient","derivation":"specialization","abstract":false,
			"snapshot":{"element":[{"id":"Patient","path":"Patient","min":0,"max":"*"}]}}`), 0o644)).To(Succeed())
		r, err := definitions.New(definitions.Options{IGs: []string{dir}})
		Expect(err).NotTo(HaveOccurred())
		Expect(r.IsResourceType("Patient")).To(BeFalse())
		Expect(r.IsResourceType("Observation")).To(BeTrue())
	})
})

var _ = Describe("implementation guides", func() {
	It("loads a folder of JSON conformance resources and expands their differentials", func() {
		dir := GinkgoT().TempDir()
		copyTo(dir, "type-subtype-slicing-sd.json", "obs-value-min-profile.json", "obs-value-min.json")
		r, err := definitions.New(definitions.Options{IGs: []string{dir}, Parent: core})
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Packages()).To(HaveLen(1))
		Expect(r.Packages()[0].Resources).To(Equal(2), "the example Observation is not a conformance resource")
		Expect(r.URLs("StructureDefinition")).To(ConsistOf(
			"http://example.org/fhir/StructureDefinition/TypeSubtypeSlicingstructuredef",
			"http://hl7.org.au/fhir/tests/StructureDefinition/obs-value-min-profile"))
		sd, err := r.StructureDefinition("http://example.org/fhir/StructureDefinition/TypeSubtypeSlicingstructuredef")
		Expect(err).NotTo(HaveOccurred())
		ids := map[string]definitions.ElementDefinition{}
		for _, e := range sd.Snapshot.Element {
			ids[e.ID] = e
		}
		Expect(ids).To(HaveKey("Observation.status"), "base elements are kept")
		Expect(ids).To(HaveKey("Observation.referenceRange:Slice3.type"))
		Expect(ids["Observation.referenceRange:Slice1"].SliceName).To(Equal("Slice1"))
		Expect(ids["Observation.referenceRange:Slice1"].MaxOf()).To(Equal(1))
		Expect(ids["Observation.referenceRange:Slice1.low"].Path).To(Equal("Observation.referenceRange.low"), "a slice copies the children of the sliced element")
		Expect(ids["Observation.referenceRange:Slice2.appliesTo"].Pattern).To(HaveKeyWithValue("coding", ContainElement(HaveKeyWithValue("code", "2038-8"))))
		Expect(ids["Observation.referenceRange"].Slicing.Discriminator).To(HaveLen(2))
	})

	It("indexes the Questionnaires of a guide by url and version, leaving out those without a url", func() {
		dir := GinkgoT().TempDir()
		copyTo(dir, "q-vr.json", "q-enablewhen-me.json")
		Expect(os.WriteFile(filepath.Join(dir, "draft.json"), []byte(`{"resourceType": "Questionnaire", "status": "draft", "item": [{"linkId": "a", "type": "string"}]}`), 0o644)).To(Succeed())
		r, err := definitions.New(definitions.Options{IGs: []string{dir}, Parent: core})
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Packages()[0].Resources).To(Equal(2), "a Questionnaire without a url cannot be named by a response")
		const url = "http://hl7.org/fhir/us/sirb/Questionnaire/sirb-recruitment-questionnaire"
		e, ok := r.Lookup(url + "|0.1.0")
		Expect(ok).To(BeTrue())
		Expect(e.ResourceType).To(Equal("Questionnaire"))
		Expect(e.Version).To(Equal("0.1.0"))
		_, ok = r.Lookup(url + "|0.2.0")
		Expect(ok).To(BeFalse(), "another version is not this one")
		q, err := r.Resource(url)
		Expect(err).NotTo(HaveOccurred())
		Expect(q["item"]).To(HaveLen(4))
		Expect(r.URLs("Questionnaire")).To(ConsistOf(url, "http://hl7.org/fhir/test/Questionnaire/q-enablewhen-me"))
	})

	It("loads an npm-style package .tgz and reads its name and version", func() {
		dir := GinkgoT().TempDir()
		sd, err := os.ReadFile(caseFile("obs-value-min-profile.json"))
		Expect(err).NotTo(HaveOccurred())
		tgz := filepath.Join(dir, "example.tgz")
		writeTGZ(tgz, map[string][]byte{
			"package/package.json":                     []byte(`{"name": "example.fhir.test", "version": "1.2.3"}`),
			"package/StructureDefinition-obs-min.json": sd,
			"package/example/Observation-example.json": []byte(`{"resourceType": "StructureDefinition", "url": "http://example.org/not-loaded"}`),
		})
		r, err := definitions.New(definitions.Options{IGs: []string{tgz}, Parent: core})
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Packages()).To(ConsistOf(definitions.Package{Name: "example.fhir.test", Version: "1.2.3", Path: tgz, Resources: 1}))
		_, err = r.StructureDefinition("http://hl7.org.au/fhir/tests/StructureDefinition/obs-value-min-profile")
		Expect(err).NotTo(HaveOccurred())
		_, ok := r.Lookup("http://example.org/not-loaded")
		Expect(ok).To(BeFalse(), "examples in a package are not definitions")
	})

	It("skips a package entry larger than it reads, naming it, and loads the rest", func() {
		dir := GinkgoT().TempDir()
		sd, err := os.ReadFile(caseFile("obs-value-min-profile.json"))
		Expect(err).NotTo(HaveOccurred())
		tgz := filepath.Join(dir, "bomb.tgz")
		// 65 MiB of spaces gzip to about 64 KiB.
		writeTGZ(tgz, map[string][]byte{
			"package/package.json":                     []byte(`{"name": "bomb.fhir.test", "version": "1.0.0"}`),
			"package/StructureDefinition-obs-min.json": sd,
			"package/StructureDefinition-huge.json":    bytes.Repeat([]byte(" "), pkgcache.MaxEntry+1),
		})
		r, err := definitions.New(definitions.Options{IGs: []string{tgz}, Parent: core})
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Packages()).To(HaveLen(1))
		Expect(r.Packages()[0].Resources).To(Equal(1))
		Expect(r.Packages()[0].Problems).To(ConsistOf(ContainSubstring("StructureDefinition-huge.json: 67108865 bytes, more than the 64 MiB")))
	})

	It("refuses what is not a guide, saying why", func() {
		_, err := definitions.New(definitions.Options{IGs: []string{"/no/such/guide"}, Parent: core})
		Expect(err).To(MatchError(ContainSubstring("/no/such/guide")))

		empty := GinkgoT().TempDir()
		_, err = definitions.New(definitions.Options{IGs: []string{empty}, Parent: core})
		Expect(err).To(MatchError(ContainSubstring("no conformance resources")))

		bad := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(bad, "broken.json"), []byte(`{"resourceType": "StructureDefinition", `), 0o644)).To(Succeed())
		_, err = definitions.New(definitions.Options{IGs: []string{bad}, Parent: core})
		Expect(err).To(MatchError(ContainSubstring("broken.json")))

		notGzip := filepath.Join(bad, "pkg.tgz")
		Expect(os.WriteFile(notGzip, []byte("plain text"), 0o644)).To(Succeed())
		_, err = definitions.New(definitions.Options{IGs: []string{notGzip}, Parent: core})
		Expect(err).To(MatchError(ContainSubstring("not a gzip package")))
	})

	It("needs an XML converter for XML guides and names the file without one", func() {
		_, err := definitions.New(definitions.Options{IGs: []string{sharedtest.Path("fhir", "uk-core", "structuredefinitions", "Extension-UKCore-BirthSex.xml")}, Parent: core})
		Expect(err).To(MatchError(And(ContainSubstring("Extension-UKCore-BirthSex.xml"), ContainSubstring("XML"))))
	})
})

var _ = Describe("versions and descendants of held definitions", func() {
	held := func(res ...map[string]any) *definitions.Registry {
		r, err := definitions.New(definitions.Options{Parent: core})
		Expect(err).NotTo(HaveOccurred())
		for _, x := range res {
			Expect(r.Add(x, "spec")).To(Succeed())
		}
		return r
	}
	vs := func(version string) map[string]any {
		return map[string]any{"resourceType": "ValueSet", "url": "http://example.org/fhir/ValueSet/beds", "version": version, "status": "active"}
	}
	sd := func(url, base string) map[string]any {
		return map[string]any{"resourceType": "StructureDefinition", "url": url, "name": "S", "status": "draft", "kind": "resource",
			"abstract": false, "type": "Patient", "baseDefinition": base, "derivation": "constraint"}
	}

	DescribeTable("Versions lists each version held once, the parent's too",
		func(r *definitions.Registry, url string, want []string) {
			Expect(r.Versions(url)).To(ConsistOf(want))
		},
		Entry("two versions", held(vs("1.0.0"), vs("2.0.0")), "http://example.org/fhir/ValueSet/beds", []string{"1.0.0", "2.0.0"}),
		Entry("one version loaded twice", held(vs("1.0.0"), vs("1.0.0")), "http://example.org/fhir/ValueSet/beds", []string{"1.0.0"}),
		Entry("none held", held(vs("1.0.0")), "http://example.org/fhir/ValueSet/cots", nil),
		Entry("a core definition, through the parent", held(), "http://hl7.org/fhir/ValueSet/administrative-gender", []string{"4.0.1"}),
	)

	It("finds what derives from a definition from the index, with or without a version on the base", func() {
		r := held(sd("http://example.org/fhir/StructureDefinition/a", "http://hl7.org/fhir/StructureDefinition/Patient"),
			sd("http://example.org/fhir/StructureDefinition/b", "http://example.org/fhir/StructureDefinition/a|1.0"))
		Expect(r.DerivesFrom("http://example.org/fhir/StructureDefinition/a")).To(BeTrue())
		Expect(r.DerivesFrom("http://example.org/fhir/StructureDefinition/b")).To(BeFalse())
		Expect(r.DerivesFrom("http://example.org/fhir/StructureDefinition/a|1")).To(BeFalse())
		child, err := definitions.New(definitions.Options{Parent: r})
		Expect(err).NotTo(HaveOccurred())
		Expect(child.DerivesFrom("http://example.org/fhir/StructureDefinition/a")).To(BeTrue(), "through the parent")
	})
})

package profile_test

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// readWith reads a JSON file with a reader of the fhir package and returns
// its records, each loaded as the runner loads it before its checks.
func readWith(read func(string, fhir.Emit) error, path string) []*model.Record {
	var recs []*model.Record
	Expect(read(path, func(r *model.Record) error {
		r.Load()
		recs = append(recs, r)
		return nil
	})).To(Succeed())
	return recs
}

// readApart reads as a run's checks read a Bundle larger than
// fhir.XMLApartAbove: apart, whatever its size or format.
func readApart(path string, emit fhir.Emit) error { return fhir.ReadFileApart(path, 0, emit) }

// A JSON or XML Bundle read for a run's checks (fhir.ReadFileApart) holds its tree
// without the entries' resources, each a record of its own read from its
// bytes; every record gets the findings it gets when the Bundle is read
// whole (fhir.ReadFile): the rules that ask of an entry whether it holds a
// resource (bdl-5, ele-1), look for a #fragment across the Bundle, or hold
// the Bundle to a profile that judges its entries read them through the
// entries' summaries, the Bundle's index or the Bundle read again whole.
var _ = Describe("a JSON or XML Bundle read with its entries apart", func() {
	// same validates every record of the Bundle in src read both ways
	// (bundleProfile, when set, is the profile the Bundle record is
	// validated against) and returns the findings of the whole reading,
	// and whether the apart reading left any resource out.
	//
	// The same Bundle written in FHIR XML (fhirxml.Encode, where it has an
	// XML form) is read both ways too, and its records held alike: an XML
	// Bundle's entries are read apart by their own reader
	// (fhirxml.DecodeBundle).
	var sameIn func(e *profile.Engine, name string, src []byte, bundleProfile string) ([]model.Finding, bool)
	same := func(e *profile.Engine, src, bundleProfile string) (all []model.Finding, apart bool) {
		GinkgoHelper()
		all, apart = sameIn(e, "bundle.json", []byte(src), bundleProfile)
		res, err := fhir.Decode([]byte(src))
		if err != nil {
			return all, apart
		}
		if x, err := fhirxml.Encode(res); err == nil {
			_, xmlApart := sameIn(e, "bundle.xml", x, bundleProfile)
			Expect(xmlApart).To(Equal(apart), "the XML Bundle is read apart where the JSON one is")
		}
		return all, apart
	}
	sameXML := 0
	sameIn = func(e *profile.Engine, name string, src []byte, bundleProfile string) (all []model.Finding, apart bool) {
		GinkgoHelper()
		path := filepath.Join(GinkgoT().TempDir(), name)
		Expect(os.WriteFile(path, src, 0o644)).To(Succeed())
		if strings.HasSuffix(name, ".xml") {
			sameXML++
		}
		whole, split := readWith(fhir.ReadFile, path), readWith(readApart, path)
		Expect(split).To(HaveLen(len(whole)))
		for i := range whole {
			url := ""
			if whole[i].Type == "Bundle" && whole[i].Container == nil {
				url = bundleProfile
				apart = apart || fhir.EntriesApart(split[i])
				Expect(fhir.EntriesApart(whole[i])).To(BeFalse(), "ReadFile keeps the tree whole")
			}
			want := e.ValidateRecord(whole[i], url, nil)
			Expect(e.ValidateRecord(split[i], url, nil)).To(Equal(want), "record %d (%s)", i, whole[i].Name())
			all = append(all, want...)
		}
		return all, apart
	}

	It("gives every record of every Bundle of the family pairs the findings it gets read whole", func() {
		e := newEngine()
		bundles, apart, findings := 0, 0, 0
		for f, data := range familyPairBundles() {
			By(f)
			fs, left := same(e, data, "")
			bundles++
			findings += len(fs)
			if left {
				apart++
			}
		}
		// enough Bundles read apart, with findings, that the comparison
		// says something
		Expect(bundles).To(BeNumerically(">=", 80))
		Expect(apart).To(BeNumerically(">=", 40))
		Expect(findings).To(BeNumerically(">=", 60))
		Expect(sameXML).To(BeNumerically(">=", 70), "the Bundles written in XML too")
	})

	const patientURL = "http://example.org/StructureDefinition/apart-patient"
	const bundleURL = "http://example.org/StructureDefinition/apart-bundle"
	// a Bundle profile that judges its entries: each must hold a resource
	// (the base allows none), and that resource must be a Patient meeting
	// apart-patient (a name)
	engine := func() *profile.Engine {
		return newEngine(
			diffProfile(patientURL, "Patient", `{"id": "Patient.name", "path": "Patient.name", "min": 1}`),
			diffProfile(bundleURL, "Bundle", `{"id": "Bundle.entry.resource", "path": "Bundle.entry.resource", "min": 1,
				"type": [{"code": "Resource", "profile": ["`+patientURL+`"]}]}`))
	}
	patient := func(id, extra string) string {
		return `{"resourceType": "Patient", "id": "` + id + `"` + extra + `}`
	}
	collection := func(meta string, entries ...string) string {
		return `{"resourceType": "Bundle", "type": "collection"` + meta + `, "entry": [` + strings.Join(entries, ", ") + `]}`
	}
	named := `, "name": [{"family": "Chalmers"}]`
	link := func(href string) string {
		return `, "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><a href=\"` + href + `\">see</a></div>"}`
	}
	claim := `, "meta": {"profile": ["` + bundleURL + `"]}`

	// The whole Bundle is decoded once for the record, whatever number of
	// profiles judge its entries: after the first, its bytes are spoiled, so
	// that a profile that decoded them again would not check it.
	It("reads a Bundle again whole once, for every profile that judges its entries", func() {
		const identified = "http://example.org/StructureDefinition/apart-identified"
		const named3 = "http://example.org/StructureDefinition/apart-three"
		e := newEngine(
			diffProfile(patientURL, "Patient", `{"id": "Patient.name", "path": "Patient.name", "min": 1}`),
			diffProfile(bundleURL, "Bundle", `{"id": "Bundle.entry.resource", "path": "Bundle.entry.resource", "min": 1,
				"type": [{"code": "Resource", "profile": ["`+patientURL+`"]}]}`),
			diffProfile(identified, "Bundle", `{"id": "Bundle.identifier", "path": "Bundle.identifier", "min": 1}`),
			diffProfile(named3, "Bundle", `{"id": "Bundle.entry", "path": "Bundle.entry", "max": "1"}`))
		src := collection("", `{"fullUrl": "urn:uuid:9e7a1c52-4b1f-4c0e-8d6a-00000000000a", "resource": `+patient("a", "")+`}`,
			`{"fullUrl": "urn:uuid:9e7a1c52-4b1f-4c0e-8d6a-00000000000b", "resource": `+patient("b", named)+`}`)
		res, err := fhir.Decode([]byte(src))
		Expect(err).NotTo(HaveOccurred())
		x, err := fhirxml.Encode(res)
		Expect(err).NotTo(HaveOccurred())
		for name, data := range map[string][]byte{"bundle.json": []byte(src), "bundle.xml": x} {
			path := filepath.Join(GinkgoT().TempDir(), name)
			Expect(os.WriteFile(path, data, 0o644)).To(Succeed())
			whole, split := readWith(fhir.ReadFile, path)[0], readWith(readApart, path)[0]
			Expect(fhir.EntriesApart(split)).To(BeTrue(), name)
			all := 0
			for i, url := range []string{bundleURL, identified, named3} {
				want := e.ValidateRecord(whole, url, nil)
				all += len(want)
				Expect(e.ValidateRecord(split, url, nil)).To(Equal(want), "%s against %s", name, url)
				if i == 0 {
					split.Raw = []byte("spoiled after the first profile read them")
				}
			}
			Expect(all).To(BeNumerically(">=", 3), "each profile finds something in %s", name)
		}
	})

	DescribeTable("judges each shape alike, and the rules that read across entries as they did",
		func(src, bundleProfile string, want []any) {
			fs, apart := same(engine(), src, bundleProfile)
			Expect(apart).To(BeTrue(), "the reader left the resources out")
			var got []string
			for _, f := range fs {
				if f.Severity == model.Error || f.Severity == model.Warning {
					got = append(got, f.Location.Record+" "+f.Path+" "+f.Message)
				}
			}
			Expect(got).To(ConsistOf(want...))
		},
		Entry("an entry holding only its resource has a child (ele-1)",
			collection("", `{"resource": `+patient("a", "")+`}`), "", []any{
				ContainSubstring("Bundle Bundle.entry[0] entry 0 has no fullUrl")}),
		Entry("an entry holding nothing fails bdl-5 and ele-1 as before",
			collection("", `{"fullUrl": "urn:uuid:9e7a1c52-4b1f-4c0e-8d6a-00000000000a", "resource": `+patient("a", "")+`}`, `{}`), "", []any{
				ContainSubstring("Bundle Bundle.entry[1] constraint bdl-5 failed"),
				ContainSubstring("Bundle Bundle.entry[1] constraint ele-1 failed"),
				ContainSubstring("Bundle Bundle.entry[1] entry 1 has no fullUrl")}),
		Entry("a #fragment found in another entry",
			collection("", `{"fullUrl": "urn:uuid:9e7a1c52-4b1f-4c0e-8d6a-00000000000a", "resource": `+patient("a", link("#b"))+`}`, `{"fullUrl": "urn:uuid:9e7a1c52-4b1f-4c0e-8d6a-00000000000b", "resource": `+patient("b", "")+`}`), "", nil),
		Entry("a #fragment found nowhere in the Bundle",
			collection("", `{"fullUrl": "urn:uuid:9e7a1c52-4b1f-4c0e-8d6a-00000000000a", "resource": `+patient("a", link("#c"))+`}`, `{"fullUrl": "urn:uuid:9e7a1c52-4b1f-4c0e-8d6a-00000000000b", "resource": `+patient("b", "")+`}`), "", []any{
				ContainSubstring("Patient/a Patient.text.div")}),
		Entry("a Bundle claiming a profile that judges its entries, which meet it",
			collection(claim, `{"fullUrl": "urn:uuid:9e7a1c52-4b1f-4c0e-8d6a-00000000000a", "resource": `+patient("a", named)+`}`), "", nil),
		Entry("a Bundle claiming a profile that judges its entries, which do not meet it",
			collection(claim, `{"fullUrl": "urn:uuid:9e7a1c52-4b1f-4c0e-8d6a-00000000000a", "resource": `+patient("a", "")+`}`, `{"fullUrl": "urn:uuid:9e7a1c52-4b1f-4c0e-8d6a-00000000000b", "request": {"method": "GET", "url": "Patient/b"}}`), "", []any{
				ContainSubstring("Bundle Bundle.entry[1].request entry 1 has a request"),
				ContainSubstring("Bundle Bundle.entry[0].resource.name name is required"),
				ContainSubstring("Bundle Bundle.entry[1].resource resource is required")}),
		Entry("a Bundle held to that profile by the check, not by a claim",
			collection("", `{"fullUrl": "urn:uuid:9e7a1c52-4b1f-4c0e-8d6a-00000000000a", "resource": `+patient("a", named)+`}`, `{"fullUrl": "urn:uuid:9e7a1c52-4b1f-4c0e-8d6a-00000000000b", "request": {"method": "GET", "url": "Patient/b"}}`), bundleURL, []any{
				ContainSubstring("Bundle Bundle.entry[1].request entry 1 has a request"),
				ContainSubstring("Bundle Bundle.entry[1].resource resource is required")}),
	)
})

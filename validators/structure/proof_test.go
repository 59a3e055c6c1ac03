package structure_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/shape"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
	"github.com/carecert/carecert/validators/structure"
)

// twoRuns compiles the JSON-schema requirement twice, as production does:
// alone (its own walk of every record), and beside the profile requirement
// in one run (the profile engine's walk proves what it can, and only the
// records it does not prove are walked again).
type twoRuns struct {
	alone, shared, profile check.Check
	proofs                 *shape.Proofs
}

func newTwoRuns() *twoRuns {
	reg := check.NewRegistry()
	structure.Register(reg)
	profile.Register(reg)
	spec := check.Spec{Requirement: "STRUCT-02", Type: "fhir-json-schema"}
	alone, err := reg.Compile(spec, &check.Env{Context: context.Background()})
	Expect(err).NotTo(HaveOccurred())
	env := &check.Env{Context: context.Background()}
	// the plan's order: structure first, as in the built-in suites' plans
	shared, err := reg.Compile(spec, env)
	Expect(err).NotTo(HaveOccurred())
	prof, err := reg.Compile(check.Spec{Requirement: "PROF-01", Type: "fhir-profile"}, env)
	Expect(err).NotTo(HaveOccurred())
	_, leads := prof.(check.Leader)
	Expect(leads).To(BeTrue(), "the profile check runs first on each record")
	proofs, err := shape.Run.Get(env)
	Expect(err).NotTo(HaveOccurred())
	return &twoRuns{alone: alone, shared: shared, profile: prof, proofs: proofs}
}

// compare checks one record both ways and reports whether the profile
// engine's walk proved it; the two must give the same findings.
func (r *twoRuns) compare(rec *model.Record, what string) (proven bool) {
	if !r.alone.Applies(rec) {
		return false
	}
	want := r.alone.NewState().Observe(rec)
	if r.profile.Applies(rec) {
		r.profile.NewState().Observe(rec)
	}
	got := r.shared.NewState().Observe(rec)
	// gojsonschema's order among one record's errors follows map iteration;
	// the report sorts them
	Expect(got).To(ConsistOf(want), "the JSON-schema findings differ with the profile walk in the run: %s", what)
	proven = r.proofs.Proven(rec)
	if proven {
		Expect(want).To(BeEmpty(), "the profile walk proved a record the schema finds something in: %s", what)
	}
	return proven
}

var _ = Describe("the JSON-schema requirement answered from the profile engine's walk", Ordered, func() {
	var runs *twoRuns
	BeforeAll(func() { runs = newTwoRuns() })

	It("gives the findings of its own walk on Synthea, the shared cases and a feed with every seeded defect, and walks few records again", func() {
		defects, err := fixtures.ParseDefects("all", 1500)
		Expect(err).NotTo(HaveOccurred())
		g, err := fixtures.New(fixtures.Options{Seed: 3, Records: 1500, Defects: defects})
		Expect(err).NotTo(HaveOccurred())
		proven, seen := map[string]int{}, map[string]int{}
		index := int64(0)
		_, err = g.Generate(func(l []byte) error {
			for _, rec := range records("seeded.ndjson", string(l)+"\n") {
				rec.Index = index
				index++
				if runs.alone.Applies(rec) {
					seen["seeded"]++
					if runs.compare(rec, string(l)) {
						proven["seeded"]++
					}
				}
			}
			return nil
		})
		Expect(err).NotTo(HaveOccurred())
		synthea, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
		Expect(err).NotTo(HaveOccurred())
		cases, err := filepath.Glob(sharedtest.Path("conformance-cases", "cases", "*.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(len(synthea)).To(BeNumerically(">", 20))
		Expect(len(cases)).To(BeNumerically(">", 100))
		// half of Synthea keeps the spec quick; the whole corpus is compared
		// by validate's findings before and after the change
		var paths []string
		for i, p := range synthea {
			if i%2 == 0 {
				paths = append(paths, p)
			}
		}
		for _, path := range append(paths, cases...) {
			kind := filepath.Base(filepath.Dir(path))
			Expect(fhir.ReadFile(path, func(rec *model.Record) error {
				rec.Load()
				if rec.Problem != nil || !runs.alone.Applies(rec) {
					return nil
				}
				seen[kind]++
				if runs.compare(rec, path+" "+rec.Name()) {
					proven[kind]++
				}
				return nil
			})).To(Succeed())
		}
		for kind, n := range seen {
			GinkgoWriter.Printf("%s: %d of %d records proven by the profile walk\n", kind, proven[kind], n)
		}
		// Synthea's records carry extensions no loaded guide defines and
		// codes outside extensible bindings, none of which is the schema's
		// rule: the walk proves nearly all of them.
		Expect(float64(proven["synthea-r4"])).To(BeNumerically(">", 0.95*float64(seen["synthea-r4"])))
		Expect(float64(proven["seeded"])).To(BeNumerically(">", 0.8*float64(seen["seeded"])))
		Expect(proven["cases"]).To(BeNumerically(">", 0))
		Expect(proven["cases"]).To(BeNumerically("<", seen["cases"]), "the shared cases are mostly broken records")
	})

	It("gives the findings of its own walk after random damage to real records", func() {
		bases := damageBases(600, func(*model.Record) bool { return true })

		rng := rand.New(rand.NewPCG(18, 2))
		counts := map[[2]bool]int{} // proven, schema findings
		for i := range 8000 {
			res := damage(rng, bases[rng.IntN(len(bases))])
			typ := fhir.ResourceType(res)
			rec := &model.Record{Kind: model.KindFHIR, Type: typ, Source: "damaged", Index: int64(i), Value: res}
			if !runs.alone.Applies(rec) {
				continue
			}
			proven := runs.compare(rec, mustJSON(res))
			counts[[2]bool{proven, len(runs.alone.NewState().Observe(rec)) > 0}]++
		}
		GinkgoWriter.Printf("proven/schema findings: %v\n", counts)
		Expect(counts[[2]bool{true, true}]).To(BeZero())
		Expect(counts[[2]bool{false, true}]).To(BeNumerically(">", 1000))
		Expect(counts[[2]bool{true, false}]).To(BeNumerically(">", 500))
	})

	// Each family of rule where the schema and the profile engine differ:
	// the schema's stricter rule must leave the record to the schema's walk
	// (and its finding), whatever the profile engine makes of it; what both
	// accept is proven. proven is whether the profile walk proves the record.
	DescribeTable("leaves to the schema's own walk what only the schema refuses",
		func(record string, proven bool) {
			recs := records("case.json", record)
			Expect(recs).To(HaveLen(1))
			Expect(runs.compare(recs[0], record)).To(Equal(proven))
		},
		Entry("a well-shaped record", `{"resourceType":"Patient","gender":"male","birthDate":"1970-01-01","name":[{"family":"Ng","given":["A"]}]}`, true),
		Entry("the year 0000, which the profile engine's date admits", `{"resourceType":"Patient","birthDate":"0000-01-01"}`, false),
		Entry("the year 0000 in an instant", `{"resourceType":"Patient","meta":{"lastUpdated":"0000-01-01T00:00:00Z"}}`, false),
		Entry("the year 0000 in a choice element", `{"resourceType":"Patient","deceasedDateTime":"0000"}`, false),
		Entry("the year 0000 in an extension's value", `{"resourceType":"Patient","extension":[{"url":"http://example.org/x","valueDate":"0000"}]}`, false),
		Entry("the year 0000 in a backbone element", `{"resourceType":"Patient","contact":[{"period":{"start":"0000"}}]}`, false),
		Entry("the year 0000 in a contained resource", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"contained":[{"resourceType":"Patient","id":"p","birthDate":"0000"}]}`, false),
		Entry("a code outside the schema's enumeration", `{"resourceType":"Patient","gender":"f"}`, false),
		Entry("a code of a backbone element outside its enumeration", `{"resourceType":"Patient","link":[{"other":{"reference":"Patient/1"},"type":"copy"}]}`, false),
		Entry("a code of a backbone element in its enumeration", `{"resourceType":"Patient","link":[{"other":{"reference":"Patient/1"},"type":"seealso"}]}`, true),
		Entry("a code of a data type outside its enumeration", `{"resourceType":"Patient","name":[{"use":"nick"}]}`, false),
		Entry("a unit code of a nested backbone element", `{"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/1"},"medicationCodeableConcept":{"text":"x"},"dosageInstruction":[{"timing":{"repeat":{"period":1,"periodUnit":"d"}}}]}`, true),
		Entry("a unit code of a nested backbone element outside its enumeration", `{"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/1"},"medicationCodeableConcept":{"text":"x"},"dosageInstruction":[{"timing":{"repeat":{"period":1,"periodUnit":"day"}}}]}`, false),
		Entry("a code with a tab between words", `{"resourceType":"Patient","language":"en\tGB"}`, false),
		Entry("an empty string", `{"resourceType":"Patient","name":[{"family":""}]}`, false),
		Entry("a form feed in a string", `{"resourceType":"Patient","name":[{"family":"a\fb"}]}`, false),
		Entry("an id too long", `{"resourceType":"Patient","id":"`+fmt.Sprintf("%065d", 1)+`"}`, false),
		Entry("an unknown element", `{"resourceType":"Patient","bogus":"x"}`, false),
		Entry("a string where an array belongs", `{"resourceType":"Patient","name":[{"given":"A"}]}`, false),
		Entry("a number where a string belongs", `{"resourceType":"Patient","name":[{"family":1}]}`, false),
		Entry("a companion of a complex element", `{"resourceType":"Patient","name":[{"family":"Ng"}],"_name":[{"id":"n"}]}`, false),
		Entry("a companion of a primitive element", `{"resourceType":"Patient","birthDate":"1970","_birthDate":{"id":"b"}}`, true),
		Entry("a null in a companion array, which both accept", `{"resourceType":"Patient","name":[{"given":["A","B"],"_given":[null,{"id":"g"}]}]}`, true),
		Entry("a null value aligned with its companion (R4 JSON), which both accept", `{"resourceType":"Patient","name":[{"given":["A",null],"_given":[null,{"extension":[{"url":"http://example.org/x","valueString":"y"}]}]}]}`, true),
		Entry("a number too large to exchange", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1e400}}`, false),
		Entry("a nested resource of no known type", `{"resourceType":"Patient","contained":[{"resourceType":"Bogus"}]}`, false),
		// ImagingStudy_Series and ImagingStudy_Instance both have a uid (an
		// id) and a number (an unsignedInt), each described in its own words
		Entry("elements two backbones share, described differently (an imaging study's series and instance uid and number)",
			imagingStudy("1.2.840.99999999.1.1.71818445.1559319199623"), true),
		Entry("the same with an instance uid the schema refuses", imagingStudy("1.2.840_99999999"), false),
	)
})

// imagingStudy is Synthea's shape of an imaging study, with one series of
// one instance whose uid is given.
func imagingStudy(instanceUID string) string {
	return `{"resourceType":"ImagingStudy","status":"available","subject":{"reference":"Patient/p"},"started":"1997-05-29T05:19:57+00:00",` +
		`"series":[{"uid":"1.2.840.99999999.1.23679829.1559319199623","number":1,"modality":{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"DX"},` +
		`"instance":[{"uid":"` + instanceUID + `","sopClass":{"system":"urn:ietf:rfc:3986","code":"1.2.840.10008.5.1.4.1.1.1.1"},"number":1,"title":"Image of clavicle"}]}]}`
}

// The schema's judge leaves to the profile engine's check of a string what
// that check already holds (shape.Judge): for string, markdown, id and code
// the schema's pattern admits every string the engine's check passes. Any
// string of those types the walk proves must be one the schema's own walk
// finds nothing in; and the same strings in a uri, whose schema is stricter
// (a form feed), must still be judged.
var _ = Describe("the schema's judge of strings the profile engine's check holds", Ordered, func() {
	var runs *twoRuns
	BeforeAll(func() { runs = newTwoRuns() })

	It("proves only what the schema's own walk finds nothing in, on strings of every awkward character", func() {
		alphabet := []string{"a", "Z", "0", "-", ".", " ", "  ", "\t", "\n", "\r", "\f", "\v", "\x01", "\x1f", "\u00a0", "\u2028", "é", "/", ":", "|"}
		places := map[string]func(string) string{
			"string": func(v string) string {
				return `{"resourceType":"Patient","name":[{"family":` + jsonText(v) + `}]}`
			},
			"markdown": func(v string) string {
				return `{"resourceType":"Observation","status":"final","code":{"text":"x"},"note":[{"text":` + jsonText(v) + `}]}`
			},
			"id": func(v string) string { return `{"resourceType":"Patient","id":` + jsonText(v) + `}` },
			"code": func(v string) string {
				return `{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://example.org/cs","code":` + jsonText(v) + `}]}}`
			},
			"uri": func(v string) string {
				return `{"resourceType":"Observation","status":"final","code":{"coding":[{"system":` + jsonText(v) + `,"code":"x"}]}}`
			},
		}
		rng := rand.New(rand.NewPCG(34, 1))
		proven, refused := map[string]int{}, map[string]int{}
		for i := range 3000 {
			var v string
			for range 1 + rng.IntN(6) {
				v += alphabet[rng.IntN(len(alphabet))]
			}
			for typ, place := range places {
				text := place(v)
				recs := records("case.json", text)
				Expect(recs).To(HaveLen(1))
				recs[0].Index = int64(i)
				if runs.compare(recs[0], typ+" "+text) {
					proven[typ]++
				} else {
					refused[typ]++
				}
			}
		}
		GinkgoWriter.Printf("proven %v, left to the schema's walk %v\n", proven, refused)
		for typ := range places {
			Expect(proven[typ]).To(BeNumerically(">", 50), typ)
			Expect(refused[typ]).To(BeNumerically(">", 50), typ)
		}
	})
})

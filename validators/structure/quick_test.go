package structure_test

import (
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"sort"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/structure"
)

// The quick walk lets a record skip gojsonschema only when it is sure
// gojsonschema would find nothing; findings therefore always come from
// gojsonschema. These specs hold it to that on real and broken records.
var _ = Describe("the quick schema walk", func() {
	var schema *structure.Schema
	BeforeEach(func() {
		if schema == nil {
			var err error
			schema, err = structure.LoadSchema()
			Expect(err).NotTo(HaveOccurred())
		}
	})

	// agree checks one resource and says what gojsonschema found.
	agree := func(res map[string]any, what string) (schemaValid, quickValid bool) {
		quickValid = structure.QuickValid(schema, res)
		schemaValid = structure.SchemaErrors(schema, res) == 0
		if quickValid {
			Expect(schemaValid).To(BeTrue(), "the quick walk passed what gojsonschema rejects: %s", what)
		}
		return schemaValid, quickValid
	}

	It("passes every resource of the Synthea corpus, as gojsonschema does", func() {
		files, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(files).NotTo(BeEmpty())
		checked := 0
		for _, f := range files[:8] {
			Expect(fhir.ReadFile(f, func(rec *model.Record) error {
				res := rec.Resource()
				schemaValid, quickValid := agree(res, rec.Name())
				Expect(schemaValid).To(BeTrue())
				Expect(quickValid).To(BeTrue(), "a valid record the quick walk cannot prove: %s", rec.Name())
				checked++
				return nil
			})).To(Succeed())
		}
		Expect(checked).To(BeNumerically(">", 1000))
	})

	It("never passes a broken record: each defect family of the generator and random damage to real records", func() {
		bases := damageBases(1500, func(rec *model.Record) bool {
			return rec.Problem == nil && schema.IsResourceType(fhir.ResourceType(rec.Resource()))
		})
		Expect(len(bases)).To(BeNumerically(">", 1500))

		rng := rand.New(rand.NewPCG(18, 1))
		counts := map[[2]bool]int{}
		for i := 0; i < 6000; i++ {
			base := bases[rng.IntN(len(bases))]
			res := damage(rng, base)
			if !schema.IsResourceType(fhir.ResourceType(res)) {
				continue
			}
			s, q := agree(res, mustJSON(res))
			counts[[2]bool{s, q}]++
		}
		// Both answers were exercised: damage the schema rejects, and damage
		// it accepts (which the walk mostly proves too).
		Expect(counts[[2]bool{false, false}]).To(BeNumerically(">", 1000))
		Expect(counts[[2]bool{true, true}]).To(BeNumerically(">", 500))
		Expect(counts[[2]bool{true, false}]).To(BeNumerically("<", counts[[2]bool{true, true}]/4))
	})

	// Validate skips the walk that bounds numbers for a record the quick
	// walk passes, so the walk must refuse a number that walk would
	// replace, wherever it is (where the schema checks it, in a contained
	// resource).
	DescribeTable("passes a record only when it has no such number",
		func(record string, fine bool) {
			res, err := fhir.Decode([]byte(record))
			Expect(err).NotTo(HaveOccurred())
			Expect(structure.QuickValid(schema, res)).To(Equal(fine))
			if fine {
				Expect(structure.BoundNumbers(res)).To(Equal(res))
			}
		},
		Entry("a quantity in range", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":12.5}}`, true),
		Entry("a quantity beyond float64", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1e400}}`, false),
		Entry("a tiny number, which reads as 0", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1.0e-400}}`, true),
		Entry("an exponent beyond the limit", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1.0e-99999}}`, false),
		Entry("a decimal too long to exchange", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueDecimal":`+longNumber()+`}`, false),
		Entry("in a contained resource", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"contained":[{"resourceType":"Basic","code":{"text":"y"},"extension":[{"url":"http://x.org/e","valueDecimal":1e999}]}]}`, false),
	)
})

func longNumber() string {
	b := make([]byte, 0, 1100)
	b = append(b, '1')
	for len(b) < 1100 {
		b = append(b, '0')
	}
	return string(b)
}

// damageValues are what a random element may be replaced with: wrong types,
// empty and null values, malformed dates, codes and ids, stray whitespace.
var damageValues = []any{
	"", " ", "x", " lead", "trail ", "two  spaces", "tab\there", "form\ffeed", "line\nbreak",
	"0000", "2020", "2020-13", "2020-02-30", "2020-01-01T10:00:00", "2020-01-01T10:00:00Z",
	"2020-01-01T24:00:00+01:00", "2020-01-01T10:00:60.5-14:00", "10:00", "23:59:60", "1.5", "-0", "01",
	"urn:oid:1.2.3", "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0", "a-b.c", "é", "\xff", "true",
	json.Number("1"), json.Number("-1.5e3"), json.Number("0"), true, false, nil,
	map[string]any{}, map[string]any{"bogus": "x"}, []any{}, []any{"x"}, []any{map[string]any{}},
}

// damage returns a deep copy of res with one random change: an element
// replaced, removed or added, at any depth.
// damageBases are the records random damage starts from: n generated
// records that keep holds for, then every resource of the last Synthea
// Bundle.
func damageBases(n int, keep func(*model.Record) bool) []map[string]any {
	g, err := fixtures.New(fixtures.Options{Seed: 11, Records: n})
	Expect(err).NotTo(HaveOccurred())
	var bases []map[string]any
	_, err = g.Generate(func(l []byte) error {
		recs := records("feed.ndjson", string(l)+"\n")
		Expect(recs).To(HaveLen(1))
		if keep(recs[0]) {
			bases = append(bases, recs[0].Resource())
		}
		return nil
	})
	Expect(err).NotTo(HaveOccurred())
	files, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
	Expect(err).NotTo(HaveOccurred())
	Expect(fhir.ReadFile(files[len(files)-1], func(rec *model.Record) error {
		bases = append(bases, rec.Resource())
		return nil
	})).To(Succeed())
	return bases
}

func damage(rng *rand.Rand, res map[string]any) map[string]any {
	out := fhir.Clone(res).(map[string]any)
	var spots []func()
	var collect func(v any, set func(any))
	collect = func(v any, set func(any)) {
		spots = append(spots, func() { set(damageValues[rng.IntN(len(damageValues))]) })
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			spots = append(spots, func() { x["bogus"] = "x" }, func() { x["_"+keys0(keys)] = map[string]any{"id": "a"} })
			for _, k := range keys {
				spots = append(spots, func() { delete(x, k) })
				collect(x[k], func(n any) { x[k] = n })
			}
		case []any:
			for i := range x {
				collect(x[i], func(n any) { x[i] = n })
			}
		}
	}
	collect(out, func(any) {})
	spots[1+rng.IntN(len(spots)-1)]()
	return out
}

func keys0(keys []string) string {
	if len(keys) == 0 {
		return "id"
	}
	return keys[0]
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}

package terminology_test

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
	"github.com/carecert/carecert/validators/terminology"
)

// The terminology checks read the coded values the profile engine's walk of
// a record puts on the run's shelf instead of walking the record again, so
// what that walk shelves must be exactly what their own walk finds: each
// value with its path, definition path, type and binding.
var _ = Describe("the coded values the profile engine's walk shelves", func() {
	It("are the ones the terminology walk finds, on Synthea, a seeded feed and the shared cases", func() {
		env := &check.Env{Context: context.Background()}
		defs, err := definitions.Run.Get(env)
		Expect(err).NotTo(HaveOccurred())
		shelf := coded.NewShelf()
		eng := profile.NewEngine(defs, profile.Options{Invariants: profile.FHIRPath{}, Shelf: shelf})
		el, err := terminology.LoadElements(coded.NewShelf())
		Expect(err).NotTo(HaveOccurred())

		// every kind of seeded defect, wrong JSON shapes among them
		defects, err := fixtures.ParseDefects("all", 1500)
		Expect(err).NotTo(HaveOccurred())
		feed, _ := generate(GinkgoT().TempDir(), 1500, defects)
		paths := []string{feed}
		synthea, err := filepath.Glob("../../../shared/corpus/synthea-r4/*.json")
		Expect(err).NotTo(HaveOccurred())
		Expect(len(synthea)).To(BeNumerically(">", 20))
		for i, p := range synthea {
			if i%4 == 0 { // a quarter of the corpus keeps the spec quick
				paths = append(paths, p)
			}
		}
		cases, err := filepath.Glob("../../../shared/conformance-cases/cases/*.json")
		Expect(err).NotTo(HaveOccurred())
		Expect(cases).NotTo(BeEmpty())
		paths = append(paths, cases...)

		perKind := map[string]*[2]int{} // records shelved, of records walked
		var differ []string
		for _, path := range paths {
			kind := filepath.Base(filepath.Dir(path))
			if perKind[kind] == nil {
				perKind[kind] = &[2]int{}
			}
			n := perKind[kind]
			Expect(fhir.ReadFile(path, func(rec *model.Record) error {
				rec.Load()
				if rec.Problem != nil || rec.Resource() == nil || !eng.IsResourceType(rec.Type) {
					return nil
				}
				n[1]++
				eng.ValidateRecord(rec, "", nil)
				got, ok := shelf.Get(rec)
				if !ok {
					return nil
				}
				n[0]++
				var want []coded.Value
				el.Walk(rec.Resource(), rec.Type, func(v coded.Value) { want = append(want, v) })
				if d := difference(got, want); d != "" {
					differ = append(differ, fmt.Sprintf("%s %s: %s", path, rec.Name(), d))
				}
				return nil
			})).To(Succeed())
		}
		Expect(differ).To(BeEmpty())
		for kind, n := range perKind {
			GinkgoWriter.Printf("%s: %d of %d records shelved\n", kind, n[0], n[1])
		}
		// The walk is spared for (nearly) every record of real feeds.
		Expect(perKind["synthea-r4"][0]).To(Equal(perKind["synthea-r4"][1]))
		Expect(float64(perKind[filepath.Base(filepath.Dir(feed))][0])).To(BeNumerically(">", 0.95*float64(perKind[filepath.Base(filepath.Dir(feed))][1])))
	})
})

var _ = Describe("the terminology checks of a run", func() {
	It("read the coded values a walk put on the run's shelf instead of walking the record", func() {
		shelf, err := coded.Run.Get(sharedEnv)
		Expect(err).NotTo(HaveOccurred())
		c, err := compile("fhir-code-format", nil)
		Expect(err).NotTo(HaveOccurred())
		rec := &model.Record{Kind: model.KindFHIR, Type: "Condition", Source: "shelved", Value: map[string]any{"resourceType": "Condition"}}
		Expect(c.NewState().Observe(rec)).To(BeEmpty(), "the record has no codes")
		// as if the profile engine's walk had found a bad SNOMED CT code
		shelf.Put(rec, []coded.Value{{Path: coded.TextPath("Condition.code"), Def: "Condition.code", Type: "CodeableConcept",
			Value: map[string]any{"coding": []any{map[string]any{"system": "http://snomed.info/sct", "code": "22298007"}}}}})
		fs := c.NewState().Observe(rec)
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Path).To(Equal("Condition.code.coding[0].code"))
	})
})

// difference says how two lists of coded values differ, in any order; "" when
// they hold the same values.
func difference(got, want []coded.Value) string {
	byPath := func(a, b coded.Value) int { return cmp.Compare(a.Path.String(), b.Path.String()) }
	got, want = textPaths(got), textPaths(want)
	slices.SortFunc(got, byPath)
	slices.SortFunc(want, byPath)
	var out []string
	i, j := 0, 0
	for i < len(got) || j < len(want) {
		switch {
		case j == len(want) || i < len(got) && got[i].Path.String() < want[j].Path.String():
			out = append(out, "only shelved: "+show(got[i]))
			i++
		case i == len(got) || got[i].Path.String() > want[j].Path.String():
			out = append(out, "only walked: "+show(want[j]))
			j++
		default:
			if !reflect.DeepEqual(got[i], want[j]) {
				out = append(out, "shelved "+show(got[i])+", walked "+show(want[j]))
			}
			i++
			j++
		}
	}
	return strings.Join(out, "; ")
}

// textPaths copies values with each path as its text, so that a path the
// walk kept as steps compares equal to the same path built as text.
func textPaths(vs []coded.Value) []coded.Value {
	out := slices.Clone(vs)
	for i := range out {
		out[i].Path = coded.TextPath(out[i].Path.String())
	}
	return out
}

func show(v coded.Value) string {
	b := "no binding"
	if v.Binding != nil {
		b = v.Binding.Strength + " " + v.Binding.ValueSet
	}
	return fmt.Sprintf("%s (%s, %s, %s) %v", v.Path, v.Def, v.Type, b, v.Value)
}

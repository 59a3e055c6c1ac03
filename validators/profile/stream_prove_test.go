package profile_test

import (
	"context"
	"fmt"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	codedvals "github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/shape"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
	"github.com/carecert/carecert/validators/structure"
	"github.com/carecert/carecert/validators/terminology"
)

// keeping is an engine that keeps, as a run's does, the coded values of
// each walk against a record's base type and the proof of its shape.
type keeping struct {
	e      *profile.Engine
	shelf  *codedvals.Shelf
	proofs *shape.Proofs
}

func newKeeping(judge shape.Judge) keeping {
	defs, err := definitions.New(definitions.Options{Parent: core})
	Expect(err).NotTo(HaveOccurred())
	proofs, err := shape.Run.Get(&check.Env{})
	Expect(err).NotTo(HaveOccurred())
	proofs.Want(judge)
	shelf := codedvals.NewShelf()
	return keeping{e: profile.NewEngine(defs, profile.Options{Invariants: hooks.Invariants, Codes: hooks.Codes, Shelf: shelf, Proofs: proofs}), shelf: shelf, proofs: proofs}
}

// shelvedValue is a coded value as the checks that read the shelf see it.
type shelvedValue struct {
	Path, Def, Type string
	Value           any
	Binding         codedvals.Binding
}

func shelvedValues(vals []codedvals.Value) []shelvedValue {
	out := make([]shelvedValue, len(vals))
	for i, v := range vals {
		out[i] = shelvedValue{Path: v.Path.String(), Def: v.Def, Type: v.Type, Value: v.Value}
		if v.Binding != nil {
			out[i].Binding = *v.Binding
		}
	}
	return out
}

// deferredLine is a feed's line as the NDJSON target gives it: its bytes,
// with its decoding left to whoever asks for its value.
func deferredLine(src []byte, i int) *model.Record {
	return &model.Record{Kind: model.KindFHIR, Source: "feed.ndjson", Line: i + 1, Index: int64(i), Raw: src,
		Decode: func(r *model.Record) { *r = *lineRecord(src, i) }}
}

// provingRun holds Streamer.Prove on an undecoded record to the map walk
// on the same record decoded: a proven record has no finding, and what
// Prove keeps for the other checks (type, id, coded values in the map
// walk's order, the shape's proof) is what the map walk keeps.
type provingRun struct {
	st             *profile.Streamer
	proving, walks keeping
	seen, proven   int
	// decoded counts the proven records Prove decoded: a vital sign whose
	// implied profile the scan could not decide, and walked on its map form.
	decoded int
	// based counts the records proven against their base type alone: a
	// vital sign whose implied profile's walk has a finding.
	based int
}

func newProvingRun() *provingRun {
	schema, err := structure.LoadSchema()
	Expect(err).NotTo(HaveOccurred())
	r := &provingRun{proving: newKeeping(schema.Judge), walks: newKeeping(schema.Judge)}
	r.st = profile.NewStreamer(r.proving.e)
	return r
}

func (r *provingRun) compare(src []byte, i int) bool {
	a := deferredLine(src, i)
	proven := r.st.Prove(a, &profile.Sink{})
	b := lineRecord(src, i)
	finds := r.walks.e.ValidateRecord(b, "", nil)
	r.seen++
	_, shelved := r.proving.shelf.Get(a)
	if !proven {
		if a.Deferred() { // a vital sign is decoded for its profile's walk
			Expect(a.Type).To(BeEmpty(), "a record not proven is left as it was: %s", src)
			Expect(shelved).To(BeFalse(), "nothing is shelved for a record not proven: %s", src)
			return false
		}
		if !shelved {
			return false
		}
		// Proven against its base type alone: an implied profile has a
		// finding, and what the base type's walk keeps is kept.
		Expect(a.Type).To(Equal("Observation"), "only a vital sign is proven against its base type alone: %s", src)
		Expect(finds).NotTo(BeEmpty(), "an implied profile's finding: %s", src)
		r.based++
	} else {
		r.proven++
		if !a.Deferred() {
			Expect(a.Type).To(Equal("Observation"), "only a vital sign is decoded, for its profile's walk: %s", src)
			r.decoded++
		}
		Expect(finds).To(BeEmpty(), "proven clean: %s", src)
	}
	Expect([]string{a.Type, a.ID}).To(Equal([]string{b.Type, b.ID}), string(src))
	got, ok := r.proving.shelf.Get(a)
	Expect(ok).To(BeTrue(), "the coded values are shelved: %s", src)
	want, ok := r.walks.shelf.Get(b)
	Expect(ok).To(BeTrue(), string(src))
	Expect(shelvedValues(got)).To(Equal(shelvedValues(want)), string(src))
	Expect(r.proving.proofs.Proven(a)).To(Equal(r.walks.proofs.Proven(b)), "the shape's proof: %s", src)
	return proven
}

var _ = Describe("the stream path wired in (Streamer.Prove)", Ordered, func() {
	var run *provingRun
	BeforeAll(func() { run = newProvingRun() })

	It("keeps what the map walk keeps for the other checks, on the Synthea corpus (keys in any order)", func() {
		for i, l := range syntheaLines() {
			run.compare(l, i)
		}
		GinkgoWriter.Printf("synthea: %d of %d records proven, %d of them decoded, %d against their base type alone\n", run.proven, run.seen, run.decoded, run.based)
		Expect(run.proven).To(BeNumerically(">", run.seen/2))
		// Synthea's blood pressures coded 55284-4 and oral temperatures
		// 8331-1 without the sign's own LOINC code fail its profile.
		Expect(run.based).To(Equal(354))
		Expect(run.decoded).To(BeZero(), "every vital sign's implied profile is decided by the scan")
	})

	It("keeps what the map walk keeps on generated feeds, with and without seeded defects", func() {
		defects, err := fixtures.ParseDefects("all", 1500)
		Expect(err).NotTo(HaveOccurred())
		before := run.proven
		for _, o := range []fixtures.Options{{Seed: 5, Records: 2000}, {Seed: 3, Records: 1500, Defects: defects}} {
			g, err := fixtures.New(o)
			Expect(err).NotTo(HaveOccurred())
			i := 0
			_, err = g.Generate(func(l []byte) error {
				src := slices.Clone(l)
				if _, err := fhir.Decode(src); err != nil {
					return nil // a seeded parse defect: the map walk never sees it
				}
				run.compare(src, i)
				i++
				return nil
			})
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(run.proven - before).To(BeNumerically(">", 1000))
		Expect(run.decoded).To(BeZero(), "every vital sign's implied profile is decided by the scan")
	})

	DescribeTable("reads the type from the record's top level, and proves nothing it cannot read",
		func(src string, proven bool) {
			Expect(run.compare([]byte(src), 0)).To(Equal(proven))
		},
		Entry("the type first", `{"resourceType":"Encounter","id":"e1","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"}}`, true),
		Entry("the type last", `{"class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"id":"e1","status":"finished","resourceType":"Encounter"}`, true),
		Entry("a nested resourceType before the root's", `{"class":{"code":"AMB","resourceType":"Patient"},"status":"finished","resourceType":"Encounter"}`, false),
		Entry("an escaped type", `{"resourceType":"Encount\u0065r","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"}}`, false),
		Entry("no type", `{"status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"}}`, false),
		Entry("two types", `{"resourceType":"Encounter","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"resourceType":"Encounter"}`, false),
		Entry("coded values in JSON order other than the definition's", `{"resourceType":"Encounter","priority":{"text":"p"},"type":[{"text":"b"},{"coding":[{"system":"http://snomed.info/sct","code":"1"}]}],"class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"status":"finished"}`, true),
	)

	It("leaves a proven record undecoded through the default suites' checks, which find in it what they find in the record decoded", func() {
		reg := check.NewRegistry()
		structure.Register(reg)
		profile.Register(reg)
		terminology.Register(reg)
		types := []string{"fhir-profile", "fhir-resource-type", "fhir-json-schema", "fhir-value-set-binding", "fhir-code-system", "fhir-code-format", "fhir-ucum-units"}
		type compiled struct {
			check.Check
			state check.State
		}
		compile := func() []compiled {
			env := &check.Env{Context: context.Background()}
			var out []compiled
			for _, typ := range types {
				c, err := reg.Compile(check.Spec{Requirement: typ, Type: typ}, env)
				Expect(err).NotTo(HaveOccurred())
				out = append(out, compiled{c, c.NewState()})
			}
			return out
		}
		proving, walking := compile(), compile()
		// as the runner runs them: the profile check first, each where it applies
		checks := func(cs []compiled, rec *model.Record) [][]model.Finding {
			var out [][]model.Finding
			for _, c := range cs {
				if c.Applies(rec) {
					out = append(out, c.state.Observe(rec))
				} else {
					out = append(out, []model.Finding{{Code: "does not apply"}})
				}
			}
			return out
		}
		// Synthea, and a generated feed with every seeded defect (its
		// wrong-unit-for-code records are proven, and only the units
		// check, on what the proof kept, finds them)
		lines := syntheaLines()[:1500]
		defects, err := fixtures.ParseDefects("all", 1500)
		Expect(err).NotTo(HaveOccurred())
		g, err := fixtures.New(fixtures.Options{Seed: 3, Records: 1500, Defects: defects})
		Expect(err).NotTo(HaveOccurred())
		_, err = g.Generate(func(l []byte) error {
			if _, err := fhir.Decode(l); err == nil { // a seeded parse defect never reaches the checks
				lines = append(lines, slices.Clone(l))
			}
			return nil
		})
		Expect(err).NotTo(HaveOccurred())
		proven, undecoded, units := 0, 0, 0
		for i, l := range lines {
			a := deferredLine(l, i)
			p := proving[0].state.(check.Prover).Prove(a)
			if !p {
				a.Load() // as the runner does before the checks
			}
			got := checks(proving, a)
			if p {
				proven++
				if a.Deferred() {
					undecoded++
					for _, f := range got[len(got)-1] {
						if f.Code == "terminology.unit-not-comparable" {
							units++
						}
					}
				}
			}
			Expect(got).To(Equal(checks(walking, lineRecord(l, i))), string(l))
		}
		GinkgoWriter.Printf("default checks: %d of %d records proven, %d of them never decoded, %d units compared wrong on those\n", proven, len(lines), undecoded, units)
		Expect(proven).To(BeNumerically(">", len(lines)/2))
		// a vital sign's implied profile is scanned, and the units check
		// reads what the proof kept: no check decodes a proven record
		Expect(undecoded).To(Equal(proven))
		Expect(units).To(Equal(defects["wrong-unit-for-code"]))
	})
})

// A vital sign whose implied profile has a finding (Synthea's blood
// pressures coded 55284-4 and oral temperatures 8331-1 without the sign's
// own LOINC code) is proven against its base type by the scan, and the
// profile check walks its map form against the implied profile only: every
// default check finds on it what it finds on the record decoded and walked
// whole, and the records the scan proves clean stay clean.
var _ = Describe("a record proven against its base type alone", func() {
	It("gets every default check's findings of the whole walk, on the Synthea corpus", func() {
		fatal := func(args ...any) { Fail(fmt.Sprint(args...)) }
		proving, walking := newDefaultChecks(fatal), newDefaultChecks(fatal)
		findings := func(d *defaultChecks, rec *model.Record) [][]model.Finding {
			out := make([][]model.Finding, len(d.checks))
			for i, c := range d.checks {
				if c.Applies(rec) {
					out[i] = d.states[i].Observe(rec)
				}
			}
			return out
		}
		based := 0
		for i, l := range syntheaLines() {
			a := deferredLine(l, i)
			if proving.states[0].(check.Prover).Prove(a) {
				continue
			}
			if a.Deferred() {
				continue // not proven against its base type either
			}
			based++
			got := findings(proving, a)
			want := findings(walking, lineRecord(l, i))
			Expect(got[0]).NotTo(BeEmpty(), "the implied profile's finding: %s", l)
			Expect(got).To(Equal(want), string(l))
		}
		Expect(based).To(Equal(354))
	})
})

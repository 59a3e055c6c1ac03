package terminology_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
	"github.com/carecert/carecert/validators/structure"
	"github.com/carecert/carecert/validators/terminology"
)

// The units rule (fhir-ucum-units) reads an observation's units from its map
// form, or, for a record the profile engine proved from its bytes and left
// undecoded, from the coded values the proof kept (its Quantities and codes
// with their paths). Both must give the same findings, and the second must
// never decode the record.
var _ = Describe("the units rule on a record proven from its bytes", func() {
	// observation is a heart rate unless code says otherwise.
	observation := func(code, quantity, more string) string {
		if code == "" {
			code = `{"coding":[{"system":"http://loinc.org","code":"8867-4"}]}`
		}
		s := `{"resourceType":"Observation","id":"o1","status":"final","code":` + code
		if quantity != "" {
			s += `,"valueQuantity":` + quantity
		}
		return s + more + "}"
	}
	ucum := func(unit string) string {
		return `{"value":1,"system":"http://unitsofmeasure.org","code":"` + unit + `"}`
	}
	loinc := func(codes ...string) string {
		var cs []string
		for _, c := range codes {
			cs = append(cs, `{"system":"http://loinc.org","code":"`+c+`"}`)
		}
		return `{"coding":[` + strings.Join(cs, ",") + `]}`
	}
	component := func(code, unit string) string {
		return `{"code":` + loinc(code) + `,"valueQuantity":` + ucum(unit) + `}`
	}
	components := func(cs ...string) string { return `,"component":[` + strings.Join(cs, ",") + `]` }

	// judged runs the units check on line twice: decoded, and deferred with
	// the coded values a walk of it finds on the run's shelf, as the
	// profile engine's proof keeps them (stream_prove_test holds the
	// proof's to the walk's). It returns both findings and how often the
	// deferred record was decoded.
	judged := func(params map[string]any, line string) (decoded, deferred []model.Finding, decodes int) {
		c, err := compile("fhir-ucum-units", params)
		Expect(err).NotTo(HaveOccurred())
		shelf, err := coded.Run.Get(sharedEnv)
		Expect(err).NotTo(HaveOccurred())
		el, err := terminology.LoadElements(coded.NewShelf())
		Expect(err).NotTo(HaveOccurred())
		read := func() *model.Record {
			res, err := fhir.Decode([]byte(line))
			Expect(err).NotTo(HaveOccurred())
			return &model.Record{Kind: model.KindFHIR, Format: model.FormatJSON, Source: "feed.ndjson", Line: 1, Type: "Observation", ID: "o1", Value: res, Raw: []byte(line)}
		}
		plain := read()
		decoded = c.NewState().Observe(plain)

		rec := &model.Record{Kind: model.KindFHIR, Format: model.FormatJSON, Source: "feed.ndjson", Line: 1, Index: 1, Type: "Observation", ID: "o1", Raw: []byte(line),
			Decode: func(r *model.Record) { decodes++; r.Value = read().Value }}
		var kept []coded.Value
		el.Walk(plain.Resource(), "Observation", func(v coded.Value) { kept = append(kept, v) })
		shelf.Put(rec, kept)
		deferred = c.NewState().Observe(rec)
		return decoded, deferred, decodes
	}

	DescribeTable("gives the findings of the map form, without decoding",
		func(params map[string]any, line string, want ...string) {
			decoded, deferred, decodes := judged(params, line)
			Expect(decodes).To(BeZero(), "the proven record is not decoded")
			Expect(deferred).To(Equal(decoded))
			var got []string
			for _, f := range deferred {
				got = append(got, f.Code+" "+f.Location.Path)
			}
			if len(want) == 0 {
				Expect(got).To(BeEmpty())
			} else {
				Expect(got).To(Equal(want))
			}
		},
		Entry("a heart rate per minute", nil, observation("", ucum("/min"), "")),
		Entry("a heart rate in kg", nil, observation("", ucum("kg"), ""),
			"terminology.unit-not-comparable Observation.valueQuantity.code"),
		Entry("a heart rate in a unit that is not UCUM: reported as such, not compared", nil, observation("", ucum("bpm"), ""),
			"terminology.ucum Observation.valueQuantity.code"),
		Entry("a heart rate in another system's unit", nil, observation("", `{"value":1,"system":"http://example.org/units","code":"kg"}`, "")),
		Entry("a body weight in pounds, from the value set its profile binds", nil, observation(loinc("29463-7"), ucum("[lb_av]"), "")),
		Entry("a body weight in litres", nil, observation(loinc("29463-7"), ucum("L"), ""),
			"terminology.unit-not-comparable Observation.valueQuantity.code"),
		Entry("a cholesterol in mg/dL, a code for moles per volume (no implied profile)", nil, observation(loinc("35200-5"), ucum("mg/dL"), ""),
			"terminology.unit-not-comparable Observation.valueQuantity.code"),
		Entry("the first LOINC code with a unit rule decides", nil, observation(loinc("2339-0", "8867-4"), ucum("kg"), ""),
			"terminology.unit-not-comparable Observation.valueQuantity.code"),
		Entry("a unit the suite fixes for a LOINC code", map[string]any{"units": map[string]any{"2339-0": "mg/dL"}},
			observation(loinc("2339-0"), ucum("mmol/L"), ""),
			"terminology.unit-not-comparable Observation.valueQuantity.code"),
		Entry("a blood pressure's components, each against its own code", nil,
			observation(loinc("85354-9"), "", components(component("8480-6", "mm[Hg]"), component("8462-4", "mL"))),
			"terminology.unit-not-comparable Observation.component[1].valueQuantity.code"),
		Entry("components of an observation whose own code has no rule", nil,
			observation(loinc("2339-0"), ucum("mg/dL"), components(component("8480-6", "cm"))),
			"terminology.unit-not-comparable Observation.component[0].valueQuantity.code"),
		Entry("components past the tenth, in their order", nil,
			observation(loinc("85354-9"), "", components(component("8480-6", "kg"),
				component("8480-6", "mm[Hg]"), component("8480-6", "mm[Hg]"), component("8480-6", "mm[Hg]"), component("8480-6", "mm[Hg]"),
				component("8480-6", "mm[Hg]"), component("8480-6", "mm[Hg]"), component("8480-6", "mm[Hg]"), component("8480-6", "mm[Hg]"),
				component("8480-6", "mm[Hg]"), component("8462-4", "kg"), component("8462-4", "kg"))),
			"terminology.unit-not-comparable Observation.component[0].valueQuantity.code",
			"terminology.unit-not-comparable Observation.component[10].valueQuantity.code",
			"terminology.unit-not-comparable Observation.component[11].valueQuantity.code"),
		Entry("an observation and its component, the observation first", nil,
			observation(loinc("8480-6"), ucum("kg"), components(component("8462-4", "kg"))),
			"terminology.unit-not-comparable Observation.valueQuantity.code",
			"terminology.unit-not-comparable Observation.component[0].valueQuantity.code"),
		Entry("a component without a quantity, and one without a code", nil,
			observation(loinc("85354-9"), "", components(`{"code":`+loinc("8480-6")+`,"valueString":"high"}`, `{"valueQuantity":`+ucum("kg")+`}`))),
		Entry("observations contained in one: judged as it is, at their own paths, in either form", nil,
			observation(loinc("2339-0"), ucum("mg/dL"), `,"contained":[`+observation("", ucum("kg"), "")+`,`+observation("", ucum("bpm"), "")+`]`),
			"terminology.ucum Observation.contained[1].valueQuantity.code",
			"terminology.unit-not-comparable Observation.contained[0].valueQuantity.code"),
	)
})

// A generated feed with the seeded unit defects, validated with the profile
// and terminology suites: as NDJSON lines, most records proven from their
// bytes reach the units check undecoded; in a Bundle none does (an entry is
// read inside its container). The units findings are the same either way.
var _ = Describe("the units findings of a generated feed", func() {
	It("are the seeded unit defects, whether its records are proven as NDJSON lines or read in a Bundle", func() {
		dir := GinkgoT().TempDir()
		defects := map[string]int{"wrong-unit-for-code": 6, "incomparable-unit": 4, "invalid-ucum-unit": 5}
		feed, manifest := generate(dir, 1500, defects)
		data, err := os.ReadFile(feed)
		Expect(err).NotTo(HaveOccurred())
		var entries []string
		for _, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
			entries = append(entries, `{"resource":`+string(l)+`}`)
		}
		bundle := filepath.Join(dir, "bundle.json")
		Expect(os.WriteFile(bundle, []byte(`{"resourceType":"Bundle","type":"collection","entry":[`+strings.Join(entries, ",\n")+`]}`), 0o644)).To(Succeed())

		reg := check.NewRegistry()
		structure.Register(reg)
		profile.Register(reg)
		terminology.Register(reg)
		units := func(path string) []string {
			rep := runWith(reg, []string{"fhir-r4-profiles", suite}, path)
			var out []string
			for _, f := range result(rep, "TERM-04").Tally.Findings {
				out = append(out, f.Record+" "+f.Path+" "+f.Message)
			}
			return out
		}
		lines, inBundle := units(feed), units(bundle)
		Expect(lines).To(Equal(inBundle))
		var want []string
		for _, d := range manifest.Defects {
			want = append(want, d.Record+" "+d.Path)
		}
		var got []string
		for _, f := range lines {
			record, path, _ := strings.Cut(f, " ")
			path, _, _ = strings.Cut(path, " ")
			got = append(got, record+" "+path)
		}
		Expect(got).To(ConsistOf(want))
		Expect(strings.Join(lines, "\n")).To(ContainSubstring("mg/dL"))
	})
})

package quality_test

import (
	"fmt"
	"sort"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/suites"
)

// likelyDuplicates returns the params of dq-core/DQ-UNIQ-02 with names set
// as given ("" keeps the suite's).
func likelyDuplicates(names string) params.Params {
	s, err := suites.Builtin("dq-core", registry())
	Expect(err).NotTo(HaveOccurred())
	for _, r := range s.Requirements {
		if r.ID == "DQ-UNIQ-02" {
			p := params.Params{}
			for k, v := range r.Spec().Params {
				p[k] = v
			}
			if names != "" {
				p["names"] = names
			}
			return p
		}
	}
	Fail("no DQ-UNIQ-02")
	return nil
}

// duplicateLines returns the sorted lines of a tally's findings and its
// duplicate-key measure.
func duplicateLines(t *model.Tally) ([]int, model.Measure) {
	var lines []int
	for _, f := range t.Sample() {
		lines = append(lines, f.Location.Line)
	}
	sort.Ints(lines)
	m, ok := t.Lookup("dq.plausibility.uniqueness.validation.duplicate-key")
	Expect(ok).To(BeTrue(), "measures %v", t.Measures)
	return lines, m
}

func seededLines(m *fixtures.Manifest, kinds ...string) []int {
	var lines []int
	for _, d := range m.Defects {
		for _, k := range kinds {
			if d.Kind == k {
				lines = append(lines, d.Line())
			}
		}
	}
	sort.Ints(lines)
	return lines
}

func patient(id, family, given, birth, postcode string) string {
	return fmt.Sprintf(`{"resourceType":"Patient","id":%q,"name":[{"family":%q,"given":[%q]}],"birthDate":%q,"address":[{"postalCode":%q}]}`,
		id, family, given, birth, postcode)
}

var _ = Describe("likely duplicate patients with names compared by sound", func() {
	It("is how dq-core compares names", func() {
		Expect(likelyDuplicates("")["names"]).To(Equal("phonetic"))
	})

	It("finds nothing on a clean feed", func() {
		recs, m := generate(21, 3004, nil)
		Expect(m.Defects).To(BeEmpty())
		t, outcome, _ := run("dq-unique", likelyDuplicates(""), recs)
		lines, meas := duplicateLines(t)
		Expect(lines).To(BeEmpty())
		Expect([]int64{meas.Numerator, meas.Denominator}).To(Equal([]int64{0, 300}))
		Expect(outcome).To(Equal(model.Pass))
	})

	Context("on a feed with seeded duplicates", Ordered, func() {
		var (
			recs     []*model.Record
			manifest *fixtures.Manifest
		)
		BeforeAll(func() {
			recs, manifest = generate(23, 3004, map[string]int{"phonetic-duplicate-patient": 5, "duplicate-patient": 3})
			Expect(manifest.Counts).To(Equal(map[string]int{"phonetic-duplicate-patient": 5, "duplicate-patient": 3}))
		})

		It("finds every same-sounding duplicate and every exact one at its line, and nothing else", func() {
			t, _, _ := run("dq-unique", likelyDuplicates("phonetic"), recs)
			lines, meas := duplicateLines(t)
			Expect(lines).To(Equal(seededLines(manifest, "phonetic-duplicate-patient", "duplicate-patient")))
			Expect([]int64{meas.Numerator, meas.Denominator}).To(Equal([]int64{8, 300}))
			for _, f := range t.Sample() {
				Expect(f.Code).To(HaveSuffix("duplicate-key"))
				Expect(f.Message).To(MatchRegexp(`^same name \(by sound\), birth date and postcode as Patient/\S+ \(fixture-seed23\.ndjson:\d+\)$`))
			}
		})

		It("misses the same-sounding duplicates when names are compared exactly", func() {
			t, _, _ := run("dq-unique", likelyDuplicates("exact"), recs)
			lines, meas := duplicateLines(t)
			Expect(lines).To(Equal(seededLines(manifest, "duplicate-patient")))
			Expect(lines).NotTo(ContainElement(BeElementOf(seededLines(manifest, "phonetic-duplicate-patient"))))
			Expect([]int64{meas.Numerator, meas.Denominator}).To(Equal([]int64{3, 300}))
		})
	})

	It("still needs the same birth date and postcode", func() {
		recs := records(
			patient("a", "Smith", "Catherine", "1980-02-03", "LS1 4AB"),
			patient("b", "Smyth", "Kathryn", "1980-02-03", "ls14ab"),
			patient("c", "Smyth", "Kathryn", "1980-02-04", "LS1 4AB"),
			patient("d", "Smyth", "Kathryn", "1980-02-03", "LS1 4AC"),
			patient("e", "Smith", "Caroline", "1980-02-03", "LS1 4AB"),
			patient("f", "Smithson", "Catherine", "1980-02-03", "LS1 4AB"),
			patient("g", "SMITH", "catherine", "1980-02-03", "LS1 4AB"),
		)
		t, _, _ := run("dq-unique", likelyDuplicates(""), recs)
		lines, meas := duplicateLines(t)
		Expect(lines).To(Equal([]int{2, 7}))
		Expect([]int64{meas.Numerator, meas.Denominator}).To(Equal([]int64{2, 7}))
	})

	It("finds whatever exact matching of normalised names finds", func() {
		recs := records(
			patient("a", "O'Brien", "Mary Ann", "1980-02-03", "LS1 4AB"),
			patient("b", "OBrien", "Mary-Ann", "1980-02-03", "LS1 4AB"),
			patient("c", "O Brien", "MARYANN", "1980-02-03", "LS1 4AB"),
			patient("d", "Zoë", "Åsa", "1980-02-03", "LS1 4AB"),
			patient("e", "ZOË", "åsa", "1980-02-03", "LS1 4AB"),
			patient("f", "Zoe", "Asa", "1980-02-03", "LS1 4AB"),
		)
		t, _, _ := run("dq-unique", likelyDuplicates("exact"), recs)
		exact, _ := duplicateLines(t)
		Expect(exact).To(Equal([]int{2, 3, 5}))
		t, _, _ = run("dq-unique", likelyDuplicates("phonetic"), recs)
		sound, _ := duplicateLines(t)
		Expect(sound).To(Equal([]int{2, 3, 5, 6}))
	})

	It("compares names without a letter A-Z as written", func() {
		recs := records(
			patient("a", "李", "伟", "1980-02-03", "LS1 4AB"),
			patient("b", "李", "伟", "1980-02-03", "LS1 4AB"),
			patient("c", "王", "伟", "1980-02-03", "LS1 4AB"),
		)
		t, _, _ := run("dq-unique", likelyDuplicates(""), recs)
		lines, _ := duplicateLines(t)
		Expect(lines).To(Equal([]int{2}))
	})

	DescribeTable("refuses names settings it cannot apply",
		func(params params.Params, want string) {
			err := compileErr("dq-unique", params)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(want))
		},
		Entry("unknown mode", params.Params{"key": []any{"Patient.name.family"}, "names": "fuzzy"}, `names: "fuzzy": want exact or phonetic`),
		Entry("no name in the key", params.Params{"key": []any{"Patient.birthDate", "Patient.gender"}, "names": "phonetic"}, `a key element that is part of a name`),
		Entry("resource ids", params.Params{"resource_id": true, "names": "phonetic"}, `a key element that is part of a name`),
	)
})

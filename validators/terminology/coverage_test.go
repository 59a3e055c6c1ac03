package terminology_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/targettest"
)

var _ = Describe("mapping coverage", func() {
	var recs []*model.Record

	BeforeEach(func() {
		path, _ := generate(GinkgoT().TempDir(), 800, map[string]int{"unmapped-local-code": 13})
		recs = records(path)
	})

	coverage := func(params map[string]any) check.Check {
		c, err := compile("mapping-coverage", params)
		Expect(err).NotTo(HaveOccurred())
		return c
	}

	finish := func(c check.Check, st check.State) *model.Tally {
		t := model.NewTally(0)
		st.Finish(t)
		return t
	}

	It("merges states from JSON into the result one state gives", func() {
		c := coverage(map[string]any{"elements": []any{"Condition.code", "MedicationRequest.medicationCodeableConcept"}})
		single := c.NewState()
		parts := []check.State{c.NewState(), c.NewState(), c.NewState()}
		for i, r := range recs {
			if !c.Applies(r) {
				continue
			}
			single.Observe(r)
			parts[i%3].Observe(r)
		}
		merged := c.NewState()
		for _, p := range parts {
			data, err := json.Marshal(p)
			Expect(err).NotTo(HaveOccurred())
			back := c.NewState()
			Expect(json.Unmarshal(data, back)).To(Succeed())
			Expect(merged.Merge(back)).To(Succeed())
		}
		want, got := finish(c, single), finish(c, merged)
		Expect(got.Measures).To(Equal(want.Measures))
		Expect(got.Findings).To(Equal(want.Findings))
		m, _ := got.Lookup("mapped Condition.code")
		Expect(m.Denominator - m.Numerator).To(BeEquivalentTo(13))
		m, _ = got.Lookup("mapped MedicationRequest.medicationCodeableConcept")
		Expect(m.Numerator).To(Equal(m.Denominator))
	})

	It("grades against the threshold from the tally alone, so a stored report re-grades", func() {
		strict := coverage(map[string]any{"elements": []any{"Condition.code"}, "threshold": "99.5%"})
		lax := coverage(map[string]any{"elements": []any{"Condition.code"}, "threshold": 0.5})
		st := strict.NewState()
		for _, r := range recs {
			if strict.Applies(r) {
				st.Observe(r)
			}
		}
		t := finish(strict, st)
		data, err := json.Marshal(t)
		Expect(err).NotTo(HaveOccurred())
		var stored model.Tally
		Expect(json.Unmarshal(data, &stored)).To(Succeed())
		out, msg := strict.(check.Grader).Grade(&stored)
		Expect(out).To(Equal(model.Fail))
		Expect(msg).To(ContainSubstring("below 99.5%"))
		Expect(msg).To(MatchRegexp(`Condition.code 9\d\.\d% \(\d+ of \d+\)`))
		out, _ = lax.(check.Grader).Grade(&stored)
		Expect(out).To(Equal(model.Pass))
		out, _ = lax.(check.Grader).Grade(model.NewTally(0))
		Expect(out).To(Equal(model.Skip))
	})

	It("counts local codes a supplier's CSV maps as mapped", func() {
		dir := GinkgoT().TempDir()
		csv := filepath.Join(dir, "map.csv")
		Expect(os.WriteFile(csv, []byte("source_system,source_code,target_system,target_code\n"+
			fixtures.LocalProblemSystem+",RGH-HTN,http://snomed.info/sct,38341003\n"+
			fixtures.LocalProblemSystem+",RGH-DM2,http://snomed.info/sct,44054006\n"+
			fixtures.LocalProblemSystem+",RGH-AST,http://snomed.info/sct,195967001\n"), 0o644)).To(Succeed())
		c, err := registry().Compile(check.Spec{Requirement: "MAP", Type: "mapping-coverage", Source: "spec",
			Params: params.Params{"elements": []any{"Condition.code"}, "maps": "map.csv"}}, &check.Env{PlanDir: dir})
		Expect(err).NotTo(HaveOccurred())
		st := c.NewState()
		var warnings int
		for _, r := range recs {
			if c.Applies(r) {
				warnings += len(st.Observe(r))
			}
		}
		Expect(warnings).To(BeZero())
		t := finish(c, st)
		m, _ := t.Lookup("mapped Condition.code")
		Expect(m.Numerator).To(Equal(m.Denominator))
	})

	It("keeps a requirement's maps to itself: another coverage requirement of the run does not count them", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "map.csv"), []byte("source_system,source_code,target_system,target_code\n"+
			fixtures.LocalProblemSystem+",RGH-HTN,http://snomed.info/sct,38341003\n"+
			fixtures.LocalProblemSystem+",RGH-DM2,http://snomed.info/sct,44054006\n"+
			fixtures.LocalProblemSystem+",RGH-AST,http://snomed.info/sct,195967001\n"), 0o644)).To(Succeed())
		env := &check.Env{PlanDir: dir}
		unmapped := func(c check.Check) int64 {
			st := c.NewState()
			for _, r := range recs {
				if c.Applies(r) {
					st.Observe(r)
				}
			}
			m, _ := finish(c, st).Lookup("mapped Condition.code")
			return m.Denominator - m.Numerator
		}
		with, err := registry().Compile(check.Spec{Requirement: "MAP", Type: "mapping-coverage", Source: "spec",
			Params: params.Params{"elements": []any{"Condition.code"}, "maps": "map.csv"}}, env)
		Expect(err).NotTo(HaveOccurred())
		without, err := registry().Compile(check.Spec{Requirement: "NOMAP", Type: "mapping-coverage", Source: "spec",
			Params: params.Params{"elements": []any{"Condition.code"}}}, env)
		Expect(err).NotTo(HaveOccurred())
		Expect(unmapped(with)).To(BeZero())
		Expect(unmapped(without)).To(BeEquivalentTo(13))
	})

	DescribeTable("refuses parameters a suite author got wrong",
		func(params map[string]any, want string) {
			_, err := compile("mapping-coverage", params)
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("no elements", map[string]any{}, `parameter "elements" is required: coded elements measured (Condition.code), or HL7 v2 fields (OBX-3)`),
		Entry("an element FHIR does not have", map[string]any{"elements": "Condition.kode"}, `"Condition.kode" is not an element`),
		Entry("a threshold over 100%", map[string]any{"elements": "Condition.code", "threshold": "150%"}, "not a share"),
		Entry("a missing map", map[string]any{"elements": "Condition.code", "maps": "/nonexistent/map.csv"}, "/nonexistent/map.csv"),
		Entry("a misspelt parameter", map[string]any{"elements": "Condition.code", "treshold": 0.9}, "unknown parameter(s) treshold"),
	)
})

var _ = Describe("check parameters", func() {
	It("accepts extra unit rules and rejects ones that are not UCUM", func() {
		_, err := compile("fhir-ucum-units", map[string]any{"units": map[string]any{"2339-0": "mg/dL"}})
		Expect(err).NotTo(HaveOccurred())
		_, err = compile("fhir-ucum-units", map[string]any{"units": map[string]any{"2339-0": "mg/decilitre"}})
		Expect(err).To(MatchError(ContainSubstring(`"mg/decilitre" is not UCUM`)))
	})

	It("uses an extra unit rule on observations", func() {
		c, err := compile("fhir-ucum-units", map[string]any{"units": map[string]any{"2339-0": "mmol/L"}})
		Expect(err).NotTo(HaveOccurred())
		path, _ := generate(GinkgoT().TempDir(), 100, nil)
		var glucose, flagged int
		for _, r := range records(path) {
			if !c.Applies(r) {
				continue
			}
			fs := c.NewState().Observe(r)
			if r.Type == "Observation" && r.Resource()["code"].(map[string]any)["coding"].([]any)[0].(map[string]any)["code"] == "2339-0" {
				glucose++
				Expect(fs).To(HaveLen(1))
				Expect(fs[0].Message).To(ContainSubstring("not comparable with mmol/L"))
			}
			flagged += len(fs)
		}
		Expect(glucose).To(BeNumerically(">", 0))
		Expect(flagged).To(Equal(glucose))
	})

	It("names a terminology server setting that cannot work", func() {
		_, err := compile("fhir-value-set-binding", map[string]any{"server": "ftp://tx.example"})
		Expect(err).To(MatchError(ContainSubstring(`parameter "server"`)))
		_, err = compile("fhir-value-set-binding", map[string]any{"server": "http://127.0.0.1:1", "server-timeout": "soon"})
		Expect(err).To(MatchError(ContainSubstring(`"soon" is not a duration`)))
	})

	It("rejects unknown parameters on every check", func() {
		for _, typ := range []string{"fhir-value-set-binding", "fhir-code-system", "fhir-code-format", "fhir-ucum-units"} {
			_, err := compile(typ, map[string]any{"bogus": 1})
			Expect(err).To(MatchError(ContainSubstring("bogus")), typ)
		}
	})

	It("fails compilation naming an implementation guide that cannot be loaded", func() {
		env := &check.Env{IGs: []string{"/nonexistent/ig"}}
		_, err := registry().Compile(check.Spec{Requirement: "R", Type: "fhir-code-system", Source: "spec"}, env)
		Expect(err).To(MatchError(ContainSubstring("/nonexistent/ig")))
	})
})

var _ = Describe("a sharded run of the terminology suite", func() {
	It("merges into the report one run gives", func() {
		path, _ := generate(GinkgoT().TempDir(), 1500, map[string]int{
			"unmapped-local-code": 9, "code-not-in-value-set": 3, "invalid-ucum-unit": 2, "bad-snomed-check-digit": 2,
		})
		plan := func() *runner.Plan {
			p := &runner.Plan{Name: "shards", Suites: []string{suite}, SampleLimit: 100000, Date: "2026-01-01",
				Vendors: []runner.VendorPlan{{Name: "Acme", Targets: []map[string]any{{"name": "feed", "path": path}}}}}
			Expect(p.Check()).To(Succeed())
			return p
		}
		newRunner := func() *runner.Runner {
			return &runner.Runner{Checks: registry(), Targets: targettest.FHIR(), Tool: model.Tool{Name: "carecert", Version: "test"}, Workers: 2}
		}
		results := func(rep *model.Report) string {
			data, err := json.Marshal(rep.Targets[0].Results)
			Expect(err).NotTo(HaveOccurred())
			return string(data)
		}
		whole, err := newRunner().Run(context.Background(), plan())
		Expect(err).NotTo(HaveOccurred())
		t := result(whole[0], "TERM-05").Tally
		m, ok := t.Lookup("mapped Condition.code")
		Expect(ok).To(BeTrue())
		Expect(m.Denominator - m.Numerator).To(BeEquivalentTo(9))

		var parts []*runner.Part
		var names []string
		dir := GinkgoT().TempDir()
		for i := 1; i <= 3; i++ {
			r := newRunner()
			r.Shard = target.Shard{Index: i, Count: 3}
			part, err := r.RunPart(context.Background(), plan())
			Expect(err).NotTo(HaveOccurred())
			file, err := runner.WritePart(dir, part)
			Expect(err).NotTo(HaveOccurred())
			back, err := runner.ReadPart(file)
			Expect(err).NotTo(HaveOccurred())
			parts = append(parts, back)
			names = append(names, runner.PartName(i, 3))
		}
		merged, err := newRunner().Merge(context.Background(), parts, names)
		Expect(err).NotTo(HaveOccurred())
		Expect(results(merged[0])).To(Equal(results(whole[0])))
	})
})

var _ = Describe("implementation guides of the run", func() {
	It("are loaded from beside the plan, and their code systems judge codes", func() {
		dir := GinkgoT().TempDir()
		Expect(os.MkdirAll(filepath.Join(dir, "ig"), 0o755)).To(Succeed())
		bundle, err := os.ReadFile("../../terminology/testdata/acme-bundle.json")
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(dir, "ig", "Bundle-acme.json"), bundle, 0o644)).To(Succeed())
		env := &check.Env{PlanDir: dir, IGs: []string{"ig"}}
		c, err := registry().Compile(check.Spec{Requirement: "CS", Type: "fhir-code-system", Source: "spec"}, env)
		Expect(err).NotTo(HaveOccurred())
		rec := &model.Record{Kind: model.KindFHIR, Type: "Condition", ID: "c", Source: "x.json", Line: 1, Value: map[string]any{
			"resourceType": "Condition", "id": "c",
			"category": []any{map[string]any{"coding": []any{
				map[string]any{"system": "http://acme.example/cs/findings", "code": "nope"},
				map[string]any{"system": "http://acme.example/cs/findings", "code": "htn", "display": "High blood pressure"},
			}}},
		}}
		fs := c.NewState().Observe(rec)
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Code).To(Equal("terminology.unknown-code"))
		Expect(fs[0].Path).To(Equal("Condition.category[0].coding[0].code"))
	})
})

var _ = Describe("a guide file that cannot be read", func() {
	It("is named in the report of the code system check, once per target", func() {
		dir := GinkgoT().TempDir()
		Expect(os.MkdirAll(filepath.Join(dir, "ig"), 0o755)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "ig", "CodeSystem-broken.json"), []byte(`{"resourceType":"CodeSystem",`), 0o644)).To(Succeed())
		path, _ := generate(dir, 200, nil)
		rep := run([]string{suite}, []string{filepath.Join(dir, "ig")}, path)
		res := result(rep, "TERM-02")
		var skipped []model.Finding
		for _, f := range res.Tally.Findings {
			if f.Code == "terminology.guide-file-skipped" {
				skipped = append(skipped, f)
			}
		}
		Expect(skipped).To(HaveLen(1))
		f := skipped[0]
		Expect(f.Message).To(ContainSubstring("CodeSystem-broken.json"))
		Expect(res.Outcome).To(Equal(model.Pass))

		// Its state still goes through JSON and merges, as shards need.
		c, err := registry().Compile(check.Spec{Requirement: "CS", Type: "fhir-code-system", Source: "spec"},
			&check.Env{IGs: []string{filepath.Join(dir, "ig")}})
		Expect(err).NotTo(HaveOccurred())
		data, err := json.Marshal(c.NewState())
		Expect(err).NotTo(HaveOccurred())
		back := c.NewState()
		Expect(json.Unmarshal(data, back)).To(Succeed())
		merged := c.NewState()
		Expect(merged.Merge(back)).To(Succeed())
		t := model.NewTally(0)
		merged.Finish(t)
		Expect(t.Information).To(BeEquivalentTo(1))
	})
})

var _ = Describe("the coded values shared between checks", func() {
	It("are not taken for another record's when a target reuses one Record", func() {
		c, err := compile("fhir-code-format", nil)
		Expect(err).NotTo(HaveOccurred())
		cond := func(code string) map[string]any {
			return map[string]any{"resourceType": "Condition", "code": map[string]any{"coding": []any{
				map[string]any{"system": "http://snomed.info/sct", "code": code}}}}
		}
		rec := &model.Record{Kind: model.KindFHIR, Type: "Condition", Source: "feed", Index: 0, Value: cond("22298007")}
		st := c.NewState()
		Expect(st.Observe(rec)).To(HaveLen(1))
		Expect(st.Observe(rec)).To(HaveLen(1), "the same record again")
		rec.Index, rec.Value = 1, cond("22298006")
		Expect(st.Observe(rec)).To(BeEmpty())
	})
})

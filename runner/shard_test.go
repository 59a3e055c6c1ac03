package runner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/fixtures/hl7v2gen"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/hl7v2files"
	hl7v2check "github.com/carecert/carecert/validators/hl7v2"
)

// duplicateIDs is a feed-level check with real state: it remembers every
// resource id (or message control id) of records of its kind it saw and, once
// all shards are merged, reports ids seen twice.
type duplicateIDs struct{ kind model.Kind }

type duplicateState struct {
	Seen map[string]int `json:"seen"`
}

func (d duplicateIDs) Applies(r *model.Record) bool { return r.Kind == d.kind && r.ID != "" }
func (duplicateIDs) NewState() check.State          { return &duplicateState{Seen: map[string]int{}} }

func (s *duplicateState) Observe(r *model.Record) []model.Finding {
	s.Seen[r.Type+"/"+r.ID]++
	return nil
}

func (s *duplicateState) Merge(o check.State) error {
	for k, n := range o.(*duplicateState).Seen {
		s.Seen[k] += n
	}
	return nil
}

func (s *duplicateState) Finish(t *model.Tally) {
	dups := 0
	for k, n := range s.Seen {
		if n > 1 {
			dups++
			t.Add(model.Finding{Severity: model.Error, Code: "dup", Message: fmt.Sprintf("%s appears %d times", k, n), Location: model.Location{Record: k}})
		}
	}
	t.Measure("unique", int64(len(s.Seen)-dups), int64(len(s.Seen)))
}

func shardRunner(workers int) *runner.Runner {
	r := newRunner(workers)
	r.Checks.Register("test-duplicate-ids", "ids are unique across the feed", func(check.Spec, *check.Env) (check.Check, error) {
		return duplicateIDs{kind: model.KindFHIR}, nil
	})
	r.Checks.Register("test-duplicate-control-ids", "message control ids are unique across the feed", func(check.Spec, *check.Env) (check.Check, error) {
		return duplicateIDs{kind: model.KindHL7v2}, nil
	})
	hl7v2check.Register(r.Checks)
	hl7v2files.Register(r.Targets)
	return r
}

var stamps = regexp.MustCompile(`"(started|finished)_at":"[^"]*"`)

func reportJSON(reps []*model.Report) string {
	data, err := json.Marshal(reps)
	Expect(err).NotTo(HaveOccurred())
	return stamps.ReplaceAllString(string(data), "")
}

// shardedPlan has every kind of target: generated, NDJSON split by byte range,
// and a folder mixing NDJSON with whole JSON documents dealt out by file.
func shardedPlan() *runner.Plan {
	dir := GinkgoT().TempDir()
	for i, seed := range []uint64{21, 22} {
		_, err := fixtures.WriteDir(filepath.Join(dir, fmt.Sprintf("feed%d", i)), fixtures.Options{
			Seed: seed, Records: 1200, Defects: map[string]int{"malformed-json": 3, "unknown-element": 4, "bad-date-format": 5, "unknown-resource-type": 2},
		})
		Expect(err).NotTo(HaveOccurred())
	}
	// Duplicate ids across files, so the feed-level check has something to find
	// only when all shards' states are merged.
	for i := 0; i < 6; i++ {
		res := fmt.Sprintf(`{"resourceType":"Patient","id":"pat-%06d","gender":"other"}`, i+1)
		Expect(os.WriteFile(filepath.Join(dir, "feed1", fmt.Sprintf("dup%d.json", i)), []byte(res), 0o644)).To(Succeed())
	}
	suite := filepath.Join(dir, "dups.yaml")
	Expect(os.WriteFile(suite, []byte("id: dups\nversion: '1'\ntitle: Dups\nrequirements:\n  - {id: D1, level: SHALL, title: Unique ids, check: test-duplicate-ids}\n"), 0o644)).To(Succeed())
	p, err := runner.LoadPlan(writePlan(dir, `name: shards
date: 2026-01-01
sample_limit: 7
suites: [fhir-r4-structure, ./dups.yaml]
vendors:
  - name: Alpha
    targets:
      - {name: file, path: feed0/feed.ndjson}
      - {name: folder, path: feed1}
  - name: Beta
    targets:
      - {name: generated, type: fixture, seed: 9, records: 999, defects: all}
`))
	Expect(err).NotTo(HaveOccurred())
	return p
}

func runShards(p *runner.Plan, n int) []*runner.Part {
	var parts []*runner.Part
	for i := 1; i <= n; i++ {
		r := shardRunner(2)
		r.Shard = target.Shard{Index: i, Count: n}
		part, err := r.RunPart(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		// Through a file and back, as across machines.
		path, err := runner.WritePart(GinkgoT().TempDir(), part)
		Expect(err).NotTo(HaveOccurred())
		back, err := runner.ReadPart(path)
		Expect(err).NotTo(HaveOccurred())
		parts = append(parts, back)
	}
	return parts
}

func resultOn(rep *model.Report, target int, req string) model.Result {
	for _, r := range rep.Targets[target].Results {
		if r.Requirement == req {
			return r
		}
	}
	Fail("no result for " + req)
	return model.Result{}
}

func names(parts []*runner.Part) []string {
	var out []string
	for _, p := range parts {
		out = append(out, runner.PartName(p.Shard, p.Of))
	}
	return out
}

// er7Feed generates n messages with seeded defects of every kind.
func er7Feed(seed uint64, n int) string {
	g, err := hl7v2gen.New(hl7v2gen.Options{Seed: seed, Messages: n, ORUEvery: 4, Defects: must(hl7v2gen.ParseDefects("all", n))})
	Expect(err).NotTo(HaveOccurred())
	var b strings.Builder
	_, err = g.Generate(&b)
	Expect(err).NotTo(HaveOccurred())
	return b.String()
}

func must[T any](v T, err error) T {
	Expect(err).NotTo(HaveOccurred())
	return v
}

// er7Plan reads one large ER7 file split by byte range: a generated feed
// inside FHS/BHS ... BTS/FTS, with a stray segment that belongs to no message
// and a BTS count that is wrong, so that checking it needs the count of the
// messages other shards read; then a second feed, whose control ids repeat
// the first's far apart. And a CRLF file.
func er7Plan() *runner.Plan {
	dir := GinkgoT().TempDir()
	Expect(os.MkdirAll(filepath.Join(dir, "v2"), 0o755)).To(Succeed())
	big := "FHS|^~\\&\rBHS|^~\\&\rZZZ|stray\r" + er7Feed(32, 400) + "BTS|399\rFTS|1\r" + er7Feed(31, 600)
	Expect(os.WriteFile(filepath.Join(dir, "v2", "big.hl7"), []byte(big), 0o644)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(dir, "v2", "crlf.er7"), []byte(strings.ReplaceAll(er7Feed(33, 150), "\r", "\r\n")), 0o644)).To(Succeed())
	suite := filepath.Join(dir, "dups.yaml")
	Expect(os.WriteFile(suite, []byte("id: dups\nversion: '1'\ntitle: Dups\nrequirements:\n  - {id: D1, level: SHALL, title: Unique control ids, check: test-duplicate-control-ids}\n"), 0o644)).To(Succeed())
	p, err := runner.LoadPlan(writePlan(dir, `name: er7 shards
date: 2026-01-01
sample_limit: 50
suites: [hl7v2-structure, nhs-adt-v2, ./dups.yaml]
vendors:
  - name: Alpha
    targets:
      - {name: big, type: hl7v2, path: v2/big.hl7}
      - {name: folder, type: hl7v2, path: v2}
`))
	Expect(err).NotTo(HaveOccurred())
	return p
}

var _ = Describe("sharded runs of ER7 files", func() {
	It("merge into the same reports as one run, for 1, 2, 3 and 8 shards", func() {
		p := er7Plan()
		whole, err := shardRunner(2).Run(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		want := reportJSON(whole)
		// Something found at every level, or the comparison proves little.
		Expect(resultOn(whole[0], 0, "D1").Errors).To(BeNumerically(">", 0))
		Expect(resultOn(whole[0], 1, "D1").Errors).To(BeNumerically(">", resultOn(whole[0], 0, "D1").Errors))
		parse := resultOn(whole[0], 0, "V2-PARSE")
		var batch []model.Finding
		for _, f := range parse.Findings {
			if f.Code == "parse.batch-count" {
				batch = append(batch, f)
			}
		}
		Expect(batch).To(HaveLen(1), "%v", parse.Findings)
		Expect(batch[0].Message).To(ContainSubstring("it has 400"))
		Expect(result(whole[0], "INPUT").Errors).To(Equal(int64(1)))
		Expect(whole[0].Targets[0].Records).To(Equal(int64(2 + 1 + 400 + 2 + 600))) // FHS, BHS, stray, BTS, FTS
		for _, req := range []string{"V2-STRUCTURE", "V2-REQUIRED", "V2-FORMATS", "V2-TABLES"} {
			r := resultOn(whole[0], 0, req)
			Expect(r.Errors+r.Warnings).To(BeNumerically(">", 0), req)
		}

		for _, n := range []int{1, 2, 3, 8} {
			parts := runShards(p, n)
			if n > 1 {
				for _, part := range parts {
					// Each shard reads about its share of the large file.
					Expect(part.Vendors[0].Targets[0].Records).To(BeNumerically("~", 1005/n, 1005/n/2), "%d shards", n)
				}
			}
			merged, err := shardRunner(1).Merge(context.Background(), parts, names(parts))
			Expect(err).NotTo(HaveOccurred())
			Expect(reportJSON(merged)).To(Equal(want), "%d shards", n)
		}
	})
})

var _ = Describe("sharded runs", func() {
	It("merge into the same reports as one run, for 1, 2, 3 and 8 shards", func() {
		p := shardedPlan()
		whole, err := shardRunner(2).Run(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		want := reportJSON(whole)
		// The plan finds something at every level, or the comparison proves little.
		Expect(resultOn(whole[0], 1, "D1").Errors).To(Equal(int64(6)))
		Expect(resultOn(whole[0], 0, "D1").Errors).To(BeZero())
		Expect(result(whole[0], "INPUT").Errors).To(Equal(int64(3)))
		Expect(whole[0].Targets[1].Results[2].Errors).To(Equal(int64(5 + 4)))

		for _, n := range []int{1, 2, 3, 8} {
			parts := runShards(p, n)
			merged, err := shardRunner(1).Merge(context.Background(), parts, names(parts))
			Expect(err).NotTo(HaveOccurred())
			Expect(reportJSON(merged)).To(Equal(want), "%d shards", n)
		}
	})

	It("splits the records: no shard reads the whole NDJSON file", func() {
		p := shardedPlan()
		parts := runShards(p, 4)
		var total int64
		for _, part := range parts {
			n := part.Vendors[0].Targets[0].Records
			Expect(n).To(BeNumerically("<", 1200/2))
			total += n
		}
		Expect(total).To(Equal(int64(1200)))
	})

	Context("refusing parts that do not belong together", Ordered, func() {
		var p *runner.Plan
		var parts []*runner.Part
		BeforeAll(func() {
			p = shardedPlan()
			parts = runShards(p, 3)
		})

		It("refuses a missing shard, saying which and how to re-run it", func() {
			_, err := shardRunner(1).Merge(context.Background(), parts[:2], names(parts[:2]))
			Expect(err).To(MatchError(ContainSubstring("missing shard(s) 3 of 3: re-run them with --shard i/3")))
		})

		It("refuses a shard given twice", func() {
			twice := []*runner.Part{parts[0], parts[1], parts[1]}
			_, err := shardRunner(1).Merge(context.Background(), twice, []string{"a", "b", "c"})
			Expect(err).To(MatchError(ContainSubstring("shard 2 of 3 given twice (b and c)")))
		})

		It("refuses parts of a different shard count", func() {
			other := runShards(p, 2)
			mixed := []*runner.Part{parts[0], other[1], parts[2]}
			_, err := shardRunner(1).Merge(context.Background(), mixed, []string{"a", "b", "c"})
			Expect(err).To(MatchError(ContainSubstring("b is one of 2 shards, a one of 3")))
		})

		It("refuses parts of a different plan", func() {
			q := shardedPlan()
			q.Evidence = "full"
			other := runShards(q, 3)
			mixed := []*runner.Part{parts[0], other[1], parts[2]}
			_, err := shardRunner(1).Merge(context.Background(), mixed, []string{"a", "b", "c"})
			Expect(err).To(MatchError(ContainSubstring("b comes from a different run than a")))
		})

		It("refuses parts made by another tool version", func() {
			r := shardRunner(1)
			r.Tool.Version = "other"
			_, err := r.Merge(context.Background(), parts, names(parts))
			Expect(err).To(MatchError(ContainSubstring("other definitions or suites")))
		})

		It("refuses a file that is not a part", func() {
			bad := filepath.Join(GinkgoT().TempDir(), "x.json")
			Expect(os.WriteFile(bad, []byte(`{"schema":"carecert.report/v1"}`), 0o644)).To(Succeed())
			_, err := runner.ReadPart(bad)
			Expect(err).To(MatchError(ContainSubstring(`schema "carecert.report/v1", want "carecert.part/v1"`)))
			Expect(os.WriteFile(bad, []byte(`{"schema":`), 0o644)).To(Succeed())
			_, err = runner.ReadPart(bad)
			Expect(err).To(MatchError(ContainSubstring("not a carecert part file")))
		})
	})

	It("carries user suite files inside the part, so the merge does not need them", func() {
		p := shardedPlan()
		parts := runShards(p, 2)
		Expect(os.Remove(filepath.Join(p.Dir, "dups.yaml"))).To(Succeed())
		merged, err := shardRunner(1).Merge(context.Background(), parts, names(parts))
		Expect(err).NotTo(HaveOccurred())
		Expect(resultOn(merged[0], 1, "D1").Errors).To(Equal(int64(6)))
		Expect(bytes.Contains([]byte(parts[0].Plan.Inline["./dups.yaml"]), []byte("test-duplicate-ids"))).To(BeTrue())
	})
})

// nhsEcho is a feed-level check whose only finding, made in Finish, quotes an
// NHS number: it must be redacted like any per-record finding.
type nhsEcho struct{}

type nhsEchoState struct{ Seen int }

func (nhsEcho) Applies(r *model.Record) bool { return r.Type == "Patient" }
func (nhsEcho) NewState() check.State        { return &nhsEchoState{} }
func (s *nhsEchoState) Observe(*model.Record) []model.Finding {
	s.Seen++
	return nil
}
func (s *nhsEchoState) Merge(o check.State) error { s.Seen += o.(*nhsEchoState).Seen; return nil }
func (s *nhsEchoState) Finish(t *model.Tally) {
	t.Add(model.Finding{Severity: model.Error, Code: "nhs.duplicate", Message: "NHS number 9434765919 is shared", Evidence: "9434765919", Sensitive: true})
}

var _ = Describe("feed-level findings", func() {
	run := func(evidence string) model.Finding {
		r := newRunner(1)
		r.Checks.Register("test-nhs-echo", "echoes an NHS number at the end", func(check.Spec, *check.Env) (check.Check, error) { return nhsEcho{}, nil })
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "s.yaml"), []byte("id: s\nversion: '1'\ntitle: S\nrequirements:\n  - {id: E1, level: SHALL, title: Echo, check: test-nhs-echo}\n"), 0o644)).To(Succeed())
		p, err := runner.LoadPlan(writePlan(dir, "evidence: "+evidence+"\nsuites: [./s.yaml]\nvendors: [{name: A, targets: [{type: fixture, records: 30}]}]\n"))
		Expect(err).NotTo(HaveOccurred())
		reps, err := r.Run(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		fs := result(reps[0], "E1").Findings
		Expect(fs).To(HaveLen(1))
		return fs[0]
	}

	It("are named after their requirement and redacted unless evidence is full", func() {
		f := run("redacted")
		Expect(f.Requirement).To(Equal("E1"))
		Expect(f.Message).NotTo(ContainSubstring("9434765919"))
		Expect(f.Evidence).To(Equal("[redacted]"))
		f = run("full")
		Expect(f.Message).To(ContainSubstring("9434765919"))
	})
})

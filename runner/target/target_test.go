package target_test

import (
	"context"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/files/filestest"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
)

// readsOnPast asserts that the folder target dir yields patient 1, the one
// problem, then patient 3, whole and over two shards.
func readsOnPast(dir, problem string) {
	t, _, err := target.NewRegistry().Open(target.Spec{Name: "dir", Path: dir})
	Expect(err).NotTo(HaveOccurred())
	summary := func(recs []*model.Record) []string {
		var out []string
		for _, r := range recs {
			if r.Problem != nil {
				out = append(out, r.Problem.Code+" "+filepath.Base(r.Problem.File)+": "+r.Problem.Message)
			} else {
				out = append(out, r.ID)
			}
		}
		return out
	}
	recs, err := collect(t)
	Expect(err).NotTo(HaveOccurred())
	Expect(summary(recs)).To(Equal([]string{"1", problem, "3"}))
	Expect(recs[1].Problem.Severity).To(Equal(model.Error))

	var all []string
	for i := 1; i <= 2; i++ {
		part, err := collect(t.(target.Sharder).Shard(target.Shard{Index: i, Count: 2}))
		Expect(err).NotTo(HaveOccurred())
		all = append(all, summary(part)...)
	}
	Expect(all).To(ConsistOf("1", problem, "3"))
}

func collect(t target.Target) ([]*model.Record, error) {
	var out []*model.Record
	err := t.Records(context.Background(), func(r *model.Record) error {
		r.Load()
		out = append(out, r)
		return nil
	})
	return out, err
}

var _ = Describe("targets", func() {
	reg := target.NewRegistry()

	It("walks a folder recursively in name order, reading only FHIR files", func() {
		dir := GinkgoT().TempDir()
		Expect(os.MkdirAll(filepath.Join(dir, "b", "c"), 0o755)).To(Succeed())
		write := func(name, content string) {
			Expect(os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)).To(Succeed())
		}
		write("b/c/z.ndjson", "{\"resourceType\":\"Patient\",\"id\":\"3\"}\n")
		write("a.json", `{"resourceType":"Patient","id":"1"}`)
		write("b/x.json", `{"resourceType":"Patient","id":"2"}`)
		write("notes.txt", "not FHIR")
		t, typ, err := reg.Open(target.Spec{Name: "dir", Path: dir})
		Expect(err).NotTo(HaveOccurred())
		Expect(typ).To(Equal("fhir"))
		recs, err := collect(t)
		Expect(err).NotTo(HaveOccurred())
		var ids []string
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
		Expect(ids).To(Equal([]string{"1", "3", "2"}))
	})

	It("reads on past a dangling link in a folder and reports it as a problem, once over shards", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "a.ndjson"), []byte("{\"resourceType\":\"Patient\",\"id\":\"1\"}\n"), 0o644)).To(Succeed())
		Expect(os.Symlink(filepath.Join(dir, "gone.ndjson"), filepath.Join(dir, "b.ndjson"))).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "c.ndjson"), []byte("{\"resourceType\":\"Patient\",\"id\":\"3\"}\n"), 0o644)).To(Succeed())
		readsOnPast(dir, "input.unreadable b.ndjson: cannot open the file: no such file or directory; the target's other files are still read")
	})

	It("reads on past a subfolder that cannot be listed and reports it as a problem, once over shards", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "a.ndjson"), []byte("{\"resourceType\":\"Patient\",\"id\":\"1\"}\n"), 0o644)).To(Succeed())
		deep, err := filestest.Unlistable(dir, "b")
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(dir, "c.ndjson"), []byte("{\"resourceType\":\"Patient\",\"id\":\"3\"}\n"), 0o644)).To(Succeed())
		readsOnPast(dir, "input.unreadable "+filepath.Base(deep)+": cannot list the folder: file name too long; the target's other files are still read")
	})

	It("resolves relative paths against the plan folder and names a missing one", func() {
		dir := GinkgoT().TempDir()
		_, _, err := reg.Open(target.Spec{Name: "feed", Path: "feed.ndjson", BaseDir: dir})
		Expect(err).To(MatchError(And(ContainSubstring(filepath.Join(dir, "feed.ndjson")), ContainSubstring("no such file"))))
	})

	It("generates a deterministic fixture feed and rejects bad options", func() {
		t, _, err := reg.Open(target.Spec{Name: "f", Type: "fixture", Options: params.Params{"seed": uint64(9), "records": uint64(40), "defects": "malformed-json=2"}})
		Expect(err).NotTo(HaveOccurred())
		a, err := collect(t)
		Expect(err).NotTo(HaveOccurred())
		Expect(a).To(HaveLen(40))
		bad := 0
		for _, r := range a {
			if r.Problem != nil {
				bad++
			}
		}
		Expect(bad).To(Equal(2))
		_, _, err = reg.Open(target.Spec{Name: "f", Type: "fixture", Options: params.Params{"recrods": 5}})
		Expect(err).To(MatchError(ContainSubstring("unknown option(s) recrods (did you mean records? known: seed, records, defects)")))
		_, _, err = reg.Open(target.Spec{Name: "f", Type: "fixture", Options: params.Params{"defects": "gremlins=1"}})
		Expect(err).To(MatchError(HavePrefix(`target f: option "defects": unknown kind "gremlins" (known: bad-date-format, `)))
	})

	It("infers target types from paths and URLs", func() {
		for in, want := range map[string]string{
			"https://fhir.example/R4": "fhir-server", "mllp://127.0.0.1:2575": "mllp",
			"mllps://127.0.0.1:2575": "mllp", "adt.hl7": "hl7v2", "return.csv.gz": "csv", "feed.ndjson.gz": "fhir", "folder": "fhir",
		} {
			Expect(target.Infer(target.Spec{Path: in})).To(Equal(want), in)
		}
	})

	It("removes credentials from locations", func() {
		Expect(target.Spec{URL: "https://user:s3cret@fhir.example/R4?_count=5&access_token=abc"}.Location()).
			To(Equal("https://user@fhir.example/R4?_count=5&access_token=REDACTED"))
		Expect(target.Spec{URL: "https://u:p@h/x"}.Location()).NotTo(ContainSubstring("p@"))
	})

	It("refuses an unknown target type, listing the known ones", func() {
		_, _, err := reg.Open(target.Spec{Name: "t", Type: "ftp", Path: "x"})
		Expect(err).To(MatchError(And(ContainSubstring(`unknown type "ftp" (known: `), ContainSubstring("fixture"))))
	})
})

var _ = Describe("shards", func() {
	env := func(kv map[string]string) func(string) string {
		return func(k string) string { return kv[k] }
	}

	It("parses i/n and auto/n from the environment", func() {
		s, err := target.ParseShard("2/8", env(nil))
		Expect(err).NotTo(HaveOccurred())
		Expect(s).To(Equal(target.Shard{Index: 2, Count: 8}))
		s, err = target.ParseShard("auto/4", env(map[string]string{"JOB_COMPLETION_INDEX": "0"}))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.String()).To(Equal("1/4"))
		s, err = target.ParseShard("auto/4", env(map[string]string{"CARECERT_SHARD_INDEX": "3", "JOB_COMPLETION_INDEX": "0"}))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.String()).To(Equal("3/4"))
	})

	DescribeTable("rejects shards that make no sense",
		func(in string, vars map[string]string, want string) {
			_, err := target.ParseShard(in, env(vars))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("zero-based", "0/4", nil, "want 1 <= i <= n"),
		Entry("past the end", "5/4", nil, "want 1 <= i <= n"),
		Entry("not a fraction", "2", nil, "want i/n"),
		Entry("trailing junk", "2/4x", nil, "want i/n"),
		Entry("auto without an index", "auto/4", nil, "JOB_COMPLETION_INDEX"),
		Entry("auto past the end", "auto/4", map[string]string{"JOB_COMPLETION_INDEX": "4"}, "want 1 <= i <= n"),
	)
})

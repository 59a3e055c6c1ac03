package fhirfiles_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/files/filestest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/fhirfiles"
	"github.com/carecert/carecert/runner/target/targettest"
)

func registry() *target.Registry {
	reg := target.NewRegistry()
	fhirfiles.Register(reg)
	return reg
}

// readsOnPast asserts that the folder target dir yields patient 1, the one
// problem, then patient 3, whole and over two shards.
func readsOnPast(dir, problem string) {
	t, _, err := registry().Open(target.Spec{Name: "dir", Path: dir})
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
	recs, err := targettest.Collect(t)
	Expect(err).NotTo(HaveOccurred())
	Expect(summary(recs)).To(Equal([]string{"1", problem, "3"}))
	Expect(recs[1].Problem.Severity).To(Equal(model.Error))

	var all []string
	for i := 1; i <= 2; i++ {
		part, err := targettest.Collect(t.(target.Sharder).Shard(target.Shard{Index: i, Count: 2}))
		Expect(err).NotTo(HaveOccurred())
		all = append(all, summary(part)...)
	}
	Expect(all).To(ConsistOf("1", problem, "3"))
}

var _ = Describe("fhir targets", func() {
	reg := registry()

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
		recs, err := targettest.Collect(t)
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

})

package runindex_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/runindex"
)

// writeVendor writes a vendor folder as a run leaves it: its report and
// manifest (the index hashes only these two).
func writeVendor(out, folder, report string) {
	Expect(os.MkdirAll(filepath.Join(out, folder), 0o755)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(out, folder, model.ReportFile), []byte(report), 0o644)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(out, folder, manifest.FileName), []byte(`{"files":[]}`), 0o644)).To(Succeed())
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func report(name string, decision model.Decision, complete bool) *model.Report {
	return &model.Report{Vendor: model.Vendor{Name: name}, Verdict: model.Verdict{Decision: decision}, Complete: complete}
}

var _ = Describe("the run index", func() {
	var out string
	BeforeEach(func() { out = GinkgoT().TempDir() })

	It("is written on Start as a running run that owns nothing yet, with a new id each run", func() {
		first, err := runindex.Start(out, "plan.yaml", "carecert test")
		Expect(err).NotTo(HaveOccurred())
		read, err := runindex.Read(out)
		Expect(err).NotTo(HaveOccurred())
		Expect(read.Run).To(Equal(first.Run))
		Expect(read.Plan).To(Equal("plan.yaml"))
		Expect(read.Tool).To(Equal("carecert test"))
		Expect(read.State).To(Equal(runindex.Running))
		Expect(read.FinishedAt).To(BeNil())
		Expect(read.Vendors).To(BeEmpty())
		Expect(read.Files).To(BeEmpty())

		second, err := runindex.Start(out, "plan.yaml", "carecert test")
		Expect(err).NotTo(HaveOccurred())
		Expect(second.Run).NotTo(Equal(first.Run))
		read, err = runindex.Read(out)
		Expect(err).NotTo(HaveOccurred())
		Expect(read.Run).To(Equal(second.Run), "the new run's index replaces the last")
	})

	It("binds each vendor folder to its report and manifest by their hashes, on disk at once", func() {
		x, err := runindex.Start(out, "plan.yaml", "t")
		Expect(err).NotTo(HaveOccurred())
		writeVendor(out, "acme", `{"vendor":"acme"}`)
		Expect(x.AddVendor("acme", report("Acme", model.Certified, true), model.ReportFile)).To(Succeed())

		read, err := runindex.Read(out)
		Expect(err).NotTo(HaveOccurred())
		Expect(read.State).To(Equal(runindex.Running), "a vendor written is not a run finished")
		Expect(read.Vendors).To(Equal([]runindex.Vendor{{
			Name: "Acme", Folder: "acme", Verdict: string(model.Certified), Complete: true,
			ReportSHA256: sha(`{"vendor":"acme"}`), ManifestSHA256: sha(`{"files":[]}`),
		}}))
	})

	It("refuses a vendor whose report or manifest is missing, naming the file", func() {
		x, err := runindex.Start(out, "plan.yaml", "t")
		Expect(err).NotTo(HaveOccurred())
		Expect(x.AddVendor("ghost", report("Ghost", model.Certified, true), model.ReportFile)).
			To(MatchError(ContainSubstring(filepath.Join("ghost", model.ReportFile))))

		writeVendor(out, "half", `{}`)
		Expect(os.Remove(filepath.Join(out, "half", manifest.FileName))).To(Succeed())
		Expect(x.AddVendor("half", report("Half", model.Certified, true), model.ReportFile)).
			To(MatchError(ContainSubstring(filepath.Join("half", manifest.FileName))))
		Expect(x.Vendors).To(BeEmpty())
	})

	DescribeTable("finishes complete only when the run and every vendor are",
		func(runComplete, vendorComplete bool, want string) {
			x, err := runindex.Start(out, "plan.yaml", "t")
			Expect(err).NotTo(HaveOccurred())
			writeVendor(out, "acme", `{}`)
			Expect(x.AddVendor("acme", report("Acme", model.Certified, vendorComplete), model.ReportFile)).To(Succeed())
			Expect(x.Finish(runComplete)).To(Succeed())
			read, err := runindex.Read(out)
			Expect(err).NotTo(HaveOccurred())
			Expect(read.State).To(Equal(want))
			Expect(read.FinishedAt).NotTo(BeNil())
			Expect(read.FinishedAt.Before(read.StartedAt)).To(BeFalse())
		},
		Entry("both complete", true, true, runindex.Complete),
		Entry("the run interrupted", false, true, runindex.Incomplete),
		Entry("a vendor's report incomplete", true, false, runindex.Incomplete),
	)

	It("lists as not this run's the older vendor folders and comparisons, and nothing else", func() {
		writeVendor(out, "older", `{}`)                                       // an earlier run's vendor
		Expect(os.MkdirAll(filepath.Join(out, "notes"), 0o755)).To(Succeed()) // no report: not carecert's
		for _, f := range []string{"comparison.html", "comparison.md", "part-1-of-2.json", "README.txt"} {
			Expect(os.WriteFile(filepath.Join(out, f), []byte("x"), 0o644)).To(Succeed())
		}
		x, err := runindex.Start(out, "plan.yaml", "t")
		Expect(err).NotTo(HaveOccurred())
		writeVendor(out, "acme", `{}`)
		Expect(x.AddVendor("acme", report("Acme", model.Certified, true), model.ReportFile)).To(Succeed())
		x.AddFile("comparison.md") // this run rewrote it
		Expect(x.Finish(true)).To(Succeed())

		read, err := runindex.Read(out)
		Expect(err).NotTo(HaveOccurred())
		Expect(read.Files).To(Equal([]string{"comparison.md"}))
		Expect(read.NotThisRun).To(Equal([]string{"comparison.html", "older/"}))
	})

	It("does not finish over a folder it cannot list, naming the folder", func() {
		x, err := runindex.Start(out, "plan.yaml", "t")
		Expect(err).NotTo(HaveOccurred())
		Expect(os.RemoveAll(out)).To(Succeed())
		Expect(x.Finish(true)).To(MatchError(SatisfyAll(
			ContainSubstring("listing the output folder "+out),
			ContainSubstring("no such file or directory"))))
		_, err = os.Stat(filepath.Join(out, runindex.FileName))
		Expect(os.IsNotExist(err)).To(BeTrue(), "no index claims a finished run it could not account for")
	})

	It("names the file it cannot read or parse", func() {
		_, err := runindex.Read(out)
		Expect(err).To(MatchError(ContainSubstring(filepath.Join(out, runindex.FileName))))

		Expect(os.WriteFile(filepath.Join(out, runindex.FileName), []byte(`{"run": 7}`), 0o644)).To(Succeed())
		_, err = runindex.Read(out)
		Expect(err).To(MatchError(ContainSubstring(filepath.Join(out, runindex.FileName))))
	})
})

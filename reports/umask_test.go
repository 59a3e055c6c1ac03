package reports_test

import (
	"os"
	"path/filepath"
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/formats"
	"github.com/carecert/carecert/reports/reporttest"
)

var _ = Describe("report files", func() {
	It("honour the umask: 0644 by default, 0600 under umask 077", func() {
		dir := GinkgoT().TempDir()
		old := syscall.Umask(0o022)
		DeferCleanup(func() { syscall.Umask(old) })
		Expect(reports.WriteFileAtomic(filepath.Join(dir, "a.json"), []byte("{}"))).To(Succeed())
		syscall.Umask(0o077)
		Expect(reports.WriteFileAtomic(filepath.Join(dir, "b.json"), []byte("{}"))).To(Succeed())
		a, err := os.Stat(filepath.Join(dir, "a.json"))
		Expect(err).NotTo(HaveOccurred())
		b, err := os.Stat(filepath.Join(dir, "b.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(a.Mode().Perm()).To(Equal(os.FileMode(0o644)))
		Expect(b.Mode().Perm()).To(Equal(os.FileMode(0o600)))
	})

	It("are readable by their owner only when the report keeps full evidence, less the umask", func() {
		old := syscall.Umask(0o022)
		DeferCleanup(func() { syscall.Umask(old) })
		perms := func(evidence string) map[string]os.FileMode {
			dir := GinkgoT().TempDir()
			rep := reporttest.Large(6)
			rep.Evidence = evidence
			Expect(formats.WriteAll(dir, rep, reports.RenderOptions{FullEvidence: evidence == "full"})).To(Succeed())
			out := map[string]os.FileMode{}
			for _, name := range formats.Files() {
				info, err := os.Stat(filepath.Join(dir, name))
				Expect(err).NotTo(HaveOccurred())
				out[name] = info.Mode().Perm()
			}
			Expect(out).To(HaveKey("report.md"))
			return out
		}
		for name, perm := range perms("full") {
			Expect(perm).To(Equal(os.FileMode(0o600)), name)
		}
		for name, perm := range perms("redacted") {
			Expect(perm).To(Equal(os.FileMode(0o644)), name)
		}
		syscall.Umask(0o027)
		for name, perm := range perms("") {
			Expect(perm).To(Equal(os.FileMode(0o640)), name)
		}
	})
})

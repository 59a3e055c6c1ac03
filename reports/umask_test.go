package reports_test

import (
	"os"
	"path/filepath"
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/reports"
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
})

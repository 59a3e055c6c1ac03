package files_test

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/files"
	"github.com/carecert/carecert/internal/files/filestest"
)

var _ = Describe("listing a target's files", func() {
	It("walks a folder in lexical order, keeping the names asked for", func() {
		dir := GinkgoT().TempDir()
		for _, name := range []string{"b/z.csv", "a.csv", "b/a.csv", "notes.txt", "c/d/e.csv"} {
			p := filepath.Join(dir, name)
			Expect(os.MkdirAll(filepath.Dir(p), 0o755)).To(Succeed())
			Expect(os.WriteFile(p, nil, 0o644)).To(Succeed())
		}
		got, err := files.List(dir, func(n string) bool { return strings.HasSuffix(n, ".csv") })
		Expect(err).NotTo(HaveOccurred())
		var rel []string
		for _, g := range got {
			r, _ := filepath.Rel(dir, g)
			rel = append(rel, r)
		}
		Expect(rel).To(Equal([]string{"a.csv", "b/a.csv", "b/z.csv", "c/d/e.csv"}))
	})

	It("returns a file itself, whatever its name, and names a missing path once", func() {
		f := filepath.Join(GinkgoT().TempDir(), "feed.weird")
		Expect(os.WriteFile(f, nil, 0o644)).To(Succeed())
		Expect(files.List(f, func(string) bool { return false })).To(Equal([]string{f}))
		_, err := files.List("/no/such/folder", func(string) bool { return true })
		Expect(err).To(MatchError("cannot read /no/such/folder: no such file or directory"))
	})
})

var _ = Describe("listing a folder with a subfolder that cannot be listed", func() {
	It("returns the subfolder, marked, among the files, and lists the rest", func() {
		dir := GinkgoT().TempDir()
		for _, name := range []string{"a.csv", "c.csv"} {
			Expect(os.WriteFile(filepath.Join(dir, name), nil, 0o644)).To(Succeed())
		}
		deep, err := filestest.Unlistable(dir, "b")
		Expect(err).NotTo(HaveOccurred())
		got, err := files.List(dir, func(n string) bool { return strings.HasSuffix(n, ".csv") })
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(Equal([]string{filepath.Join(dir, "a.csv"), deep + "/", filepath.Join(dir, "c.csv")}))
		Expect(files.IsFolder(got[1])).To(BeTrue())
		Expect(files.IsFolder(got[0])).To(BeFalse())
	})
})

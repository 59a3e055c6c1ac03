package golden

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("a recorded output", func() {
	var path string
	BeforeEach(func() {
		path = filepath.Join(GinkgoT().TempDir(), "testdata", "out.txt")
	})
	recorded := func() string {
		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		return string(data)
	}

	It("passes when what is computed is what is recorded, and names the first line that differs otherwise", func() {
		Expect(os.MkdirAll(filepath.Dir(path), 0o755)).To(Succeed())
		Expect(os.WriteFile(path, []byte("a\nb\n"), 0o644)).To(Succeed())
		Expect(check(path, []byte("a\nb\n"), false)).To(Succeed())
		err := check(path, []byte("a\nc\n"), false)
		Expect(err).To(MatchError(ContainSubstring(`line 2: recorded "b"`)))
		Expect(err).To(MatchError(ContainSubstring(`computed "c"`)))
		Expect(recorded()).To(Equal("a\nb\n"))
	})

	It("fails when no file is recorded", func() {
		Expect(check(path, []byte("a\n"), false)).To(MatchError(ContainSubstring("CARECERT_UPDATE_GOLDEN=1 writes it")))
		Expect(filepath.Dir(path)).NotTo(BeADirectory())
	})

	It("is rewritten when recording, and the run that rewrites it fails naming the change", func() {
		err := check(path, []byte("a\nb\n"), true)
		Expect(err).To(MatchError(ContainSubstring("golden: rewrote " + path)))
		Expect(recorded()).To(Equal("a\nb\n"))

		// an unchanged recording passes in a recording run and is left as it is
		Expect(check(path, []byte("a\nb\n"), true)).To(Succeed())

		err = check(path, []byte("a\nc\n"), true)
		Expect(err).To(MatchError(ContainSubstring(`line 2: recorded "b"`)))
		Expect(err).To(MatchError(ContainSubstring("run again without CARECERT_UPDATE_GOLDEN")))
		Expect(recorded()).To(Equal("a\nc\n"))
		Expect(check(path, []byte("a\nc\n"), false)).To(Succeed())
	})
})

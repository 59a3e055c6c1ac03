package manifest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/reporttest"
)

var _ = Describe("Manifest", Ordered, func() {
	var dir, path string
	var rep *model.Report
	BeforeAll(func() {
		var err error
		rep, err = feeds.Run(reporttest.Feed{Vendor: "Oakfield", Release: "11.0", Seed: 2, Records: 100, Defects: "none"})
		Expect(err).NotTo(HaveOccurred())
	})
	BeforeEach(func() {
		dir = GinkgoT().TempDir()
		data, err := reports.MarshalJSON(rep)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(dir, "report.json"), data, 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "report.html"), []byte("<html></html>"), 0o644)).To(Succeed())
		m, err := manifest.Build(dir, []string{"report.json", "report.html"}, rep)
		Expect(err).NotTo(HaveOccurred())
		out, err := m.Marshal()
		Expect(err).NotTo(HaveOccurred())
		path = filepath.Join(dir, manifest.FileName)
		Expect(os.WriteFile(path, out, 0o644)).To(Succeed())
	})

	It("lists the SHA-256 of every report file, the suites and definitions used, and the tool", func() {
		m, _, err := manifest.Read(path)
		Expect(err).NotTo(HaveOccurred())
		data, err := os.ReadFile(filepath.Join(dir, "report.json"))
		Expect(err).NotTo(HaveOccurred())
		sum := sha256.Sum256(data)
		Expect(m.Files).To(Equal([]manifest.File{
			{Path: "report.html", SHA256: "b633a587c652d02386c4f16f8c6f6aab7352d97f16367c3c40576214372dd628", Size: 13},
			{Path: "report.json", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))},
		}))
		Expect(m.Tool.Version).To(Equal("test"))
		Expect(m.Suites).To(HaveLen(1))
		Expect(m.Suites[0].Source).To(Equal("builtin:fhir-r4-structure"))
		Expect(m.Suites[0].SHA256).To(HaveLen(64))
		Expect(m.Definitions).To(ContainElement(HaveField("Path", "fhir-r4core/fhir.schema.zip")))
		Expect(m.Check(dir)).To(BeEmpty())
		Expect(m.CheckInputs()).To(BeEmpty())
	})

	It("notices a report edited, removed or a path that escapes the folder", func() {
		Expect(os.WriteFile(filepath.Join(dir, "report.html"), []byte("<html>Certified</html>"), 0o644)).To(Succeed())
		Expect(os.Remove(filepath.Join(dir, "report.json"))).To(Succeed())
		m, _, err := manifest.Read(path)
		Expect(err).NotTo(HaveOccurred())
		m.Files = append(m.Files, manifest.File{Path: "../../etc/passwd", SHA256: "00"})
		problems := m.Check(dir)
		Expect(problems).To(HaveLen(3))
		Expect(problems[0].String()).To(HavePrefix("report.html: changed: SHA-256 is "))
		Expect(problems[1].String()).To(Equal("report.json: missing"))
		Expect(problems[2].What).To(ContainSubstring("outside the manifest's folder"))
	})

	It("says which suites or definitions differ from this build's", func() {
		m, _, err := manifest.Read(path)
		Expect(err).NotTo(HaveOccurred())
		m.Suites[0].SHA256 = "ff"
		m.Definitions[0].SHA256 = "ff"
		Expect(m.CheckInputs()).To(HaveLen(2))
	})

	It("hashes the guides the run loaded, folders by every file below them, and notes one changed since", func() {
		guides := GinkgoT().TempDir()
		folder := filepath.Join(guides, "uk-core")
		Expect(os.MkdirAll(filepath.Join(folder, "sub"), 0o755)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(folder, "a.json"), []byte(`{"resourceType":"StructureDefinition"}`), 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(folder, "sub", "b.xml"), []byte(`<ValueSet/>`), 0o644)).To(Succeed())
		pkg := filepath.Join(guides, "guide.tgz")
		Expect(os.WriteFile(pkg, []byte("not really gzip, hashed as bytes"), 0o644)).To(Succeed())
		missing := filepath.Join(guides, "gone")

		withGuides := *rep
		withGuides.Guides = []string{folder, pkg, missing}
		m, err := manifest.Build(dir, []string{"report.json"}, &withGuides)
		Expect(err).NotTo(HaveOccurred())
		Expect(m.Guides).To(HaveLen(3))
		Expect(m.Guides[0].Files).To(Equal(2))
		Expect(m.Guides[0].SHA256).To(HaveLen(64))
		sum := sha256.Sum256([]byte("not really gzip, hashed as bytes"))
		Expect(m.Guides[1]).To(Equal(manifest.Guide{Path: filepath.ToSlash(pkg), SHA256: hex.EncodeToString(sum[:])}))
		Expect(m.Guides[2].SHA256).To(BeEmpty())
		Expect(m.Guides[2].Error).To(ContainSubstring("no such file"))

		out, err := m.Marshal()
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(path, out, 0o644)).To(Succeed())
		read, _, err := manifest.Read(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(read.Guides).To(Equal(m.Guides))
		Expect(read.CheckInputs()).To(BeEmpty(), "nothing changed; a guide missing at the run is not compared")

		// Renaming a file changes the folder's digest as much as editing it.
		Expect(os.Rename(filepath.Join(folder, "sub", "b.xml"), filepath.Join(folder, "sub", "c.xml"))).To(Succeed())
		Expect(read.CheckInputs()).To(ConsistOf(manifest.Problem{Path: filepath.ToSlash(folder), What: "the guide differs from the one the run loaded"}))
		Expect(os.Remove(pkg)).To(Succeed())
		Expect(read.CheckInputs()).To(ContainElement(WithTransform(func(p manifest.Problem) string { return p.What },
			ContainSubstring("the guide the run loaded cannot be read here"))))
	})

	Describe("signing", func() {
		var key string
		BeforeEach(func() {
			key = filepath.Join(GinkgoT().TempDir(), "supplier.key")
			_, err := manifest.GenerateKey(key)
			Expect(err).NotTo(HaveOccurred())
		})

		It("writes a private key only its owner can read, and refuses to overwrite it", func() {
			info, err := os.Stat(key)
			Expect(err).NotTo(HaveOccurred())
			Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)))
			_, err = manifest.GenerateKey(key)
			Expect(err).To(MatchError(ContainSubstring("file exists")))
		})

		It("verifies a signed manifest against the supplier's public key", func() {
			priv, err := manifest.LoadPrivateKey(key)
			Expect(err).NotTo(HaveOccurred())
			sig, err := manifest.Sign(path, priv)
			Expect(err).NotTo(HaveOccurred())
			pub, err := manifest.LoadPublicKey(key + ".pub")
			Expect(err).NotTo(HaveOccurred())
			Expect(sig.KeyID).To(Equal(manifest.KeyID(pub)))
			got, err := manifest.VerifySignature(path, mustRead(path), pub)
			Expect(err).NotTo(HaveOccurred())
			Expect(got.KeyID).To(Equal(sig.KeyID))
		})

		It("rejects a manifest edited after signing, a signature by another key, and an unsigned manifest", func() {
			priv, err := manifest.LoadPrivateKey(key)
			Expect(err).NotTo(HaveOccurred())
			_, err = manifest.Sign(path, priv)
			Expect(err).NotTo(HaveOccurred())
			pub, err := manifest.LoadPublicKey(key + ".pub")
			Expect(err).NotTo(HaveOccurred())

			other := filepath.Join(GinkgoT().TempDir(), "other.key")
			otherPub, err := manifest.GenerateKey(other)
			Expect(err).NotTo(HaveOccurred())
			_, err = manifest.VerifySignature(path, mustRead(path), otherPub)
			Expect(err).To(MatchError(ContainSubstring("not by the trusted key")))

			data, err := os.ReadFile(path)
			Expect(err).NotTo(HaveOccurred())
			data[len(data)-3] ^= 1
			Expect(os.WriteFile(path, data, 0o644)).To(Succeed())
			_, err = manifest.VerifySignature(path, mustRead(path), pub)
			Expect(err).To(MatchError(ContainSubstring("changed after it was signed")))

			Expect(os.Remove(path + manifest.SignatureSuffix)).To(Succeed())
			_, err = manifest.VerifySignature(path, mustRead(path), pub)
			Expect(err).To(MatchError(manifest.ErrUnsigned))
		})

		It("says what is wrong with a key file", func() {
			_, err := manifest.LoadPrivateKey(key + ".pub")
			Expect(err).To(MatchError(ContainSubstring("holds a PUBLIC KEY, want a PRIVATE KEY")))
			bad := filepath.Join(GinkgoT().TempDir(), "bad.key")
			Expect(os.WriteFile(bad, []byte("not pem"), 0o600)).To(Succeed())
			_, err = manifest.LoadPublicKey(bad)
			Expect(err).To(MatchError(ContainSubstring("not a PEM file")))
		})
	})
})

func mustRead(path string) []byte {
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	return data
}

var _ = Describe("reading a manifest", func() {
	It("refuses a FIFO without blocking on it, and a folder", func() {
		dir := GinkgoT().TempDir()
		fifo := filepath.Join(dir, "manifest.json")
		Expect(syscall.Mkfifo(fifo, 0o600)).To(Succeed())
		done := make(chan error, 1)
		go func() { _, _, err := manifest.Read(fifo); done <- err }()
		Eventually(done, 5*time.Second).Should(Receive(MatchError(ContainSubstring("not a regular file"))))
		_, _, err := manifest.HashFile(dir)
		Expect(err).To(MatchError(ContainSubstring("not a regular file")))
	})
})

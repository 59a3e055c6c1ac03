package submission_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"sort"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/formats"
	"github.com/carecert/carecert/reports/reporttest"
)

// newKey makes a key pair in a temporary folder, as carecert keygen does.
func newKey() (ed25519.PrivateKey, ed25519.PublicKey) {
	path := filepath.Join(GinkgoT().TempDir(), "supplier.key")
	pub, err := manifest.GenerateKey(path)
	Expect(err).NotTo(HaveOccurred())
	priv, err := manifest.LoadPrivateKey(path)
	Expect(err).NotTo(HaveOccurred())
	return priv, pub
}

// oakfield is a real run of a generated feed (the report carecert run
// writes), made once.
var oakfield = func() func() *model.Report {
	var data []byte
	return func() *model.Report {
		if data == nil {
			rep, err := feeds.Run(reporttest.Feed{Vendor: "Oakfield", Release: "11.0", Seed: 4, Records: 50, Defects: "wrong-type=2"})
			Expect(err).NotTo(HaveOccurred())
			data, err = reports.MarshalJSON(rep)
			Expect(err).NotTo(HaveOccurred())
		}
		rep, err := reports.DecodeJSON("oakfield", data)
		Expect(err).NotTo(HaveOccurred())
		return rep
	}
}()

// writeRun writes a run folder as carecert run --sign-key does: every
// format, the manifest hashing them and, with key set, its signature.
func writeRun(dir string, rep *model.Report, key ed25519.PrivateKey) string {
	Expect(formats.WriteAll(dir, rep, reports.RenderOptions{FullEvidence: rep.Evidence == "full"})).To(Succeed())
	resign(dir, rep, key)
	return dir
}

// resign writes the manifest of dir's files again and signs it with key.
func resign(dir string, rep *model.Report, key ed25519.PrivateKey) {
	m, err := manifest.Build(dir, formats.Files(), rep)
	Expect(err).NotTo(HaveOccurred())
	data, err := m.Marshal()
	Expect(err).NotTo(HaveOccurred())
	path := filepath.Join(dir, manifest.FileName)
	Expect(os.WriteFile(path, data, 0o644)).To(Succeed())
	os.Remove(path + manifest.SignatureSuffix)
	if key != nil {
		_, err := manifest.Sign(path, key)
		Expect(err).NotTo(HaveOccurred())
	}
}

// entry is one tar entry of a hand-made archive.
type entry struct {
	name, body, link string
	typ              byte
}

// folderEntries lists a folder's regular files as tar entries, by name.
func folderEntries(dir string) []entry {
	var out []entry
	names, err := os.ReadDir(dir)
	Expect(err).NotTo(HaveOccurred())
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n.Name()))
		Expect(err).NotTo(HaveOccurred())
		out = append(out, entry{name: n.Name(), body: string(data)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// archive writes entries as a tar, gzipped when gz is set.
func archive(entries []entry, gz bool) []byte {
	var buf bytes.Buffer
	var zw *gzip.Writer
	var tw *tar.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		tw = tar.NewWriter(zw)
	} else {
		tw = tar.NewWriter(&buf)
	}
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Mode: 0o644, Linkname: e.link}
		if typ == tar.TypeXGlobalHeader {
			h = &tar.Header{Typeflag: typ, PAXRecords: map[string]string{"comment": "abc123"}}
		}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		Expect(tw.WriteHeader(h)).To(Succeed())
		if typ == tar.TypeReg {
			_, err := tw.Write([]byte(e.body))
			Expect(err).NotTo(HaveOccurred())
		}
	}
	Expect(tw.Close()).To(Succeed())
	if zw != nil {
		Expect(zw.Close()).To(Succeed())
	}
	return buf.Bytes()
}

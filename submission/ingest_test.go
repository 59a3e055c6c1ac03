package submission_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/internal/dbtest"
	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/submission"
)

// ingestSpecs are what every history backend must do with uploads. open
// returns a fresh, empty history and its location.
func ingestSpecs(open func() (*history.Store, string)) {
	ctx := context.Background()
	var (
		store                *history.Store
		location             string
		keys                 *submission.Keys
		oakKey, riversideKey ed25519.PrivateKey
		dir                  string
	)
	BeforeEach(func() {
		store, location = open()
		DeferCleanup(store.Close)
		var oakPub, rivPub ed25519.PublicKey
		oakKey, oakPub = newKey()
		riversideKey, rivPub = newKey()
		keys = submission.NewKeys()
		Expect(keys.Add("Oakfield", oakPub)).To(Succeed())
		Expect(keys.Add("Riverside", rivPub)).To(Succeed())
		dir = writeRun(filepath.Join(GinkgoT().TempDir(), "oakfield"), oakfield(), oakKey)
	})

	// nothingStored asserts that a refused upload left no row and no file.
	nothingStored := func() {
		for _, table := range []string{"runs", "results", "measures", "run_files", "run_archives"} {
			Expect(dbtest.CountRows(location, table)).To(BeZero(), "rows left in %s", table)
		}
	}

	ingest := func(body []byte, opt submission.Options) (*submission.Receipt, error) {
		return submission.Ingest(ctx, store, keys, bytes.NewReader(body), opt)
	}

	refused := func(body []byte, opt submission.Options, code submission.Code, reason string) {
		rec, err := ingest(body, opt)
		Expect(rec).To(BeNil())
		var ref *submission.Refusal
		Expect(err).To(BeAssignableToTypeOf(ref))
		ref = err.(*submission.Refusal)
		Expect(ref.Code).To(Equal(code), ref.Reason)
		Expect(ref.Reason).To(ContainSubstring(reason))
		nothingStored()
	}

	It("stores a signed run with every file, from a tar.gz or a plain tar", func() {
		for _, gz := range []bool{true, false} {
			rec, err := ingest(archive(folderEntries(dir), gz), submission.Options{Vendor: "oakfield"})
			Expect(err).NotTo(HaveOccurred())
			Expect(rec.Vendor).To(Equal("Oakfield"))
			Expect(rec.Release).To(Equal("11.0"))
			Expect(rec.Decision).To(Equal(model.NotCertified))
			Expect(rec.KeyID).To(Equal(manifest.KeyID(oakKey.Public().(ed25519.PublicKey))))
			run, err := store.RunByID(ctx, rec.RunID)
			Expect(err).NotTo(HaveOccurred())
			Expect(run.Vendor).To(Equal("Oakfield"))
			Expect(run.ReportPath).To(Equal(model.ReportFile))
			files, err := store.Files(ctx, rec.RunID)
			Expect(err).NotTo(HaveOccurred())
			Expect(files).To(HaveLen(len(folderEntries(dir))))
			for _, e := range folderEntries(dir) {
				f, err := store.File(ctx, rec.RunID, e.name)
				Expect(err).NotTo(HaveOccurred())
				Expect(string(f.Data)).To(Equal(e.body), e.name)
			}
			Expect(run.ReportSHA256).To(Equal(files[slicesIndex(files, "report.json")].SHA256))
		}
	})

	It("accepts entries written as ./name and folder entries", func() {
		entries := []entry{{name: "./", typ: tar.TypeDir}}
		for _, e := range folderEntries(dir) {
			e.name = "./" + e.name
			entries = append(entries, e)
		}
		_, err := ingest(archive(entries, true), submission.Options{})
		Expect(err).NotTo(HaveOccurred())
	})

	It("accepts a global pax header, as git archive writes", func() {
		entries := append([]entry{{name: "pax_global_header", typ: tar.TypeXGlobalHeader}}, folderEntries(dir)...)
		_, err := ingest(archive(entries, true), submission.Options{})
		Expect(err).NotTo(HaveOccurred())
	})

	It("stores nothing when the history fails during the write, and says it is not a refusal", func() {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		rec, err := submission.Ingest(cctx, store, keys, bytes.NewReader(archive(folderEntries(dir), true)), submission.Options{})
		Expect(rec).To(BeNil())
		Expect(err).To(MatchError(ContainSubstring("context canceled")))
		var ref *submission.Refusal
		Expect(errors.As(err, &ref)).To(BeFalse())
		nothingStored()
	})

	It("refuses an unsigned run", func() {
		resign(dir, oakfield(), nil)
		refused(archive(folderEntries(dir), true), submission.Options{}, submission.Unsigned, "the manifest is not signed (no manifest.json.sig)")
	})

	It("refuses a run whose file changed after it was signed", func() {
		Expect(os.WriteFile(filepath.Join(dir, "report.md"), []byte("# All certified\n"), 0o644)).To(Succeed())
		refused(archive(folderEntries(dir), true), submission.Options{}, submission.Tampered, "report.md: changed: SHA-256 is")
	})

	It("refuses a manifest changed after it was signed", func() {
		path := filepath.Join(dir, manifest.FileName)
		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(path, bytes.Replace(data, []byte("Not certified"), []byte("Certified"), 1), 0o644)).To(Succeed())
		refused(archive(folderEntries(dir), true), submission.Options{}, submission.BadSignature, "the manifest was changed after it was signed")
	})

	It("refuses a run signed with another vendor's key", func() {
		resign(dir, oakfield(), riversideKey)
		id := manifest.KeyID(riversideKey.Public().(ed25519.PublicKey))
		refused(archive(folderEntries(dir), true), submission.Options{}, submission.WrongKey, "signed by key "+id+", which is registered to Riverside, not to Oakfield")
	})

	It("refuses a run signed with a key no vendor registered", func() {
		stray, _ := newKey()
		resign(dir, oakfield(), stray)
		refused(archive(folderEntries(dir), true), submission.Options{}, submission.UnknownKey, "which is not registered for Oakfield")
	})

	It("refuses another vendor's run from a supplier's login", func() {
		refused(archive(folderEntries(dir), true), submission.Options{Vendor: "Riverside"}, submission.VendorMismatch, "the run is Oakfield's; this login may submit only Riverside's runs")
	})

	It("refuses a vendor with no registered key", func() {
		rep := oakfield()
		rep.Vendor.Name = "Unheard Of Ltd"
		writeRun(dir, rep, oakKey)
		refused(archive(folderEntries(dir), true), submission.Options{}, submission.UnknownVendor, "vendor Unheard Of Ltd has no key registered")
	})

	It("refuses full evidence unless the server accepts it", func() {
		rep := oakfield()
		rep.Evidence = "full"
		writeRun(dir, rep, oakKey)
		body := archive(folderEntries(dir), true)
		refused(body, submission.Options{}, submission.FullEvidence, "keeps full (unredacted) evidence")
		rec, err := ingest(body, submission.Options{AcceptFullEvidence: true})
		Expect(err).NotTo(HaveOccurred())
		Expect(rec.RunID).To(BeNumerically(">", 0))
	})

	It("refuses an upload larger than allowed, as sent or as unpacked", func() {
		body := archive(folderEntries(dir), true)
		refused(body, submission.Options{MaxBytes: int64(len(body)) - 1}, submission.TooLarge, "larger than this server accepts")
		// A small gzip that unpacks to a large tar.
		bomb := archive([]entry{{name: "manifest.json", body: strings.Repeat(" ", 4<<20)}}, true)
		Expect(len(bomb)).To(BeNumerically("<", 1<<20))
		refused(bomb, submission.Options{MaxBytes: 1 << 20}, submission.TooLarge, "as sent or unpacked")
	})

	DescribeTable("refuses archive entries a run folder cannot hold",
		func(bad entry, code submission.Code, reason string) {
			entries := append(folderEntries(dir), bad)
			refused(archive(entries, true), submission.Options{}, code, reason)
		},
		Entry("a path climbing out of the folder", entry{name: "../../etc/cron.d/x", body: "x"}, submission.UnsafePath, `"../../etc/cron.d/x" is not a path inside the run folder`),
		Entry("a path climbing out after a folder", entry{name: "a/../../x", body: "x"}, submission.UnsafePath, "is not a path inside the run folder"),
		Entry("an absolute path", entry{name: "/etc/passwd", body: "x"}, submission.UnsafePath, "is not a path inside the run folder"),
		Entry("a backslash path", entry{name: `..\x`, body: "x"}, submission.UnsafePath, "is not a path inside the run folder"),
		Entry("a symbolic link", entry{name: "evidence", typ: tar.TypeSymlink, link: "/etc/passwd"}, submission.Link, `"evidence" is a link (to "/etc/passwd")`),
		Entry("a hard link", entry{name: "copy.json", typ: tar.TypeLink, link: "report.json"}, submission.Link, "is a link"),
		Entry("a device", entry{name: "tty", typ: tar.TypeChar}, submission.SpecialFile, "is not a regular file"),
		Entry("a FIFO", entry{name: "pipe", typ: tar.TypeFifo}, submission.SpecialFile, "is not a regular file"),
		Entry("a second report.json", entry{name: "report.json", body: "{}"}, submission.Duplicate, "the archive holds report.json twice"),
		Entry("a file the manifest does not list", entry{name: "notes.txt", body: "x"}, submission.UnlistedFile, "notes.txt is not in the signed manifest"),
	)

	It("refuses what is not a tar", func() {
		refused([]byte("this is not an archive at all, just some text that is long enough to be read as a header block"), submission.Options{}, submission.BadArchive, "not a readable tar archive")
	})

	It("refuses an upload without a manifest", func() {
		var entries []entry
		for _, e := range folderEntries(dir) {
			if e.name != manifest.FileName {
				entries = append(entries, e)
			}
		}
		refused(archive(entries, true), submission.Options{}, submission.NoManifest, "the upload has no manifest.json")
	})

	It("refuses a signed report that breaks the report schema", func() {
		path := filepath.Join(dir, "report.json")
		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(path, bytes.Replace(data, []byte(`"outcome": "fail"`), []byte(`"outcome": "great"`), 1), 0o644)).To(Succeed())
		resign(dir, oakfield(), oakKey)
		refused(archive(folderEntries(dir), true), submission.Options{}, submission.InvalidReport, "does not match the report schema")
	})
}

func slicesIndex(files []history.StoredFile, path string) int {
	for i, f := range files {
		if f.Path == path {
			return i
		}
	}
	return -1
}

var _ = Describe("Ingest into a SQLite history", func() {
	ingestSpecs(func() (*history.Store, string) {
		file := filepath.Join(GinkgoT().TempDir(), "history.db")
		s, err := history.Open(context.Background(), file)
		Expect(err).NotTo(HaveOccurred())
		return s, file
	})
})

var _ = Describe("Ingest into a PostgreSQL history", Ordered, func() {
	var dsn string
	BeforeAll(func() { dsn = dbtest.PostgresDSN() })
	ingestSpecs(func() (*history.Store, string) {
		location := dbtest.PostgresSchema(dsn)
		s, err := history.Open(context.Background(), location)
		Expect(err).NotTo(HaveOccurred())
		return s, location
	})
})

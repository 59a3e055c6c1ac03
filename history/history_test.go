package history_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/internal/dbtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/reporttest"
)

// reports caches the generated reports: runs are deterministic and compiling
// the FHIR schema for each would dominate the specs. Specs get copies.
var reports = map[string][]byte{}

func report(vendor, release, defects string, day int) *model.Report {
	key := vendor + release + defects
	if _, ok := reports[key]; !ok {
		rep, err := feeds.Run(reporttest.Feed{Vendor: vendor, Release: release, Seed: 4, Records: 200, Defects: defects})
		Expect(err).NotTo(HaveOccurred())
		rep.Targets[0].Results[1].Measures = []model.Measure{{Name: "completeness:Patient.birthDate", Numerator: 180, Denominator: 200}}
		reports[key], err = json.Marshal(rep)
		Expect(err).NotTo(HaveOccurred())
	}
	var rep model.Report
	Expect(json.Unmarshal(reports[key], &rep)).To(Succeed())
	rep.StartedAt = time.Date(2026, 1, day, 9, 0, 0, 0, time.UTC)
	rep.FinishedAt = rep.StartedAt.Add(time.Minute)
	return &rep
}

// storeSpecs are the behaviours every backend must have. open returns a fresh,
// empty store and how to reach it again.
func storeSpecs(open func() (store *history.Store, location string)) {
	browseSpecs(open)
	var s *history.Store
	var location string
	ctx := context.Background()
	BeforeEach(func() {
		s, location = open()
		DeferCleanup(s.Close)
	})

	It("records a run with its results and measures, and reads it back", func() {
		rep := report("Oakfield", "11.0", "wrong-type=2", 3)
		id, err := s.Record(ctx, rep, "abc123", "out/oakfield/report.json")
		Expect(err).NotTo(HaveOccurred())
		runs, err := s.Runs(ctx, history.Query{})
		Expect(err).NotTo(HaveOccurred())
		Expect(runs).To(HaveLen(1))
		r := runs[0]
		Expect(r.ID).To(Equal(id))
		Expect(r.Vendor).To(Equal("Oakfield"))
		Expect(r.Release).To(Equal("11.0"))
		Expect(r.Decision).To(Equal(model.NotCertified))
		Expect(r.Reasons).To(Equal(rep.Verdict.Reasons))
		Expect(r.StartedAt).To(Equal(rep.StartedAt))
		Expect(r.Complete).To(BeTrue())
		Expect(r.Records).To(Equal(rep.Summary.Records))
		Expect(r.Failed).To(Equal(1))
		Expect(r.Passed).To(Equal(2))
		Expect(r.Errors).To(Equal(rep.Summary.Findings[model.Error]))
		Expect(r.ReportSHA256).To(Equal("abc123"))
		Expect(r.PassRate()).To(BeNumerically("~", 2.0/3, 1e-9))

		outcomes, err := s.Outcomes(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		Expect(outcomes).To(HaveLen(3))
		Expect(outcomes[2].Requirement).To(Equal("STRUCT-02"))
		Expect(outcomes[2].Outcome).To(Equal(model.Fail))
		Expect(outcomes[2].Errors).To(BeEquivalentTo(2))
		measures, err := s.Measures(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		Expect(measures).To(Equal(map[string]model.Measure{
			"bulk export fhir-r4-structure/STRUCT-01 completeness:Patient.birthDate": {Name: "completeness:Patient.birthDate", Numerator: 180, Denominator: 200},
		}))
	})

	It("lists runs oldest first, by vendor, keeping the latest when limited", func() {
		for i, spec := range []struct{ vendor, release, defects string }{
			{"Oakfield", "11.0", "all"}, {"Riverside", "3.1", "none"}, {"Oakfield", "11.1", "wrong-type=2"}, {"Oakfield", "11.2", "none"},
		} {
			_, err := s.Record(ctx, report(spec.vendor, spec.release, spec.defects, i+1), "", "")
			Expect(err).NotTo(HaveOccurred())
		}
		runs, err := s.Runs(ctx, history.Query{Vendor: "Oakfield"})
		Expect(err).NotTo(HaveOccurred())
		var releases []string
		for _, r := range runs {
			releases = append(releases, r.Release)
		}
		Expect(releases).To(Equal([]string{"11.0", "11.1", "11.2"}))

		latest, err := s.Runs(ctx, history.Query{Vendor: "Oakfield", Limit: 2})
		Expect(err).NotTo(HaveOccurred())
		Expect(latest).To(HaveLen(2))
		Expect(latest[1].Release).To(Equal("11.2"))

		all, err := s.Runs(ctx, history.Query{})
		Expect(err).NotTo(HaveOccurred())
		trends := history.Trends(all)
		Expect(trends).To(HaveLen(2))
		Expect(trends[0].Vendor).To(Equal("Oakfield"))
		Expect(trends[0].Rates).To(Equal([]float64{0, 2.0 / 3, 1}))
		Expect(trends[0].Change()).To(Equal("▲ +33.3 pts"))
		Expect(history.Sparkline(trends[0].Rates)).To(Equal("▁▆█"))
		Expect(trends[1].Change()).To(Equal("first run"))
	})

	It("finds a vendor's runs whatever the case of the name asked for, and lists the vendors recorded", func() {
		for i, spec := range []struct{ vendor, release string }{{"Oakfield", "11.0"}, {"Riverside", "3.1"}, {"Oakfield", "11.1"}, {"Åkerberg Hälsa", "1.0"}} {
			_, err := s.Record(ctx, report(spec.vendor, spec.release, "none", i+1), "", "")
			Expect(err).NotTo(HaveOccurred())
		}
		for _, asked := range []string{"Oakfield", "oakfield", "OAKFIELD", "oAkFiElD"} {
			runs, err := s.Runs(ctx, history.Query{Vendor: asked})
			Expect(err).NotTo(HaveOccurred())
			Expect(runs).To(HaveLen(2), asked)
			Expect(runs[0].Release).To(Equal("11.0"))
			Expect(runs[1].Vendor).To(Equal("Oakfield"))
		}
		// Beyond ASCII too, on every backend alike.
		runs, err := s.Runs(ctx, history.Query{Vendor: "åkerberg hälsa"})
		Expect(err).NotTo(HaveOccurred())
		Expect(runs).To(HaveLen(1))
		runs, err = s.Runs(ctx, history.Query{Vendor: "Oak"})
		Expect(err).NotTo(HaveOccurred())
		Expect(runs).To(BeEmpty(), "a part of a name is not the name")
		names, err := s.Vendors(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(names).To(ConsistOf("Oakfield", "Riverside", "Åkerberg Hälsa"))
	})

	It("rebuilds a recorded run as a report that can be diffed and re-graded", func() {
		first := report("Oakfield", "11.0", "unknown-resource-type=2", 1)
		second := report("Oakfield", "11.1", "wrong-type=2", 2)
		for _, r := range []*model.Report{first, second} {
			_, err := s.Record(ctx, r, "", "")
			Expect(err).NotTo(HaveOccurred())
		}
		runs, err := s.Runs(ctx, history.Query{Vendor: "Oakfield"})
		Expect(err).NotTo(HaveOccurred())
		rebuilt, err := s.Report(ctx, runs[1])
		Expect(err).NotTo(HaveOccurred())
		Expect(rebuilt.Vendor).To(Equal(second.Vendor))
		Expect(rebuilt.Verdict.Decision).To(Equal(second.Verdict.Decision))
		Expect(rebuilt.Targets).To(HaveLen(1))
		for i, res := range rebuilt.Targets[0].Results {
			orig := second.Targets[0].Results[i]
			Expect(res.Requirement).To(Equal(orig.Requirement))
			Expect(res.Outcome).To(Equal(orig.Outcome))
			Expect(res.Errors).To(Equal(orig.Errors))
			Expect(res.Measures).To(Equal(orig.Measures))
		}
		Expect(rebuilt.Summary.Outcomes).To(Equal(second.Summary.Outcomes))
	})

	It("writes a run all or nothing: a write that fails half-way leaves no trace", func() {
		_, err := s.Record(ctx, report("Oakfield", "11.0", "none", 1), "", "")
		Expect(err).NotTo(HaveOccurred())

		broken := report("Oakfield", "11.1", "none", 2)
		// The same requirement twice on one target violates the results key
		// after the run row and the first results were written.
		broken.Targets[0].Results = append(broken.Targets[0].Results, broken.Targets[0].Results[2])
		_, err = s.Record(ctx, broken, "", "")
		Expect(err).To(MatchError(ContainSubstring("record fhir-r4-structure/STRUCT-02 on bulk export")))

		runs, err := s.Runs(ctx, history.Query{})
		Expect(err).NotTo(HaveOccurred())
		Expect(runs).To(HaveLen(1))
		Expect(runs[0].Release).To(Equal("11.0"))
		Expect(dbtest.CountRows(location, "results")).To(Equal(3), "no results of the failed run remain")
	})

	It("leaves no trace of a run whose context was cancelled", func() {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := s.Record(cctx, report("Oakfield", "11.0", "none", 1), "", "")
		Expect(err).To(MatchError(ContainSubstring("context canceled")))
		runs, err := s.Runs(ctx, history.Query{})
		Expect(err).NotTo(HaveOccurred())
		Expect(runs).To(BeEmpty())
	})

	It("takes runs from concurrent writers without losing any", func() {
		var wg sync.WaitGroup
		errs := make(chan error, 12)
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, err := history.Open(ctx, location)
				if err != nil {
					errs <- err
					return
				}
				defer st.Close()
				for i := 0; i < 3; i++ {
					rep := report("Oakfield", "11.0", "none", 1)
					rep.Vendor.Release = fmt.Sprintf("w%d-%d", w, i)
					if _, err := st.Record(ctx, rep, "", ""); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			Expect(err).NotTo(HaveOccurred())
		}
		runs, err := s.Runs(ctx, history.Query{})
		Expect(err).NotTo(HaveOccurred())
		Expect(runs).To(HaveLen(12))
	})

	It("stores a run's files with it, and a run whose files fail to store keeps neither", func() {
		report1, manifest1 := []byte(`{"report": true}`), []byte{0, 1, 2, 255}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		tw := tar.NewWriter(zw)
		for _, f := range []struct {
			name string
			data []byte
		}{{"./report.json", report1}, {"manifest.json", manifest1}} {
			Expect(tw.WriteHeader(&tar.Header{Name: f.name, Size: int64(len(f.data)), Mode: 0o644, Typeflag: tar.TypeReg})).To(Succeed())
			_, err := tw.Write(f.data)
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(tw.Close()).To(Succeed())
		Expect(zw.Close()).To(Succeed())
		sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
		files := []history.StoredFile{
			{Path: "manifest.json", SHA256: sum(manifest1), Size: 4},
			{Path: "report.json", SHA256: sum(report1), Size: 16},
		}
		id, err := s.RecordArchive(ctx, report("Oakfield", "11.0", "none", 1), sum(report1), "report.json", buf.Bytes(), files)
		Expect(err).NotTo(HaveOccurred())
		listed, err := s.Files(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		Expect(listed).To(Equal(files))
		Expect(s.HasFiles(ctx, id)).To(BeTrue())
		f, err := s.File(ctx, id, "manifest.json")
		Expect(err).NotTo(HaveOccurred())
		Expect(f.Data).To(Equal(manifest1))
		f, err = s.File(ctx, id, "report.json")
		Expect(err).NotTo(HaveOccurred())
		Expect(f.Data).To(Equal(report1))
		_, err = s.File(ctx, id, "report.html")
		Expect(err).To(MatchError(history.ErrNotFound))

		// A file whose stored hash the upload does not match is refused on
		// reading, not served.
		bad := append([]history.StoredFile{}, files...)
		bad[0].SHA256 = sum([]byte("something else"))
		other, err := s.RecordArchive(ctx, report("Oakfield", "11.0", "none", 1), "", "report.json", buf.Bytes(), bad)
		Expect(err).NotTo(HaveOccurred())
		_, err = s.File(ctx, other, "manifest.json")
		Expect(err).To(MatchError(ContainSubstring("does not have the SHA-256 it was stored with")))

		// The same path twice breaks the files' key after the run, its
		// results, the upload and the first file were written.
		_, err = s.RecordArchive(ctx, report("Oakfield", "11.1", "none", 2), "", "report.json", buf.Bytes(), append(files, files[0]))
		Expect(err).To(MatchError(ContainSubstring("store file manifest.json")))
		runs, err := s.Runs(ctx, history.Query{})
		Expect(err).NotTo(HaveOccurred())
		Expect(runs).To(HaveLen(2))
		Expect(dbtest.CountRows(location, "run_files")).To(Equal(4))
		Expect(dbtest.CountRows(location, "run_archives")).To(Equal(2))
		Expect(dbtest.CountRows(location, "results")).To(Equal(6))
	})

	It("has no re-graded verdict for a run never attested", func() {
		id, err := s.Record(ctx, report("Oakfield", "11.0", "none", 1), "", "")
		Expect(err).NotTo(HaveOccurred())
		v, err := s.Verdict(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		Expect(v).To(BeNil())
	})

	It("finds one run by id", func() {
		first, err := s.Record(ctx, report("Oakfield", "11.0", "none", 1), "", "")
		Expect(err).NotTo(HaveOccurred())
		second, err := s.Record(ctx, report("Riverside", "2.0", "none", 2), "", "")
		Expect(err).NotTo(HaveOccurred())
		run, err := s.RunByID(ctx, second)
		Expect(err).NotTo(HaveOccurred())
		Expect(run.Vendor).To(Equal("Riverside"))
		runs, err := s.Runs(ctx, history.Query{Vendor: "oakfield", ID: second})
		Expect(err).NotTo(HaveOccurred())
		Expect(runs).To(BeEmpty(), "run %d is not Oakfield's", second)
		_, err = s.RunByID(ctx, first+second+10)
		Expect(err).To(MatchError(history.ErrNotFound))
	})

	It("stores an attestation with its evidence and the run as re-graded, and replaces it when attested again", func() {
		rep := report("Oakfield", "11.0", "none", 1)
		id, err := s.Record(ctx, rep, "", "")
		Expect(err).NotTo(HaveOccurred())
		regraded := report("Oakfield", "11.0", "none", 1)
		regraded.Targets[0].Results[1].Outcome = model.Fail
		regraded.Summarize()
		regraded.Verdict = model.Verdict{Decision: model.NotCertified, Policy: rep.Verdict.Policy, Reasons: []string{"attested fail"}}
		at := time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)
		a := history.Attestation{RunID: id, Suite: "demo", Requirement: "MAN-01", Outcome: model.Fail, By: "A. Assessor", At: at,
			Note: "crashed during the demo", EvidenceName: "video.txt", EvidenceSHA256: "cc", Evidence: []byte("witnessed")}
		Expect(s.Attest(ctx, a, regraded)).To(Succeed())
		run, err := s.RunByID(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		Expect(run.Decision).To(Equal(model.NotCertified))
		Expect(run.Reasons).To(Equal([]string{"attested fail"}))
		Expect(run.Failed).To(Equal(regraded.Summary.Outcomes[model.Fail]))
		outcomes, err := s.Outcomes(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		Expect(outcomes[1].Outcome).To(Equal(model.Fail))
		v, err := s.Verdict(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		Expect(*v).To(Equal(regraded.Verdict))

		a.Outcome, a.Evidence, a.EvidenceSHA256 = model.Pass, []byte("second demo"), "dd"
		Expect(s.Attest(ctx, a, rep)).To(Succeed())
		list, err := s.Attestations(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		Expect(list).To(HaveLen(1))
		Expect(list[0].Outcome).To(Equal(model.Pass))
		Expect(list[0].At).To(Equal(at))
		Expect(list[0].By).To(Equal("A. Assessor"))
		Expect(list[0].Evidence).To(BeNil())
		data, err := s.Evidence(ctx, id, "demo", "MAN-01")
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(Equal("second demo"))
		run, err = s.RunByID(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		Expect(run.Decision).To(Equal(rep.Verdict.Decision))

		a.RunID = id + 100
		Expect(s.Attest(ctx, a, rep)).NotTo(Succeed(), "no such run")
		Expect(dbtest.CountRows(location, "attestations")).To(Equal(1))
	})

	It("upgrades a version-1 history in place, keeping its runs", func() {
		_, err := s.Record(ctx, report("Oakfield", "11.0", "none", 1), "", "")
		Expect(err).NotTo(HaveOccurred())
		db := dbtest.Open(location)
		for _, st := range []string{`DROP TABLE run_files`, `DROP TABLE run_archives`, `DROP TABLE attestations`, `DROP TABLE run_verdicts`, `UPDATE carecert_history SET version = 1`} {
			_, err := db.Exec(st)
			Expect(err).NotTo(HaveOccurred())
		}
		db.Close()
		again, err := history.Open(ctx, location)
		Expect(err).NotTo(HaveOccurred())
		defer again.Close()
		runs, err := again.Runs(ctx, history.Query{})
		Expect(err).NotTo(HaveOccurred())
		Expect(runs).To(HaveLen(1))
		files, err := again.Files(ctx, runs[0].ID)
		Expect(err).NotTo(HaveOccurred())
		Expect(files).To(BeEmpty())
		Expect(again.HasFiles(ctx, runs[0].ID)).To(BeFalse())
		db = dbtest.Open(location)
		defer db.Close()
		var v int
		Expect(db.QueryRow(`SELECT version FROM carecert_history`).Scan(&v)).To(Succeed())
		Expect(v).To(Equal(2))
	})

	It("refuses a history written by a newer carecert rather than misread it", func() {
		db := dbtest.Open(location)
		defer db.Close()
		_, err := db.Exec(`UPDATE carecert_history SET version = 99`)
		Expect(err).NotTo(HaveOccurred())
		_, err = history.Open(ctx, location)
		Expect(err).To(MatchError(ContainSubstring("written by a newer carecert (history version 99")))
	})
}

var _ = Describe("SQLite history", func() {
	storeSpecs(func() (*history.Store, string) {
		file := filepath.Join(GinkgoT().TempDir(), "sub", "history.db")
		s, err := history.Open(context.Background(), file)
		Expect(err).NotTo(HaveOccurred())
		return s, file
	})

	It("is a real SQLite file that keeps runs across processes", func() {
		file := filepath.Join(GinkgoT().TempDir(), "history.db")
		s, err := history.Open(context.Background(), file)
		Expect(err).NotTo(HaveOccurred())
		_, err = s.Record(context.Background(), report("Riverside", "3.2", "none", 5), "", "")
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Close()).To(Succeed())

		head := make([]byte, 16)
		f, err := os.Open(file)
		Expect(err).NotTo(HaveOccurred())
		_, err = f.Read(head)
		f.Close()
		Expect(err).NotTo(HaveOccurred())
		Expect(string(head)).To(Equal("SQLite format 3\x00"))

		s, err = history.Open(context.Background(), file)
		Expect(err).NotTo(HaveOccurred())
		defer s.Close()
		runs, err := s.Runs(context.Background(), history.Query{Vendor: "Riverside"})
		Expect(err).NotTo(HaveOccurred())
		Expect(runs).To(HaveLen(1))
	})

	It("says where and why when the file cannot be created", func() {
		blocker := filepath.Join(GinkgoT().TempDir(), "not-a-folder")
		Expect(os.WriteFile(blocker, []byte("x"), 0o644)).To(Succeed())
		_, err := history.Open(context.Background(), filepath.Join(blocker, "history.db"))
		Expect(err).To(MatchError(ContainSubstring("history " + blocker)))
	})

	It("rejects a file that is not a SQLite database", func() {
		file := filepath.Join(GinkgoT().TempDir(), "history.db")
		Expect(os.WriteFile(file, []byte(strings.Repeat("this is not sqlite\n", 300)), 0o644)).To(Succeed())
		_, err := history.Open(context.Background(), file)
		Expect(err).To(MatchError(ContainSubstring("history " + file)))
	})
})

var _ = Describe("PostgreSQL history", Ordered, func() {
	var dsn string
	BeforeAll(func() { dsn = dbtest.PostgresDSN() })

	storeSpecs(func() (*history.Store, string) {
		location := dbtest.PostgresSchema(dsn)
		s, err := history.Open(context.Background(), location)
		Expect(err).NotTo(HaveOccurred())
		return s, location
	})

	It("fails within its timeout, without quoting the password, when the server is unreachable", func() {
		start := time.Now()
		_, err := history.Open(context.Background(), "postgres://carecert:s3cret@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("history postgres://carecert:***@127.0.0.1:1/none"))
		Expect(err.Error()).NotTo(ContainSubstring("s3cret"))
		Expect(time.Since(start)).To(BeNumerically("<", 10*time.Second))
	})
})

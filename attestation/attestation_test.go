package attestation_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/attestation"
	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/internal/dbtest"
	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/html"
	"github.com/carecert/carecert/reports/markdown"
	"github.com/carecert/carecert/reports/policy"
	"github.com/carecert/carecert/reports/reporttest"
)

// demoSuite declares two manual requirements beside the FHIR structure suite.
const demoSuite = `id: demo-assurance
version: "1"
title: Demonstrated assurance
requirements:
  - id: DEMO-01
    level: SHALL
    kind: manual
    evidence: witnessed-demonstration
    title: A clinician sees the patient's allergies on one screen
  - id: DEMO-02
    level: SHOULD
    kind: manual
    evidence: signed-declaration
    title: The supplier names its clinical safety officer
`

// cleanRun is a run of a clean feed with the manual suite, so every
// automated requirement passes and the manual ones await attestation.
func cleanRun(policyCfg map[string]any) *model.Report {
	rep, err := feeds.Run(reporttest.Feed{Vendor: "Oakfield", Release: "11.0", Seed: 3, Records: 40, Defects: "none",
		Policy: policyCfg, Suites: map[string]string{"./demo-assurance.yaml": demoSuite}})
	Expect(err).NotTo(HaveOccurred())
	return rep
}

// recordLocal writes rep's report.json and records the run as carecert run
// --history does: by the file's absolute path and SHA-256.
func recordLocal(ctx context.Context, store *history.Store, rep *model.Report) (int64, string) {
	data, err := reports.MarshalJSON(rep)
	Expect(err).NotTo(HaveOccurred())
	path := filepath.Join(GinkgoT().TempDir(), "report.json")
	Expect(os.WriteFile(path, data, 0o644)).To(Succeed())
	sum := sha256.Sum256(data)
	id, err := store.Record(ctx, rep, hex.EncodeToString(sum[:]), path)
	Expect(err).NotTo(HaveOccurred())
	return id, path
}

// recordSubmitted records rep as a submitted run, its report.json stored in
// the history with it.
func recordSubmitted(ctx context.Context, store *history.Store, rep *model.Report) int64 {
	data, err := reports.MarshalJSON(rep)
	Expect(err).NotTo(HaveOccurred())
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	Expect(tw.WriteHeader(&tar.Header{Name: "report.json", Size: int64(len(data)), Mode: 0o644, Typeflag: tar.TypeReg})).To(Succeed())
	_, err = tw.Write(data)
	Expect(err).NotTo(HaveOccurred())
	Expect(tw.Close()).To(Succeed())
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	id, err := store.RecordArchive(ctx, rep, hexSum, "report.json", buf.Bytes(), []history.StoredFile{{Path: "report.json", SHA256: hexSum, Size: int64(len(data))}})
	Expect(err).NotTo(HaveOccurred())
	return id
}

func attestationSpecs(open func() (*history.Store, string)) {
	ctx := context.Background()
	var store *history.Store
	var location string
	BeforeEach(func() {
		store, location = open()
		DeferCleanup(store.Close)
	})
	evidence := []byte("%PDF-1.4 witnessed demonstration, signed by both parties\n")
	evidenceSum := func() string { s := sha256.Sum256(evidence); return hex.EncodeToString(s[:]) }()
	at := time.Date(2026, 3, 4, 10, 30, 0, 0, time.UTC)

	It("lists manual requirements as skip awaiting attestation, never pass, until attested", func() {
		rep := cleanRun(nil)
		for _, t := range rep.Targets {
			var manual []model.Result
			for _, r := range t.Results {
				if r.Suite == "demo-assurance" {
					manual = append(manual, r)
				}
			}
			Expect(manual).To(HaveLen(2))
			for _, r := range manual {
				Expect(r.Outcome).To(Equal(model.Skip))
				Expect(r.Message).To(Equal("awaiting attestation"))
				Expect(r.Check).To(Equal("manual"))
				Expect(r.Attestation).To(BeNil())
			}
		}
		Expect(rep.Verdict.Decision).To(Equal(model.Certified), "the automated requirements pass; skips decide nothing")
	})

	It("re-grades a submitted run when a SHALL manual requirement is attested fail, and again when attested pass", func() {
		id := recordSubmitted(ctx, store, cleanRun(nil))
		rep, err := attestation.Attest(ctx, store, nil, attestation.Request{RunID: id, Requirement: "demo-assurance/DEMO-01", Outcome: model.Fail,
			By: "A. Assessor", Note: "the allergies took three screens", At: at, EvidenceName: "/tmp/recordings/demo.pdf", Evidence: evidence})
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.Verdict.Decision).To(Equal(model.NotCertified))
		Expect(strings.Join(rep.Verdict.Reasons, "\n")).To(ContainSubstring("SHALL demo-assurance DEMO-01 (A clinician sees the patient's allergies on one screen) on bulk export: attested fail by A. Assessor on 2026-03-04 10:30 UTC: the allergies took three screens"))
		run, err := store.RunByID(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		Expect(run.Decision).To(Equal(model.NotCertified), "the history's row is re-graded too")
		Expect(run.Failed).To(Equal(1))

		now, err := attestation.Report(ctx, store, id)
		Expect(err).NotTo(HaveOccurred())
		Expect(now.Verdict).To(Equal(rep.Verdict))
		attested := now.Attested()
		Expect(attested).To(HaveLen(1))
		Expect(attested[0].Attestation).To(Equal(model.Attestation{By: "A. Assessor", At: at, Note: "the allergies took three screens", Evidence: "demo.pdf", EvidenceSHA256: evidenceSum}))
		stored, err := store.Evidence(ctx, id, "demo-assurance", "DEMO-01")
		Expect(err).NotTo(HaveOccurred())
		Expect(stored).To(Equal(evidence))

		rep, err = attestation.Attest(ctx, store, nil, attestation.Request{RunID: id, Requirement: "DEMO-01", Outcome: model.Pass,
			By: "B. Buyer", At: at.Add(time.Hour), EvidenceName: "second.pdf", Evidence: evidence})
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.Verdict.Decision).To(Equal(model.Certified))
		run, err = store.RunByID(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		Expect(run.Decision).To(Equal(model.Certified))
		Expect(run.Passed).To(Equal(run.Results-1), "every result passes but DEMO-02, still awaiting attestation")
		Expect(dbtest.CountRows(location, "attestations")).To(Equal(1), "attested again, the earlier attestation is replaced")
	})

	It("re-grades a locally recorded run under the plan's own policy, which must be given", func() {
		cfg := map[string]any{"rules": []any{
			map[string]any{"require": "all-pass", "level": "SHALL"},
			map[string]any{"require": "all-pass", "level": "SHOULD", "otherwise": "conditional"},
		}}
		pol, err := policy.FromPlan(cfg)
		Expect(err).NotTo(HaveOccurred())
		id, _ := recordLocal(ctx, store, cleanRun(cfg))
		req := attestation.Request{RunID: id, Requirement: "DEMO-02", Outcome: model.Fail, By: "A. Assessor", EvidenceName: "declaration.pdf", Evidence: evidence}
		_, err = attestation.Attest(ctx, store, nil, req)
		Expect(err).To(MatchError(attestation.ErrInvalid))
		Expect(err.Error()).To(ContainSubstring("was graded under the policy"))
		Expect(dbtest.CountRows(location, "attestations")).To(BeZero())

		rep, err := attestation.Attest(ctx, store, pol, req)
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.Verdict.Decision).To(Equal(model.ConditionallyCertified))
		Expect(strings.Join(rep.Verdict.Conditions, "\n")).To(ContainSubstring("DEMO-02"))
	})

	It("lists attested requirements with who, when and the evidence's SHA-256 in every report, and the manifest hashes the evidence", func() {
		id := recordSubmitted(ctx, store, cleanRun(nil))
		rep, err := attestation.Attest(ctx, store, nil, attestation.Request{RunID: id, Requirement: "demo-assurance/DEMO-01", Outcome: model.Pass,
			By: "A. Assessor <b>", At: at, EvidenceName: "demo.pdf", Evidence: evidence})
		Expect(err).NotTo(HaveOccurred())

		data, err := reports.MarshalJSON(rep)
		Expect(err).NotTo(HaveOccurred())
		back, err := reports.DecodeJSON("report.json", data)
		Expect(err).NotTo(HaveOccurred(), "the report with an attestation matches the report schema")
		Expect(back.Attested()).To(HaveLen(1))

		var md bytes.Buffer
		Expect(markdown.Summary(&md, rep)).To(Succeed())
		Expect(md.String()).To(ContainSubstring("| pass | `demo-assurance/DEMO-01` | SHALL | A. Assessor &lt;b&gt; | 2026-03-04 10:30 UTC | demo.pdf | `" + evidenceSum + "` |  |"))

		page, err := html.Render(rep, html.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(string(page)).To(ContainSubstring(`<table id="attested">`))
		Expect(string(page)).To(ContainSubstring("<td>A. Assessor &lt;b&gt;</td><td>2026-03-04 10:30 UTC</td><td>demo.pdf</td><td class=\"mono\">" + evidenceSum + "</td>"))

		dir := GinkgoT().TempDir()
		m, err := manifest.Build(dir, nil, rep)
		Expect(err).NotTo(HaveOccurred())
		Expect(m.Evidence).To(Equal([]manifest.File{{Path: "attestations/demo-assurance/DEMO-01/demo.pdf", SHA256: evidenceSum}}))
	})

	DescribeTable("refuses an attestation that cannot stand, recording nothing",
		func(mutate func(*attestation.Request), want string) {
			id := recordSubmitted(ctx, store, cleanRun(nil))
			req := attestation.Request{RunID: id, Requirement: "demo-assurance/DEMO-01", Outcome: model.Pass, By: "A. Assessor", EvidenceName: "demo.pdf", Evidence: evidence}
			mutate(&req)
			_, err := attestation.Attest(ctx, store, nil, req)
			Expect(err).To(MatchError(attestation.ErrInvalid))
			Expect(err.Error()).To(ContainSubstring(want))
			Expect(dbtest.CountRows(location, "attestations")).To(BeZero())
			run, err := store.RunByID(ctx, id)
			Expect(err).NotTo(HaveOccurred())
			Expect(run.Decision).To(Equal(model.Certified))
		},
		Entry("an automated requirement", func(r *attestation.Request) { r.Requirement = "fhir-r4-structure/STRUCT-01" },
			"fhir-r4-structure/STRUCT-01 is decided by the check fhir-resource-type, not by an assessor: only manual requirements are attested (run 1's: demo-assurance/DEMO-01, demo-assurance/DEMO-02)"),
		Entry("an unknown requirement", func(r *attestation.Request) { r.Requirement = "DEMO-99" }, "has no requirement DEMO-99"),
		Entry("an outcome other than pass or fail", func(r *attestation.Request) { r.Outcome = model.Warn }, `outcome "warn": an attestation is pass or fail`),
		Entry("no assessor", func(r *attestation.Request) { r.By = " " }, "who attests is required"),
		Entry("no evidence", func(r *attestation.Request) { r.Evidence = nil }, "rests on an evidence file"),
		Entry("no such run", func(r *attestation.Request) { r.RunID = 42 }, "run 42: not found"),
	)

	It("refuses to re-grade a local run whose report changed since it was recorded", func() {
		id, path := recordLocal(ctx, store, cleanRun(nil))
		Expect(os.WriteFile(path, []byte("{}"), 0o644)).To(Succeed())
		_, err := attestation.Attest(ctx, store, nil, attestation.Request{RunID: id, Requirement: "DEMO-01", Outcome: model.Pass, By: "A", EvidenceName: "e", Evidence: evidence})
		Expect(err).To(MatchError(ContainSubstring("changed since the run was recorded")))
	})
}

var _ = Describe("Attestation in a SQLite history", func() {
	attestationSpecs(func() (*history.Store, string) {
		file := filepath.Join(GinkgoT().TempDir(), "history.db")
		s, err := history.Open(context.Background(), file)
		Expect(err).NotTo(HaveOccurred())
		return s, file
	})
})

var _ = Describe("Attestation in a PostgreSQL history", Ordered, func() {
	var dsn string
	BeforeAll(func() { dsn = dbtest.PostgresDSN() })
	attestationSpecs(func() (*history.Store, string) {
		location := dbtest.PostgresSchema(dsn)
		s, err := history.Open(context.Background(), location)
		Expect(err).NotTo(HaveOccurred())
		return s, location
	})
})

package main

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/manifest"
)

const manualPlan = `
name: attestation spec
date: 2026-01-01
suites: [fhir-r4-structure, ./demo.yaml]
vendors:
  - name: Riverside Clinical Systems
    release: 3.2.0
    targets: [{name: bulk export, type: fixture, seed: 1, records: 100, defects: none}]
`

const manualSuite = `id: demo
version: "1"
title: Demonstrations
requirements:
  - id: DEMO-01
    level: SHALL
    kind: manual
    evidence: witnessed-demonstration
    title: A clinician sees the patient's allergies on one screen
`

var _ = Describe("carecert attest", Ordered, func() {
	var dir, db, evidence string
	BeforeAll(func() {
		dir = GinkgoT().TempDir()
		writeFile(dir, "demo.yaml", manualSuite)
		plan := writeFile(dir, "plan.yaml", manualPlan)
		evidence = writeFile(dir, "demo-recording.txt", "witnessed on site, 4 March\n")
		db = filepath.Join(dir, "history.db")
		code, _, stderr := carecert("run", plan, "--out", filepath.Join(dir, "out"), "-q", "--history", db)
		Expect(code).To(Equal(0), stderr)
	})

	It("records a failed demonstration, re-grades the run, and writes the re-graded report (exit 1)", func() {
		out := filepath.Join(dir, "attested")
		code, stdout, stderr := carecert("attest", "--history", db, "--run", "1", "--requirement", "demo/DEMO-01", "--outcome", "fail",
			"--by", "A. Assessor", "--evidence", evidence, "--note", "three screens", "--out", out)
		Expect(stderr).To(BeEmpty())
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(MatchRegexp(`run 1: demo/DEMO-01 attested fail by A. Assessor \(evidence demo-recording.txt, SHA-256 [0-9a-f]{64}\)\n`))
		Expect(stdout).To(ContainSubstring("run 1: Riverside Clinical Systems 3.2.0 is now Not certified\n"))
		page, err := os.ReadFile(filepath.Join(out, "riverside-clinical-systems", "report.html"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(page)).To(ContainSubstring(`<table id="attested">`))
		m, _, err := manifest.Read(filepath.Join(out, "riverside-clinical-systems", manifest.FileName))
		Expect(err).NotTo(HaveOccurred())
		Expect(m.Evidence).To(HaveLen(1))
		Expect(m.Evidence[0].Path).To(Equal("attestations/demo/DEMO-01/demo-recording.txt"))

		code, stdout, _ = carecert("history", "--history", db)
		Expect(code).To(Equal(0))
		Expect(stdout).To(MatchRegexp(`Riverside Clinical Systems\s+│ 3\.2\.0\s+│ Not certified`))
	})

	It("records a passed demonstration and the run is certified again (exit 0)", func() {
		code, stdout, _ := carecert("attest", "--history", db, "--run", "1", "--requirement", "DEMO-01", "--outcome", "pass", "--by", "A. Assessor", "--evidence", evidence)
		Expect(code).To(Equal(0))
		Expect(stdout).To(ContainSubstring("is now Certified"))
	})

	It("exits 2 and records nothing for a requirement no assessor decides or a missing evidence file", func() {
		code, _, stderr := carecert("attest", "--history", db, "--run", "1", "--requirement", "fhir-r4-structure/STRUCT-01", "--outcome", "pass", "--by", "A", "--evidence", evidence)
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("is decided by the check fhir-resource-type, not by an assessor"))
		code, _, stderr = carecert("attest", "--history", db, "--run", "1", "--requirement", "DEMO-01", "--outcome", "pass", "--by", "A", "--evidence", filepath.Join(dir, "nope.pdf"))
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("nope.pdf"))
	})
})

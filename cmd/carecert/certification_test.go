package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/xeipuuv/gojsonschema"

	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
)

const twoVendorPlan = `
name: certification spec
date: 2026-01-01
suites: [fhir-r4-structure]
vendors:
  - name: Riverside Clinical Systems
    release: 3.2.0
    targets: [{name: bulk export, type: fixture, seed: 1, records: 300, defects: none}]
  - name: Oakfield Health Software
    release: 11.0.4
    targets: [{name: bulk export, type: fixture, seed: 2, records: 300, defects: "unknown-resource-type=2,wrong-type=3"}]
`

var _ = Describe("carecert certification commands", Ordered, func() {
	var dir, out, riverside, oakfield, key, keyID, plan string
	BeforeAll(func() {
		dir = GinkgoT().TempDir()
		plan = filepath.Join(dir, "plan.yaml")
		Expect(os.WriteFile(plan, []byte(twoVendorPlan), 0o644)).To(Succeed())
		key = filepath.Join(dir, "supplier.key")
		code, stdout, _ := carecert("keygen", key)
		Expect(code).To(Equal(0))
		Expect(stdout).To(MatchRegexp(`key id:\s+[0-9a-f]{32}`))
		keyID = regexp.MustCompile(`key id:\s+([0-9a-f]{32})`).FindStringSubmatch(stdout)[1]

		out = filepath.Join(dir, "out")
		code, _, stderr := carecert("run", plan, "--out", out, "-q", "--sign-key", key)
		Expect(code).To(Equal(exitFailed), stderr)
		riverside = filepath.Join(out, "riverside-clinical-systems")
		oakfield = filepath.Join(out, "oakfield-health-software")
	})

	It("says on each report page which key signed its manifest, and that an unsigned one is not signed", func() {
		for _, d := range []string{riverside, oakfield} {
			page, err := os.ReadFile(filepath.Join(d, "report.html"))
			Expect(err).NotTo(HaveOccurred())
			Expect(string(page)).To(ContainSubstring("signed with Ed25519 key <b>" + keyID + "</b>"))
		}
		unsigned := filepath.Join(GinkgoT().TempDir(), "out")
		carecert("run", plan, "--out", unsigned, "-q", "--no-history")
		page, err := os.ReadFile(filepath.Join(unsigned, "riverside-clinical-systems", "report.html"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(page)).To(ContainSubstring(`id="signature">Not signed:`))
	})

	It("re-renders report.html from a saved report.json with the signature beside it, as run wrote it", func() {
		written, err := os.ReadFile(filepath.Join(riverside, "report.html"))
		Expect(err).NotTo(HaveOccurred())
		for _, arg := range []string{riverside, filepath.Join(riverside, "report.json")} {
			code, page, stderr := carecert("report", "--format", "html", arg)
			Expect(code).To(Equal(0), stderr)
			Expect(page).To(Equal(string(written)), "the same page run wrote, signature line included")
		}

		// Re-graded, the verdict is no longer the one signed.
		pol := filepath.Join(dir, "strict.yaml")
		Expect(os.WriteFile(pol, []byte("rules:\n  - require: all-pass\n"), 0o644)).To(Succeed())
		_, page, _ := carecert("report", "--format", "html", "--policy", pol, riverside)
		Expect(page).To(ContainSubstring(`id="signature">Not signed:`))
		Expect(page).NotTo(ContainSubstring(keyID))

		// A report changed after signing is refused, naming it.
		tampered := filepath.Join(GinkgoT().TempDir(), "tampered")
		Expect(os.CopyFS(tampered, os.DirFS(riverside))).To(Succeed())
		f, err := os.OpenFile(filepath.Join(tampered, "report.json"), os.O_APPEND|os.O_WRONLY, 0)
		Expect(err).NotTo(HaveOccurred())
		_, err = f.WriteString("\n")
		Expect(err).NotTo(HaveOccurred())
		Expect(f.Close()).To(Succeed())
		code, page, stderr := carecert("report", "--format", "html", tampered)
		Expect(code).To(Equal(exitUsage))
		Expect(page).To(BeEmpty())
		Expect(stderr).To(ContainSubstring(filepath.Join(tampered, "report.json") + ": changed after"))

		// A folder without a signed manifest says so.
		unsigned := filepath.Join(GinkgoT().TempDir(), "out")
		carecert("run", plan, "--out", unsigned, "-q", "--no-history")
		code, page, stderr = carecert("report", "--format", "html", filepath.Join(unsigned, "riverside-clinical-systems"))
		Expect(code).To(Equal(0), stderr)
		Expect(page).To(ContainSubstring(`id="signature">Not signed:`))
	})

	It("reads report.json once, so that the report shown and compared is the one whose signed hash was checked", func() {
		// A named pipe gives its bytes to one reader only: a second read,
		// to hash the file, finds nothing the manifest signed.
		data, err := os.ReadFile(filepath.Join(riverside, "report.json"))
		Expect(err).NotTo(HaveOccurred())
		written, err := os.ReadFile(filepath.Join(riverside, "report.html"))
		Expect(err).NotTo(HaveOccurred())
		piped := func() string {
			folder := filepath.Join(GinkgoT().TempDir(), "piped")
			Expect(os.CopyFS(folder, os.DirFS(riverside))).To(Succeed())
			file := filepath.Join(folder, "report.json")
			Expect(os.Remove(file)).To(Succeed())
			Expect(syscall.Mkfifo(file, 0o600)).To(Succeed())
			go func() {
				defer GinkgoRecover()
				w, err := os.OpenFile(file, os.O_WRONLY, 0)
				Expect(err).NotTo(HaveOccurred())
				w.Write(data)
				w.Close()
			}()
			// a reader that never came would leave the writer waiting
			DeferCleanup(func() {
				if r, err := os.OpenFile(file, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
					r.Close()
				}
			})
			return folder
		}
		code, page, stderr := carecert("report", "--format", "html", piped())
		Expect(code).To(Equal(0), stderr)
		Expect(page).To(Equal(string(written)), "shown signed, as run wrote it")

		code, stdout, stderr := carecert("compare", piped(), oakfield)
		Expect(code).To(Equal(0), stderr)
		Expect(stdout).To(ContainSubstring("Riverside Clinical Systems"))
	})

	It("says on the comparison page, for each vendor, the version, plan, as-of date, policy and signature, and links its report", func() {
		var rep struct {
			Tool    struct{ Version string }
			Verdict struct{ Policy string }
		}
		data, err := os.ReadFile(filepath.Join(riverside, "report.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(json.Unmarshal(data, &rep)).To(Succeed())
		Expect(rep.Tool.Version).NotTo(BeEmpty())
		Expect(rep.Verdict.Policy).NotTo(BeEmpty())
		judged := `<td class="note">plan <b>certification spec</b> · as of 2026-01-01 · carecert ` + template.HTMLEscapeString(rep.Tool.Version) + ` · policy ` + template.HTMLEscapeString(rep.Verdict.Policy) + `</td>`
		signed := `<td class="note">signed with Ed25519 key <b>` + keyID + `</b></td>`

		written, err := os.ReadFile(filepath.Join(out, "comparison.html"))
		Expect(err).NotTo(HaveOccurred())
		// The same page from the compare command, written elsewhere: its links
		// lead back to the reports and it reads the signatures beside them.
		page := filepath.Join(GinkgoT().TempDir(), "cmp", "comparison.html")
		Expect(os.MkdirAll(filepath.Dir(page), 0o755)).To(Succeed())
		code, _, stderr := carecert("compare", "--format", "html", "--out", page, riverside, filepath.Join(oakfield, "report.json"))
		Expect(code).To(Equal(0), stderr)
		compared, err := os.ReadFile(page)
		Expect(err).NotTo(HaveOccurred())
		for _, p := range []string{string(written), string(compared)} {
			Expect(strings.Count(p, judged)).To(Equal(2), "both vendors were judged by the same plan, date, version and policy")
			Expect(strings.Count(p, signed)).To(Equal(2))
		}
		for _, d := range []string{"riverside-clinical-systems", "oakfield-health-software"} {
			Expect(string(written)).To(ContainSubstring(`<a href="` + d + `/report.html">report.html</a>`))
			rel, err := filepath.Rel(filepath.Dir(page), filepath.Join(out, d, "report.html"))
			Expect(err).NotTo(HaveOccurred())
			Expect(filepath.Join(filepath.Dir(page), rel)).To(BeARegularFile())
			Expect(string(compared)).To(ContainSubstring(`<a href="` + filepath.ToSlash(rel) + `">report.html</a>`))
		}

		unsigned := filepath.Join(GinkgoT().TempDir(), "out")
		carecert("run", plan, "--out", unsigned, "-q", "--no-history")
		p, err := os.ReadFile(filepath.Join(unsigned, "comparison.html"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(p)).To(ContainSubstring(`<tr><th>Signature</th><td class="note">not signed</td><td class="note">not signed</td></tr>`))

		// A folder changed after signing is refused rather than shown as signed.
		tampered := filepath.Join(GinkgoT().TempDir(), "tampered")
		Expect(os.CopyFS(tampered, os.DirFS(riverside))).To(Succeed())
		Expect(os.WriteFile(filepath.Join(tampered, "manifest.json"), []byte("{}"), 0o644)).To(Succeed())
		code, _, stderr = carecert("compare", tampered, oakfield)
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring(filepath.Join(tampered, "manifest.json")))
	})

	It("writes every rendering, a signed manifest, the comparison and the history beside report.json", func() {
		for _, d := range []string{riverside, oakfield} {
			for _, f := range []string{"report.json", "junit.xml", "report.html", "report.md", "report.sarif", "testreport.json", "manifest.json", "manifest.json.sig"} {
				Expect(filepath.Join(d, f)).To(BeARegularFile())
			}
		}
		for _, f := range []string{"comparison.html", "comparison.csv", "history.db"} {
			Expect(filepath.Join(out, f)).To(BeARegularFile())
		}
		code, stdout, _ := carecert("history", "--out", out)
		Expect(code).To(Equal(0))
		Expect(stdout).To(MatchRegexp(`Riverside Clinical Systems\s+│ 3\.2\.0\s+│ Certified`))
		Expect(stdout).To(MatchRegexp(`Oakfield Health Software\s+│ 11\.0\.4\s+│ Not certified`))
		Expect(stdout).To(ContainSubstring("Trends"))

		code, stdout, _ = carecert("history", "--out", out, "--format", "json", "--vendor", "Riverside Clinical Systems")
		Expect(code).To(Equal(0))
		var runs []map[string]any
		Expect(json.Unmarshal([]byte(stdout), &runs)).To(Succeed())
		Expect(runs).To(HaveLen(1))
		Expect(runs[0]).To(HaveKeyWithValue("decision", "Certified"))
		Expect(runs[0]).To(HaveKeyWithValue("release", "3.2.0"))
		data, err := os.ReadFile(filepath.Join(riverside, "report.json"))
		Expect(err).NotTo(HaveOccurred())
		sum := sha256.Sum256(data)
		Expect(runs[0]).To(HaveKeyWithValue("report_sha256", hex.EncodeToString(sum[:])), "the run is tied to its report file")
	})

	It("writes a TestReport that carecert validate accepts under every default FHIR suite", func() {
		code, stdout, stderr := carecert("validate", "-q", filepath.Join(oakfield, "testreport.json"))
		Expect(code).To(Equal(0), stdout+stderr)
		Expect(stdout + stderr).To(ContainSubstring("0 error(s), 0 warning(s)"))
	})

	It("verifies the manifests, and notices a report edited afterwards", func() {
		code, stdout, _ := carecert("verify", "--pub", key+".pub", riverside, oakfield)
		Expect(code).To(Equal(0), stdout)
		Expect(stdout).To(ContainSubstring("signature valid, by the trusted key"))

		copyDir := filepath.Join(dir, "tampered")
		Expect(os.CopyFS(copyDir, os.DirFS(oakfield))).To(Succeed())
		page := filepath.Join(copyDir, "report.html")
		data, err := os.ReadFile(page)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(page, bytes.Replace(data, []byte("Not certified"), []byte("Certified"), -1), 0o644)).To(Succeed())
		code, stdout, _ = carecert("verify", "--pub", key+".pub", copyDir)
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(ContainSubstring("FAIL " + page + ": changed"))

		Expect(os.Remove(filepath.Join(copyDir, "manifest.json.sig"))).To(Succeed())
		Expect(os.WriteFile(page, data, 0o644)).To(Succeed())
		code, stdout, _ = carecert("verify", "--pub", key+".pub", copyDir)
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(ContainSubstring("not signed"))
		code, stdout, _ = carecert("verify", copyDir)
		Expect(code).To(Equal(exitFailed), "an unsigned manifest proves nothing about who wrote it")
		Expect(stdout).To(ContainSubstring("--allow-untrusted"))
		code, _, _ = carecert("verify", "--allow-untrusted", copyDir)
		Expect(code).To(Equal(0), "--allow-untrusted checks integrity only")
	})

	It("fails a report edited and re-signed with another key unless that key is trusted", func() {
		forged := filepath.Join(dir, "forged")
		Expect(os.CopyFS(forged, os.DirFS(oakfield))).To(Succeed())
		rep := filepath.Join(forged, "report.json")
		data, err := os.ReadFile(rep)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(rep, bytes.ReplaceAll(data, []byte(`"Not certified"`), []byte(`"Certified"`)), 0o644)).To(Succeed())
		Expect(os.Remove(filepath.Join(forged, "manifest.json.sig"))).To(Succeed())
		forger := filepath.Join(dir, "forger.key")
		code, _, stderr := carecert("keygen", forger)
		Expect(code).To(Equal(0), stderr)
		// The forger puts the edited report's hash in the manifest and
		// re-signs it with a key of its own.
		m, _, err := manifest.Read(filepath.Join(forged, "manifest.json"))
		Expect(err).NotTo(HaveOccurred())
		sum, size, err := manifest.HashFile(rep)
		Expect(err).NotTo(HaveOccurred())
		for i := range m.Files {
			if m.Files[i].Path == "report.json" {
				m.Files[i].SHA256, m.Files[i].Size = sum, size
			}
		}
		mdata, err := m.Marshal()
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(forged, "manifest.json"), mdata, 0o644)).To(Succeed())
		code, _, stderr = carecert("sign", "--key", forger, forged)
		Expect(code).To(Equal(0), stderr)

		code, stdout, _ := carecert("verify", forged)
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(ContainSubstring("which is not trusted"))
		code, _, _ = carecert("verify", "--require-signature", forged)
		Expect(code).To(Equal(exitFailed))
		code, _, _ = carecert("verify", "--pub", key+".pub", forged)
		Expect(code).To(Equal(exitFailed))
	})

	Describe("report", func() {
		policy := func(expires string) string {
			file := filepath.Join(dir, "policy-"+expires+".yaml")
			Expect(os.WriteFile(file, []byte(`
rules:
  - require: all-pass
    level: SHALL
waivers:
  - requirement: fhir-r4-structure/STRUCT-01
    justification: resource type fix ships in 11.1
    expires: `+expires+`
  - requirement: fhir-r4-structure/STRUCT-02
    justification: boolean fix ships in 11.1
    expires: `+expires+`
`), 0o644)).To(Succeed())
			return file
		}

		It("re-grades a stored report under another policy without re-running, and writes a valid report", func() {
			regraded := filepath.Join(dir, "regraded")
			code, stdout, stderr := carecert("report", "--policy", policy("2026-06-30"), "--out", regraded, filepath.Join(oakfield, "report.json"))
			Expect(code).To(Equal(0), stderr)
			Expect(stdout).To(ContainSubstring("Oakfield Health Software: Certified"))
			rep, err := reports.ReadJSON(filepath.Join(regraded, "oakfield-health-software", "report.json"))
			Expect(err).NotTo(HaveOccurred())
			Expect(rep.Verdict.Decision).To(Equal(model.Certified))
			Expect(rep.Verdict.Reasons).To(ContainElement("waived: fhir-r4-structure/STRUCT-02 until 2026-06-30: boolean fix ships in 11.1"))
			data, err := os.ReadFile(filepath.Join(regraded, "oakfield-health-software", "report.json"))
			Expect(err).NotTo(HaveOccurred())
			res, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(reports.Schema()), gojsonschema.NewBytesLoader(data))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Errors()).To(BeEmpty())
			Expect(filepath.Join(regraded, "oakfield-health-software", "report.html")).To(BeARegularFile())
			code, stdout, _ = carecert("verify", "--allow-untrusted", filepath.Join(regraded, "oakfield-health-software"))
			Expect(code).To(Equal(0), "the re-graded reports get a manifest of their own: %s", stdout)
		})

		It("does not count expired waivers, and exits 1 for a vendor not certified", func() {
			code, stdout, _ := carecert("report", "--policy", policy("2025-12-31"), filepath.Join(oakfield, "report.json"))
			Expect(code).To(Equal(exitFailed))
			Expect(stdout).To(ContainSubstring("waiver for fhir-r4-structure/STRUCT-02 expired on 2025-12-31 (report as of 2026-01-01)"))
		})

		It("prints Markdown, SARIF and the TestReport of a stored report", func() {
			for format, want := range map[string]string{
				"markdown": "### ❌ Oakfield Health Software 11.0.4: **Not certified**", "sarif": `"version": "2.1.0"`, "testreport": `"resourceType": "TestReport"`,
			} {
				_, stdout, _ := carecert("report", "--format", format, filepath.Join(oakfield, "report.json"))
				Expect(stdout).To(ContainSubstring(want), format)
			}
		})

		It("says which file is broken, and where", func() {
			broken := filepath.Join(dir, "broken.json")
			Expect(os.WriteFile(broken, []byte("{\n  \"schema\": \"carecert.report/v1\",\n  \"targets\": [\n"), 0o644)).To(Succeed())
			code, _, stderr := carecert("report", broken)
			Expect(code).To(Equal(exitUsage))
			Expect(stderr).To(ContainSubstring("report " + broken + ":4: not valid JSON"))

			other := filepath.Join(dir, "other.json")
			Expect(os.WriteFile(other, []byte(`{"resourceType": "Patient"}`), 0o644)).To(Succeed())
			code, _, stderr = carecert("report", other)
			Expect(code).To(Equal(exitUsage))
			Expect(stderr).To(ContainSubstring("not a carecert report"))

			code, _, stderr = carecert("report", "--policy", filepath.Join(dir, "nope.yaml"), filepath.Join(oakfield, "report.json"))
			Expect(code).To(Equal(exitUsage))
			Expect(stderr).To(ContainSubstring("nope.yaml: no such file"))
		})
	})

	Describe("diff", func() {
		It("exits 1 with --fail-on new only when the release breaks what the baseline passed", func() {
			code, stdout, _ := carecert("diff", "--baseline", filepath.Join(riverside, "report.json"), filepath.Join(oakfield, "report.json"), "--fail-on", "new", "--other-vendor")
			Expect(code).To(Equal(exitFailed))
			Expect(stdout).To(ContainSubstring("2 new failure(s)"))

			code, stdout, _ = carecert("diff", "--baseline", oakfield, riverside, "--fail-on", "new", "--other-vendor")
			Expect(code).To(Equal(0))
			Expect(stdout).To(ContainSubstring("0 new failure(s), 2 fixed"))

			code, _, _ = carecert("diff", "--baseline", filepath.Join(oakfield, "report.json"), filepath.Join(oakfield, "report.json"), "--fail-on", "new")
			Expect(code).To(Equal(0), "failures the baseline had are not new")
			code, _, _ = carecert("diff", "--baseline", filepath.Join(oakfield, "report.json"), filepath.Join(oakfield, "report.json"), "--fail-on", "any")
			Expect(code).To(Equal(exitFailed))
		})

		It("writes Markdown for a pull-request comment", func() {
			_, stdout, _ := carecert("diff", "--baseline", filepath.Join(riverside, "report.json"), filepath.Join(oakfield, "report.json"), "--format", "markdown", "--other-vendor")
			Expect(stdout).To(HavePrefix("### ❌ carecert upgrade diff:"))
		})

		It("refuses two vendors' reports with exit 2 unless told, then warns on stderr", func() {
			code, stdout, stderr := carecert("diff", "--baseline", filepath.Join(riverside, "report.json"), filepath.Join(oakfield, "report.json"), "--fail-on", "new")
			Expect(code).To(Equal(exitUsage))
			Expect(stdout).To(BeEmpty())
			Expect(stderr).To(ContainSubstring(`the baseline is of vendor "Riverside Clinical Systems" and the report of "Oakfield Health Software"`))
			Expect(stderr).To(ContainSubstring("--other-vendor"))

			code, stdout, stderr = carecert("diff", "--baseline", filepath.Join(riverside, "report.json"), filepath.Join(oakfield, "report.json"), "--other-vendor")
			Expect(code).To(Equal(0))
			Expect(stderr).To(ContainSubstring(`warning: these reports are of two different vendors: "Riverside Clinical Systems" (baseline) and "Oakfield Health Software"`))
			Expect(stdout).To(HavePrefix("warning: these reports are of two different vendors"))
		})

		It("rejects bad usage with exit 2", func() {
			code, _, stderr := carecert("diff", filepath.Join(oakfield, "report.json"))
			Expect(code).To(Equal(exitUsage))
			Expect(stderr).To(ContainSubstring("--baseline is required"))
			code, _, stderr = carecert("diff", "--baseline", filepath.Join(oakfield, "report.json"), filepath.Join(oakfield, "report.json"), "--fail-on", "sometimes")
			Expect(code).To(Equal(exitUsage))
			Expect(stderr).To(ContainSubstring(`--fail-on "sometimes"`))
		})
	})

	It("compares vendors as CSV and HTML files", func() {
		file := filepath.Join(dir, "matrix.csv")
		code, _, stderr := carecert("compare", "--format", "csv", "--out", file, filepath.Join(riverside, "report.json"), filepath.Join(oakfield, "report.json"))
		Expect(code).To(Equal(0), stderr)
		f, err := os.Open(file)
		Expect(err).NotTo(HaveOccurred())
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		Expect(err).NotTo(HaveOccurred())
		Expect(rows[1]).To(Equal([]string{"verdict", "", "", "", "Certified", "", "", "", "", "", "Not certified", "", "", "", "", ""}))

		page := filepath.Join(dir, "matrix.html")
		code, _, _ = carecert("compare", "--format", "html", "--out", page, filepath.Join(riverside, "report.json"), filepath.Join(oakfield, "report.json"))
		Expect(code).To(Equal(0))
		data, err := os.ReadFile(page)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(ContainSubstring("<th>Oakfield Health Software 11.0.4</th>"))

		code, _, _ = carecert("compare", filepath.Join(oakfield, "report.json"))
		Expect(code).To(Equal(exitUsage), "one report is nothing to compare")
	})

	It("shows a vendor's runs and what changed since its previous run", func() {
		plan := filepath.Join(dir, "plan.yaml")
		data, err := os.ReadFile(plan)
		Expect(err).NotTo(HaveOccurred())
		fixed := filepath.Join(dir, "plan-fixed.yaml")
		Expect(os.WriteFile(fixed, bytes.Replace(data, []byte("unknown-resource-type=2,wrong-type=3"), []byte("wrong-type=1"), 1), 0o644)).To(Succeed())
		code, _, stderr := carecert("run", fixed, "--out", out, "-q")
		Expect(code).To(Equal(exitFailed), stderr)
		code, stdout, _ := carecert("history", "--out", out, "--vendor", "Oakfield Health Software")
		Expect(code).To(Equal(0))
		Expect(stdout).NotTo(ContainSubstring("Riverside"))
		Expect(stdout).To(MatchRegexp(`Oakfield Health Software\s+▃▆\s+66.7%\s+▲ \+33.3 pts\s+\(2 run\(s\)`))
		Expect(stdout).To(ContainSubstring("0 new failure(s), 1 fixed, 1 still failing"))
		Expect(stdout).To(MatchRegexp(`fixed\s+fhir-r4-structure/STRUCT-01 \(fail → pass\)`))

		// The name as a buyer types it finds the same runs.
		code, lower, _ := carecert("history", "--out", out, "--vendor", "oakfield health software")
		Expect(code).To(Equal(0))
		Expect(lower).To(Equal(stdout))
		code, stdout, _ = carecert("history", "--out", out, "--vendor", "Oakfield")
		Expect(code).To(Equal(0))
		Expect(stdout).To(ContainSubstring(`no runs of vendor "Oakfield"`))
		Expect(stdout).To(ContainSubstring("vendors recorded: Oakfield Health Software, Riverside Clinical Systems"))
	})

	It("keeps the reports when the history cannot be written, and says so", func() {
		plan := filepath.Join(dir, "plan.yaml")
		blocker := filepath.Join(dir, "blocker")
		Expect(os.WriteFile(blocker, []byte("x"), 0o644)).To(Succeed())
		out2 := filepath.Join(dir, "out2")
		code, _, stderr := carecert("run", plan, "--out", out2, "-q", "--history", filepath.Join(blocker, "h.db"))
		Expect(code).NotTo(Equal(0))
		Expect(stderr).To(ContainSubstring("the reports were written"))
		Expect(filepath.Join(out2, "riverside-clinical-systems", "report.html")).To(BeARegularFile())

		code, _, stderr = carecert("history", "--history", filepath.Join(dir, "none.db"))
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("no history at"))
	})

	It("refuses a misspelt policy before reading any feed", func() {
		plan := filepath.Join(dir, "bad-policy.yaml")
		Expect(os.WriteFile(plan, []byte(`
suites: [fhir-r4-structure]
vendor: {name: Acme}
targets: [{type: fixture, records: 10}]
policy:
  rules:
    - require: all-pass
      levle: SHALL
`), 0o644)).To(Succeed())
		out4 := filepath.Join(dir, "out4")
		code, _, stderr := carecert("run", plan, "--out", out4, "-q")
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("plan " + plan + ":8:14: policy.rules[0].levle: "))
		Expect(stderr).To(ContainSubstring(`unknown field "levle": did you mean level?`))
		Expect(out4).NotTo(BeAnExistingFile())
	})

	It("records nothing with --no-history", func() {
		out3 := filepath.Join(dir, "out3")
		code, _, _ := carecert("run", filepath.Join(dir, "plan.yaml"), "--out", out3, "-q", "--no-history")
		Expect(code).To(Equal(exitFailed))
		Expect(filepath.Join(out3, "history.db")).NotTo(BeAnExistingFile())
	})
})

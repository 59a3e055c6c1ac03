package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/xeipuuv/gojsonschema"

	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/reporttest"
	"github.com/carecert/carecert/reports/runindex"
	"github.com/carecert/carecert/suites"
)

// carecert runs the command line in-process and returns exit code and output.
func carecert(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := execute(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// validReport asserts that a JSON report validates against the report schema.
func validReport(data []byte) {
	schema, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(reports.Schema()))
	Expect(err).NotTo(HaveOccurred())
	res, err := schema.Validate(gojsonschema.NewBytesLoader(data))
	Expect(err).NotTo(HaveOccurred())
	var problems []string
	for _, e := range res.Errors() {
		problems = append(problems, e.String())
	}
	Expect(problems).To(BeEmpty())
}

// timestamps are what differs between two runs of the same input: times in
// report.json and junit.xml.
var timestamps = regexp.MustCompile(`"(started|finished)_at": "[^"]*"|"seconds": [0-9.e+-]+| (time|timestamp)="[^"]*"`)

func writeFile(dir, name, content string) string {
	p := filepath.Join(dir, name)
	Expect(os.MkdirAll(filepath.Dir(p), 0o755)).To(Succeed())
	Expect(os.WriteFile(p, []byte(content), 0o644)).To(Succeed())
	return p
}

var _ = Describe("carecert run", func() {
	It("certifies the demo plan's clean vendor, fails the defective one and exits 1", func() {
		out := GinkgoT().TempDir()
		code, stdout, stderr := carecert("run", "../../examples/demo-plan.yaml", "--out", out)
		Expect(stderr).To(BeEmpty())
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(ContainSubstring("Riverside Clinical Systems"))
		Expect(stdout).To(MatchRegexp(`Verdict: Certified`))
		Expect(stdout).To(MatchRegexp(`Verdict: Not certified`))
		for _, v := range []string{"riverside-clinical-systems", "oakfield-health-software"} {
			data, err := os.ReadFile(filepath.Join(out, v, "report.json"))
			Expect(err).NotTo(HaveOccurred())
			validReport(data)
			junit, err := os.ReadFile(filepath.Join(out, v, "junit.xml"))
			Expect(err).NotTo(HaveOccurred())
			Expect(reporttest.JUnitProblems(junit)).To(BeEmpty())
			var doc struct {
				Suites []struct {
					Tests    int     `xml:"tests,attr"`
					Failures int     `xml:"failures,attr"`
					Time     float64 `xml:"time,attr"`
				} `xml:"testsuite"`
			}
			Expect(xml.Unmarshal(junit, &doc)).To(Succeed())
			var suites struct{ Tests, Failures int }
			for _, s := range doc.Suites {
				suites.Tests += s.Tests
				suites.Failures += s.Failures
				Expect(s.Time).To(BeNumerically(">", 0), "each target's wall time")
			}
			Expect(suites.Tests).To(BeNumerically(">=", 3))
			if v == "riverside-clinical-systems" {
				Expect(suites.Failures).To(Equal(0))
			} else {
				// Every suite of the demo finds Oakfield's seeded defects.
				Expect(suites.Failures).To(BeNumerically(">=", 5))
				Expect(string(junit)).To(ContainSubstring("fixture-seed2.ndjson:"))
			}
		}
	})

	It("writes byte-identical reports for the same input, timestamps aside", func() {
		a, b := GinkgoT().TempDir(), GinkgoT().TempDir()
		carecert("run", "../../examples/demo-plan.yaml", "--out", a, "--quiet")
		carecert("run", "../../examples/demo-plan.yaml", "--out", b, "--quiet", "--workers", "1")
		for _, name := range []string{"oakfield-health-software/report.json", "oakfield-health-software/junit.xml"} {
			x, err := os.ReadFile(filepath.Join(a, name))
			Expect(err).NotTo(HaveOccurred())
			y, err := os.ReadFile(filepath.Join(b, name))
			Expect(err).NotTo(HaveOccurred())
			Expect(timestamps.ReplaceAllString(string(x), "")).To(Equal(timestamps.ReplaceAllString(string(y), "")))
		}
	})

	It("builds the same plan from flags, and exits 0 when the vendor is certified", func() {
		dir := GinkgoT().TempDir()
		feed := filepath.Join(dir, "feed")
		_, err := fixtures.WriteDir(feed, fixtures.Options{Seed: 11, Records: 300})
		Expect(err).NotTo(HaveOccurred())
		code, stdout, _ := carecert("run", "--vendor", "Flag Co", "--target", filepath.Join(feed, "feed.ndjson"),
			"--suite", "fhir-r4-structure", "--out", filepath.Join(dir, "out"))
		Expect(code).To(Equal(exitOK))
		Expect(stdout).To(ContainSubstring("Verdict: Certified"))
		Expect(filepath.Join(dir, "out", "flag-co", "report.json")).To(BeAnExistingFile())
	})

	It("exits 2 with a located message for a bad plan, and writes nothing", func() {
		dir := GinkgoT().TempDir()
		plan := writeFile(dir, "plan.yaml", "suites: [fhir-r4-structure]\nvendors:\n  - name: A\n    targets:\n      - {type: fixture, records: ten}\n")
		code, _, stderr := carecert("run", plan, "--out", filepath.Join(dir, "out"))
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("plan.yaml"))
		Expect(filepath.Join(dir, "out")).NotTo(BeADirectory())
		code, _, stderr = carecert("run", "--vendor", "A")
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("--target"))
	})

	It("exits 2 for a mistyped --target path, naming it with a did-you-mean, and writes nothing", func() {
		dir := GinkgoT().TempDir()
		writeFile(dir, "feed.ndjson", `{"resourceType":"Patient","id":"a"}`+"\n")
		out := filepath.Join(dir, "out")
		code, stdout, stderr := carecert("run", "--vendor", "A", "--target", filepath.Join(dir, "feeed.ndjson"),
			"--target", filepath.Join(dir, "feed.ndjson"), "--suite", "fhir-r4-structure", "--out", out)
		Expect(code).To(Equal(exitUsage))
		Expect(stdout).NotTo(ContainSubstring("Verdict"))
		Expect(stderr).To(ContainSubstring("--target " + filepath.Join(dir, "feeed.ndjson") + ": no such file or folder"))
		Expect(stderr).To(ContainSubstring("did you mean feed.ndjson?"))
		Expect(out).NotTo(BeADirectory())
	})

	It("keeps credentials in target URLs out of reports and messages", func() {
		dir := GinkgoT().TempDir()
		plan := writeFile(dir, "plan.yaml", `suites: [fhir-r4-structure]
vendors:
  - name: Secret Co
    targets:
      - {type: fixture, records: 20}
      - {path: "https://user:hunter2@127.0.0.1:1/fhir?access_token=tok-123", type: fhir}
`)
		code, stdout, stderr := carecert("run", plan, "--out", filepath.Join(dir, "out"))
		data, _ := os.ReadFile(filepath.Join(dir, "out", "secret-co", "report.json"))
		for _, text := range []string{stdout, stderr, string(data)} {
			Expect(text).NotTo(ContainSubstring("hunter2"))
			Expect(text).NotTo(ContainSubstring("tok-123"))
		}
		Expect(code).To(Equal(exitFailed))
		Expect(string(data)).To(ContainSubstring("access_token=REDACTED"))
	})
})

var _ = Describe("carecert validate", func() {
	var dir string
	BeforeEach(func() { dir = GinkgoT().TempDir() })

	It("exits 0 on valid input", func() {
		p := writeFile(dir, "p.json", `{"resourceType":"Patient","id":"a","gender":"female"}`)
		code, stdout, _ := carecert("validate", p)
		Expect(code).To(Equal(exitOK))
		Expect(stdout).To(ContainSubstring("1 record(s) in 1 target(s): 0 error(s)"))
	})

	It("fails on an unknown extension unless its domain is accepted with --accept-extensions", func() {
		p := writeFile(dir, "p.json", `{"resourceType":"Patient","id":"a","extension":[{"url":"https://fhir.supplier.test/StructureDefinition/pet","valueString":"cat"}]}`)
		code, stdout, _ := carecert("validate", p)
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(ContainSubstring("extension https://fhir.supplier.test/StructureDefinition/pet is unknown"))
		code, stdout, _ = carecert("validate", "--accept-extensions", "https://fhir.supplier.test/", p)
		Expect(code).To(Equal(exitOK), stdout)
	})

	It("exits 1 and lists each error with file, line, record and path", func() {
		p := writeFile(dir, "feed.ndjson", "{\"resourceType\":\"Patient\",\"id\":\"a\",\"gender\":\"F\"}\n{\"resourceType\":\"Patient\",\"id\":\n{\"resourceType\":\"Patient\",\"id\":\"c\"}\n")
		code, stdout, _ := carecert("validate", p)
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(ContainSubstring(p + `:1: error Patient/a at Patient.gender: "F" is not one of the allowed codes`))
		Expect(stdout).To(ContainSubstring(p + ":2: error: truncated JSON"))
		Expect(stdout).To(MatchRegexp(`3 record\(s\) in 1 target\(s\): [2-9] error\(s\)`))
		Expect(stdout).NotTo(MatchRegexp(`feed.ndjson:3: error`), "the third record is valid")
	})

	It("fails a folder with a dangling link, naming it, and still reads the files after it", func() {
		feed := filepath.Join(dir, "feed")
		writeFile(feed, "a.ndjson", "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n")
		Expect(os.Symlink(filepath.Join(feed, "gone.ndjson"), filepath.Join(feed, "b.ndjson"))).To(Succeed())
		c := writeFile(feed, "c.ndjson", "{\"resourceType\":\"Patient\",\"id\":\"c\",\"gender\":\"F\"}\n")
		code, stdout, _ := carecert("validate", feed)
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(ContainSubstring(filepath.Join(feed, "b.ndjson") + ": error: cannot open the file: no such file or directory"))
		Expect(stdout).To(ContainSubstring(c + `:1: error Patient/c at Patient.gender: "F" is not one of the allowed codes`))
	})

	It("reports a key written twice in a JSON object, and an element repeated where XML allows one, at the key and element", func() {
		p := writeFile(dir, "p.json", "{\"resourceType\":\"Patient\",\"id\":\"a\",\n\"gender\":\"male\",\"gender\":\"female\"}")
		code, stdout, _ := carecert("validate", p)
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(ContainSubstring(p + `:2: error Patient/a at Patient.gender: duplicate JSON property "gender" at column 17`))
		x := writeFile(dir, "p.xml", "<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"a\"/>\n<gender value=\"male\"/><gender value=\"female\"/></Patient>")
		code, stdout, _ = carecert("validate", x)
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(ContainSubstring(x + `:2: error Patient/a at Patient.gender: gender must be a single value, but the <gender> element is written more than once`))
	})

	It("takes the reference validator's options: --security-checks, --best-practice, --allow-example-urls", func() {
		p := writeFile(dir, "p.json", `{"resourceType":"Patient","id":"a","name":[{"family":"<script>x</script>"}]}`)
		code, _, _ := carecert("validate", p)
		Expect(code).To(Equal(exitOK))
		code, stdout, _ := carecert("validate", "--security-checks", p)
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(ContainSubstring("Patient.name[0].family: the string embeds the HTML tag <script>"))
		code, stdout, _ = carecert("validate", "--best-practice", "warning", p)
		Expect(code).To(Equal(exitOK))
		Expect(stdout).To(ContainSubstring("warning Patient/a at Patient: constraint dom-6 failed"))
		x := writeFile(dir, "x.json", `{"resourceType":"Patient","id":"a","extension":[{"url":"http://example.org/x","valueString":"y"}]}`)
		code, _, _ = carecert("validate", x)
		Expect(code).To(Equal(exitFailed))
		code, _, _ = carecert("validate", "--allow-example-urls", x)
		Expect(code).To(Equal(exitOK))
		code, _, stderr := carecert("validate", "--best-practice", "loud", p)
		Expect(code).To(Equal(exitUsage), stderr)
	})

	It("validates the Bundle entries --bundle-validation-rules picks against its profile, and refuses a rule it cannot read", func() {
		writeFile(dir, "named/named-patient.json", `{"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/named-patient",
			"name": "NamedPatient", "status": "draft", "kind": "resource", "abstract": false, "type": "Patient",
			"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint",
			"differential": {"element": [{"id": "Patient.name", "path": "Patient.name", "min": 1}]}}`)
		b := writeFile(dir, "rules/b.json", `{"resourceType": "Bundle", "type": "collection", "entry": [
			{"fullUrl": "http://example.org/fhir/Patient/p1", "resource": {"resourceType": "Patient", "id": "p1", "name": [{"family": "Ng"}]}},
			{"fullUrl": "http://example.org/fhir/Patient/p2", "resource": {"resourceType": "Patient", "id": "p2"}}]}`)
		ig := filepath.Join(dir, "named")
		code, _, stderr := carecert("validate", "--ig", ig, b)
		Expect(code).To(Equal(exitOK), stderr)
		code, stdout, _ := carecert("validate", "--ig", ig, "--bundle-validation-rules", "Patient:1=http://example.org/fhir/StructureDefinition/named-patient", b)
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(ContainSubstring("Patient/p2 at Patient.name"))
		Expect(stdout).NotTo(ContainSubstring("Patient/p1 at Patient.name"))
		code, _, stderr = carecert("validate", "--bundle-validation-rules", "Patient:first=http://example.org/x", b)
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring(`bundle-validation-rules: rule "Patient:first"`))
	})

	It("holds each resource validated on its own to --resource-id-rule, leaving a Bundle's entries free, and refuses a rule it cannot read", func() {
		with := writeFile(dir, "ids/with.json", `{"resourceType": "Patient", "id": "p1", "name": [{"family": "Ng"}]}`)
		without := writeFile(dir, "ids/without.xml", `<Patient xmlns="http://hl7.org/fhir"><name><family value="Ng"/></name></Patient>`)
		b := writeFile(dir, "ids/b.json", `{"resourceType": "Bundle", "id": "b1", "type": "collection", "entry": [
			{"fullUrl": "urn:uuid:0b5a9a4e-7f1c-4f0e-9d55-2f8b1c3a6e01", "resource": {"resourceType": "Patient", "name": [{"family": "Ng"}]}}]}`)
		code, _, stderr := carecert("validate", with, without, b)
		Expect(code).To(Equal(exitOK), stderr)
		code, stdout, _ := carecert("validate", "--resource-id-rule", "required", with, without, b)
		Expect(code).To(Equal(exitFailed))
		Expect(strings.Count(stdout, "resource-id-rule required")).To(Equal(1), stdout)
		Expect(stdout).To(ContainSubstring("without.xml"))
		code, stdout, _ = carecert("validate", "--resource-id-rule", "prohibited", with, without, b)
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(And(ContainSubstring("Patient/p1 at Patient.id"), ContainSubstring("Bundle/b1 at Bundle.id")))
		Expect(strings.Count(stdout, "resource-id-rule prohibited")).To(Equal(2), stdout)
		code, _, stderr = carecert("validate", "--resource-id-rule", "sometimes", with)
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("resource-id-rule"))
	})

	It("reports a comment in FHIR JSON at its line, and accepts it with --allow-comments", func() {
		p := writeFile(dir, "c.json", "{\"resourceType\":\"Patient\",\"id\":\"a\",\n// kept from the template\n\"gender\":\"male\"}")
		code, stdout, _ := carecert("validate", p)
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(ContainSubstring(p + ":2: error Patient/a at Patient: a comment in JSON"))
		code, stdout, _ = carecert("validate", "--allow-comments", p)
		Expect(code).To(Equal(exitOK), stdout)
		Expect(stdout).NotTo(ContainSubstring("comment"))
	})

	It("exits 2 for a path that cannot be read, still reporting the readable ones", func() {
		p := writeFile(dir, "p.json", `{"resourceType":"Patient","id":"a","active":"yes"}`)
		missing := filepath.Join(dir, "missing.ndjson")
		code, stdout, stderr := carecert("validate", p, missing)
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring(missing))
		Expect(stdout).To(ContainSubstring("Patient.active"))
	})

	It("writes a schema-valid JSON report and JUnit on request", func() {
		p := writeFile(dir, "p.json", `{"resourceType":"Patient","id":"a","birthDate":"1980-13-01"}`)
		code, stdout, _ := carecert("validate", "--format", "json", p)
		Expect(code).To(Equal(exitFailed))
		validReport([]byte(stdout))
		var rep struct {
			Evidence string `json:"evidence"`
		}
		Expect(json.Unmarshal([]byte(stdout), &rep)).To(Succeed())
		Expect(rep.Evidence).To(Equal("redacted"))
		Expect(stdout).NotTo(ContainSubstring("1980-13-01"), "a birth date is identifying: redacted by default")
		_, full, _ := carecert("validate", "--format", "json", "--evidence", "full", p)
		Expect(full).To(ContainSubstring("1980-13-01"))
		code, junit, _ := carecert("validate", "--format", "junit", p)
		Expect(code).To(Equal(exitFailed))
		Expect(junit).To(HavePrefix("<?xml"))
		Expect(junit).To(ContainSubstring("<failure"))
	})

	It("exits 2 for usage errors", func() {
		code, _, stderr := carecert("validate", "--format", "yaml", "x.json")
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring(`--format "yaml"`))
		code, _, _ = carecert("validate")
		Expect(code).To(Equal(exitUsage))
		code, _, stderr = carecert("validate", "--suite", "no-such", writeFile(dir, "p.json", "{}"))
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring(`no built-in suite "no-such"`))
	})

	It("runs a user's own suite file", func() {
		s := writeFile(dir, "types-only.yaml", `id: types-only
version: "1"
title: Types only
requirements:
  - {id: T1, level: SHALL, title: Known types, check: fhir-resource-type}
`)
		p := writeFile(dir, "p.json", `{"resourceType":"Patient","id":"a","active":"yes"}`)
		code, stdout, _ := carecert("validate", "--suite", s, p)
		Expect(code).To(Equal(exitOK), "the schema check is not in this suite")
		Expect(stdout).To(ContainSubstring("0 error(s)"))
	})
})

var _ = Describe("carecert fixtures generate", func() {
	It("writes the same bytes for the same seed and a manifest of the defects", func() {
		a, b := GinkgoT().TempDir(), GinkgoT().TempDir()
		for _, d := range []string{a, b} {
			code, stdout, _ := carecert("fixtures", "generate", "--seed", "5", "--records", "1000", "--out", d)
			Expect(code).To(Equal(exitOK))
			Expect(stdout).To(ContainSubstring("wrote 1000 records"))
		}
		x, _ := os.ReadFile(filepath.Join(a, "feed.ndjson"))
		y, _ := os.ReadFile(filepath.Join(b, "feed.ndjson"))
		Expect(x).To(Equal(y))
		Expect(bytes.Count(x, []byte("\n"))).To(Equal(1000))
		var m fixtures.Manifest
		data, _ := os.ReadFile(filepath.Join(a, "manifest.json"))
		Expect(json.Unmarshal(data, &m)).To(Succeed())
		Expect(m.Counts).To(HaveLen(len(fixtures.Kinds())))
		code, _, stderr := carecert("fixtures", "generate", "--defects", "nonsense=1", "--out", a)
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring(`defects: unknown kind "nonsense" (known: `))
	})

	It("refuses a bad defect spec in every generator with the same words, writing nothing", func() {
		for _, gen := range []struct{ command, size, kind string }{
			{"generate", "--records", "wrong-type"}, {"cld", "--rows", "ragged-row"},
		} {
			out := filepath.Join(GinkgoT().TempDir(), "out")
			k := gen.kind
			for spec, want := range map[string]string{
				k + "=3x":            fmt.Sprintf(`defects: "%s=3x": the count must be a whole number (0, 1, 2, ...)`, k),
				k + "=1," + k + "=2": fmt.Sprintf("defects: %s given twice", k),
				k + "=1,":            fmt.Sprintf(`defects: empty item in "%s=1,": remove the extra comma`, k),
				k + "x=1":            fmt.Sprintf(`defects: unknown kind "%sx": did you mean "%s"?`, k, k),
			} {
				code, _, stderr := carecert("fixtures", gen.command, gen.size, "50", "--defects", spec, "--out", out)
				Expect(code).To(Equal(exitUsage), spec)
				Expect(stderr).To(ContainSubstring(want), spec)
				Expect(out).NotTo(BeADirectory(), spec)
			}
		}
	})
})

var _ = Describe("built-in suites", func() {
	It("all parse against the check types this build registers", func() {
		reg := newRegistries()
		Expect(suites.BuiltinIDs()).NotTo(BeEmpty())
		for _, id := range suites.BuiltinIDs() {
			_, err := suites.Builtin(id, reg.checks)
			Expect(err).NotTo(HaveOccurred(), id)
		}
		code, stdout, _ := carecert("suites")
		Expect(code).To(Equal(exitOK))
		Expect(stdout).To(ContainSubstring("fhir-r4-structure"))
		code, stdout, _ = carecert("checks")
		Expect(code).To(Equal(exitOK))
		Expect(strings.Count(stdout, "\n")).To(BeNumerically(">=", 4))
	})
})

var _ = Describe("sharded runs on the command line", func() {
	It("writes one part per shard and merges a folder of parts into the single-run reports", func() {
		dir := GinkgoT().TempDir()
		parts := filepath.Join(dir, "parts")
		for i := 1; i <= 3; i++ {
			code, stdout, stderr := carecert("run", "../../examples/demo-plan.yaml", "--shard", fmt.Sprintf("%d/3", i), "--out", parts)
			Expect(stderr).To(BeEmpty())
			Expect(code).To(Equal(exitOK), "a shard that wrote its part succeeded, whatever the verdict")
			Expect(stdout).To(ContainSubstring(fmt.Sprintf("part-%d-of-3.json", i)))
		}
		code, _, _ := carecert("merge", parts, "--out", filepath.Join(dir, "merged"), "--quiet")
		Expect(code).To(Equal(exitFailed), "the merged verdict: Oakfield is not certified")
		carecert("run", "../../examples/demo-plan.yaml", "--out", filepath.Join(dir, "whole"), "--quiet")
		for _, name := range []string{"oakfield-health-software/report.json", "riverside-clinical-systems/junit.xml"} {
			x, err := os.ReadFile(filepath.Join(dir, "whole", name))
			Expect(err).NotTo(HaveOccurred())
			y, err := os.ReadFile(filepath.Join(dir, "merged", name))
			Expect(err).NotTo(HaveOccurred())
			Expect(timestamps.ReplaceAllString(string(y), "")).To(Equal(timestamps.ReplaceAllString(string(x), "")))
		}
		Expect(os.Remove(filepath.Join(parts, "part-2-of-3.json"))).To(Succeed())
		code, _, stderr := carecert("merge", parts, "--out", filepath.Join(dir, "again"))
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("missing shard(s) 2 of 3"))
		code, _, stderr = carecert("run", "../../examples/demo-plan.yaml", "--shard", "4/3")
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("want 1 <= i <= n"))
	})
})

var _ = Describe("an interrupted run", func() {
	It("writes the results so far, marked incomplete, and exits 3", func() {
		dir := GinkgoT().TempDir()
		// The feed is a named pipe: once a megabyte has been written into it, the
		// run has provably read most of it, whatever the machine's speed.
		fifo := filepath.Join(dir, "feed.ndjson")
		Expect(syscall.Mkfifo(fifo, 0o644)).To(Succeed())
		plan := writeFile(dir, "plan.yaml", "suites: [fhir-r4-structure]\nvendors:\n  - name: Slow Co\n    targets: [{path: feed.ndjson}]\n")
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			defer GinkgoRecover()
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			Expect(err).NotTo(HaveOccurred())
			line := []byte(`{"resourceType":"Patient","id":"p","gender":"female"}` + "\n")
			for written := 0; written < 1<<20; written += len(line) {
				_, err := w.Write(line)
				Expect(err).NotTo(HaveOccurred())
			}
			cancel() // the stand-in for Ctrl-C: main cancels the same context on SIGINT
			w.Write(line)
			w.Close()
		}()
		var out, errOut bytes.Buffer
		code := execute(ctx, []string{"run", plan, "--out", filepath.Join(dir, "out")}, &out, &errOut)
		Expect(code).To(Equal(exitInterrupted))
		Expect(errOut.String()).To(ContainSubstring("interrupted"))
		data, err := os.ReadFile(filepath.Join(dir, "out", "slow-co", "report.json"))
		Expect(err).NotTo(HaveOccurred())
		validReport(data)
		var rep struct {
			Complete bool `json:"complete"`
			Targets  []struct {
				Records int64 `json:"records"`
			} `json:"targets"`
		}
		Expect(json.Unmarshal(data, &rep)).To(Succeed())
		Expect(rep.Complete).To(BeFalse())
		// The pipe holds 64 KiB and the reader buffers at most 128 KiB more: the
		// rest of the megabyte was read before the cancel, and the run stopped
		// before the end.
		perLine := int64(len(`{"resourceType":"Patient","id":"p","gender":"female"}` + "\n"))
		lines := 1<<20/perLine + 1
		Expect(rep.Targets[0].Records).To(BeNumerically(">", (1<<20-3<<16)/perLine))
		Expect(rep.Targets[0].Records).To(BeNumerically("<=", lines+1))
		Expect(out.String()).To(ContainSubstring("incomplete"))
		index, err := runindex.Read(filepath.Join(dir, "out"))
		Expect(err).NotTo(HaveOccurred())
		Expect(index.State).To(Equal(runindex.Incomplete))
		Expect(index.Vendors).To(HaveLen(1))
		Expect(index.Vendors[0].Complete).To(BeFalse())
	})
})

var _ = Describe("the output folder's run index", func() {
	It("names the files of the last run, binds them by hash, and lists what earlier runs left", func() {
		dir := GinkgoT().TempDir()
		out := filepath.Join(dir, "out")
		plan := writeFile(dir, "plan.yaml", `suites: [fhir-r4-structure]
vendors:
  - {name: Alpha, targets: [{type: fixture, records: 20, defects: none}]}
  - {name: Beta, targets: [{type: fixture, records: 20, seed: 4}]}
`)
		carecert("run", plan, "--out", out, "-q", "--no-history")
		first, err := runindex.Read(out)
		Expect(err).NotTo(HaveOccurred())
		Expect(first.State).To(Equal(runindex.Complete))
		Expect(first.Vendors).To(HaveLen(2))
		Expect(first.Files).To(ConsistOf("comparison.html", "comparison.csv"))
		Expect(first.NotThisRun).To(BeEmpty())
		for _, v := range first.Vendors {
			sum, _, err := manifest.HashFile(filepath.Join(out, v.Folder, "report.json"))
			Expect(err).NotTo(HaveOccurred())
			Expect(v.ReportSHA256).To(Equal(sum))
		}

		feed := writeFile(dir, "feed.ndjson", `{"resourceType":"Patient","id":"a","gender":"female"}`+"\n")
		code, _, _ := carecert("run", "--vendor", "Gamma", "--target", feed, "--suite", "fhir-r4-structure", "--out", out, "-q", "--no-history")
		Expect(code).To(Equal(exitOK))
		second, err := runindex.Read(out)
		Expect(err).NotTo(HaveOccurred())
		Expect(second.Run).NotTo(Equal(first.Run))
		Expect(second.State).To(Equal(runindex.Complete))
		Expect(second.Vendors).To(HaveLen(1))
		Expect(second.Vendors[0].Folder).To(Equal("gamma"))
		Expect(second.Vendors[0].Verdict).To(Equal("Certified"))
		Expect(second.Files).To(BeEmpty())
		Expect(second.NotThisRun).To(Equal([]string{"alpha/", "beta/", "comparison.csv", "comparison.html"}))
	})
})

var _ = Describe("carecert validate on a live FHIR server", func() {
	It("runs the REST API suite as well as the resource suites", func() {
		dir := GinkgoT().TempDir()
		_, err := fixtures.WriteDir(dir, fixtures.Options{Seed: 3, Records: 60})
		Expect(err).NotTo(HaveOccurred())
		sim, err := fhirserver.New(fhirserver.Options{Feed: filepath.Join(dir, fixtures.FeedFile)})
		Expect(err).NotTo(HaveOccurred())
		srv := httptest.NewServer(sim)
		defer srv.Close()
		code, stdout, stderr := carecert("validate", "--format", "json", srv.URL)
		Expect(stderr).To(BeEmpty())
		Expect(code).To(Equal(exitOK))
		validReport([]byte(stdout))
		Expect(stdout).To(ContainSubstring(`"suite": "fhir-rest-api"`))
		Expect(stdout).To(ContainSubstring(`"suite": "fhir-r4-structure"`))
	})
})

var _ = Describe("--ig id#version", func() {
	It("loads the package from the local FHIR package cache, and names the cache and the versions it holds when the package is not there", func() {
		home := GinkgoT().TempDir()
		GinkgoT().Setenv("HOME", home)
		pkg := filepath.Join(home, ".fhir", "packages", "example.fhir.test#1.2.3", "package")
		writeFile(pkg, "package.json", `{"name": "example.fhir.test", "version": "1.2.3", "fhirVersions": ["4.0.1"]}`)
		writeFile(pkg, "CodeSystem-example.json", `{"resourceType":"CodeSystem","url":"http://example.org/cs","status":"active","content":"complete","concept":[{"code":"a"}]}`)
		dir := GinkgoT().TempDir()
		p := writeFile(dir, "p.json", `{"resourceType":"Patient","id":"a","gender":"female"}`)

		code, stdout, stderr := carecert("validate", "--format", "json", "--ig", "example.fhir.test#1.2.3", p)
		Expect(stderr).To(BeEmpty())
		Expect(code).To(Equal(exitOK))
		var rep struct {
			Guides []string `json:"guides"`
		}
		Expect(json.Unmarshal([]byte(stdout), &rep)).To(Succeed())
		Expect(rep.Guides).To(Equal([]string{pkg}))

		code, _, stderr = carecert("validate", "--ig", "example.fhir.test#9.9.9", p)
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("package example.fhir.test#9.9.9 is not in the FHIR package cache " + filepath.Join(home, ".fhir", "packages")))
		Expect(stderr).To(ContainSubstring("it holds example.fhir.test version(s) 1.2.3"))

		code, _, stderr = carecert("run", "--vendor", "A", "--target", p, "--suite", "fhir-r4-structure", "--ig", "hl7.fhir.uv.ips#1.1.0", "--out", filepath.Join(dir, "out"))
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("--ig hl7.fhir.uv.ips#1.1.0: package hl7.fhir.uv.ips#1.1.0 is not in the FHIR package cache"))

		plan := writeFile(dir, "plan.yaml", "suites: [fhir-r4-structure]\nigs: [example.fhir.test#2.0.0]\nvendor: A\ntargets: [{path: p.json}]\n")
		code, _, stderr = carecert("run", plan, "--out", filepath.Join(dir, "out"))
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("plan.yaml:2:7: igs[0]: package example.fhir.test#2.0.0 is not in the FHIR package cache"))
	})
})

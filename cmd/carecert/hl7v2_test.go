package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures/hl7v2gen"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/mllp"
	"github.com/carecert/carecert/model"
)

func hl7v2Feed(dir string, n int, defects map[string]int) string {
	g, err := hl7v2gen.New(hl7v2gen.Options{Seed: 4, Messages: n, ORUEvery: 4, Defects: defects})
	Expect(err).NotTo(HaveOccurred())
	var buf bytes.Buffer
	_, err = g.Generate(&buf)
	Expect(err).NotTo(HaveOccurred())
	return writeFile(dir, "feed.hl7", buf.String())
}

// simulateMLLP runs `carecert simulate mllp` in-process and returns its address.
func simulateMLLP(args ...string) string {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, append([]string{"simulate", "mllp", "--addr", "127.0.0.1:0"}, args...), &out, &errOut)
	}()
	DeferCleanup(func() {
		cancel()
		Eventually(done, 5*time.Second).Should(Receive(Equal(exitOK)))
	})
	addr := regexp.MustCompile(`on (127\.0\.0\.1:\d+)`)
	Eventually(errOut.String, 5*time.Second, 20*time.Millisecond).Should(MatchRegexp(addr.String()))
	return addr.FindStringSubmatch(errOut.String())[1]
}

var _ = Describe("carecert with HL7 v2", func() {
	It("checks an HL7 v2 XML conformance profile given as --suite, or as --ig (used as a suite, and said so)", func() {
		dir := GinkgoT().TempDir()
		profile, err := filepath.Abs(filepath.Join("..", "..", "examples", "hl7v2", "nhs-adt-a01-profile.xml"))
		Expect(err).NotTo(HaveOccurred())
		good := "MSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|C1|P|2.4\rEVN|A01|20240101120000\r" +
			"PID|1||633^^^RX1^MR~9434765919^^^NHS^NH||SMITH^JOHN||19800101|M|||1 ST^^LEEDS^^LS1||0113\rPV1|1|I|W1^^^RX1\r"
		ok := writeFile(dir, "good.hl7", good)
		bad := writeFile(dir, "bad.hl7", strings.Replace(good, "|P|2.4", "|P|2.4||||AL", 1))
		code, stdout, stderr := carecert("validate", "-q", "--suite", profile, ok)
		Expect(code).To(Equal(exitOK), stdout+stderr)
		code, stdout, stderr = carecert("validate", "-q", "--ig", profile, bad)
		Expect(code).To(Equal(exitFailed), stdout+stderr)
		Expect(stderr).To(ContainSubstring("is an HL7 v2 conformance profile: checked as a suite"))
		Expect(stdout).To(ContainSubstring("[ADT_A01-MSH]"))
	})

	It("checks an IGAMT export given as --ig, with the constraints file exported beside it", func() {
		dir := GinkgoT().TempDir()
		for _, name := range []string{"Profile.xml", "Constraints.xml"} {
			src, err := os.ReadFile(filepath.Join("..", "..", "validators", "hl7v2", "testdata", "igamt", name))
			Expect(err).NotTo(HaveOccurred())
			writeFile(dir, name, string(src))
		}
		msg := "MSH|^~\\&|APP^1.2.3^ISO|FAC|||20240101120000||ADT^A04^ADT_A01|C1|P|2.5.1\rEVN|A04|20240101120000\r" +
			"PID|1||123^^^H^MR||DOE^JOHN||19800101|M\rPV1|1|O\r"
		ok := writeFile(dir, "good.hl7", msg)
		bad := writeFile(dir, "bad.hl7", strings.Replace(msg, "PID|1|", "PID|2|", 1))
		code, stdout, stderr := carecert("validate", "-q", "--ig", filepath.Join(dir, "Profile.xml"), ok)
		Expect(code).To(Equal(exitOK), stdout+stderr)
		Expect(stderr).To(ContainSubstring("is an HL7 v2 conformance profile: checked as a suite"))
		code, stdout, stderr = carecert("validate", "-q", "--suite", filepath.Join(dir, "Profile.xml"), bad)
		Expect(code).To(Equal(exitFailed), stdout+stderr)
		Expect(stdout).To(ContainSubstring("T-2: The value of PID-1 (Set ID - PID) SHALL be '1'."))
		Expect(stdout).To(ContainSubstring("[ADT_A04-PID]"))
	})

	It("uses an HL7 v2 XML conformance profile a plan lists under igs as a suite, read relative to the plan", func() {
		dir := GinkgoT().TempDir()
		src, err := os.ReadFile(filepath.Join("..", "..", "examples", "hl7v2", "nhs-adt-a01-profile.xml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(os.MkdirAll(filepath.Join(dir, "profiles"), 0o755)).To(Succeed())
		writeFile(filepath.Join(dir, "profiles"), "nhs.xml", string(src))
		plan := writeFile(dir, "plan.yaml", "name: v2 profile under igs\nigs: [profiles/nhs.xml]\nsuites: [hl7v2-structure]\n"+
			"vendor: {name: Acme PAS}\ntargets:\n  - {name: ADT feed, type: hl7v2-fixture, seed: 1, messages: 20}\n")
		out := filepath.Join(dir, "out")
		code, _, stderr := carecert("run", plan, "--out", out, "-q", "--no-history")
		Expect(code).To(BeElementOf(exitOK, exitFailed), stderr)
		matches, err := filepath.Glob(filepath.Join(out, "*", "report.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(matches).To(HaveLen(1))
		report, err := os.ReadFile(matches[0])
		Expect(err).NotTo(HaveOccurred())
		Expect(string(report)).To(ContainSubstring(`"requirement": "ADT_A01-PID"`))
		Expect(string(report)).To(ContainSubstring(`"requirement": "V2-STRUCTURE"`))
	})

	It("validates .hl7 files with the default hl7v2-structure suite: 0 when clean, 1 with errors", func() {
		dir := GinkgoT().TempDir()
		code, stdout, stderr := carecert("validate", "-q", hl7v2Feed(dir, 40, nil))
		Expect(code).To(Equal(exitOK), stderr)
		Expect(stdout).To(ContainSubstring("40 record(s) in 1 target(s): 0 error(s), 0 warning(s)"))

		code, stdout, _ = carecert("validate", "-q", sharedtest.Path("hl7v2-samples", "ADT-A01-01.hl7"))
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(ContainSubstring("segment(s) end with LF instead of CR [V2-PARSE]"))
		// A 2.8 message: RF1 and AUT are in 2.8's insurance group (2.7.1's had neither).
		Expect(stdout).NotTo(ContainSubstring("[V2-STRUCTURE]"))

		code, stdout, _ = carecert("validate", "-q", sharedtest.Path("hl7v2-samples", "MDM_01.hl7"))
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(ContainSubstring("segment TXA is not part of the ADT_A01 structure"))
	})

	It("certifies an MLLP endpoint with --feed: exit 0 when every ACK is right, 1 when one is wrong", func() {
		dir := GinkgoT().TempDir()
		feed := hl7v2Feed(dir, 8, nil)
		good := simulateMLLP()
		code, _, stderr := carecert("run", "-q", "--vendor", "Acme", "--target", "mllp://"+good, "--feed", feed, "--suite", "mllp-ack", "--out", filepath.Join(dir, "good"))
		Expect(code).To(Equal(exitOK), stderr)

		bad := simulateMLLP("--defect", "wrong-msa2", "--every", "4")
		out := filepath.Join(dir, "bad")
		code, _, _ = carecert("run", "-q", "--vendor", "Acme", "--target", "mllp://"+bad, "--feed", feed, "--suite", "mllp-ack", "--out", out)
		Expect(code).To(Equal(exitFailed))
		data, err := os.ReadFile(filepath.Join(out, "acme", "report.json"))
		Expect(err).NotTo(HaveOccurred())
		validReport(data)
		var rep model.Report
		Expect(json.Unmarshal(data, &rep)).To(Succeed())
		Expect(rep.Verdict.Decision).To(Equal(model.NotCertified))
		for _, r := range rep.Targets[0].Results {
			if r.Requirement == "ACK-CORRECT" {
				Expect(r.Failing).To(BeEquivalentTo(2))
			}
		}
	})

	It("does not certify an mllp target without a feed, and the report names the option", func() {
		dir := GinkgoT().TempDir()
		code, _, _ := carecert("run", "-q", "--vendor", "Acme", "--target", "mllp://127.0.0.1:9", "--suite", "mllp-ack", "--out", dir)
		Expect(code).To(Equal(exitFailed))
		data, err := os.ReadFile(filepath.Join(dir, "acme", "report.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(ContainSubstring("an mllp target needs a feed"))
	})

	It("listens for a feed until the message count, saying where, then writes the report", func() {
		dir := GinkgoT().TempDir()
		done := make(chan int, 1)
		var out, errOut syncBuffer
		go func() {
			done <- execute(context.Background(), []string{"listen", "mllp", "--addr", "127.0.0.1:0", "--count", "2", "--duration", "20s",
				"--suite", "hl7v2-structure", "--suite", "nhs-adt-v2", "--out", dir}, &out, &errOut)
		}()
		at := regexp.MustCompile(`listening for MLLP on (127\.0\.0\.1:\d+) \(up to 20s or 2 message\(s\)\)`)
		Eventually(errOut.String, 5*time.Second, 20*time.Millisecond).Should(MatchRegexp(at.String()))
		conn, err := net.Dial("tcp", at.FindStringSubmatch(errOut.String())[1])
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		ms, err := os.ReadFile(hl7v2Feed(GinkgoT().TempDir(), 2, nil))
		Expect(err).NotTo(HaveOccurred())
		// The generated file holds two messages: send each in its own frame.
		i := bytes.Index(ms[1:], []byte("MSH|")) + 1
		for _, m := range [][]byte{ms[:i], ms[i:]} {
			_, err := conn.Write(mllp.Wrap(m))
			Expect(err).NotTo(HaveOccurred())
		}
		Eventually(done, 10*time.Second).Should(Receive(Equal(exitOK)))
		data, err := os.ReadFile(filepath.Join(dir, "mllp-sender", "report.json"))
		Expect(err).NotTo(HaveOccurred())
		validReport(data)
		var rep model.Report
		Expect(json.Unmarshal(data, &rep)).To(Succeed())
		Expect(rep.Targets[0].Records).To(BeEquivalentTo(2))
		Expect(rep.Verdict.Decision).To(Equal(model.Certified))
	})
})

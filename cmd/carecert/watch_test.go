package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
)

var _ = Describe("validate --watch", func() {
	const (
		clean  = `{"resourceType":"Patient","birthDate":"1990-01-01"}`
		broken = `{"resourceType":"Patient","gender":"xx"}`
	)

	// watching starts carecert validate --watch in-process and returns its
	// output, its exit code once it ends, and the way to end it (as Ctrl-C
	// does: main cancels the context on the first signal).
	watching := func(args ...string) (*gbytes.Buffer, *gbytes.Buffer, chan int, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		out, errOut := gbytes.NewBuffer(), gbytes.NewBuffer()
		code, done := make(chan int, 1), make(chan struct{})
		go func() {
			defer GinkgoRecover()
			defer close(done)
			code <- execute(ctx, append([]string{"validate", "--watch", "--quiet"}, args...), out, errOut)
		}()
		DeferCleanup(func() {
			cancel()
			Eventually(done, time.Minute).Should(BeClosed())
		})
		return out, errOut, code, cancel
	}

	It("reports the first result, re-reports an edit that breaks a file and its fix, picks up a new file, and ends with exit 0", func() {
		dir := GinkgoT().TempDir()
		a := writeFile(dir, "a.json", clean)
		out, errOut, code, stop := watching(dir)
		Eventually(errOut, time.Minute).Should(gbytes.Say("watching 1 file"))
		Expect(out).To(gbytes.Say(`1 record\(s\) in 1 target\(s\): 0 error\(s\)`))

		writeFile(dir, "a.json", broken)
		Eventually(out, time.Minute).Should(gbytes.Say(`=== \d\d:\d\d:\d\d re-checking ` + regexp.QuoteMeta(a) + ` ===`))
		Eventually(out, time.Minute).Should(gbytes.Say(regexp.QuoteMeta(a) + `:1: error .*Patient.gender`))
		Eventually(out, time.Minute).Should(gbytes.Say(`in 1 target\(s\): [1-9]\d* error\(s\)`))

		writeFile(dir, "a.json", clean+"\n")
		Eventually(out, time.Minute).Should(gbytes.Say(`re-checking ` + regexp.QuoteMeta(a) + ` ===\n1 record\(s\) in 1 target\(s\): 0 error\(s\)`))

		b := writeFile(dir, "sub/b.json", broken)
		writeFile(dir, "sub/.b.json.swp", "editor scratch")
		Eventually(out, time.Minute).Should(gbytes.Say(`re-checking ` + regexp.QuoteMeta(b) + ` ===\n` + regexp.QuoteMeta(b) + `:1: error`))

		Expect(os.Remove(b)).To(Succeed())
		Eventually(out, time.Minute).Should(gbytes.Say(regexp.QuoteMeta(b) + `: error: the file is gone`))
		Expect(string(out.Contents())).NotTo(ContainSubstring(".swp"), "an editor's hidden files are not input")

		stop()
		Eventually(code, time.Minute).Should(Receive(Equal(exitOK)))
	})

	It("reports a file caught mid-write as a finding and carries on", func() {
		dir := GinkgoT().TempDir()
		p := writeFile(dir, "half.json", clean)
		out, errOut, _, _ := watching(p)
		Eventually(errOut, time.Minute).Should(gbytes.Say("watching 1 file"))
		writeFile(dir, "half.json", `{"resourceType":"Patient","birthD`)
		Eventually(out, time.Minute).Should(gbytes.Say(regexp.QuoteMeta(p) + `:1: error: truncated JSON`))
		writeFile(dir, "half.json", clean)
		Eventually(out, time.Minute).Should(gbytes.Say(`re-checking ` + regexp.QuoteMeta(p) + ` ===\n1 record\(s\) in 1 target\(s\): 0 error\(s\)`))
	})

	DescribeTable("refuses options it cannot honour with a usage error naming the option",
		func(option string, args ...string) {
			path := writeFile(GinkgoT().TempDir(), "a.json", clean)
			code, stdout, stderr := carecert(append(append([]string{"validate", "--watch"}, args...), path)...)
			Expect(code).To(Equal(exitUsage))
			Expect(stdout).To(BeEmpty())
			Expect(stderr).To(ContainSubstring(option))
		},
		Entry("a single-document format", "--format json", "--format", "json"),
		Entry("SARIF", "--format sarif", "--format", "sarif"),
		Entry("a shard", "--shard", "--shard", "1/2"),
		Entry("an output folder", "--out", "--out", filepath.Join(os.TempDir(), "never-written")),
		Entry("standard input", "not -", "-"),
		Entry("a server", "not http://127.0.0.1:1/fhir", "http://127.0.0.1:1/fhir"),
	)
})

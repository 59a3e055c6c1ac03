package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var _ = Describe("carecert simulate fhir", func() {
	It("serves a generated feed that `carecert run` then judges, and stops cleanly when interrupted", func() {
		feed := GinkgoT().TempDir()
		code, _, stderr := carecert("fixtures", "generate", "--records", "40", "--defects", "none", "--out", feed)
		Expect(code).To(Equal(exitOK), stderr)

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var out, errOut syncBuffer
		done := make(chan int, 1)
		go func() {
			done <- execute(ctx, []string{"simulate", "fhir", "--addr", "127.0.0.1:0", "--feed", feed, "--defects", "ignore-count"}, &out, &errOut)
		}()
		addr := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)`)
		Eventually(out.String, 5*time.Second, 20*time.Millisecond).Should(MatchRegexp(addr.String()))
		url := addr.FindStringSubmatch(out.String())[1]
		Expect(out.String()).To(ContainSubstring("40 resources of 7 types"))

		reports := GinkgoT().TempDir()
		code, stdout, stderr := carecert("run", "-q", "--vendor", "Acme", "--target", url, "--suite", "fhir-rest-api", "--out", reports)
		Expect(stderr).To(BeEmpty())
		// ignore-count is the one defect: 15 Observations come back on one
		// page when ten were asked for. Nothing else fails.
		Expect(code).To(Equal(exitFailed), stdout)
		data, err := os.ReadFile(filepath.Join(reports, "acme", "report.json"))
		Expect(err).NotTo(HaveOccurred())
		var rep model.Report
		Expect(json.Unmarshal(data, &rep)).To(Succeed())
		var failed []string
		for _, r := range rep.Targets[0].Results {
			if r.Outcome == model.Fail {
				failed = append(failed, r.Requirement)
			}
		}
		Expect(failed).To(Equal([]string{"API-04"}))

		cancel()
		Eventually(done, 5*time.Second).Should(Receive(Equal(exitOK)))
	})

	It("refuses half-given or unreadable authentication settings with usage errors", func() {
		feed := GinkgoT().TempDir()
		code, _, _ := carecert("fixtures", "generate", "--records", "5", "--defects", "none", "--out", feed)
		Expect(code).To(Equal(exitOK))
		code, _, stderr := carecert("simulate", "fhir", "--feed", feed, "--smart-client-id", "c1")
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("needs both --smart-client-id and --smart-public-key"))
		notKey := filepath.Join(feed, "feed.ndjson")
		code, _, stderr = carecert("simulate", "fhir", "--feed", feed, "--smart-client-id", "c1", "--smart-public-key", notKey)
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("not a PEM RSA or EC public key"))
		code, _, stderr = carecert("simulate", "fhir", "--feed", feed, "--token-env", "CARECERT_NO_SUCH_TOKEN_VAR")
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("environment variable CARECERT_NO_SUCH_TOKEN_VAR is empty or not set"))
	})

	It("rejects an unknown defect with a usage error", func() {
		code, _, stderr := carecert("simulate", "fhir", "--feed", GinkgoT().TempDir(), "--defects", "bogus")
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring(`unknown kind "bogus"`))
	})

	It("ships a server demo plan whose targets all open", func() {
		p, err := runner.LoadPlan("../../examples/server-demo-plan.yaml")
		Expect(err).NotTo(HaveOccurred())
		r := (&app{env: newRegistries()}).newRunner(1, true)
		Expect(r.Preflight(p)).To(Succeed())
		Expect(p.Vendors).To(HaveLen(2))
	})
})

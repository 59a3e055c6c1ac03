package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/submission"
)

// portal is the least a portal does with an upload: a bearer token names the
// vendor a supplier may submit for, and the body goes to submission.Ingest.
func portal(store *history.Store, keys *submission.Keys, tokens map[string]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != submission.Route {
			http.NotFound(w, r)
			return
		}
		vendor, ok := tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		if !ok {
			http.Error(w, `{"error": "no such login"}`, http.StatusUnauthorized)
			return
		}
		rec, err := submission.Ingest(r.Context(), store, keys, r.Body, submission.Options{Vendor: vendor})
		submission.Respond(w, rec, err)
	})
}

var _ = Describe("carecert submit", Ordered, func() {
	var out, oakfield string
	var store *history.Store
	var server *httptest.Server
	BeforeAll(func() {
		dir := GinkgoT().TempDir()
		plan := filepath.Join(dir, "plan.yaml")
		Expect(os.WriteFile(plan, []byte(twoVendorPlan), 0o644)).To(Succeed())
		key := filepath.Join(dir, "oakfield.key")
		code, _, _ := carecert("keygen", key)
		Expect(code).To(Equal(0))
		out = filepath.Join(dir, "out")
		code, _, stderr := carecert("run", plan, "--out", out, "-q", "--sign-key", key)
		Expect(code).To(Equal(exitFailed), stderr)
		oakfield = filepath.Join(out, "oakfield-health-software")

		keysFile := filepath.Join(dir, "vendors.yaml")
		Expect(os.WriteFile(keysFile, []byte("vendors:\n  - name: Oakfield Health Software\n    keys: [oakfield.key.pub]\n"), 0o644)).To(Succeed())
		keys, err := submission.LoadKeys(keysFile)
		Expect(err).NotTo(HaveOccurred())
		store, err = history.Open(context.Background(), filepath.Join(dir, "portal.db"))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(store.Close)
		server = httptest.NewServer(portal(store, keys, map[string]string{"oak-token": "Oakfield Health Software", "river-token": "Riverside Clinical Systems"}))
		DeferCleanup(server.Close)
		Expect(server.URL).To(HavePrefix("http://127.0.0.1:"))
	})

	It("uploads a signed run folder and prints the stored run's id", func() {
		code, stdout, stderr := carecert("submit", "--server", server.URL, "--token", "oak-token", oakfield)
		Expect(stderr).To(BeEmpty())
		Expect(code).To(Equal(0))
		Expect(stdout).To(MatchRegexp(`^stored as run 1: Oakfield Health Software 11\.0\.4 \(Not certified\), signed by key [0-9a-f]{32}, 6 file\(s\)\n$`))
		files, err := store.Files(context.Background(), 1)
		Expect(err).NotTo(HaveOccurred())
		Expect(files).To(HaveLen(8), "the six renderings, the manifest and its signature")
	})

	It("prints the portal's refusal and exits 1", func() {
		code, stdout, _ := carecert("submit", "--server", server.URL, "--token", "river-token", oakfield)
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(Equal("refused (vendor-mismatch): the run is Oakfield Health Software's; this login may submit only Riverside Clinical Systems's runs\n"))

		riverside := filepath.Join(out, "riverside-clinical-systems")
		code, stdout, _ = carecert("submit", "--server", server.URL, "--token", "river-token", riverside)
		Expect(code).To(Equal(exitFailed))
		Expect(stdout).To(HavePrefix("refused (unknown-vendor): vendor Riverside Clinical Systems has no key registered"))
	})

	It("takes the token from CARECERT_TOKEN and says when the portal turns the login away (exit 2)", func() {
		GinkgoT().Setenv("CARECERT_TOKEN", "stolen")
		code, _, stderr := carecert("submit", "--server", server.URL, oakfield)
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("401 Unauthorized: no such login"))
	})

	It("exits 2 naming the folder when it holds no run, and the address when no portal answers", func() {
		code, _, stderr := carecert("submit", "--server", server.URL, GinkgoT().TempDir())
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring(manifest.FileName))
		code, _, stderr = carecert("submit", "--server", "http://127.0.0.1:1", oakfield)
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("submit to http://127.0.0.1:1/api/submissions"))
		code, _, stderr = carecert("submit", oakfield)
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("--server is required"))
	})
})

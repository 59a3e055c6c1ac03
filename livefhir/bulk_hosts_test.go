package livefhir_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
)

// hostileExport is a Bulk server whose manifest names one file on its own
// origin and one at fileURL, elsewhere.
func hostileExport(fileURL string) string {
	var base string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/$export"):
			w.Header().Set("Content-Location", base+"/status/1")
			w.WriteHeader(http.StatusAccepted)
		case r.URL.Path == "/status/1":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"transactionTime":"2026-01-01T00:00:00Z","request":"%s/$export","requiresAccessToken":true,
"output":[{"type":"Patient","url":"%s/files/own.ndjson"},{"type":"Patient","url":"%s"}],"error":[]}`, base, base, fileURL)
		case r.URL.Path == "/files/own.ndjson":
			w.Header().Set("Content-Type", "application/fhir+ndjson")
			fmt.Fprintln(w, `{"resourceType":"Patient","id":"own"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	DeferCleanup(srv.Close)
	base = srv.URL
	return base
}

var _ = Describe("Bulk output files off the kick-off's origin", func() {
	var hits atomic.Int32
	var auth atomic.Value
	var elsewhere string
	BeforeEach(func() {
		hits.Store(0)
		auth.Store("")
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			auth.Store(r.Header.Get("Authorization"))
			fmt.Fprintln(w, `{"resourceType":"Patient","id":"elsewhere"}`)
		}))
		DeferCleanup(srv.Close)
		elsewhere = srv.URL
	})
	const token = "bulk-token-ZYXWVUTSRQPONM"

	It("are not fetched without an opt-in, and the report says so", func() {
		url := hostileExport(elsewhere + "/meta-data/iam")
		GinkgoT().Setenv("CARECERT_BULK_TOKEN", token)
		rep := run([]map[string]any{bulkTarget(url, map[string]any{"auth": map[string]any{"type": "bearer", "token_env": "CARECERT_BULK_TOKEN"}})}, "fhir-bulk-data")
		Expect(hits.Load()).To(BeZero())
		dl := result(rep, "bulk", "BULK-04")
		Expect(dl.Outcome).To(Equal(model.Fail))
		Expect(codes(dl)).To(Equal([]string{"bulk.not-fetched"}))
		Expect(dl.Findings[0].Message).To(ContainSubstring("file_hosts"))
	})

	It("are fetched from a host the target lists in file_hosts, without the token", func() {
		url := hostileExport(elsewhere + "/files/p.ndjson")
		host := strings.TrimPrefix(elsewhere, "http://")
		GinkgoT().Setenv("CARECERT_BULK_TOKEN", token)
		rep := run([]map[string]any{bulkTarget(url, map[string]any{"file_hosts": []any{host},
			"auth": map[string]any{"type": "bearer", "token_env": "CARECERT_BULK_TOKEN"}})}, "fhir-bulk-data")
		Expect(hits.Load()).To(Equal(int32(1)))
		Expect(auth.Load()).To(Equal(""))
		Expect(result(rep, "bulk", "BULK-04").Outcome).To(Equal(model.Pass))
	})

	It("with file_hosts: [\"*\"], are still refused at a loopback, private or link-local address", func() {
		url := hostileExport(elsewhere + "/files/p.ndjson")
		rep := run([]map[string]any{bulkTarget(url, map[string]any{"file_hosts": []any{"*"}})}, "fhir-bulk-data")
		Expect(hits.Load()).To(BeZero())
		dl := result(rep, "bulk", "BULK-04")
		Expect(dl.Outcome).To(Equal(model.Fail))
		Expect(dl.Findings[0].Message).To(ContainSubstring("private, loopback or link-local"))
	})
})

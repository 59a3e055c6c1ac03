package livefhir_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/model"
)

// hostile starts a real HTTP server on 127.0.0.1 that misbehaves as h says.
func hostile(h http.HandlerFunc) string {
	s := httptest.NewServer(h)
	DeferCleanup(func() {
		s.CloseClientConnections()
		s.Close()
	})
	return s.URL
}

// shortTarget is a fhir-server target with a short timeout and a small body
// limit, exercising one type.
func shortTarget(url string) map[string]any {
	return map[string]any{
		"name": "api", "type": "fhir-server", "url": url, "timeout": "150ms",
		"resources": []any{"Patient"}, "max_body_bytes": 1 << 20,
	}
}

// finishes runs the REST API suite and asserts a finished report, in time.
func finishes(url string) *model.Report {
	start := time.Now()
	rep := run([]map[string]any{shortTarget(url)}, "fhir-rest-api")
	Expect(time.Since(start)).To(BeNumerically("<", 10*time.Second))
	Expect(rep.Complete).To(BeTrue())
	Expect(rep.Verdict.Decision).To(Equal(model.NotCertified))
	return rep
}

var _ = Describe("fhir-server target against hostile servers", func() {
	It("turns a server that never answers into timeout findings", func() {
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		})
		rep := finishes(url)
		tr := result(rep, "api", "API-13")
		Expect(tr.Errors).To(Equal(tr.Evaluated))
		Expect(codes(tr)).To(HaveEach("api.timeout"))
		Expect(tr.Findings[0].Message).To(ContainSubstring("did not answer in time"))
		Expect(result(rep, "api", "API-01").Outcome).To(Equal(model.Fail))
	})

	It("turns a body that trickles past the timeout into a timeout finding", func() {
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/fhir+json")
			w.Write([]byte(`{"resourceType":"CapabilityStatement",`))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		})
		tr := result(finishes(url), "api", "API-13")
		Expect(codes(tr)).To(HaveEach("api.timeout"))
		Expect(tr.Findings[0].Message).To(ContainSubstring("reading the response body"))
	})

	It("turns reset connections into connection findings", func() {
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			Expect(err).NotTo(HaveOccurred())
			conn.(*net.TCPConn).SetLinger(0) // RST rather than FIN
			conn.Close()
		})
		tr := result(finishes(url), "api", "API-13")
		Expect(tr.Errors).To(Equal(tr.Evaluated))
		Expect(codes(tr)).To(HaveEach("api.connection"))
	})

	It("reports HTML instead of JSON on every response, with the page quoted", func() {
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>"))
		})
		rep := finishes(url)
		tr := result(rep, "api", "API-13")
		Expect(tr.Errors).To(Equal(tr.Evaluated))
		Expect(codes(tr)).To(HaveEach("api.not-json"))
		Expect(tr.Findings[0].Evidence).To(ContainSubstring("Welcome to nginx!"))
		Expect(result(rep, "api", "API-01").Findings[0].Message).To(ContainSubstring("returned a text/html body, want a CapabilityStatement"))
	})

	It("stops reading an enormous body at the size limit", func() {
		var sent atomic.Int64
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/fhir+json")
			w.Write([]byte(`{"resourceType":"Bundle","type":"searchset","entry":[`))
			chunk := []byte(strings.Repeat(`{"resource":{"resourceType":"Patient"}},`, 1000))
			for r.Context().Err() == nil && sent.Load() < 1<<30 {
				n, err := w.Write(chunk)
				sent.Add(int64(n))
				if err != nil {
					return
				}
			}
		})
		rep := finishes(url)
		tr := result(rep, "api", "API-13")
		Expect(codes(tr)).To(HaveEach("api.too-large"))
		Expect(tr.Findings[0].Message).To(ContainSubstring("larger than 1048576 bytes"))
		Expect(sent.Load()).To(BeNumerically("<", 1<<30), "the client hung up instead of reading on")
	})

	It("stops a redirect loop", func() {
		var hits atomic.Int64
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		})
		tr := result(finishes(url), "api", "API-13")
		Expect(codes(tr)).To(HaveEach("api.redirects"))
		Expect(tr.Findings[0].Message).To(ContainSubstring("redirects in a loop"))
		// Each exchange is at most five requests: the first and four
		// redirects followed before the fifth is refused.
		Expect(hits.Load()).To(Equal(tr.Evaluated * 5))
	})

	It("sends no more than max_requests and says what was left untested", func() {
		var hits atomic.Int64
		sim, err := fhirserver.New(fhirserver.Options{Feed: feedDir})
		Expect(err).NotTo(HaveOccurred())
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			sim.ServeHTTP(w, r)
		})
		rep := run([]map[string]any{apiTarget(url, map[string]any{"max_requests": 5})}, "fhir-rest-api")
		Expect(hits.Load()).To(Equal(int64(5)))
		tr := result(rep, "api", "API-13")
		Expect(codes(tr)).To(Equal([]string{"api.budget"}))
		Expect(tr.Outcome).To(Equal(model.Warn))
	})

	It("keeps to max_requests_per_second", func() {
		_, url := simulator(withDefects("none"))
		start := time.Now()
		rep := run([]map[string]any{apiTarget(url, map[string]any{"max_requests_per_second": 50, "resources": []any{"Patient"}, "searches": []any{}})}, "fhir-rest-api")
		n := result(rep, "api", "API-13").Evaluated
		Expect(n).To(BeNumerically(">=", 10))
		Expect(time.Since(start)).To(BeNumerically(">=", time.Duration(n-1)*20*time.Millisecond))
	})
})

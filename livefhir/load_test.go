package livefhir_test

import (
	"net/http"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/model"
)

var _ = Describe("fhir-server target's load profile", func() {
	load := map[string]any{"concurrency": 4, "duration": "400ms"}

	It("measures p50, p95 and p99 and errors under concurrent clients, apart from the probe's latency", func() {
		_, url := simulator(fhirserver.Options{PageSize: 5})
		rep := run([]map[string]any{apiTarget(url, map[string]any{"load": load})}, "fhir-rest-api")
		l := result(rep, "api", "API-27")
		Expect(l.Outcome).To(Equal(model.Pass), l.Message)
		Expect(l.Evaluated).To(BeNumerically(">", 4), "four clients for 400ms")
		for _, m := range []string{"p50 response time (ms)", "p95 response time (ms)", "p99 response time (ms)"} {
			_, ok := l.Lookup(m)
			Expect(ok).To(BeTrue(), m)
		}
		errs, _ := l.Lookup("errors under load")
		Expect(errs.Numerator).To(BeZero())
		Expect(errs.Denominator).To(Equal(l.Evaluated))
		// The probe's own latency leaves the load's requests out.
		lat := result(rep, "api", "API-12")
		Expect(lat.Evaluated).To(BeNumerically("<", 100))
	})

	It("fails, quoting the first failure, on a server that refuses requests beyond two at a time", func() {
		sim, err := fhirserver.New(fhirserver.Options{Feed: feedDir, PageSize: 5})
		Expect(err).NotTo(HaveOccurred())
		var inFlight atomic.Int32
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			if inFlight.Add(1) > 2 {
				inFlight.Add(-1)
				w.Header().Set("Content-Type", "application/fhir+json")
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write([]byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"transient","diagnostics":"busy"}]}`))
				return
			}
			defer inFlight.Add(-1)
			// Held a moment, so that eight clients overlap however loaded
			// the machine that runs the spec is.
			time.Sleep(10 * time.Millisecond)
			sim.ServeHTTP(w, r)
		})
		rep := run([]map[string]any{apiTarget(url, map[string]any{"load": map[string]any{"concurrency": 8, "duration": "400ms"}})}, "fhir-rest-api")
		l := result(rep, "api", "API-27")
		Expect(l.Outcome).To(Equal(model.Fail))
		Expect(codes(l)).To(ContainElement("api.load-errors"))
		for _, f := range l.Findings {
			if f.Code == "api.load-errors" {
				Expect(f.Message).To(MatchRegexp(`^\d+ of \d+ requests under load failed; the first: GET \S+: HTTP 503`))
			}
		}
		// One request at a time, the probe itself was never refused.
		Expect(result(rep, "api", "API-13").Outcome).To(Equal(model.Pass))
	})

	It("refuses a load beyond its bounds before any request", func() {
		_, err := runErr([]map[string]any{apiTarget("http://127.0.0.1:1", map[string]any{"load": map[string]any{"concurrency": 100, "duration": "1s"}})}, "fhir-rest-api")
		Expect(err).To(MatchError(ContainSubstring("load: concurrency must be 1 to 32")))
	})
})

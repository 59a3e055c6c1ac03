package livefhir_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/livefhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/terminology/runengine"
	"github.com/carecert/carecert/validators/restapi"
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

// countedSimulator serves the clean simulator and counts the requests it
// is sent.
func countedSimulator() (string, *atomic.Int64) {
	var hits atomic.Int64
	sim, err := fhirserver.New(fhirserver.Options{Feed: feedDir})
	Expect(err).NotTo(HaveOccurred())
	url := hostile(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		sim.ServeHTTP(w, r)
	})
	return url, &hits
}

// shortTarget is a fhir-server target with a small body limit, exercising
// one type. Its timeout is generous: only the specs about time limits use a
// short one (quick), so that a loaded machine cannot turn another failure
// into a timeout.
func shortTarget(url string) map[string]any {
	return map[string]any{
		"name": "api", "type": "fhir-server", "url": url, "timeout": "5s",
		"resources": []any{"Patient"}, "max_body_bytes": 1 << 20,
	}
}

// finishes runs the REST API suite and asserts a finished report, in time.
func finishes(url string) *model.Report {
	return finishesWith(shortTarget(url))
}

// quick is shortTarget with a 150 ms timeout.
func quick(url string) map[string]any {
	t := shortTarget(url)
	t["timeout"] = "150ms"
	return t
}

func finishesWith(t map[string]any) *model.Report {
	start := time.Now()
	rep := run([]map[string]any{t}, "fhir-rest-api")
	Expect(time.Since(start)).To(BeNumerically("<", 10*time.Second))
	Expect(rep.Complete).To(BeTrue())
	Expect(rep.Verdict.Decision).To(Equal(model.NotCertified))
	return rep
}

var _ = Describe("fhir-server target against hostile servers", func() {
	It("turns a server that never answers into timeout findings, blaming only the first request and counting every timeout in the latency", func() {
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		})
		rep := finishesWith(quick(url))
		tr := result(rep, "api", "API-13")
		Expect(tr.Evaluated).To(BeNumerically(">", 1))
		// Each later request may only have waited behind the one before,
		// which the server was still busy with: a warning, not an error.
		Expect(tr.Errors).To(Equal(int64(1)))
		Expect(tr.Warnings).To(Equal(tr.Evaluated - 1))
		Expect(codes(tr)).To(HaveEach("api.timeout"))
		Expect(tr.Findings[0].Message).To(ContainSubstring("did not answer in time"))
		Expect(tr.Findings[1].Message).To(ContainSubstring("may still have been busy with metadata"))
		Expect(result(rep, "api", "API-01").Outcome).To(Equal(model.Fail))
		lat := result(rep, "api", "API-12")
		m, ok := lat.Lookup("timeouts")
		Expect(ok).To(BeTrue())
		Expect(m.Numerator).To(Equal(tr.Evaluated), "every timeout is in the latency figures")
		p50, _ := lat.Lookup("p50 response time (ms)")
		Expect(p50.Rate()).To(BeNumerically(">=", 150), "a timeout counts at the time it was given")
	})

	It("does not blame a fast request that timed out only behind a slow one carecert abandoned", func() {
		// A single-threaded server: one request at a time. The search holds
		// it until carecert has given up on the request queued behind it,
		// events rather than sleeps, so a loaded machine cannot make the
		// search answer in time or let a third request queue too.
		sim, err := fhirserver.New(fhirserver.Options{Feed: feedDir})
		Expect(err).NotTo(HaveOccurred())
		turn := make(chan struct{}, 1)
		queuedGaveUp := make(chan struct{})
		var once sync.Once
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			select {
			case turn <- struct{}{}:
			case <-r.Context().Done():
				once.Do(func() { close(queuedGaveUp) })
				return
			}
			defer func() { <-turn }()
			if r.URL.Path == "/Patient" && r.URL.Query().Get("_count") != "" {
				<-queuedGaveUp
			}
			sim.ServeHTTP(w, r)
		})
		t := quick(url)
		t["timeout"] = "1s" // long enough for every other request on a loaded machine
		t["searches"] = []any{}
		rep := run([]map[string]any{t}, "fhir-rest-api")
		tr := result(rep, "api", "API-13")
		Expect(tr.Errors).To(Equal(int64(1)), "only the slow search is the server's timeout")
		Expect(tr.Warnings).To(Equal(int64(1)), "the request queued behind it is reported, not blamed")
		for _, f := range tr.Findings {
			if f.Severity == model.Error {
				Expect(f.Record).To(Equal("GET Patient?_count=10"))
			} else {
				Expect(f.Record).To(Equal("GET Patient/carecert-unknown-0000"))
				Expect(f.Message).To(ContainSubstring("may still have been busy with Patient?_count=10"))
			}
		}
		nf := result(rep, "api", "API-08")
		Expect(nf.Outcome).To(Equal(model.Skip))
		Expect(nf.Message).To(ContainSubstring("which carecert had given up on"))
		Expect(result(rep, "api", "API-04").Outcome).To(Equal(model.Fail))
	})

	It("turns a body that trickles past the timeout into a timeout finding", func() {
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/fhir+json")
			w.Write([]byte(`{"resourceType":"CapabilityStatement",`))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		})
		tr := result(finishesWith(quick(url)), "api", "API-13")
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
		// The size limit, not the clock, must stop it.
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
		url, hits := countedSimulator()
		rep := run([]map[string]any{apiTarget(url, map[string]any{"max_requests": 3})}, "fhir-rest-api")
		Expect(hits.Load()).To(Equal(int64(3)))
		tr := result(rep, "api", "API-13")
		Expect(codes(tr)).To(Equal([]string{"carecert.limit"}))
		Expect(tr.Outcome).To(Equal(model.Pass), "the three requests sent were answered well")
		// No requirement passes on nothing, and none fails for carecert's
		// budget: what the budget kept untested is an error of the run.
		for _, r := range rep.Targets[0].Results {
			Expect(r.Outcome).NotTo(Equal(model.Fail), r.Requirement+": "+r.Message)
		}
		for _, req := range []string{"API-02", "API-03", "API-07", "API-08", "API-09", "API-10"} {
			r := result(rep, "api", req)
			Expect(r.Outcome).To(Equal(model.Errored), req)
			Expect(r.Message).To(HavePrefix("not judged: carecert's request budget ran out"), req)
		}
		Expect(result(rep, "api", "API-01").Outcome).To(Equal(model.Pass))
		Expect(rep.Verdict.Decision).To(Equal(model.NotCertified))
		Expect(strings.Join(rep.Verdict.Reasons, "\n")).To(ContainSubstring("budget"))
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

var _ = Describe("an interrupted live run", func() {
	It("stops at once and keeps what it had, marked incomplete", func() {
		// The run's deadline passes when the server has answered two
		// requests and a third arrives. That one, and any after it, is never
		// answered: a run that did not stop would wait out its 10 s request
		// timeout. Events, not a wall-clock deadline, so a loaded machine
		// cannot interrupt it before the two exchanges are made.
		sim, err := fhirserver.New(fhirserver.Options{Feed: feedDir})
		Expect(err).NotTo(HaveOccurred())
		ctx := newDeadline()
		var requests atomic.Int64
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			if requests.Add(1) <= 2 {
				sim.ServeHTTP(w, r)
				return
			}
			ctx.pass()
			<-r.Context().Done()
		})
		checks := check.NewRegistry()
		restapi.Register(checks, runengine.Search)
		treg := target.NewRegistry()
		livefhir.Register(treg)
		r := &runner.Runner{Checks: checks, Targets: treg, Workers: 2}
		p := &runner.Plan{Suites: []string{"fhir-rest-api"}, Vendors: []runner.VendorPlan{{Name: "Acme", Targets: []map[string]any{apiTarget(url, nil)}}}}
		Expect(p.Check()).To(Succeed())
		reps, err := r.Run(ctx, p)
		Expect(ctx.Err()).To(HaveOccurred(), "the third request arrived")
		Expect(time.Since(ctx.passed)).To(BeNumerically("<", 4*time.Second), "it stops at once: counted from the interruption")
		Expect(err).To(MatchError(context.DeadlineExceeded))
		Expect(reps).To(HaveLen(1))
		Expect(reps[0].Complete).To(BeFalse())
		tr := result(reps[0], "api", "API-13")
		Expect(tr.Evaluated).To(BeNumerically(">=", 2), "the exchanges made before the interruption are kept")
		Expect(tr.Errors).To(BeZero(), "an interruption is not the server's fault")
	})
})

// deadline is a context whose deadline passes when a spec calls pass: an
// interruption at the moment a server sees an event, which a wall-clock
// timeout cannot promise on a loaded machine.
type deadline struct {
	context.Context
	done   chan struct{}
	once   sync.Once
	passed time.Time // set before done is closed
}

func newDeadline() *deadline {
	return &deadline{Context: context.Background(), done: make(chan struct{})}
}

func (d *deadline) pass() {
	d.once.Do(func() {
		d.passed = time.Now()
		close(d.done)
	})
}

func (d *deadline) Done() <-chan struct{} { return d.done }

func (d *deadline) Err() error {
	select {
	case <-d.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

var _ = Describe("fhir-bulk target against a failing file server", func() {
	It("keeps the records of a download that stalls and says where it stopped", func() {
		var base string
		base = hostile(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/$export":
				w.Header().Set("Content-Location", base+"/status")
				w.WriteHeader(http.StatusAccepted)
			case "/status":
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"transactionTime":"2026-01-01T00:00:00Z","request":"` + base + `/$export","requiresAccessToken":false,` +
					`"output":[{"type":"Patient","url":"` + base + `/file.ndjson","count":5}],"error":[]}`))
			case "/file.ndjson":
				w.Header().Set("Content-Type", "application/fhir+ndjson")
				for i := range 3 {
					w.Write([]byte(`{"resourceType":"Patient","id":"p` + string(rune('0'+i)) + `"}` + "\n"))
				}
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			}
		})
		start := time.Now()
		rep := run([]map[string]any{bulkTarget(base, map[string]any{"download_timeout": "300ms"})}, "fhir-bulk-data")
		Expect(time.Since(start)).To(BeNumerically("<", 5*time.Second))
		d := result(rep, "bulk", "BULK-04")
		Expect(codes(d)).To(Equal([]string{"bulk.download-incomplete"}))
		Expect(d.Findings[0].Message).To(MatchRegexp(`output file .*/file.ndjson \(Patient\) stopped after 3 record\(s\): .*`))
		// Kick-off, manifest, the download and the three Patients it held,
		// the file-without-token test not made (no token needed), the
		// export's delete, the three _outputFormat alias kick-offs and the
		// two with bad parameters, the kick-off without a token not made
		// (no auth) and the statement.
		Expect(rep.Targets[0].Records).To(Equal(int64(3 + 3 + 2 + 3 + 2 + 2)))
		Expect(result(rep, "bulk", "BULK-05").Outcome).To(Equal(model.Fail), "the transport failure is reported too")
	})
})

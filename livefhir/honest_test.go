package livefhir_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
)

var _ = Describe("honest outcomes of live checks", func() {
	It("skips, with the reason, what a server that declares nothing was never asked, and passes only what it was", func() {
		var paths []string
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			paths = append(paths, r.URL.Path)
			w.Header().Set("Content-Type", "application/fhir+json")
			if r.URL.Query().Get("_format") == "xml" {
				w.WriteHeader(http.StatusNotAcceptable)
				w.Write([]byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-supported"}]}`))
				return
			}
			w.Write([]byte(`{"resourceType":"CapabilityStatement","status":"active","kind":"instance","fhirVersion":"4.0.1","format":["json"],"rest":[{"mode":"server"}]}`))
		})
		t := shortTarget(url)
		delete(t, "resources")
		rep := run([]map[string]any{t}, "fhir-rest-api")
		Expect(paths).To(HaveEach("/metadata"), "nothing undeclared is asked for")
		passed := []string{}
		for _, r := range rep.Targets[0].Results {
			Expect(r.Outcome).NotTo(Equal(model.Fail), r.Requirement+": "+r.Message)
			if r.Outcome == model.Pass && r.Suite == "fhir-rest-api" {
				passed = append(passed, r.Requirement)
			}
		}
		// The statement, its JSON format, its transport and its latency were
		// all really exercised.
		Expect(passed).To(ConsistOf("API-01", "API-10", "API-12", "API-13", "API-16"))
		Expect(result(rep, "api", "API-04").Message).To(Equal("not judged: the server declares no search (no resource has search-type in its CapabilityStatement)"))
		Expect(result(rep, "api", "API-08").Message).To(Equal("not judged: the server declares read for none of the types tested"))
		Expect(result(rep, "api", "API-05").Outcome).To(Equal(model.Skip))
		Expect(result(rep, "api", "API-06").Outcome).To(Equal(model.Skip))
	})

	It("fails a declared read that answers 405, naming the contradiction with the CapabilityStatement", func() {
		_, url := simulator(withDefects("read-unsupported"))
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		r := result(rep, "api", "API-02")
		Expect(r.Outcome).To(Equal(model.Fail))
		Expect(codes(r)).To(HaveEach("api.declared-unsupported"))
		Expect(r.Findings[0].Message).To(ContainSubstring("returned HTTP 405, but the server's CapabilityStatement declares the interaction"))
	})

	It("reports a reset the HTTP client quietly retried", func() {
		_, url := simulator(withDefects("reset-connections"))
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		tr := result(rep, "api", "API-13")
		Expect(codes(tr)).To(HaveEach("api.retried"))
		Expect(tr.Findings[0].Message).To(ContainSubstring("the connection broke before the server answered and the request was sent again (1 time(s))"))
		// The retried requests were answered, so the interactions pass.
		Expect(result(rep, "api", "API-02").Outcome).To(Equal(model.Pass))
	})

	It("skips BULK-06 on an export none of whose resources carries meta.lastUpdated", func() {
		var base string
		base = hostile(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/$export":
				w.Header().Set("Content-Location", base+"/status")
				w.WriteHeader(http.StatusAccepted)
			case "/status":
				if r.Method == http.MethodDelete {
					w.WriteHeader(http.StatusAccepted)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"transactionTime":"2026-01-01T00:00:00Z","request":"` + base + `/$export","requiresAccessToken":false,` +
					`"output":[{"type":"Patient","url":"` + base + `/p.ndjson","count":2}],"error":[]}`))
			case "/p.ndjson":
				w.Header().Set("Content-Type", "application/fhir+ndjson")
				w.Write([]byte(`{"resourceType":"Patient","id":"a"}` + "\n" + `{"resourceType":"Patient","id":"b"}` + "\n"))
			}
		})
		rep := run([]map[string]any{bulkTarget(base, map[string]any{"since": "2025-06-01T00:00:00Z"})}, "fhir-bulk-data")
		r := result(rep, "bulk", "BULK-06")
		Expect(r.Outcome).To(Equal(model.Skip))
		Expect(r.Message).To(Equal("not judged: no exported resource carried meta.lastUpdated, so none could be compared with _since"))
		Expect(result(rep, "bulk", "BULK-07").Outcome).To(Equal(model.Pass))
		Expect(result(rep, "bulk", "BULK-09").Message).To(ContainSubstring("requiresAccessToken false"))
	})
})

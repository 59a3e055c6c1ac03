package livefhir_test

import (
	"net/http"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
)

// Issue 15's three runs that must say nothing false, with every requirement
// of both live suites (writes allowed, so the write requirements are
// reached too): a server that is down, a budget of three requests, and a
// server whose statement declares nothing. No requirement may pass without
// judging a case, and none may fail but for what the server did.
var _ = Describe("every live requirement on a server down, a budget of 3 and a server declaring nothing", func() {
	suites := []string{"fhir-rest-api", "fhir-bulk-data"}
	// check runs the plan and returns "target/requirement" of each failure
	// and each pass, asserting that every requirement was reported and that
	// none passed on nothing.
	check := func(api, bulk map[string]any) (failed, passed []string, rep *model.Report) {
		api["allow_writes"] = true
		rep = run([]map[string]any{api, bulk}, suites...)
		seen := map[string]bool{}
		for _, t := range rep.Targets {
			for _, r := range t.Results {
				if r.Suite != "fhir-rest-api" && r.Suite != "fhir-bulk-data" {
					continue
				}
				seen[r.Requirement] = true
				// Each target reports both suites; a requirement of the
				// other target's kind has no records and must be a skip.
				own := strings.HasPrefix(r.Requirement, "API-") == (t.Name == "api") || r.Requirement == "API-12"
				if !own {
					Expect(r.Outcome).To(Equal(model.Skip), t.Name+"/"+r.Requirement+": "+r.Message)
					continue
				}
				id := t.Name + "/" + r.Requirement
				switch r.Outcome {
				case model.Pass:
					Expect(r.Evaluated).To(BeNumerically(">", 0), id+" passed on no record")
					Expect(r.Message).NotTo(ContainSubstring("not judged"), id)
					passed = append(passed, id)
				case model.Fail:
					failed = append(failed, id)
				}
			}
		}
		Expect(len(seen)).To(BeNumerically(">=", 43), "every requirement of both suites is reported")
		sort.Strings(failed)
		sort.Strings(passed)
		return failed, passed, rep
	}

	It("passes nothing on a server that is down, and fails only its transport", func() {
		const down = "http://127.0.0.1:1"
		failed, passed, _ := check(apiTarget(down, nil), bulkTarget(down, nil))
		Expect(passed).To(BeEmpty())
		Expect(failed).To(Equal([]string{"api/API-13", "bulk/BULK-05"}))
	})

	It("fails nothing on a budget of 3 requests, and what the budget kept untested is carecert's error", func() {
		url, hits := countedSimulator()
		budget := map[string]any{"max_requests": 3}
		failed, passed, rep := check(apiTarget(url, budget), bulkTarget(url, budget))
		Expect(hits.Load()).To(Equal(int64(6)), "three requests per target")
		Expect(failed).To(BeEmpty())
		Expect(passed).NotTo(BeEmpty())
		errored := 0
		for _, t := range rep.Targets {
			for _, r := range t.Results {
				if r.Outcome == model.Errored {
					errored++
					Expect(r.Message).To(HavePrefix("not judged: carecert's request budget ran out"), t.Name+"/"+r.Requirement)
				}
			}
		}
		Expect(errored).To(BeNumerically(">=", 20))
	})

	It("fails on a server declaring nothing only what it was asked for and refused: the export the plan names", func() {
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/fhir+json")
			switch {
			case r.URL.Query().Get("_format") == "xml" || strings.Contains(r.Header.Get("Accept"), "xml"):
				w.WriteHeader(http.StatusNotAcceptable)
			case r.URL.Path != "/metadata":
				w.WriteHeader(http.StatusNotFound)
			default:
				w.Write([]byte(`{"resourceType":"CapabilityStatement","status":"active","kind":"instance","fhirVersion":"4.0.1","format":["json"],"rest":[{"mode":"server"}]}`))
				return
			}
			w.Write([]byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-supported"}]}`))
		})
		failed, passed, rep := check(apiTarget(url, nil), bulkTarget(url, nil))
		// The export was asked for and refused (BULK-01), and the statement
		// does not declare it (BULK-12, a SHOULD): both say what the server
		// did. Nothing of the REST API fails.
		Expect(failed).To(Equal([]string{"bulk/BULK-01", "bulk/BULK-12"}))
		Expect(result(rep, "bulk", "BULK-12").Level).To(Equal(model.Should))
		Expect(passed).To(ContainElements("api/API-01", "api/API-13"))
		for _, req := range []string{"API-02", "API-04", "API-05", "API-08", "API-09", "API-11", "API-19", "API-22", "API-29", "API-30"} {
			Expect(result(rep, "api", req).Outcome).To(Or(Equal(model.Skip), Equal(model.Warn)), req)
		}
	})
})

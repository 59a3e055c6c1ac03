package livefhir_test

import (
	"net/http"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/model"
)

var _ = Describe("fhir-server target's chained searches", func() {
	It("judges a plan's chained search on the referenced resources the answer includes, and says when it holds none", func() {
		_, url := simulator(fhirserver.Options{PageSize: 5})
		rep := run([]map[string]any{apiTarget(url, map[string]any{"searches": []any{
			"Observation?subject:Patient.gender=female&_include=Observation:subject",
		}})}, "fhir-rest-api")
		m := result(rep, "api", "API-05")
		Expect(m.Outcome).To(Equal(model.Pass), m.Message)
		Expect(m.Evaluated).To(BeNumerically(">=", 1))

		rep = run([]map[string]any{apiTarget(url, map[string]any{"resources": []any{"Patient"}, "searches": []any{
			"Observation?subject:Patient.gender=female",
		}})}, "fhir-rest-api")
		m = result(rep, "api", "API-05")
		Expect(m.Outcome).To(Equal(model.Skip), m.Message)
		Expect(m.Message).To(ContainSubstring("hang on a chained parameter whose referenced resources the answer does not hold"))
	})

	It("says a chain whose tail carecert cannot evaluate on the type the reference reached is not judged for that reason", func() {
		sim, err := fhirserver.New(fhirserver.Options{Feed: feedDir, PageSize: 5})
		Expect(err).NotTo(HaveOccurred())
		// subject.name reaching a Location: carecert lists no Location
		// parameters, so it cannot say whether the match is right.
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Has("subject.name") {
				w.Header().Set("Content-Type", "application/fhir+json")
				w.Write([]byte(`{"resourceType":"Bundle","type":"searchset","total":1,"entry":[
					{"fullUrl":"http://x/Observation/o1","search":{"mode":"match"},"resource":{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"subject":{"reference":"Location/loc-1"}}},
					{"fullUrl":"http://x/Location/loc-1","search":{"mode":"include"},"resource":{"resourceType":"Location","id":"loc-1","name":"Ward 4"}}]}`))
				return
			}
			sim.ServeHTTP(w, r)
		})
		rep := run([]map[string]any{apiTarget(url, map[string]any{"searches": []any{
			"Observation?subject.name=Ward&_include=Observation:subject",
		}})}, "fhir-rest-api")
		m := result(rep, "api", "API-05")
		Expect(m.Outcome).To(Equal(model.Skip), m.Message)
		var reasons []string
		for _, f := range m.Findings {
			if f.Code == "api.not-judged" && strings.Contains(f.Message, "subject.name") {
				reasons = append(reasons, f.Message)
			}
		}
		Expect(reasons).To(ConsistOf(And(ContainSubstring("1 match(es) hang on a chained parameter"),
			ContainSubstring("or whose tail carecert cannot evaluate on the type they are"))))
	})

	It("fails a chained plan search whose matches do not satisfy the chain", func() {
		_, url := simulator(withDefects("chain-ignored"))
		rep := run([]map[string]any{apiTarget(url, map[string]any{"searches": []any{
			"Observation?subject:Patient.gender=male&_include=Observation:subject",
		}})}, "fhir-rest-api")
		m := result(rep, "api", "API-05")
		Expect(m.Outcome).To(Equal(model.Fail))
		Expect(codes(m)).To(ContainElement("api.search-mismatch"))
		for _, f := range m.Findings {
			if f.Code == "api.search-mismatch" {
				Expect(f.Message).To(ContainSubstring("which does not match subject:Patient.gender=male"))
			}
		}
	})

	It("does not hold a refused chain against a server, since R4 statements cannot declare chaining", func() {
		sim, err := fhirserver.New(fhirserver.Options{Feed: feedDir, PageSize: 5})
		Expect(err).NotTo(HaveOccurred())
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			for k := range r.URL.Query() {
				if strings.Contains(k, ".") {
					w.Header().Set("Content-Type", "application/fhir+json")
					w.WriteHeader(http.StatusBadRequest)
					w.Write([]byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-supported","diagnostics":"chaining is not supported"}]}`))
					return
				}
			}
			sim.ServeHTTP(w, r)
		})
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		f := result(rep, "api", "API-25")
		Expect(f.Outcome).To(Equal(model.Pass), f.Message)
		refused := 0
		for _, x := range f.Findings {
			if x.Code == "api.not-judged" {
				Expect(x.Message).To(ContainSubstring("the server refused the chained parameter (HTTP 400"))
				refused++
			}
		}
		// One-step chains from Patient and Observation, and a two-step
		// one from Observation, each with its value and one nobody has.
		Expect(refused).To(Equal(6))
	})

	It("follows a chain of two steps, judging the matches on the resources _include:iterate brings", func() {
		sim, err := fhirserver.New(fhirserver.Options{Feed: feedDir, PageSize: 5})
		Expect(err).NotTo(HaveOccurred())
		var mu sync.Mutex
		var long []string
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.RawQuery, "Encounter.patient") {
				mu.Lock()
				long = append(long, r.URL.Query().Encode())
				mu.Unlock()
			}
			sim.ServeHTTP(w, r)
		})
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		f := result(rep, "api", "API-25")
		Expect(f.Outcome).To(Equal(model.Pass), f.Message)
		Expect(long).To(ConsistOf(
			MatchRegexp(`^_id=obs-[0-9-]+&_include=Observation%3Aencounter&_include%3Aiterate=Encounter%3Apatient&encounter%3AEncounter.patient%3APatient.active=true$`),
			MatchRegexp(`^_id=obs-[0-9-]+&_include=Observation%3Aencounter&_include%3Aiterate=Encounter%3Apatient&encounter%3AEncounter.patient%3APatient.active=carecert-no-such-active$`)))
	})

	It("fails a server that honours one-step chains but ignores longer ones", func() {
		_, url := simulator(withDefects("long-chain-ignored"))
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		Expect(failing(rep)).To(Equal([]string{"fhir-rest-api/API-25"}))
		f := result(rep, "api", "API-25")
		// Returned though nobody has the value, and, judged on the Patient
		// _include:iterate brought, not a match of its parameters.
		Expect(codes(f)).To(ConsistOf("api.search-feature-excluded", "api.search-mismatch"))
		for _, x := range f.Findings {
			if x.Code == "api.search-feature-excluded" || x.Code == "api.search-mismatch" {
				Expect(x.Record).To(MatchRegexp(`^GET Observation\?_id=obs-[0-9-]+&encounter:Encounter\.patient:Patient\.active=carecert-no-such-active$`))
			}
		}
	})
})

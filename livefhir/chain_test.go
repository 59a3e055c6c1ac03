package livefhir_test

import (
	"net/http"
	"strings"

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
		Expect(refused).To(Equal(4))
	})
})

package livefhir_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/model"
)

var _ = Describe("fhir-server target's declared result parameters (_summary, _elements, _sort)", func() {
	It("passes on a clean server, judging each parameter the statement declares", func() {
		_, url := simulator(fhirserver.Options{PageSize: 5})
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		r := result(rep, "api", "API-28")
		Expect(r.Outcome).To(Equal(model.Pass), r.Message)
		Expect(r.Warnings).To(BeZero())
		// Per type (Patient, Observation): _summary=count and true,
		// _elements of one optional element, _sort up and down.
		Expect(r.Evaluated).To(Equal(int64(2 * 5)))
	})

	It("skips it, with the reason, on a server that declares none of them", func() {
		_, url := simulator(fhirserver.Options{PageSize: 5, Basic: true})
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		r := result(rep, "api", "API-28")
		Expect(r.Outcome).To(Equal(model.Skip), r.Message)
		Expect(r.Message).To(ContainSubstring("declares none of _summary, _elements and _sort for Patient"))
	})

	It("locates each fault at the search that shows it", func() {
		for _, c := range []fault{
			{"sort-ignored", "API-28", "GET Patient?_id=pat-000001,pat-000002&_sort=", "against the order _sort="},
			{"summary-count-no-total", "API-28", "GET Patient?_id=pat-000001&_summary=count", "returned no Bundle.total"},
			{"elements-id-only", "API-28", "GET Patient?_id=pat-000001&_elements=", "which it holds and the search asked for"},
		} {
			locates(c, nil)
		}
	})

	It("warns, without failing, when resources returned in part are not tagged SUBSETTED", func() {
		_, url := simulator(withDefects("subsetted-untagged"))
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		r := result(rep, "api", "API-28")
		Expect(r.Outcome).To(Equal(model.Warn), r.Message)
		// A Patient's elements are all in its summary, so _summary=true
		// returns it whole (said, as information); the Observation's
		// summary and both _elements searches leave elements out.
		Expect(codes(r)).To(ConsistOf("api.subsetted-tag", "api.subsetted-tag", "api.subsetted-tag", "api.not-subsetted"))
		for _, f := range r.Findings {
			if f.Code == "api.subsetted-tag" {
				Expect(f.Message).To(ContainSubstring("not tagged SUBSETTED"))
				Expect(f.Path).To(HaveSuffix(".meta"))
			}
		}
	})
})

package livefhir_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/model"
)

var _ = Describe("interactions the CapabilityStatement does not declare", func() {
	// Sparse declares Patient with read and search-type and Observation
	// with read alone: vread, instance history and a search of Observation
	// are undeclared.
	sparseTarget := func(url string) map[string]any {
		return apiTarget(url, map[string]any{"resources": []any{"Patient", "Observation"}, "searches": []any{}})
	}

	It("passes vread, history and search where each undeclared one is refused with 405 and an OperationOutcome", func() {
		_, url := simulator(fhirserver.Options{PageSize: 5, Sparse: true})
		rep := run([]map[string]any{sparseTarget(url)}, "fhir-rest-api")
		Expect(failing(rep)).To(BeEmpty())
		for req, records := range map[string][]string{
			"API-03": {"GET Patient/pat-000001/_history/1 (not declared)"},
			"API-07": {"GET Patient/pat-000001/_history (not declared)"},
			// Patient's search (its pages) and the refused Observation one.
			"API-04": {"GET Observation?_count=4 (not declared)"},
		} {
			r := result(rep, "api", req)
			Expect(r.Outcome).To(Equal(model.Pass), req+": "+r.Message)
			Expect(r.Warnings).To(BeZero(), req)
			Expect(r.Evaluated).To(BeNumerically(">=", len(records)), req)
		}
		Expect(result(rep, "api", "API-03").Evaluated).To(Equal(int64(1)))
		Expect(result(rep, "api", "API-07").Evaluated).To(Equal(int64(1)))
	})

	It("fails API-03, API-04 and API-07 where the server answers what it does not declare, at each request", func() {
		opts := withDefects("undeclared-reads-done")
		opts.Sparse = true
		_, url := simulator(opts)
		rep := run([]map[string]any{sparseTarget(url)}, "fhir-rest-api")
		Expect(failing(rep)).To(Equal([]string{"fhir-rest-api/API-03", "fhir-rest-api/API-04", "fhir-rest-api/API-07"}))
		for req, record := range map[string]string{
			"API-03": "GET Patient/pat-000001/_history/1 (not declared)",
			"API-04": "GET Observation?_count=4 (not declared)",
			"API-07": "GET Patient/pat-000001/_history (not declared)",
		} {
			r := result(rep, "api", req)
			Expect(codes(r)).To(Equal([]string{"api.undeclared-done"}), req)
			Expect(r.Findings[0].Record).To(Equal(record), req)
			Expect(r.Findings[0].Message).To(ContainSubstring("returned HTTP 200: the server does what its CapabilityStatement says it does not"), req)
		}
	})

	It("fails API-11 and API-29 where the server creates, updates and patches undeclared, on carecert's tagged copy alone, and says what it could not delete", func() {
		opts := withDefects("undeclared-writes-done")
		opts.Basic = true
		sim, url := simulator(opts)
		before := sim.Resources()
		rep := run([]map[string]any{apiTarget(url, map[string]any{"allow_writes": true})}, "fhir-rest-api")
		Expect(failing(rep)).To(Equal([]string{"fhir-rest-api/API-11", "fhir-rest-api/API-29"}))
		var records []string
		for _, req := range []string{"API-11", "API-29"} {
			for _, f := range result(rep, "api", req).Findings {
				Expect(f.Code).To(Equal("api.undeclared-done"), req)
				records = append(records, f.Record)
			}
		}
		// The create made carecert's copy; the update and the patch went to it.
		Expect(records).To(Equal([]string{"POST Patient (not declared)", "PUT Patient/created-1 (not declared)", "PATCH Patient/created-1 (not declared)"}))
		// Its delete is not declared either, and refused: the copy stays,
		// tagged, and API-19 names it.
		Expect(sim.Resources()).To(Equal(before + 1))
		del := result(rep, "api", "API-19")
		Expect(del.Outcome).To(Equal(model.Pass), del.Message)
		var left []string
		for _, f := range del.Findings {
			if strings.Contains(f.Message, "stay on it") {
				left = append(left, f.Message)
			}
		}
		Expect(left).To(ConsistOf(ContainSubstring("carecert's Patient/created-1 stay on it (tagged urn:carecert:probe)")))
	})
})

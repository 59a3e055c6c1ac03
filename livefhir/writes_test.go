package livefhir_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/model"
)

// writeReqs are the requirements of the write interactions.
var writeReqs = []string{"API-11", "API-19", "API-20", "API-21", "API-22", "API-23", "API-24", "API-29"}

var _ = Describe("fhir-server target's write interactions (allow_writes)", func() {
	It("passes each on a clean server that declares them, and leaves nothing of its own behind", func() {
		sim, url := simulator(fhirserver.Options{PageSize: 5})
		before := sim.Resources()
		rep := run([]map[string]any{apiTarget(url, map[string]any{"allow_writes": true})}, "fhir-rest-api")
		Expect(failing(rep)).To(BeEmpty())
		for _, req := range writeReqs {
			r := result(rep, "api", req)
			Expect(r.Outcome).To(Equal(model.Pass), req+": "+r.Message)
			Expect(r.Warnings).To(BeZero(), req)
		}
		// create, the copy a conditional delete deletes, and update;
		// If-Match current and stale; conditional create, update and
		// delete and the read after it; JSON Patch, the JSON Patch whose
		// test fails, three nested JSON Patches (add, change, a bad one)
		// each with the read after it, FHIRPath Patch, and three nested
		// FHIRPath Patches on the identifier list (add; insert, move,
		// replace and delete; a bad one) each with the read after it;
		// batch, two transactions and the
		// read after the refused one; history since; 415 and the invalid
		// resource.
		Expect(result(rep, "api", "API-11").Evaluated).To(Equal(int64(3)))
		Expect(result(rep, "api", "API-20").Evaluated).To(Equal(int64(2)))
		Expect(result(rep, "api", "API-21").Evaluated).To(Equal(int64(4)))
		Expect(result(rep, "api", "API-29").Evaluated).To(Equal(int64(3 + 3*2 + 3*2)))
		Expect(result(rep, "api", "API-22").Evaluated).To(Equal(int64(4)))
		// Type and system history since.
		Expect(result(rep, "api", "API-23").Evaluated).To(Equal(int64(2)))
		Expect(result(rep, "api", "API-24").Evaluated).To(Equal(int64(2)))
		// The delete, the read after it and the clean-up of the copy the
		// successful transaction made.
		Expect(result(rep, "api", "API-19").Evaluated).To(Equal(int64(3)))
		Expect(sim.Resources()).To(Equal(before), "carecert deletes every resource it creates")
	})

	DescribeTable("fails API-29 at the read after a nested JSON Patch that did not leave exactly its change",
		func(defect, record, path string, more ...string) {
			_, url := simulator(withDefects(defect))
			rep := run([]map[string]any{apiTarget(url, map[string]any{"allow_writes": true, "resources": []any{"Patient"}})}, "fhir-rest-api")
			Expect(failing(rep)).To(Equal([]string{"fhir-rest-api/API-29"}))
			f := result(rep, "api", "API-29")
			Expect(codes(f)).To(ConsistOf(append([]string{"api.patch-result"}, more...)))
			at := map[string]string{}
			for _, x := range f.Findings {
				if x.Code == "api.patch-result" {
					at[x.Record] = x.Path
				}
			}
			Expect(at).To(HaveKeyWithValue(MatchRegexp(record), path))
		},
		// The bad patch's first operation, applied alone, is valid: it is
		// taken (200) and kept, found as such too.
		Entry("only the first of three operations applied", "patch-first-op-only",
			`^GET Patient/[^ ]+ \(read after JSON Patch: replace extension\[0\]\.valueString, remove extension\[1\], append an extension\)$`, "extension[1].valueString",
			"api.patch-bad-applied", "api.patch-result"),
		// Both formats' bad patches keep their first operation: the FHIRPath
		// Patch's too, found at its own read.
		Entry("a refused patch's first operation kept", "patch-not-atomic",
			`^GET Patient/[^ ]+ \(read after JSON Patch whose second operation names extension\[7\], which does not exist\)$`, "extension[0].valueString",
			"api.patch-result"),
	)

	DescribeTable("judges a refused nested patch once, sending none of the patches that build on it",
		func(marker string) {
			sim, err := fhirserver.New(fhirserver.Options{Feed: feedDir, PageSize: 5})
			Expect(err).NotTo(HaveOccurred())
			var mu sync.Mutex
			var nested []string
			url := hostile(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPatch {
					body, _ := io.ReadAll(r.Body)
					if bytes.Contains(body, []byte(marker)) {
						mu.Lock()
						nested = append(nested, string(body))
						mu.Unlock()
						w.Header().Set("Content-Type", "application/fhir+json")
						w.WriteHeader(http.StatusUnprocessableEntity)
						w.Write([]byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-supported","diagnostics":"patches of nested elements are not supported"}]}`))
						return
					}
					r.Body = io.NopCloser(bytes.NewReader(body))
				}
				sim.ServeHTTP(w, r)
			})
			rep := run([]map[string]any{apiTarget(url, map[string]any{"allow_writes": true, "resources": []any{"Patient"}})}, "fhir-rest-api")
			f := result(rep, "api", "API-29")
			// The add's refusal alone: the change and the bad patch assume the
			// list it adds, and no read after a refused change is compared.
			Expect(codes(f)).To(ConsistOf("api.patch-status"))
			Expect(nested).To(HaveLen(1))
			Expect(nested[0]).To(ContainSubstring("carecert-two"))
		},
		Entry("JSON Patch", `"/extension`),
		Entry("FHIRPath Patch", `identifier`),
	)

	It("finds the first operation of a refused FHIRPath Patch kept, at the read after it", func() {
		_, url := simulator(withDefects("patch-not-atomic"))
		rep := run([]map[string]any{apiTarget(url, map[string]any{"allow_writes": true, "resources": []any{"Patient"}})}, "fhir-rest-api")
		var paths []string
		for _, x := range result(rep, "api", "API-29").Findings {
			if x.Code == "api.patch-result" && strings.Contains(x.Record, "(read after FHIRPath Patch whose second operation replaces identifier[") {
				paths = append(paths, x.Path)
			}
		}
		Expect(paths).To(ConsistOf(MatchRegexp(`^identifier\[\d+\]\.value$`)))
	})

	It("skips each, with the reason, on a server whose statement declares no writes, and judges the 405 of each write it does not declare", func() {
		sim, url := simulator(fhirserver.Options{PageSize: 5, Basic: true})
		before := sim.Resources()
		rep := run([]map[string]any{apiTarget(url, map[string]any{"allow_writes": true})}, "fhir-rest-api")
		Expect(failing(rep)).To(BeEmpty())
		// Refused with 405 and an OperationOutcome, each a pass on those
		// cases alone: a create of a tagged copy, an update and a DELETE
		// of an id that does not exist, and a patch of one.
		undeclared := map[string]int64{"API-11": 2, "API-19": 1, "API-29": 1}
		for _, req := range writeReqs {
			r := result(rep, "api", req)
			if n, ok := undeclared[req]; ok {
				Expect(r.Outcome).To(Equal(model.Pass), req+": "+r.Message)
				Expect(r.Evaluated).To(Equal(n), req)
				Expect(r.Warnings).To(BeZero(), req)
				continue
			}
			Expect(r.Outcome).To(Equal(model.Skip), req+": "+r.Message)
			Expect(r.Message).To(HavePrefix("not judged: "), req)
		}
		Expect(result(rep, "api", "API-22").Message).To(ContainSubstring("does not declare the batch interaction"))
		Expect(result(rep, "api", "API-23").Message).To(ContainSubstring("does not declare history-type for Patient"))
		Expect(sim.Resources()).To(Equal(before), "nothing was written")
	})

	It("never writes unless the plan allows it, whatever the server declares", func() {
		sim, url := simulator(fhirserver.Options{PageSize: 5})
		before := sim.Resources()
		_, err := runErr([]map[string]any{apiTarget(url, map[string]any{"interactions": []any{"read", "transaction"}})}, "fhir-rest-api")
		Expect(err).To(MatchError(ContainSubstring("transaction changes the server's data; it needs allow_writes: true")))
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		for _, req := range writeReqs {
			Expect(result(rep, "api", req).Outcome).To(Equal(model.Skip), req)
		}
		Expect(sim.Resources()).To(Equal(before))
	})

	It("fails API-19 on a server that deletes although its statement declares no delete, touching only an id that does not exist", func() {
		opts := withDefects("undeclared-delete-done")
		opts.Basic = true
		sim, url := simulator(opts)
		before := sim.Resources()
		rep := run([]map[string]any{apiTarget(url, map[string]any{"allow_writes": true})}, "fhir-rest-api")
		Expect(failing(rep)).To(Equal([]string{"fhir-rest-api/API-19"}))
		r := result(rep, "api", "API-19")
		Expect(r.Evaluated).To(Equal(int64(1)))
		Expect(r.Findings).To(HaveLen(1))
		f := r.Findings[0]
		Expect(f.Code).To(Equal("api.undeclared-done"))
		Expect(f.Record).To(MatchRegexp(`^DELETE Patient/carecert-absent-[0-9a-f]{12} \(not declared\)$`))
		Expect(f.Message).To(ContainSubstring("returned HTTP 204: the server does what its CapabilityStatement says it does not"))
		Expect(sim.Resources()).To(Equal(before), "nothing real was touched")
	})

	It("locates each write fault at the request that shows it", func() {
		for _, c := range []fault{
			{"if-match-ignored", "API-20", "PUT Patient/created-1 (If-Match: W/\"2\", a stale version)", "returned HTTP 200, want 412 Precondition Failed"},
			{"delete-ignored", "API-19", "GET Patient/created-1 (after its delete)", "the delete was answered but not done"},
			{"conditional-create-duplicates", "API-21", "POST Patient (If-None-Exist: _id=created-1)", "returned 201 Created: a duplicate was made"},
			{"transaction-partial", "API-22", "GET Patient/carecert-txn-", "its first entry was committed"},
			{"history-since-ignored", "API-23", "GET Patient/_history?_since=", "before _since"},
			{"system-history-since-ignored", "API-23", "GET _history?_since=", "before _since"},
			{"accepts-anything", "API-24", "POST Patient (Content-Type: text/plain)", "want 415 Unsupported Media Type"},
			{"create-no-location", "API-11", "POST Patient", "without a Location header"},
			{"patch-ignored", "API-29", "PATCH Patient/created-1 (JSON Patch: add language en-GB)", "the patch was not applied"},
			{"conditional-delete-ignored", "API-21", "GET Patient/created-2 (after its conditional delete)", "the conditional delete was answered but not done"},
		} {
			before, after := locates(c, map[string]any{"allow_writes": true})
			if c.defect != "delete-ignored" && c.defect != "create-no-location" && c.defect != "conditional-delete-ignored" {
				Expect(after).To(Equal(before), c.defect+": carecert deletes what it created")
			}
		}
	})
})

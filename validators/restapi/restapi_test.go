package restapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology/runengine"
	"github.com/carecert/carecert/validators/restapi"
)

func compile(typ string, params params.Params) check.Check {
	reg := check.NewRegistry()
	restapi.Register(reg, runengine.Search)
	c, err := reg.Compile(check.Spec{Requirement: "R", Type: typ, Params: params, Source: "test"}, &check.Env{})
	Expect(err).NotTo(HaveOccurred())
	return c
}

func record(ex *fhirclient.Exchange) *model.Record {
	return &model.Record{Kind: model.KindExchange, Source: ex.URL, Type: ex.Method, ID: ex.Label, Value: ex}
}

// page is a searchset page of a chain holding the given Patient ids.
func page(chain string, n int, last bool, total int, ids ...string) *fhirclient.Exchange {
	var entries []any
	for _, id := range ids {
		entries = append(entries, map[string]any{
			"fullUrl": "http://s/Patient/" + id, "search": map[string]any{"mode": "match"},
			"resource": map[string]any{"resourceType": "Patient", "id": id},
		})
	}
	b := map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": entries}
	if total >= 0 {
		b["total"] = json.Number(fmt.Sprint(total))
	}
	return &fhirclient.Exchange{
		Interaction: fhirclient.Page, Label: chain, Method: "GET", URL: fmt.Sprintf("http://s/Patient?page=%d", n),
		Status: 200, Headers: map[string]string{"content-type": "application/fhir+json"}, Type: "Patient",
		Resource: b, Paging: &fhirclient.Paging{Chain: chain, Number: n, Last: last},
	}
}

// finish runs a stateful check over exchanges split across workers, with each
// state round-tripped through JSON as a sharded run does, and returns the
// merged tally.
func finish(c check.Check, shards ...[]*fhirclient.Exchange) *model.Tally {
	var merged check.State
	for _, exs := range shards {
		s := c.NewState()
		for _, ex := range exs {
			rec := record(ex)
			Expect(c.Applies(rec)).To(BeTrue())
			Expect(s.Observe(rec)).To(BeEmpty())
		}
		data, err := json.Marshal(s)
		Expect(err).NotTo(HaveOccurred())
		back := c.NewState()
		Expect(json.Unmarshal(data, back)).To(Succeed())
		if merged == nil {
			merged = back
		} else {
			Expect(merged.Merge(back)).To(Succeed())
		}
	}
	t := model.NewTally(0)
	merged.Finish(t)
	return t
}

func findingCodes(t *model.Tally) []string {
	var out []string
	for _, f := range t.Sample() {
		out = append(out, f.Code)
	}
	return out
}

var _ = Describe("paging", func() {
	c := compile("fhir-api-paging", nil)

	It("gives the same findings from pages split across shards as from one pass", func() {
		p1 := page("Patient?_count=2", 1, false, 5, "a", "b")
		p2 := page("Patient?_count=2", 2, false, -1, "c", "b")
		p3 := page("Patient?_count=2", 3, true, -1, "e")
		one := finish(c, []*fhirclient.Exchange{p1, p2, p3})
		split := finish(c, []*fhirclient.Exchange{p2}, []*fhirclient.Exchange{p3, p1})
		Expect(findingCodes(one)).To(Equal([]string{"api.paging-duplicate"}))
		Expect(split.Sample()).To(Equal(one.Sample()))
		Expect(one.Sample()[0].Message).To(Equal("search Patient?_count=2: 1 resource(s) appear on more than one page (first: Patient/b)"))
		Expect(one.Sample()[0].File).To(Equal("http://s/Patient?page=1"))
	})

	It("compares the pages' matches with Bundle.total once paging ended", func() {
		t := finish(c, []*fhirclient.Exchange{page("q", 1, false, 4, "a", "b"), page("q", 2, true, -1, "c")})
		Expect(findingCodes(t)).To(Equal([]string{"api.paging-total"}))
		Expect(t.Sample()[0].Message).To(ContainSubstring("Bundle.total says 4 but the 2 page(s) held 3 matches"))
	})

	It("reports a broken next link with the failing page", func() {
		bad := &fhirclient.Exchange{Interaction: fhirclient.Page, Label: "q", Method: "GET", URL: "http://s/next", Status: 500,
			Paging: &fhirclient.Paging{Chain: "q", Number: 2, Last: true}}
		t := finish(c, []*fhirclient.Exchange{page("q", 1, false, 4, "a", "b"), bad})
		Expect(findingCodes(t)).To(Equal([]string{"api.paging-broken"}))
		Expect(t.Sample()[0].Message).To(ContainSubstring("page 2 (http://s/next) gave HTTP 500"))
	})
})

var _ = Describe("latency", func() {
	exchanges := func(ms ...int) []*fhirclient.Exchange {
		var out []*fhirclient.Exchange
		for _, m := range ms {
			out = append(out, &fhirclient.Exchange{Interaction: fhirclient.Read, Method: "GET", Status: 200, Latency: time.Duration(m) * time.Millisecond})
		}
		return out
	}

	It("measures nearest-rank p50 and p95 exactly across shards and passes within the suite's thresholds", func() {
		c := compile("fhir-api-latency", params.Params{"p50": "60ms", "p95": "100ms"})
		ms := []int{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}
		t := finish(c, exchanges(ms[:3]...), exchanges(ms[3:]...))
		p50, _ := t.Lookup("p50 response time (ms)")
		p95, _ := t.Lookup("p95 response time (ms)")
		Expect(p50.Rate()).To(Equal(50.0))
		Expect(p95.Rate()).To(Equal(100.0))
		Expect(t.Errors).To(BeZero())
	})

	It("fails a percentile over the target's own threshold, which wins over the suite's", func() {
		c := compile("fhir-api-latency", params.Params{"p95": "10s"})
		exs := exchanges(100, 200, 300, 400)
		for _, ex := range exs {
			ex.P95Limit = 250 * time.Millisecond
		}
		t := finish(c, exs)
		Expect(findingCodes(t)).To(Equal([]string{"api.latency"}))
		Expect(t.Sample()[0].Message).To(Equal("95th-percentile (p95) response time 400ms exceeds the threshold 250ms (4 responses)"))
		limit, _ := t.Lookup("p95 threshold (ms)")
		Expect(limit.Rate()).To(Equal(250.0))
	})

	It("refuses a misspelt threshold", func() {
		reg := check.NewRegistry()
		restapi.Register(reg, runengine.Search)
		_, err := reg.Compile(check.Spec{Requirement: "R", Type: "fhir-api-latency", Params: params.Params{"p59": "1s"}, Source: "s.yaml:3"}, &check.Env{})
		Expect(err).To(MatchError(ContainSubstring("unknown parameter(s) p59")))
	})
})

var _ = Describe("per-exchange checks", func() {
	observe := func(typ string, ex *fhirclient.Exchange) []model.Finding {
		c := compile(typ, nil)
		rec := record(ex)
		if !c.Applies(rec) {
			return nil
		}
		return c.NewState().Observe(rec)
	}

	It("reads a Bulk manifest field by field", func() {
		ex := &fhirclient.Exchange{Interaction: fhirclient.BulkManifest, Method: "GET", URL: "http://s/status", Status: 200,
			Resource: map[string]any{"transactionTime": "yesterday", "output": []any{map[string]any{"type": "Patient", "url": "/relative"}}}}
		var paths []string
		for _, f := range observe("fhir-bulk-manifest", ex) {
			paths = append(paths, f.Path)
		}
		Expect(paths).To(Equal([]string{"transactionTime", "request", "requiresAccessToken", "output[0]", "error"}))
	})

	It("tells an expired Bulk file from a cut download and a wrong count", func() {
		gone := &fhirclient.Exchange{Interaction: fhirclient.BulkDownload, Method: "GET", URL: "http://s/f", Status: 410, Bulk: &fhirclient.Bulk{Declared: 3}}
		cut := &fhirclient.Exchange{Interaction: fhirclient.BulkDownload, Method: "GET", URL: "http://s/f", Status: 200, Err: "reading the response body: reset", ErrCode: "connection", Bulk: &fhirclient.Bulk{Declared: 3, Records: 2}}
		short := &fhirclient.Exchange{Interaction: fhirclient.BulkDownload, Method: "GET", URL: "http://s/f", Status: 200, Bulk: &fhirclient.Bulk{FileType: "Patient", Declared: 3, Records: 2}}
		Expect(observe("fhir-bulk-download", gone)[0].Code).To(Equal("bulk.expired"))
		Expect(observe("fhir-bulk-download", cut)[0].Code).To(Equal("bulk.download-incomplete"))
		Expect(observe("fhir-bulk-download", short)[0].Message).To(Equal("output file http://s/f (Patient): the manifest says 3 record(s), the file holds 2"))
	})

	It("takes a 429 while polling as a request to slow down, and a 500 as a failed export", func() {
		slow := &fhirclient.Exchange{Interaction: fhirclient.BulkStatus, Method: "GET", URL: "http://s/status", Status: 429, Headers: map[string]string{"retry-after": "5"}}
		fs := observe("fhir-bulk-status", slow)
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Severity).To(Equal(model.Information))
		Expect(fs[0].Message).To(HaveSuffix("polling went on after Retry-After 5"))
		slow.Status = 500
		Expect(observe("fhir-bulk-status", slow)[0].Code).To(Equal("bulk.failed"))
	})

	It("finds the export declared where the statement instantiates the IG's, or declares the level's operation at the rest level or on its type", func() {
		declared := func(op string, cs string) []model.Finding {
			var res map[string]any
			Expect(json.Unmarshal([]byte(cs), &res)).To(Succeed())
			return observe("fhir-bulk-declared", &fhirclient.Exchange{Interaction: fhirclient.BulkDeclared, Step: op, Method: "GET", URL: "http://s/metadata",
				Status: 200, Resource: res})
		}
		const none = `{"resourceType":"CapabilityStatement","rest":[{"mode":"server","resource":[{"type":"Patient"}]}]}`
		Expect(declared("export", `{"resourceType":"CapabilityStatement","instantiates":["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data|2.0.0"]}`)).To(BeEmpty())
		Expect(declared("export", `{"resourceType":"CapabilityStatement","rest":[{"mode":"server","operation":[{"name":"export","definition":"http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"}]}]}`)).To(BeEmpty())
		Expect(declared("group-export", `{"resourceType":"CapabilityStatement","rest":[{"mode":"server","resource":[{"type":"Group","operation":[{"name":"export","definition":"http://x/OperationDefinition/g"}]}]}]}`)).To(BeEmpty())
		Expect(declared("patient-export", `{"resourceType":"CapabilityStatement","rest":[{"mode":"server","operation":[{"name":"x","definition":"http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export|2.0.0"}]}]}`)).To(BeEmpty())
		// export on Group says nothing of the Patient level.
		fs := declared("patient-export", `{"resourceType":"CapabilityStatement","rest":[{"mode":"server","resource":[{"type":"Group","operation":[{"name":"export"}]}]}]}`)
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Code).To(Equal("bulk.undeclared"))
		Expect(declared("export", none)[0].Message).To(ContainSubstring("neither instantiates http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data nor declares the export operation"))
	})

	It("judges a delete the statement does not declare: done is an error, 405 wants an OperationOutcome, another refusal is a warning", func() {
		del := func(status int, body map[string]any) *fhirclient.Exchange {
			return &fhirclient.Exchange{Interaction: fhirclient.Delete, Step: "undeclared", Method: "DELETE", URL: "http://s/Patient/x", Status: status,
				Type: "Patient", ID: "x", Resource: body}
		}
		oo := map[string]any{"resourceType": "OperationOutcome"}
		Expect(observe("fhir-api-delete", del(405, oo))).To(BeEmpty())
		for _, c := range []struct {
			status   int
			body     map[string]any
			code     string
			severity model.Severity
		}{
			{204, nil, "api.undeclared-done", model.Error},
			{200, oo, "api.undeclared-done", model.Error},
			{405, nil, "api.undeclared-outcome", model.Error},
			{404, oo, "api.undeclared-status", model.Warning},
			{501, oo, "api.undeclared-status", model.Warning},
			{500, oo, "api.undeclared-status", model.Error},
		} {
			fs := observe("fhir-api-delete", del(c.status, c.body))
			Expect(fs).To(HaveLen(1), fmt.Sprint(c.status))
			Expect([]any{fs[0].Code, fs[0].Severity}).To(Equal([]any{c.code, c.severity}), fmt.Sprint(c.status))
		}
	})

	DescribeTable("judges _summary=true by the summary elements of the core definition, and _elements by the elements asked for",
		func(result map[string]string, returned string, want ...string) {
			whole := `{"resourceType": "Observation", "id": "o1", "meta": {"versionId": "1"}, "status": "final", "code": {"text": "pulse"},
				"subject": {"reference": "Patient/p1"}, "valueQuantity": {"value": 60}, "note": [{"text": "resting"}]}`
			var res, read map[string]any
			Expect(json.Unmarshal([]byte(returned), &res)).To(Succeed())
			Expect(json.Unmarshal([]byte(whole), &read)).To(Succeed())
			ex := &fhirclient.Exchange{Interaction: fhirclient.SearchResult, Method: "GET", URL: "http://s/Observation?_id=o1", Label: "Observation?_id=o1",
				Status: 200, Headers: map[string]string{"content-type": "application/fhir+json"}, Type: "Observation", Expect: "Observation/o1", Result: result, JSON: read,
				Resource: map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": []any{map[string]any{"search": map[string]any{"mode": "match"}, "resource": res}}}}
			var got []string
			for _, f := range observe("fhir-api-search-result", ex) {
				got = append(got, f.Severity.String()+" "+f.Code+" "+f.Message[strings.LastIndex(f.Message, " without ")+1:])
			}
			Expect(got).To(ConsistOf(want))
		},
		Entry("the summary, without note, tagged", map[string]string{"_summary": "true"},
			`{"resourceType": "Observation", "id": "o1", "meta": {"tag": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}]},
			  "status": "final", "code": {"text": "pulse"}, "subject": {"reference": "Patient/p1"}, "valueQuantity": {"value": 60}}`),
		Entry("only the id, tagged: each summary element it holds is missing", map[string]string{"_summary": "true"},
			`{"resourceType": "Observation", "id": "o1", "meta": {"tag": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}]}}`,
			"error api.summary-dropped without code, which it holds and which is a summary element of Observation",
			"error api.summary-dropped without status, which it holds and which is a summary element of Observation",
			"error api.summary-dropped without subject, which it holds and which is a summary element of Observation",
			"error api.summary-dropped without value, which it holds and which is a summary element of Observation"),
		Entry("the summary but the subject", map[string]string{"_summary": "true"},
			`{"resourceType": "Observation", "id": "o1", "meta": {"tag": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}]},
			  "status": "final", "code": {"text": "pulse"}, "valueQuantity": {"value": 60}}`,
			"error api.summary-dropped without subject, which it holds and which is a summary element of Observation"),
		Entry("_elements: the summary is not asked for there, the mandatory elements are", map[string]string{"_elements": "note"},
			`{"resourceType": "Observation", "id": "o1", "meta": {"tag": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}]},
			  "note": [{"text": "resting"}]}`,
			"warning api.subset-mandatory without its mandatory element status (a server SHOULD return mandatory elements whatever it is asked for)",
			"warning api.subset-mandatory without its mandatory element code (a server SHOULD return mandatory elements whatever it is asked for)"),
	)

	It("keeps the transport check of each suite to its own exchanges", func() {
		api := compile("fhir-api-transport", nil)
		bulk := compile("fhir-api-transport", params.Params{"exchanges": "bulk"})
		read := record(&fhirclient.Exchange{Interaction: fhirclient.Read})
		kick := record(&fhirclient.Exchange{Interaction: fhirclient.BulkKickoff})
		Expect([]bool{api.Applies(read), api.Applies(kick), bulk.Applies(read), bulk.Applies(kick)}).To(Equal([]bool{true, false, false, true}))
	})

	It("redacts nothing from an OperationOutcome but marks a patient's body as sensitive evidence", func() {
		oo := &fhirclient.Exchange{Interaction: fhirclient.NotFound, Method: "GET", URL: "http://s/Patient/x", Label: "Patient/x", Status: 200, Type: "Patient", ID: "x",
			Headers: map[string]string{"content-type": "application/fhir+json"}, Excerpt: `{"resourceType":"Patient","id":"x","name":[{"family":"Smith"}]}`,
			Resource: map[string]any{"resourceType": "Patient", "id": "x"}}
		fs := observe("fhir-api-not-found", oo)
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Sensitive).To(BeTrue())
		Expect(fs[0].Message).To(Equal("read of unknown Patient/x returned HTTP 200, want 404 or 410"))
		oo.Resource = map[string]any{"resourceType": "OperationOutcome"}
		oo.Status = 500
		Expect(observe("fhir-api-not-found", oo)[0].Sensitive).To(BeFalse())
	})
})

var _ = Describe("since (BULK-06)", func() {
	c := compile("fhir-bulk-since", nil)
	const since = "2025-07-01T00:00:00Z"
	kickoff := record(&fhirclient.Exchange{Interaction: fhirclient.BulkKickoff, Method: "GET", URL: "http://s/$export?_since=" + since, Label: "$export", Since: since})

	// exported is line n of an output file, with the kick-off as Container.
	exported := func(file string, line int, id, lastUpdated string) *model.Record {
		res := map[string]any{"resourceType": "Observation", "id": id}
		if lastUpdated != "" {
			res["meta"] = map[string]any{"lastUpdated": lastUpdated}
		}
		return &model.Record{Kind: model.KindFHIR, Source: "http://s/files/" + file, Line: line, Index: int64(line - 1),
			Type: "Observation", ID: id, Value: res, Container: kickoff}
	}
	manifest := func(transactionTime any) *model.Record {
		m := map[string]any{"request": "http://s/$export"}
		if transactionTime != nil {
			m["transactionTime"] = transactionTime
		}
		return record(&fhirclient.Exchange{Interaction: fhirclient.BulkManifest, Method: "GET", URL: "http://s/status", Label: "manifest",
			Status: 200, Resource: m, Since: since})
	}

	// judge observes records split across workers, each state round-tripped
	// through JSON as a sharded run does, and returns the merged tally.
	judge := func(shards ...[]*model.Record) *model.Tally {
		t := model.NewTally(0)
		var merged check.State
		for _, recs := range shards {
			s := c.NewState()
			for _, rec := range recs {
				Expect(c.Applies(rec)).To(BeTrue())
				t.Observe(s.Observe(rec))
			}
			data, err := json.Marshal(s)
			Expect(err).NotTo(HaveOccurred())
			back := c.NewState()
			Expect(json.Unmarshal(data, back)).To(Succeed())
			if merged == nil {
				merged = back
			} else {
				Expect(merged.Merge(back)).To(Succeed())
			}
		}
		merged.Finish(t)
		return t
	}

	It("fails each resource updated before _since at its line, counts undated ones once, and gives the same tally however split", func() {
		recs := []*model.Record{
			exported("b.ndjson", 1, "at", since),
			exported("b.ndjson", 2, "offset-old", "2025-07-01T01:00:00+02:00"), // 23:00Z the day before
			exported("b.ndjson", 3, "undated-b", ""),
			exported("a.ndjson", 4, "undated-a", ""),
			exported("a.ndjson", 5, "fraction-new", "2025-07-01T00:00:00.001Z"),
			exported("a.ndjson", 6, "not-an-instant", "2025-07-02"),
			exported("a.ndjson", 7, "old", "2024-12-31T23:59:59Z"),
			manifest(since),
		}
		one := judge(recs)
		split := judge(recs[5:], recs[:2], recs[2:5])
		Expect(split.Sample()).To(Equal(one.Sample()))
		Expect(split.Measures).To(Equal(one.Measures))
		Expect([]int64{one.Evaluated, one.Failing, one.Errors, one.Information}).To(Equal([]int64{8, 2, 2, 1}))
		var got []string
		for _, f := range one.Sample() {
			got = append(got, fmt.Sprintf("%s %s %s:%d %s", f.Code, f.Record, f.File, f.Line, f.Path))
		}
		Expect(got).To(ConsistOf(
			"bulk.before-since Observation/offset-old http://s/files/b.ndjson:2 Observation.meta.lastUpdated",
			"bulk.before-since Observation/old http://s/files/a.ndjson:7 Observation.meta.lastUpdated",
			"bulk.since-undated Observation/undated-a http://s/files/a.ndjson:4 ",
		))
		for _, f := range one.Sample() {
			if f.Code == "bulk.since-undated" {
				Expect(f.Severity).To(Equal(model.Information))
				Expect(f.Message).To(Equal("3 exported resource(s) have no meta.lastUpdated instant, so whether they changed since _since " + since + " cannot be told (first: Observation/undated-a)"))
			}
		}
		m, _ := one.Lookup("exported resources updated at or after _since")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{2, 4}))
		u, _ := one.Lookup("exported resources without meta.lastUpdated")
		Expect(u.Numerator).To(Equal(int64(3)))
		outcome, _ := one.Grade()
		Expect(outcome).To(Equal(model.Fail))
	})

	It("wants a transactionTime in the manifest that is not before _since", func() {
		codes := func(tt any) []string {
			var out []string
			for _, f := range c.NewState().Observe(manifest(tt)) {
				Expect(f.Path).To(Equal("transactionTime"))
				out = append(out, f.Code+": "+f.Message)
			}
			return out
		}
		Expect(codes(since)).To(BeEmpty(), "at _since is not before it")
		Expect(codes("2026-01-01T00:00:00+14:00")).To(BeEmpty())
		Expect(codes(nil)).To(Equal([]string{"bulk.transaction-time: the manifest has no transactionTime to show the export ran at or after _since " + since}))
		Expect(codes(json.Number("20250701"))).To(Equal([]string{"bulk.transaction-time: the manifest has no transactionTime to show the export ran at or after _since " + since}))
		Expect(codes("2025-07-01")).To(Equal([]string{`bulk.transaction-time: the manifest's transactionTime "2025-07-01" is not an instant, so it cannot be compared with _since ` + since}))
		Expect(codes("2025-06-30T23:59:59.999Z")).To(Equal([]string{"bulk.transaction-time: the manifest's transactionTime 2025-06-30T23:59:59.999Z is before _since " + since +
			": the export claims to show the server as it was before the changes it was asked for"}))
	})

	It("looks only at exports that asked for _since, and only at their output resources and manifest", func() {
		plain := record(&fhirclient.Exchange{Interaction: fhirclient.BulkKickoff, Method: "GET", URL: "http://s/$export"})
		fromPlain := exported("a.ndjson", 1, "x", "2020-01-01T00:00:00Z")
		fromPlain.Container = plain
		loose := exported("a.ndjson", 1, "x", "2020-01-01T00:00:00Z")
		loose.Container = nil // an error file's outcome, or a resource from a file
		inBundle := exported("a.ndjson", 1, "x", "2020-01-01T00:00:00Z")
		inBundle.Container = &model.Record{Kind: model.KindFHIR, Type: "Bundle"}
		noSince := manifest(since)
		noSince.Value.(*fhirclient.Exchange).Since = ""
		Expect([]bool{c.Applies(kickoff), c.Applies(fromPlain), c.Applies(loose), c.Applies(inBundle), c.Applies(noSince)}).To(Equal([]bool{false, false, false, false, false}))
		Expect([]bool{c.Applies(exported("a.ndjson", 1, "x", "")), c.Applies(manifest(since))}).To(Equal([]bool{true, true}))
	})
})

var _ = Describe("a requirement's min_cases", func() {
	notFound := func(n int) *fhirclient.Exchange {
		return &fhirclient.Exchange{Interaction: fhirclient.NotFound, Label: fmt.Sprintf("Patient/x%d", n), Method: "GET", URL: fmt.Sprintf("http://s/Patient/x%d", n),
			Status: 404, Headers: map[string]string{"content-type": "application/fhir+json"}, Type: "Patient", ID: fmt.Sprintf("x%d", n),
			Resource: map[string]any{"resourceType": "OperationOutcome", "issue": []any{}}}
	}
	grade := func(params params.Params, exs ...*fhirclient.Exchange) (model.Outcome, string) {
		c := compile("fhir-api-not-found", params)
		s := c.NewState()
		t := model.NewTally(0)
		for _, ex := range exs {
			t.Observe(s.Observe(record(ex)))
		}
		s.Finish(t)
		return c.(check.Grader).Grade(t)
	}

	It("skips, naming both numbers, a clean requirement that judged fewer cases than asked; never passes it", func() {
		out, msg := grade(params.Params{"min_cases": 3}, notFound(1), notFound(2))
		Expect(out).To(Equal(model.Skip))
		Expect(msg).To(Equal("not judged enough: 2 case(s) judged, fewer than the 3 the requirement asks for (min_cases)"))
		out, _ = grade(params.Params{"min_cases": 3}, notFound(1), notFound(2), notFound(3))
		Expect(out).To(Equal(model.Pass))
		out, _ = grade(nil, notFound(1))
		Expect(out).To(Equal(model.Pass), "one case is enough by default")
	})

	It("still fails a requirement that judged too few cases when one of them failed", func() {
		bad := notFound(1)
		bad.Status = 200
		out, _ := grade(params.Params{"min_cases": 3}, bad)
		Expect(out).To(Equal(model.Fail))
	})

	It("refuses a min_cases below 1 and other parameters", func() {
		reg := check.NewRegistry()
		restapi.Register(reg, runengine.Search)
		_, err := reg.Compile(check.Spec{Requirement: "R", Type: "fhir-api-read", Params: params.Params{"min_cases": 0}, Source: "test"}, &check.Env{})
		Expect(err).To(MatchError(ContainSubstring("min_cases must be at least 1")))
		_, err = reg.Compile(check.Spec{Requirement: "R", Type: "fhir-api-read", Params: params.Params{"min_case": 2}, Source: "test"}, &check.Env{})
		Expect(err).To(MatchError(ContainSubstring("min_case")))
	})
})

package livefhir_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/terminology/runengine"
	"github.com/carecert/carecert/validators/restapi"
)

// since splits the generated feed: the Organization and Practitioners (which
// the simulator dates 2026-01-01) and the most recent clinical records are
// at or after it, the Patients and older records before it.
const since = "2025-07-01T00:00:00Z"

// feedUpdated reads the generated feed on its own and returns, by "Type/id",
// each resource's meta.lastUpdated as the simulator serves it (2026-01-01
// when the feed has none).
func feedUpdated() map[string]string {
	f, err := os.Open(filepath.Join(feedDir, fixtures.FeedFile))
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
			Meta         struct {
				LastUpdated string `json:"lastUpdated"`
			} `json:"meta"`
		}
		Expect(json.Unmarshal(sc.Bytes(), &r)).To(Succeed())
		if r.Meta.LastUpdated == "" {
			r.Meta.LastUpdated = "2026-01-01T00:00:00Z"
		}
		out[r.ResourceType+"/"+r.ID] = r.Meta.LastUpdated
	}
	Expect(sc.Err()).NotTo(HaveOccurred())
	return out
}

// partition splits the feed's resources of the given types (all when none)
// into those updated at or after since and those before it.
func partition(types ...string) (after, before []string) {
	cut, err := time.Parse(time.RFC3339, since)
	Expect(err).NotTo(HaveOccurred())
	for name, lu := range feedUpdated() {
		typ, _, _ := strings.Cut(name, "/")
		if len(types) > 0 && !slices.Contains(types, typ) {
			continue
		}
		t, err := time.Parse(time.RFC3339, lu)
		Expect(err).NotTo(HaveOccurred())
		if t.Before(cut) {
			before = append(before, name)
		} else {
			after = append(after, name)
		}
	}
	sort.Strings(after)
	sort.Strings(before)
	return after, before
}

// recording starts a simulator behind a handler that counts requests and
// keeps the query of every $export kick-off.
func recording(opts fhirserver.Options) (url string, requests *atomic.Int64, kickoffs func() []string) {
	if opts.Feed == "" {
		opts.Feed = feedDir
	}
	s, err := fhirserver.New(opts)
	Expect(err).NotTo(HaveOccurred())
	var mu sync.Mutex
	var queries []string
	requests = &atomic.Int64{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if strings.HasSuffix(r.URL.Path, "/$export") {
			mu.Lock()
			queries = append(queries, r.URL.RawQuery)
			mu.Unlock()
		}
		s.ServeHTTP(w, r)
	}))
	DeferCleanup(hs.Close)
	return hs.URL, requests, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string{}, queries...)
	}
}

var _ = Describe("fhir-bulk target with since (_since)", func() {
	It("sends _since (and _type) on kick-off and passes BULK-06 on a server that honours it, judging every resource it exported", func() {
		base, _, kickoffs := recording(fhirserver.Options{})
		rep := run([]map[string]any{
			bulkTarget(base, map[string]any{"name": "system", "since": since}),
			bulkTarget(base, map[string]any{"name": "typed", "since": since, "types": []any{"Observation", "MedicationRequest"}}),
		}, "fhir-bulk-data", "fhir-r4-structure")
		Expect(failing(rep)).To(BeEmpty())

		// Each export, then the same kick-off once per _outputFormat alias,
		// then two with bad parameters (BULK-10).
		var queries []string
		aliases := map[string][]string{}
		bad := 0
		for _, q := range kickoffs() {
			v, err := url.ParseQuery(q)
			Expect(err).NotTo(HaveOccurred())
			if v.Get("_since") == "not-an-instant" || v.Get("_outputFormat") == "application/x-carecert-unknown" {
				bad++
				continue
			}
			if f := v.Get("_outputFormat"); f != "" {
				v.Del("_outputFormat")
				aliases[v.Encode()] = append(aliases[v.Encode()], f)
				continue
			}
			queries = append(queries, q)
		}
		Expect(queries).To(HaveLen(2))
		Expect(bad).To(Equal(4))
		sort.Strings(queries)
		for _, q := range queries {
			Expect(aliases[q]).To(ConsistOf("application/fhir+ndjson", "application/ndjson", "ndjson"), q)
		}
		Expect(queries[0]).To(Equal(url.Values{"_since": {since}}.Encode()))
		Expect(queries[1]).To(Equal(url.Values{"_since": {since}, "_type": {"Observation,MedicationRequest"}}.Encode()))

		after, before := partition()
		// The feed's 64 resources: 8 Observations, 4 Encounters, 4
		// MedicationRequests and the 4 undated Organization and Practitioners
		// at or after since; the rest (every Patient and Condition, 44 in
		// all) before.
		Expect(after).To(HaveLen(20))
		Expect(before).To(HaveLen(44))
		for _, tc := range []struct {
			name  string
			types []string
		}{{"system", nil}, {"typed", []string{"Observation", "MedicationRequest"}}} {
			want, _ := partition(tc.types...)
			Expect(result(rep, tc.name, "STRUCT-01").Evaluated).To(Equal(int64(len(want))), tc.name+": only what changed since is exported")
			r := result(rep, tc.name, "BULK-06")
			Expect(r.Outcome).To(Equal(model.Pass), r.Message)
			Expect(r.Evaluated).To(Equal(int64(len(want)+1)), tc.name+": each resource and the manifest")
			Expect(r.Findings).To(BeEmpty(), "the simulator dates every resource it serves")
			m, ok := r.Lookup("exported resources updated at or after _since")
			Expect(ok).To(BeTrue())
			Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{int64(len(want)), int64(len(want))}))
		}
		Expect(result(rep, "typed", "STRUCT-01").Evaluated).To(Equal(int64(8 + 4)))
	})

	It("finds exactly the resources older than _since when the server ignores it", func() {
		_, url := simulator(withDefects("bulk-ignores-since"))
		rep := run([]map[string]any{bulkTarget(url, map[string]any{"since": since})}, "fhir-bulk-data", "fhir-r4-structure")
		Expect(failing(rep)).To(Equal([]string{"fhir-bulk-data/BULK-06"}))
		Expect(result(rep, "bulk", "STRUCT-01").Evaluated).To(Equal(int64(feedRecords)), "everything was exported")

		_, before := partition()
		updated := feedUpdated()
		r := result(rep, "bulk", "BULK-06")
		Expect(r.Outcome).To(Equal(model.Fail))
		Expect(r.Level).To(Equal(model.Shall))
		Expect(r.Evaluated).To(Equal(int64(feedRecords + 1)))
		Expect(r.Errors).To(Equal(int64(len(before))))
		Expect(r.Failing).To(Equal(int64(len(before))))
		var found []string
		for _, f := range r.Findings {
			typ, _, _ := strings.Cut(f.Record, "/")
			Expect(f.Code).To(Equal("bulk.before-since"))
			Expect(f.Path).To(Equal(typ + ".meta.lastUpdated"))
			Expect(f.File).To(Equal(url + "/bulk-files/job-1/" + typ + ".ndjson"))
			Expect(f.Line).To(BeNumerically(">", 0))
			Expect(f.Message).To(Equal(f.Record + " was last updated " + updated[f.Record] + ", before _since " + since +
				": an export of what changed since then must leave it out"))
			found = append(found, f.Record)
		}
		sort.Strings(found)
		Expect(found).To(Equal(before))
	})

	It("skips BULK-06 for an export that did not ask for _since", func() {
		_, url := simulator(withDefects("bulk-ignores-since"))
		rep := run([]map[string]any{bulkTarget(url, nil)}, "fhir-bulk-data")
		Expect(failing(rep)).To(BeEmpty())
		Expect(result(rep, "bulk", "BULK-06").Outcome).To(Equal(model.Skip))
	})

	It("judges the manifest's transactionTime and counts undated resources once, leaving error files alone", func() {
		var base string
		base = hostile(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/$export":
				if v := r.URL.Query().Get("_since"); v != "not-an-instant" {
					Expect(v).To(Equal(since))
				}
				w.Header().Set("Content-Location", base+"/status")
				w.WriteHeader(http.StatusAccepted)
			case "/status":
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"transactionTime":"2025-06-30T23:59:59Z","request":"` + base + `/$export","requiresAccessToken":false,` +
					`"output":[{"type":"Patient","url":"` + base + `/patients.ndjson","count":4}],` +
					`"error":[{"type":"OperationOutcome","url":"` + base + `/errors.ndjson"}]}`))
			case "/patients.ndjson":
				w.Header().Set("Content-Type", "application/fhir+ndjson")
				w.Write([]byte(`{"resourceType":"Patient","id":"new","meta":{"lastUpdated":"2025-07-01T00:00:00Z"}}` + "\n" +
					`{"resourceType":"Patient","id":"undated-1"}` + "\n" +
					// 01:00+02:00 is 23:00 the day before, in UTC.
					`{"resourceType":"Patient","id":"old","meta":{"lastUpdated":"2025-07-01T01:00:00+02:00"}}` + "\n" +
					`{"resourceType":"Patient","id":"undated-2","meta":{"versionId":"1"}}` + "\n"))
			case "/errors.ndjson":
				w.Header().Set("Content-Type", "application/fhir+ndjson")
				w.Write([]byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","diagnostics":"one Patient could not be exported"}]}` + "\n"))
			}
		})
		rep := run([]map[string]any{bulkTarget(base, map[string]any{"since": since})}, "fhir-bulk-data")
		r := result(rep, "bulk", "BULK-06")
		Expect(r.Outcome).To(Equal(model.Fail))
		// Four Patients and the manifest; the error file's outcome is no
		// exported resource.
		Expect(r.Evaluated).To(Equal(int64(5)))
		Expect(r.Errors).To(Equal(int64(2)))
		Expect(r.Information).To(Equal(int64(1)))
		byCode := map[string]model.Finding{}
		for _, f := range r.Findings {
			Expect(byCode).NotTo(HaveKey(f.Code))
			byCode[f.Code] = f
		}
		Expect(byCode).To(HaveLen(3))
		old := byCode["bulk.before-since"]
		Expect([]any{old.Record, old.Line, old.Path}).To(Equal([]any{"Patient/old", 3, "Patient.meta.lastUpdated"}))
		tt := byCode["bulk.transaction-time"]
		Expect(tt.Message).To(Equal("the manifest's transactionTime 2025-06-30T23:59:59Z is before _since " + since +
			": the export claims to show the server as it was before the changes it was asked for"))
		Expect([]any{tt.Path, tt.Record}).To(Equal([]any{"transactionTime", "GET manifest"}))
		undated := byCode["bulk.since-undated"]
		Expect(undated.Severity).To(Equal(model.Information))
		Expect(undated.Message).To(Equal("2 exported resource(s) have no meta.lastUpdated instant, so whether they changed since _since " + since + " cannot be told (first: Patient/undated-1)"))
		Expect([]any{undated.File, undated.Line}).To(Equal([]any{base + "/patients.ndjson", 2}))
		m, _ := r.Lookup("exported resources updated at or after _since")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 2}))
	})

	DescribeTable("refuses a since that is not a FHIR instant when the plan is loaded, before any request",
		func(value, why string) {
			base, requests, _ := recording(fhirserver.Options{})
			dir := GinkgoT().TempDir()
			plan := filepath.Join(dir, "plan.yaml")
			Expect(os.WriteFile(plan, []byte(`suites: [fhir-bulk-data]
vendors:
  - name: Acme
    targets:
      - name: bulk
        type: fhir-bulk
        url: `+base+`
        since: `+value+`
`), 0o644)).To(Succeed())
			p, err := runner.LoadPlan(plan)
			Expect(err).NotTo(HaveOccurred())
			checks := check.NewRegistry()
			restapi.Register(checks, runengine.Search)
			treg := target.NewRegistry()
			liveRegister(treg)
			r := &runner.Runner{Checks: checks, Targets: treg, Workers: 1, Tool: model.Tool{Name: "carecert", Version: "test"}}
			// The plan's file, the line and column of since, then whose and what.
			where, want := "plan "+plan+":8:16: ", "vendors[0].targets[0].since: target bulk: "+why
			Expect(r.Preflight(p)).To(MatchError(SatisfyAll(ContainSubstring(where), ContainSubstring(want))))
			reps, err := r.Run(context.Background(), p)
			Expect(err).To(MatchError(SatisfyAll(ContainSubstring(where), ContainSubstring(want))))
			Expect(reps).To(BeEmpty())
			Expect(requests.Load()).To(BeZero(), "nothing was sent")
		},
		Entry("a date", "2025-07-01", `"2025-07-01" is not a FHIR instant (date, time to the second and time zone, as 2025-01-01T00:00:00Z)`),
		Entry("no time zone", "2025-07-01T00:00:00", `"2025-07-01T00:00:00" is not a FHIR instant`),
		Entry("no seconds", "'2025-07-01T00:00Z'", `"2025-07-01T00:00Z" is not a FHIR instant`),
		Entry("words", "yesterday", `"yesterday" is not a FHIR instant`),
		Entry("a day no calendar has", "2025-02-30T00:00:00Z", `"2025-02-30T00:00:00Z" is not a FHIR instant: no such moment`),
		Entry("a number", "20250701", `want a string, got a number`),
	)
})

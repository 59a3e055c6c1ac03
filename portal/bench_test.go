package portal_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/portal"
	"github.com/carecert/carecert/reports"
)

// The scale: 10,000 runs of 50 requirements, here 25 vendors of 400
// runs each (40 releases of 10 runs), every run with 4 measures.
const (
	benchVendors  = 25
	benchRuns     = 400
	benchReleases = 40
	benchReqs     = 50
)

// benchReport is one synthetic run: requirement i of release r fails when
// (i+r+v)%7 == 0, so verdicts and diffs vary across releases and vendors.
func benchReport(v, run int) *model.Report {
	release := run / (benchRuns / benchReleases)
	rep := &model.Report{
		Schema: model.ReportSchemaVersion, Tool: model.Tool{Name: "carecert", Version: "bench"}, Plan: "bench",
		Vendor:    model.Vendor{Name: fmt.Sprintf("Vendor %02d", v), Product: "EPR", Release: fmt.Sprintf("%d.%d", 1+release/10, release%10)},
		AsOf:      "2026-01-01",
		StartedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(run*benchVendors+v) * time.Hour),
		Complete:  true, Evidence: "redacted",
		Suites: []model.SuiteInfo{{ID: "bench-a", Version: "1", Title: "A", Source: "builtin:bench-a"}, {ID: "bench-b", Version: "1", Title: "B", Source: "builtin:bench-b"}},
	}
	rep.FinishedAt = rep.StartedAt.Add(time.Minute)
	t := model.TargetRun{Name: "feed", Type: "fhir", Location: "feed.ndjson", Records: 1000}
	for i := 0; i < benchReqs; i++ {
		suite := "bench-a"
		if i >= benchReqs/2 {
			suite = "bench-b"
		}
		res := model.Result{Suite: suite, Requirement: fmt.Sprintf("REQ-%02d", i), Level: model.Shall, Title: "requirement", Check: "bench", Outcome: model.Pass}
		res.Evaluated = 1000
		if (i+release+v)%7 == 0 {
			res.Outcome, res.Failing, res.Errors = model.Fail, 12, 15
		}
		if i < 4 {
			res.Measures = []model.Measure{{Name: fmt.Sprintf("completeness:Patient.e%d", i), Numerator: int64(900 + (release*7+v)%100), Denominator: 1000}}
		}
		t.Results = append(t.Results, res)
	}
	rep.Targets = []model.TargetRun{t}
	rep.Summarize()
	rep.Verdict = model.Verdict{Decision: model.Certified, Policy: "all-shall"}
	if rep.Summary.Outcomes[model.Fail] > 0 {
		rep.Verdict = model.Verdict{Decision: model.NotCertified, Policy: "all-shall", Reasons: []string{"a SHALL requirement fails"}}
	}
	return rep
}

// BenchmarkPortal renders the portal's pages over a SQLite history of
// 10,000 runs: the run list (newest first, and filtered), a vendor's page (400
// runs, 40 releases, charts, diff and waivers read from its latest report),
// and a comparison of 6 vendors. Run it on one core:
//
//	go test ./portal -run '^$' -bench Portal -cpu 1
func BenchmarkPortal(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	store, err := history.Open(ctx, filepath.Join(dir, "history.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	for run := 0; run < benchRuns; run++ {
		for v := 0; v < benchVendors; v++ {
			rep := benchReport(v, run)
			path, sum := "", ""
			if run == benchRuns-1 {
				// Each vendor's latest run has its report on disk, as carecert run leaves it.
				data, err := reports.MarshalJSON(rep)
				if err != nil {
					b.Fatal(err)
				}
				path = filepath.Join(dir, fmt.Sprintf("vendor-%02d.json", v))
				if err := os.WriteFile(path, data, 0o644); err != nil {
					b.Fatal(err)
				}
				s := sha256.Sum256(data)
				sum = hex.EncodeToString(s[:])
			}
			if _, err := store.Record(ctx, rep, sum, path); err != nil {
				b.Fatal(err)
			}
		}
	}
	token, entry, err := portal.NewToken()
	if err != nil {
		b.Fatal(err)
	}
	users, err := portal.ParseUsers("users.yaml", []byte(fmt.Sprintf("users:\n  - name: ana\n    role: assessor\n    tokens:\n      - id: %s\n        hash: %q\n", entry.ID, entry.Hash)))
	if err != nil {
		b.Fatal(err)
	}
	p, err := portal.New(store, users, portal.Options{})
	if err != nil {
		b.Fatal(err)
	}
	page := func(path string) func(*testing.B) {
		return func(b *testing.B) {
			get := func() int {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				rec := httptest.NewRecorder()
				p.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
				}
				return rec.Body.Len()
			}
			get() // the token's bcrypt check, paid once per client
			size := 0
			b.ResetTimer()
			for b.Loop() {
				size = get()
			}
			b.ReportMetric(float64(size), "bytes/page")
		}
	}
	six := url.Values{}
	for v := 0; v < 6; v++ {
		six.Add("vendor", fmt.Sprintf("Vendor %02d", v*4))
	}
	b.Run("runs-page", page("/runs"))
	b.Run("runs-page-filtered", page("/runs?vendor=Vendor+07&verdict=Not+certified&suite=bench-b&from=2024-06-01"))
	b.Run("runs-api", page("/api/runs"))
	b.Run("vendor-page", page("/vendors/Vendor%2007"))
	b.Run("compare-6-vendors", page("/compare?"+six.Encode()))
	b.Run("requirement-page", page("/requirements/bench-b/REQ-30"))
}

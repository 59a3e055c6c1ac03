package livefhir_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/livefhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
)

// BenchmarkBulkExport measures a whole system-level export from the simulator
// on 127.0.0.1: kick-off, manifest and the streamed download of every file,
// each line parsed into a record (what the run's workers then validate).
func BenchmarkBulkExport(b *testing.B) {
	const records = 20000
	hs := simulatorWith(b, records)
	t, err := livefhir.OpenBulk(target.Spec{Name: "bulk", Type: "fhir-bulk", URL: hs.URL, Options: params.Params{"poll_interval": "10ms"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		n := 0
		err := t.Records(context.Background(), func(r *model.Record) error {
			if r.Kind == model.KindFHIR {
				r.Load()
				n++
			}
			return nil
		})
		if err != nil || n != records {
			b.Fatalf("%d records, %v", n, err)
		}
	}
	b.ReportMetric(float64(records*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkProbe10k measures what a plan's two live targets cost on the
// simulator holding 10,000 resources: the REST probe with its defaults
// (types from the CapabilityStatement, paging to max_pages, reads, errors,
// formats) and a system export with its downloads, its file-without-token
// test and its delete. It reports the requests sent per run.
func BenchmarkProbe10k(b *testing.B) {
	const records = 10000
	hs := simulatorWith(b, records)
	api, err := livefhir.OpenServer(target.Spec{Name: "api", Type: "fhir-server", URL: hs.URL, Options: params.Params{}})
	if err != nil {
		b.Fatal(err)
	}
	bulk, err := livefhir.OpenBulk(target.Spec{Name: "bulk", Type: "fhir-bulk", URL: hs.URL, Options: params.Params{"poll_interval": "10ms"}})
	if err != nil {
		b.Fatal(err)
	}
	requests, resources := 0, 0
	b.ResetTimer()
	for b.Loop() {
		requests, resources = 0, 0
		for _, t := range []target.Target{api, bulk} {
			err := t.Records(context.Background(), func(r *model.Record) error {
				if ex, ok := r.Value.(*fhirclient.Exchange); ok && ex.Seq > 0 {
					requests++
				}
				if r.Kind == model.KindFHIR {
					r.Load()
					resources++
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(resources), "resources/op")
}

// simulatorWith serves a generated feed of records from the FHIR simulator on
// 127.0.0.1 for the length of the benchmark.
func simulatorWith(b *testing.B, records int) *httptest.Server {
	b.Helper()
	dir := b.TempDir()
	if _, err := fixtures.WriteDir(dir, fixtures.Options{Seed: 1, Records: records}); err != nil {
		b.Fatal(err)
	}
	sim, err := fhirserver.New(fhirserver.Options{Feed: dir})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(sim)
	b.Cleanup(hs.Close)
	return hs
}

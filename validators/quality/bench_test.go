package quality_test

import (
	"encoding/json"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/suites"
	"github.com/carecert/carecert/validators/quality"
)

// BenchmarkQualityFeed streams a generated feed through every requirement of
// dq-core and nhs-demographics (one worker) and reports the memory their
// states hold at the end, per million records. The feed has 20,000 records
// unless CARECERT_BENCH_RECORDS says otherwise, so that `go test -bench` stays
// quick; the documented numbers use 1,000,000:
//
//	CARECERT_BENCH_RECORDS=1000000 go test ./validators/quality -run '^$' -bench QualityFeed -benchtime 1x
func BenchmarkQualityFeed(b *testing.B) {
	n := 20_000
	if s := os.Getenv("CARECERT_BENCH_RECORDS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 14 {
			b.Fatalf("CARECERT_BENCH_RECORDS=%q: want a number of records (at least 14)", s)
		}
		n = v
	}
	reg := check.NewRegistry()
	quality.Register(reg)
	var checks []check.Check
	for _, id := range []string{"dq-core", "nhs-demographics"} {
		s, err := suites.Builtin(id, reg)
		if err != nil {
			b.Fatal(err)
		}
		for _, req := range s.Requirements {
			c, err := reg.Compile(req.Spec(), &check.Env{AsOf: fixtures.AsOf})
			if err != nil {
				b.Fatal(err)
			}
			checks = append(checks, c)
		}
	}
	defects := map[string]int{}
	for _, k := range []string{"duplicate-nhs-number", "dangling-subject", "observation-before-birth", "implausible-heart-rate", "missing-nhs-number"} {
		defects[k] = fixtures.DefaultCount(n)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		states := make([]check.State, len(checks))
		tallies := make([]*model.Tally, len(checks))
		for j, c := range checks {
			states[j], tallies[j] = c.NewState(), model.NewTally(0)
		}
		g, err := fixtures.New(fixtures.Options{Seed: 1, Records: n, Defects: defects})
		if err != nil {
			b.Fatal(err)
		}
		pr := g.Stream()
		b.StartTimer()
		err = fhir.ReadStream("bench.ndjson", pr, func(r *model.Record) error {
			r.Load()
			for j, c := range checks {
				if c.Applies(r) {
					tallies[j].Observe(states[j].Observe(r))
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		held := float64(after.HeapAlloc) - float64(before.HeapAlloc)
		var stateJSON int
		for _, s := range states {
			data, err := json.Marshal(s)
			if err != nil {
				b.Fatal(err)
			}
			stateJSON += len(data)
		}
		for j := range states {
			states[j].Finish(tallies[j])
		}
		runtime.KeepAlive(states)
		b.ReportMetric(held/float64(n)*1e6/(1<<20), "MiB-state/Mrecords")
		b.ReportMetric(float64(stateJSON)/float64(n)*1e6/(1<<20), "MiB-json/Mrecords")
		b.ReportMetric(float64(n), "records")
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

package structure_test

import (
	"bytes"
	"encoding/json"
	"runtime"
	"sync"
	"testing"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/validators/structure"
)

// benchFeed is 100,000 clean generated resources as NDJSON lines.
func benchFeed(b *testing.B) [][]byte {
	b.Helper()
	g, err := fixtures.New(fixtures.Options{Seed: 1, Records: 100_000})
	if err != nil {
		b.Fatal(err)
	}
	var lines [][]byte
	if _, err := g.Generate(func(l []byte) error {
		lines = append(lines, bytes.Clone(l))
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	return lines
}

func feedBytes(lines [][]byte) int64 {
	var n int64
	for _, l := range lines {
		n += int64(len(l)) + 1
	}
	return n
}

// BenchmarkParseOnly is the floor: decoding every line with encoding/json, as
// any Go validator must, and nothing else.
func BenchmarkParseOnly(b *testing.B) {
	lines := benchFeed(b)
	b.SetBytes(feedBytes(lines))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			var v map[string]any
			dec := json.NewDecoder(bytes.NewReader(l))
			dec.UseNumber()
			if err := dec.Decode(&v); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(lines)*b.N)/b.Elapsed().Seconds(), "resources/s")
}

// BenchmarkStructure parses each line once (fhir.Decode) and validates it with
// both structure checks, on one core.
func BenchmarkStructure(b *testing.B) {
	lines := benchFeed(b)
	typ, schema := compileChecks(b)
	b.SetBytes(feedBytes(lines))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		validateAll(b, lines, typ, schema)
	}
	b.ReportMetric(float64(len(lines)*b.N)/b.Elapsed().Seconds(), "resources/s")
}

// BenchmarkStructureAllCores is the same work spread over every core.
func BenchmarkStructureAllCores(b *testing.B) {
	lines := benchFeed(b)
	typ, schema := compileChecks(b)
	workers := runtime.GOMAXPROCS(0)
	b.SetBytes(feedBytes(lines))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		chunk := (len(lines) + workers - 1) / workers
		for w := 0; w < workers; w++ {
			part := lines[w*chunk : min(len(lines), (w+1)*chunk)]
			wg.Add(1)
			go func() {
				defer wg.Done()
				validateAll(b, part, typ, schema)
			}()
		}
		wg.Wait()
	}
	b.ReportMetric(float64(len(lines)*b.N)/b.Elapsed().Seconds(), "resources/s")
}

func compileChecks(b *testing.B) (check.Check, check.Check) {
	reg := check.NewRegistry()
	structure.Register(reg)
	env := &check.Env{}
	typ, err := reg.Compile(check.Spec{Requirement: "T", Type: "fhir-resource-type"}, env)
	if err != nil {
		b.Fatal(err)
	}
	schema, err := reg.Compile(check.Spec{Requirement: "S", Type: "fhir-json-schema"}, env)
	if err != nil {
		b.Fatal(err)
	}
	return typ, schema
}

func validateAll(b *testing.B, lines [][]byte, typ, schema check.Check) {
	ts, ss := typ.NewState(), schema.NewState()
	for _, l := range lines {
		var rec *modelRecord
		rec = newRecord(l)
		if rec.Problem != nil {
			b.Fatal(rec.Problem.Message)
		}
		if len(ts.Observe(rec)) > 0 || len(ss.Observe(rec)) > 0 {
			b.Fatal("clean feed raised a finding")
		}
	}
}

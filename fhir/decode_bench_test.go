package fhir_test

import (
	"bufio"
	"os"
	"testing"

	"github.com/carecert/carecert/fhir"
)

// BenchmarkDecode decodes NDJSON lines of the Synthea corpus
// (CARECERT_BENCH_NDJSON, made by bench/synthea-feed.mjs) with the one-pass
// decoder and with encoding/json alone.
func BenchmarkDecode(b *testing.B) {
	path := os.Getenv("CARECERT_BENCH_NDJSON")
	if path == "" {
		b.Skip("set CARECERT_BENCH_NDJSON to an NDJSON feed")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() && len(lines) < 20000 {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	for _, c := range []struct {
		name   string
		decode func([]byte) (map[string]any, error)
	}{{"one-pass", fhir.Decode}, {"encoding-json", fhir.DecodeSlow}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				for _, l := range lines {
					if _, err := c.decode(l); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(len(lines)*b.N)/b.Elapsed().Seconds(), "resources/s")
		})
	}
}

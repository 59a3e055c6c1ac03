package fhir_test

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"testing"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/model"
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

// BenchmarkReadBundle reads a pretty-printed Bundle of generated resources,
// each entry a record located at its line, and asks each record for a line
// as a finding would: the cost per entry should not grow with the Bundle.
func BenchmarkReadBundle(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		g, err := fixtures.New(fixtures.Options{Seed: 3, Records: n})
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		buf.WriteString("{\"resourceType\": \"Bundle\",\n\"type\": \"collection\",\n\"entry\": [\n")
		if _, err := g.Generate(func(l []byte) error {
			if buf.Len() > 60 {
				buf.WriteString(",\n")
			}
			buf.WriteString("{\"resource\":\n")
			buf.Write(bytes.ReplaceAll(l, []byte(`,"`), []byte(",\n\"")))
			buf.WriteString("}")
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		buf.WriteString("]}\n")
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				records := 0
				err := fhir.ReadStream("bundle.json", bytes.NewReader(buf.Bytes()), func(r *model.Record) error {
					if r.Locator.Line(r.Type+".id") == 0 {
						b.Fatalf("record %d not located", r.Index)
					}
					records++
					return nil
				})
				if err != nil || records != n+1 {
					b.Fatal(err, records)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/entry")
		})
	}
}

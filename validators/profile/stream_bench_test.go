package profile_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// BenchmarkStream sets the stream path against today's (decode the line
// into maps, walk them) on the same lines, in one run: per record, process
// CPU (garbage collection included) and allocations. "tokens" is one pass
// of encoding/json's scanner (json.Valid), what a token pass with no rules
// costs; "decode" is fhir.Decode alone (what every record costs while any
// suite reads the map form); "map" is fhir.Decode + ValidateRecord;
// "stream" is the stream path, and for the records it gives up on, the
// same decode and walk after it. The sets: "every" line of the feed, "all"
// those of the types the stream path compiles, "clean" those it proves
// clean. The engine is production's (its terminology engine for bindings,
// FHIRPath invariants).
//
//	go test ./validators/profile -run X -bench Stream -benchmem -cpu 1
func BenchmarkStream(b *testing.B) {
	defs, err := definitions.New(definitions.Options{Parent: core})
	if err != nil {
		b.Fatal(err)
	}
	e := profile.NewEngine(defs, profile.Options{Invariants: hooks.Invariants, Codes: hooks.Codes})
	st := profile.NewStreamer(e)
	feeds := []struct {
		name  string
		lines [][]byte
	}{{"synthea", benchSynthea(b)}, {"generated", benchGenerated(b, 5000)}}
	for _, f := range feeds {
		var every, all, clean []*model.Record
		for i, l := range f.lines {
			res, err := fhir.Decode(l)
			if err != nil {
				b.Fatal(err)
			}
			rec := &model.Record{Kind: model.KindFHIR, Type: fhir.ResourceType(res), Index: int64(i), Raw: l}
			every = append(every, rec)
			if ok, why := st.Check(rec, nil); ok || why != "type not compiled" {
				all = append(all, rec)
				if ok {
					clean = append(clean, rec)
				}
			}
			rec.Value = res
			e.ValidateRecord(rec, "", nil) // profiles compiled outside the timing
			rec.Value = nil
		}
		b.Logf("%s: %d records of the compiled types, %d (%.1f%%) proven clean", f.name, len(all), len(clean), 100*float64(len(clean))/float64(len(all)))
		for _, set := range []struct {
			name string
			recs []*model.Record
		}{{"every", every}, {"all", all}, {"clean", clean}} {
			b.Run(f.name+"/"+set.name+"/tokens", func(b *testing.B) {
				runRecords(b, set.recs, func(rec *model.Record) {
					if !json.Valid(rec.Raw) {
						b.Fatal("invalid JSON")
					}
				})
			})
			b.Run(f.name+"/"+set.name+"/decode", func(b *testing.B) {
				runRecords(b, set.recs, func(rec *model.Record) {
					if _, err := fhir.Decode(rec.Raw); err != nil {
						b.Fatal(err)
					}
				})
			})
			b.Run(f.name+"/"+set.name+"/map", func(b *testing.B) {
				runRecords(b, set.recs, func(rec *model.Record) { mapPath(b, e, rec) })
			})
			b.Run(f.name+"/"+set.name+"/stream", func(b *testing.B) {
				runRecords(b, set.recs, func(rec *model.Record) {
					if ok, _ := st.Check(rec, nil); !ok {
						mapPath(b, e, rec)
					}
				})
			})
		}
	}
}

// mapPath is today's path for one record: decode its line, walk the maps.
func mapPath(b *testing.B, e *profile.Engine, rec *model.Record) {
	res, err := fhir.Decode(rec.Raw)
	if err != nil {
		b.Fatal(err)
	}
	r := *rec
	r.Value = res
	e.ValidateRecord(&r, "", nil)
}

// runRecords runs one path over the records, reporting process CPU per
// record beside the wall clock.
func runRecords(b *testing.B, recs []*model.Record, path func(*model.Record)) {
	start := cpuTime()
	n := 0
	for b.Loop() {
		path(recs[n%len(recs)])
		n++
	}
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(n), "cpu-µs/record")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchSynthea is the shared Synthea corpus as the peers benchmark feeds
// it (bench/peers.sh): one copy written by bench/synthea-feed.mjs, its
// members in the corpus's order. corpusLines' lines, written back from map
// forms, have their keys sorted and their numbers and escapes rewritten:
// not the bytes a feed holds, whose order is what the scan meets.
func benchSynthea(b *testing.B) [][]byte {
	corpus := sharedtest.Path("corpus", "synthea-r4")
	if _, err := os.Stat(corpus); err != nil {
		b.Skip("the shared corpus is not beside the repository")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		b.Skip("bench/synthea-feed.mjs needs node")
	}
	feed := filepath.Join(b.TempDir(), "synthea.ndjson")
	if out, err := exec.Command(node, filepath.Join("..", "..", "bench", "synthea-feed.mjs"), corpus, "1", feed).CombinedOutput(); err != nil {
		b.Fatalf("bench/synthea-feed.mjs: %v: %s", err, out)
	}
	data, err := os.ReadFile(feed)
	if err != nil {
		b.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
}

// corpusLines writes the resources of the shared Synthea corpus's Bundles
// one a line, as a feed would carry them (none when the corpus is absent).
func corpusLines() ([][]byte, error) {
	files, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, f := range files {
		if err := fhir.ReadFile(f, func(r *model.Record) error {
			r.Load()
			if r.Type == "Bundle" {
				return nil
			}
			l, err := ndjsonLine(r.Resource())
			out = append(out, l)
			return err
		}); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
	}
	return out, nil
}

// ndjsonLine writes a resource as one NDJSON line (no newline), as a
// feed would carry it: characters as they are, not escaped for HTML.
func ndjsonLine(res map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func benchGenerated(b *testing.B, n int) [][]byte {
	g, err := fixtures.New(fixtures.Options{Seed: 1, Records: n})
	if err != nil {
		b.Fatal(err)
	}
	var out [][]byte
	if _, err := g.Generate(func(l []byte) error {
		out = append(out, slices.Clone(l))
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	return out
}

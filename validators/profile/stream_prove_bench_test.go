package profile_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
	"github.com/carecert/carecert/validators/structure"
	"github.com/carecert/carecert/validators/terminology"
)

// defaultChecks are the checks of the default FHIR suites (structure,
// profiles, terminology), compiled for one run, each with one worker's
// state, the profile check first as the runner orders them.
type defaultChecks struct {
	checks []check.Check
	states []check.State
}

func newDefaultChecks(fatal func(...any)) *defaultChecks {
	reg := check.NewRegistry()
	structure.Register(reg)
	profile.Register(reg)
	terminology.Register(reg)
	env := &check.Env{Context: context.Background()}
	d := &defaultChecks{}
	for _, typ := range []string{"fhir-profile", "fhir-resource-type", "fhir-json-schema", "fhir-value-set-binding", "fhir-code-system", "fhir-code-format", "fhir-ucum-units"} {
		c, err := reg.Compile(check.Spec{Requirement: typ, Type: typ}, env)
		if err != nil {
			fatal(err)
		}
		d.checks = append(d.checks, c)
		d.states = append(d.states, c.NewState())
	}
	return d
}

// observe runs the checks on a record as the runner does: proven from its
// bytes by the profile check when prove is set and it can be, otherwise
// decoded first. It says whether the record was proven, and whether it was
// decoded all the same (by the proof or a check that asked for its map form).
func (d *defaultChecks) observe(rec *model.Record, prove bool) (proven, decoded bool) {
	proven = prove && d.states[0].(check.Prover).Prove(rec)
	if !proven {
		rec.Load()
	}
	for i, c := range d.checks {
		if c.Applies(rec) {
			d.states[i].Observe(rec)
		}
	}
	return proven, !rec.Deferred()
}

// BenchmarkDefaultChecks is what a record of an NDJSON feed costs the
// default suites' checks, from its bytes: "decoded" as before the stream
// path was wired in (every record decoded, then walked), "proving" with the
// profile check proving it from its bytes first (the stream path), the
// checks run on one worker. One op is the whole feed. proven/feed counts
// the records the profile check proved, and proven-decoded/feed those of
// them decoded all the same (a vital sign's implied walk, or a check that
// asked for a map form).
//
//	go test ./validators/profile -run X -bench DefaultChecks -benchmem -cpu 1
func BenchmarkDefaultChecks(b *testing.B) {
	feeds := []struct {
		name  string
		lines [][]byte
	}{{"synthea", benchSynthea(b)}, {"generated", benchGenerated(b, 5000)}}
	for _, f := range feeds {
		feed := append(bytes.Join(f.lines, []byte("\n")), '\n')
		for _, mode := range []string{"decoded", "proving"} {
			b.Run(f.name+"/"+mode, func(b *testing.B) {
				d := newDefaultChecks(b.Fatal)
				// the NDJSON target's records, their decoding deferred
				var proven, decoded int // per feed
				read := func() {
					proven, decoded = 0, 0
					if err := fhir.ReadStream("feed.ndjson", bytes.NewReader(feed), func(rec *model.Record) error {
						p, dec := d.observe(rec, mode == "proving")
						if p {
							proven++
							if dec {
								decoded++
							}
						}
						return nil
					}); err != nil {
						b.Fatal(err)
					}
				}
				read() // warm: definitions, compiled profiles and stream forms
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					read()
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(f.lines)), "µs/record")
				b.ReportMetric(float64(proven), "proven/feed")
				b.ReportMetric(float64(decoded), "proven-decoded/feed")
			})
		}
	}
}

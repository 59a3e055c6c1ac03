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

func newDefaultChecks(tb testing.TB) *defaultChecks {
	reg := check.NewRegistry()
	structure.Register(reg)
	profile.Register(reg)
	terminology.Register(reg)
	env := &check.Env{Context: context.Background()}
	d := &defaultChecks{}
	for _, typ := range []string{"fhir-profile", "fhir-resource-type", "fhir-json-schema", "fhir-value-set-binding", "fhir-code-system", "fhir-code-format", "fhir-ucum-units"} {
		c, err := reg.Compile(check.Spec{Requirement: typ, Type: typ}, env)
		if err != nil {
			tb.Fatal(err)
		}
		d.checks = append(d.checks, c)
		d.states = append(d.states, c.NewState())
	}
	return d
}

// observe runs the checks on a record as the runner does: proven from its
// bytes by the profile check when prove is set and it can be, otherwise
// decoded first.
func (d *defaultChecks) observe(rec *model.Record, prove bool) int {
	if !prove || !d.states[0].(check.Prover).Prove(rec) {
		rec.Load()
	}
	n := 0
	for i, c := range d.checks {
		if c.Applies(rec) {
			n += len(d.states[i].Observe(rec))
		}
	}
	return n
}

// BenchmarkDefaultChecks is what a record of an NDJSON feed costs the
// default suites' checks, from its bytes: "decoded" as before the stream
// path was wired in (every record decoded, then walked), "proving" with the
// profile check proving it from its bytes first (the stream path), the
// checks run on one worker. One op is the whole feed.
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
				d := newDefaultChecks(b)
				// the NDJSON target's records, their decoding deferred
				read := func() {
					if err := fhir.ReadStream("feed.ndjson", bytes.NewReader(feed), func(rec *model.Record) error {
						d.observe(rec, mode == "proving")
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
			})
		}
	}
}

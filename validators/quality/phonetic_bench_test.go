package quality_test

import (
	"bytes"
	"testing"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/suites"
)

// BenchmarkLikelyDuplicates runs dq-core/DQ-UNIQ-02 alone over the records
// of a parsed 20,000-record feed, with names compared exactly and by sound,
// so that the ratio shows what the phonetic codes cost:
//
//	go test ./validators/quality -run '^$' -bench LikelyDuplicates -benchtime 20x
func BenchmarkLikelyDuplicates(b *testing.B) {
	const n = 20_000
	g, err := fixtures.New(fixtures.Options{Seed: 1, Records: n, Defects: map[string]int{"phonetic-duplicate-patient": 40}})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := g.Generate(func(line []byte) error {
		buf.Write(line)
		return buf.WriteByte('\n')
	}); err != nil {
		b.Fatal(err)
	}
	var recs []*model.Record
	if err := fhir.ReadStream("bench.ndjson", &buf, func(r *model.Record) error {
		r.Load()
		recs = append(recs, r)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	reg := registry()
	s, err := suites.Builtin("dq-core", reg)
	if err != nil {
		b.Fatal(err)
	}
	var spec check.Spec
	for _, r := range s.Requirements {
		if r.ID == "DQ-UNIQ-02" {
			spec = r.Spec()
		}
	}
	for _, names := range []string{"exact", "phonetic"} {
		b.Run("names="+names, func(b *testing.B) {
			params := params.Params{}
			for k, v := range spec.Params {
				params[k] = v
			}
			params["names"] = names
			sp := spec
			sp.Params = params
			c, err := reg.Compile(sp, &check.Env{AsOf: fixtures.AsOf})
			if err != nil {
				b.Fatal(err)
			}
			var found int64
			for i := 0; i < b.N; i++ {
				st, t := c.NewState(), model.NewTally(0)
				for _, r := range recs {
					if c.Applies(r) {
						t.Observe(st.Observe(r))
					}
				}
				st.Finish(t)
				m, _ := t.Lookup("dq.plausibility.uniqueness.validation.duplicate-key")
				found = m.Numerator
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/record")
			b.ReportMetric(float64(found), "duplicates")
		})
	}
}

package terminology_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
)

// BenchmarkGuideUnits measures the units check's cost per Observation with
// UK Core loaded: a blood pressure that claims the UK Core profile (its
// slices matched, both units compared) against the same record claiming
// nothing. Loading UK Core's definitions is outside the timing.
//
//	go test ./validators/terminology -run XXX -bench GuideUnits -benchtime 20000x
func BenchmarkGuideUnits(b *testing.B) {
	env := &check.Env{Context: context.Background(), IGs: []string{sharedtest.Path("fhir", "uk-core")}}
	c, err := registry().Compile(check.Spec{Requirement: "TERM-04", Type: "fhir-ucum-units", Source: "bench"}, env)
	if err != nil {
		b.Fatal(err)
	}
	bp := func(profile string) *model.Record {
		return oneRecord(b, obs("bp", profile, sct("75367002"), "",
			component("Systolic blood pressure", loinc("8480-6"), "mm[Hg]"),
			component("Diastolic blood pressure", loinc("8462-4"), "kPa")))
	}
	for _, tc := range []struct{ name, profile string }{
		{"unclaimed", ""},
		{"claims-ukcore-bp", ukcore + "UKCore-Observation-VitalSigns-BloodPressure"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			rec := bp(tc.profile)
			st := c.NewState()
			if fs := st.Observe(rec); len(fs) != 0 {
				b.Fatalf("a clean record raised %v", fs)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rec.Index = int64(i) // a new record each time, past the shared cache of coded values
				st.Observe(rec)
			}
		})
	}
}

// oneRecord reads the record of a one-line NDJSON feed.
func oneRecord(b *testing.B, line string) *model.Record {
	p := filepath.Join(b.TempDir(), "feed.ndjson")
	if err := os.WriteFile(p, []byte(line+"\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	var recs []*model.Record
	if err := fhir.ReadFile(p, func(r *model.Record) error {
		r.Load()
		recs = append(recs, r)
		return nil
	}); err != nil || len(recs) != 1 {
		b.Fatalf("want one record, got %d (%v)", len(recs), err)
	}
	return recs[0]
}

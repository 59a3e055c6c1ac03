package history_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/reports/reporttest"
)

// BenchmarkRecordSQLite records a run of 6 results and 12 measures, each in
// its own transaction, into a SQLite file.
func BenchmarkRecordSQLite(b *testing.B) {
	s, err := history.Open(context.Background(), filepath.Join(b.TempDir(), "history.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rep := reporttest.Large(60)
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Record(context.Background(), rep, "", ""); err != nil {
			b.Fatal(err)
		}
	}
}

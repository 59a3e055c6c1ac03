package ukid_test

import (
	"testing"

	"github.com/carecert/carecert/ukid"
)

// BenchmarkCheckValid is the path every record of a feed takes: a valid,
// ungrouped number. It must not allocate.
func BenchmarkCheckValid(b *testing.B) {
	valid := []string{"4010232137", "9434765919", "7000000015", "4598260947"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, ok := ukid.DefaultNHSRules.Check(valid[i%len(valid)]); !ok {
			b.Fatal("valid number refused")
		}
	}
}

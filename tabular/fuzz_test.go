package tabular_test

import (
	"bytes"
	"testing"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/tabular"
)

// FuzzRead feeds any bytes through the CSV/TSV reader: it must never panic,
// whatever the quoting, encoding or ragged rows.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		"id,name\n1,Ann\n2,\"Bo, b\"\n",
		"a\tb\n1\t2\t3\n",
		"\"unterminated,1\n2,3",
		"Person_ID,Date\n\x931\x94,2024-13-45\n",
		"",
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, tsv bool) {
		name := "in.csv"
		if tsv {
			name = "in.tsv"
		}
		_ = tabular.Read(name, bytes.NewReader(data), tabular.Options{}, func(r *model.Record) error { return nil })
	})
}

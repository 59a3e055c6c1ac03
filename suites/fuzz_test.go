package suites_test

import (
	"testing"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/suites"
)

// FuzzParse feeds any bytes through the suite loader: a broken suite file is
// an error naming where, never a panic (nor an alias bomb expanded).
func FuzzParse(f *testing.F) {
	for _, id := range suites.BuiltinIDs() {
		src, err := suites.BuiltinSource(id)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte("id: x\nversion: 1\nrequirements: [{id: A, level: MUST}]\n"))
	f.Add([]byte("a: &a [x, x]\nb: &b [*a, *a]\nid: *b\n"))
	reg := check.NewRegistry()
	reg.Register("fhir-json-schema", "fuzz", func(check.Spec, *check.Env) (check.Check, error) { return nil, nil })
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = suites.Parse("fuzz.yaml", data, reg)
	})
}

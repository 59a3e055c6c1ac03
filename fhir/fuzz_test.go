package fhir_test

import (
	"bytes"
	"testing"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
)

// FuzzReadStream feeds any bytes, named as JSON, NDJSON or XML, through the
// reader every FHIR file target uses: it must never panic, and every record
// is either parsed or carries a problem.
func FuzzReadStream(f *testing.F) {
	for _, seed := range []string{
		`{"resourceType":"Patient","id":"a","gender":"female"}`,
		`{"resourceType":"Observation","status":1e400}`,
		`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient"}}]}`,
		"{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Patient\",\"id\":\"b\"}\n",
		`<Patient xmlns="http://hl7.org/fhir"><id value="x"/></Patient>`,
		`{"a":1,"a":2}`,
		"\xef\xbb\xbf{}",
	} {
		for _, name := range []uint8{0, 1, 2} {
			f.Add([]byte(seed), name)
		}
	}
	names := []string{"in.json", "in.ndjson", "in.xml"}
	f.Fuzz(func(t *testing.T, data []byte, name uint8) {
		err := fhir.ReadStream(names[int(name)%len(names)], bytes.NewReader(data), func(r *model.Record) error {
			r.Load()
			if r.Problem == nil && r.Value == nil {
				t.Fatalf("a record neither parsed nor reported")
			}
			return nil
		})
		if err != nil {
			t.Fatalf("a stream in memory cannot fail to be read: %v", err)
		}
	})
}

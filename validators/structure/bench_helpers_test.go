package structure_test

import (
	"bytes"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
)

type modelRecord = model.Record

// newRecord parses one NDJSON line the way the runner's workers do.
func newRecord(line []byte) *model.Record {
	var rec *model.Record
	fhir.ReadStream("bench.ndjson", bytes.NewReader(append(line, '\n')), func(r *model.Record) error {
		r.Load()
		rec = r
		return nil
	})
	return rec
}

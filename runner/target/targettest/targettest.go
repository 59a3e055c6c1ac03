// Package targettest helps specs read what a target streams and open the
// target families they run on.
package targettest

import (
	"context"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/fhirfiles"
	"github.com/carecert/carecert/runner/target/fixturefeed"
)

// Collect reads every record of t, loaded, in order.
func Collect(t target.Target) ([]*model.Record, error) {
	var out []*model.Record
	err := t.Records(context.Background(), func(r *model.Record) error {
		r.Load()
		out = append(out, r)
		return nil
	})
	return out, err
}

// FHIR returns a registry with the families most specs of FHIR checks run
// on: FHIR files (fhir) and generated feeds (fixture, hl7v2-fixture).
func FHIR() *target.Registry {
	reg := target.NewRegistry()
	fhirfiles.Register(reg)
	fixturefeed.Register(reg)
	return reg
}

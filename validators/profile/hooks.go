package profile

import (
	"errors"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/fhir/shape"
	"github.com/carecert/carecert/terminology/runengine"
)

// DefaultHooks wires in the capabilities this build has: FHIR XML guides,
// FHIRPath invariants, for bindings the run's terminology engine (the one
// terminology checks use, so the two agree on value-set membership), and the
// run's shelf of coded values, which the terminology checks read, and the
// run's proofs of records' shapes, which the JSON-schema check reads.
// Production and this package's specs get the same hooks from here.
func DefaultHooks(env *check.Env) Hooks {
	h := Hooks{XML: fhirxml.Decode, Invariants: FHIRPath{}}
	if shelf, err := coded.Run.Get(env); err == nil {
		h.Shelf = shelf
	}
	if proofs, err := shape.Run.Get(env); err == nil {
		h.Proofs = proofs
	}
	if eng, err := runengine.Run(env); err == nil && eng.Ready() == nil {
		h.Codes = eng
	}
	return h
}

func asNotFound(err error, target **definitions.NotFoundError) bool { return errors.As(err, target) }

package profile

import (
	"errors"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/fhirxml"
)

// DefaultHooks wires in the capabilities this build has: FHIR XML guides and
// FHIRPath invariants.
func DefaultHooks() Hooks {
	return Hooks{XML: fhirxml.Decode, Invariants: FHIRPath{}}
}

func asNotFound(err error, target **definitions.NotFoundError) bool { return errors.As(err, target) }

package definitions

import (
	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir/fhirxml"
)

// Run is the run's registry: the R4 core and the run's implementation
// guides (JSON or XML), read once however many checks (profiles, units fixed
// by profiles, bindings) need definitions. It is built from the run's
// settings alone: no caller chooses how guides are read.
var Run = check.NewService(func(env *check.Env) (*Registry, error) {
	return New(Options{IGs: env.Guides(), XML: fhirxml.Decode})
})

package profile

import (
	"github.com/carecert/carecert/fhirpath"
)

// FHIRPath evaluates invariants with carecert's FHIRPath engine.
type FHIRPath struct {
	// Model types elements; nil is the R4 core model.
	Model fhirpath.Model
}

// Compile implements Invariants.
func (f FHIRPath) Compile(expression string) (Expression, error) {
	x, err := fhirpath.Compile(expression)
	if err != nil {
		return nil, err
	}
	return fhirpathExpr{x: x, model: f.Model}, nil
}

type fhirpathExpr struct {
	x     *fhirpath.Expr
	model fhirpath.Model
}

// Holds implements Expression. An empty result means the invariant does not
// apply, so it holds.
func (e fhirpathExpr) Holds(f Focus) (bool, error) {
	env := &fhirpath.Env{Model: e.model, Resource: f.Resource, RootResource: f.Root}
	v, ok, err := e.x.EvaluateBool(env, fhirpath.Element(f.Value, f.Ext, f.Type, f.DefPath))
	if err != nil {
		return false, err
	}
	return v || !ok, nil
}

package profile

import (
	"fmt"

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

// Holds implements Expression. A constraint holds only when it evaluates to
// true: an empty result (a comparison of dates of different precision, an
// operator on a missing value) fails it, as FHIRPath's boolean conversion of
// an invariant and the reference validator both have it.
func (e fhirpathExpr) Holds(f Focus) (bool, error) {
	el := fhirpath.Element(f.Value, f.Ext, f.Type, f.DefPath)
	if v, ok, decided := e.x.DirectBool(e.model, el); decided {
		return v && ok, nil
	}
	env := &fhirpath.Env{Model: e.model, Resource: f.Resource, RootResource: f.Root, MemberOf: f.MemberOf}
	unknown := ""
	if f.Resolve != nil {
		env.Resolve = func(ref string) map[string]any {
			res, known := f.Resolve(ref)
			if !known && unknown == "" {
				unknown = ref
			}
			return res
		}
	}
	v, ok, err := e.x.EvaluateBool(env, el)
	if err != nil {
		return false, err
	}
	if !(v && ok) && unknown != "" {
		// The reference validator, unable to fetch a resource, reads
		// resolve() as empty; a constraint that then fails may hold of
		// the resource itself, so it is not decided rather than failed.
		return false, fmt.Errorf("resolve() of %s: the resource is not in the input, so the constraint is not decided", unknown)
	}
	return v && ok, nil
}

// Selection implements Selector.
func (f FHIRPath) Selection(expression string) (Selection, error) {
	x, err := fhirpath.Compile(expression)
	if err != nil {
		return nil, err
	}
	return fhirpathExpr{x: x, model: f.Model}, nil
}

// Select implements Selection.
func (e fhirpathExpr) Select(f Focus, path string) ([]string, error) {
	env := &fhirpath.Env{Model: e.model, Resource: f.Resource, RootResource: f.Root}
	vs, err := e.x.EvaluateTyped(env, fhirpath.Element(f.Value, f.Ext, f.Type, f.DefPath).At(path))
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Path)
	}
	return out, nil
}

package fhirpath

import "github.com/carecert/carecert/fhir/elements"

// DirectBool is EvaluateBool by the direct check alone: decided is false
// when the expression has no direct form for the input's type or the check
// leaves the input to the evaluator.
func DirectBool(e *Expr, env *Env, v Value) (value, ok, decided bool) { return e.directBool(env, v) }

// EvaluatorBool is EvaluateBool by the general evaluator alone.
func EvaluatorBool(e *Expr, env *Env, input any) (value, ok bool, err error) {
	return e.evaluateBool(env, input)
}

// HasDirect reports whether e has a direct form for inputs defined at
// defPath.
func HasDirect(e *Expr, defPath string) bool {
	model, err := elements.R4()
	return err == nil && directCheck(e.root, model, defPath) != nil
}

// DefPath is where the children of an element value are defined.
func DefPath(v Value) string { return v.it.p }

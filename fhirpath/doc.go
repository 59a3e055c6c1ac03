// Package fhirpath evaluates FHIRPath (N1, as FHIR R4 uses it) over carecert's
// FHIR model: map[string]any resources with numbers as json.Number, as
// fhir.Decode produces them.
//
// Compile an expression once and evaluate it many times, from any number of
// goroutines:
//
//	expr := fhirpath.MustCompile("name.where(use = 'official').given.first()")
//	out, err := expr.Evaluate(env, patient) // []any
//	ok, known, err := inv.EvaluateBool(env, patient) // invariants
//
// Results are the resource's own values for elements (map[string]any, string,
// json.Number, bool) and System values for computed ones: bool, int64,
// Decimal, string, Temporal (Date, DateTime, Time with precision) and
// Quantity. EvaluateTyped also returns each value's type name and, for
// elements, its path in the input ("Patient.name[0].given[1]"), so findings
// can be located. Element wraps an element found by walking a resource with
// its type, as the context of an invariant.
//
// Env carries everything outside the expression: the type Model (nil means the
// R4 core definitions of fhir/elements, which choice elements, is/as/ofType
// and primitive typing need), %resource and %rootResource, other %constants,
// the clock for now()/today(), and hooks for resolve(), memberOf() and
// conformsTo(). There is no global state: two Envs with different hooks can be
// used side by side. An Env must not be modified while evaluations use it.
//
// Errors: Compile returns a *SyntaxError for malformed text, unknown functions
// and wrong argument counts; Evaluate returns an *EvalError for type errors,
// collections where a single value is needed, and functions whose hook is
// missing (memberOf without terminology), so a caller can report "could not
// evaluate" rather than a wrong answer.
package fhirpath

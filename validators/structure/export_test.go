package structure

import (
	"github.com/xeipuuv/gojsonschema"

	"github.com/carecert/carecert/fhir"
)

// QuickValid is the quick walk's answer for a resource: true only when it is
// sure gojsonschema finds nothing.
func QuickValid(s *Schema, res map[string]any) bool {
	return s.quickFor(fhir.ResourceType(res)).valid(res)
}

// SchemaErrors is how many errors gojsonschema itself finds in a resource
// (nested resources aside), bypassing the quick walk.
func SchemaErrors(s *Schema, res map[string]any) int {
	typ := fhir.ResourceType(res)
	compiled, err := s.forType(typ)
	if err != nil {
		panic(err)
	}
	result, err := compiled.Validate(goValue{map[string]any{typ: res}})
	if err != nil {
		panic(err)
	}
	return len(result.Errors())
}

// BoundNumbers is the resource as Validate hands it on: numbers that cannot
// be exchanged replaced by 0.
func BoundNumbers(res map[string]any) map[string]any {
	out, _ := boundNumbers(res, "", fhir.Wording{}, func(string, string, string, string) {})
	return out
}

// TypeSchemas compiles the schema for each resource type alone, on first
// use, as a run does for its first sixteen types, and never the whole: a
// fuzzing worker meets one type at a time, and compiling the whole schema
// takes seconds under load.
type TypeSchemas struct {
	s        *Schema
	compiled map[string]*gojsonschema.Schema
}

// NewTypeSchemas returns the per-type compilations of s, none made yet.
func NewTypeSchemas(s *Schema) *TypeSchemas {
	return &TypeSchemas{s: s, compiled: map[string]*gojsonschema.Schema{}}
}

// Errors is how many errors gojsonschema finds in a resource (nested
// resources aside) against its type's own compilation. Not safe for
// concurrent use: a fuzzing worker runs one input at a time.
func (t *TypeSchemas) Errors(res map[string]any) int {
	typ := fhir.ResourceType(res)
	compiled := t.compiled[typ]
	if compiled == nil {
		var err error
		if compiled, err = t.s.compile([]string{typ}); err != nil {
			panic(err)
		}
		t.compiled[typ] = compiled
	}
	result, err := compiled.Validate(goValue{map[string]any{typ: res}})
	if err != nil {
		panic(err)
	}
	return len(result.Errors())
}

package structure

import "github.com/carecert/carecert/fhir"

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

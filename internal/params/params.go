// Package params reads the settings a suite or a plan writes for something
// it configures (a check's parameters, a target's options) into typed
// structs, strictly: an unknown or mistyped key is an error naming the file,
// line and column it was written at. The same structs print the settings'
// table, so the docs cannot drift from the code. It is a leaf: checks and
// targets both use it, and it imports neither.
package params

import "fmt"

// Params are settings as decoded from YAML (or JSON): strings, bools,
// numbers, []any and map[string]any, before a Decoder types them.
type Params map[string]any

// Map returns a nested mapping parameter.
func (p Params) Map(key string) (Params, error) {
	v, ok := p[key]
	if !ok || v == nil {
		return nil, nil
	}
	switch m := v.(type) {
	case map[string]any:
		return Params(m), nil
	case Params:
		return m, nil
	}
	return nil, fmt.Errorf("parameter %q: want a mapping, got %T", key, v)
}

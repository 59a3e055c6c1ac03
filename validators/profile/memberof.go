package profile

import "fmt"

// memberOf decides FHIRPath's memberOf(valueSet) for an invariant's focus
// with the engine's offline value-set membership, the same the bindings use:
// a code (any system), a Coding, or a CodeableConcept (member when one of
// its codings is). When membership cannot be decided offline (the value
// set is not loaded or not enumerable, or the value has no code) it says so
// as an error, and the invariant is reported as not evaluated rather than
// failed or passed.
func (e *Engine) memberOf(value any, valueSet string) (member, known bool, err error) {
	member, known = e.member(value, valueSet)
	if !known {
		return false, false, fmt.Errorf("memberOf(%s) cannot be decided offline: the value set is not loaded or not enumerable, or the value has no code", valueSet)
	}
	return member, true, nil
}

func (e *Engine) member(value any, valueSet string) (member, known bool) {
	switch v := value.(type) {
	case string:
		return e.codes.Contains(valueSet, "", v)
	case map[string]any:
		if code, ok := v["code"].(string); ok {
			system, _ := v["system"].(string)
			return e.codes.Contains(valueSet, system, code)
		}
		codings := objects(v["coding"])
		for _, c := range codings {
			code, _ := c["code"].(string)
			system, _ := c["system"].(string)
			if code == "" {
				continue
			}
			in, ok := e.codes.Contains(valueSet, system, code)
			if in && ok {
				return true, true
			}
			known = known || ok
		}
		return false, known
	}
	return false, false
}

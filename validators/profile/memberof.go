package profile

import "fmt"

// memberOf decides FHIRPath's memberOf(valueSet) for an invariant's focus
// with the engine's offline value-set membership, the same the bindings use:
// a code (any system), a Coding, or a CodeableConcept (member when one of
// its codings is). When membership cannot be decided offline (the value
// set is not loaded or not enumerable, a coding's code cannot be decided
// and none is a member, or the value has no code) it says so
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
		// A CodeableConcept is in the value set when one coding is, and
		// outside it only when every coding with a code is decidably
		// outside: one carecert cannot decide leaves it undecided, as
		// terminology.Engine.CodeableConcept answers.
		coded, undecided := false, false
		for _, c := range objects(v["coding"]) {
			code, _ := c["code"].(string)
			system, _ := c["system"].(string)
			if code == "" {
				continue
			}
			coded = true
			in, ok := e.codes.Contains(valueSet, system, code)
			if in && ok {
				return true, true
			}
			undecided = undecided || !ok
		}
		return false, coded && !undecided
	}
	return false, false
}

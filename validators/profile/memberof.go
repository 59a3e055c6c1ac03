package profile

import "fmt"

// memberOf decides FHIRPath's memberOf(valueSet) for an invariant's focus
// with the engine's offline value-set membership, the same the bindings use:
// a code (any system), a Coding, or a CodeableConcept (conceptMember's
// rule). When membership cannot be decided offline (the value set is not
// loaded or not enumerable, a coding cannot be decided and none is a
// member, or the value has no code) it says so as an error, and the
// invariant is reported as not evaluated rather than failed or passed.
func (e *Engine) memberOf(value any, valueSet string) (member, known bool, err error) {
	member, known = e.member(value, valueSet)
	if !known {
		return false, false, fmt.Errorf("memberOf(%s) cannot be decided offline: the value set is not loaded or not enumerable, a coding's code cannot be decided and no coding is in it, or the value has no code", valueSet)
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
		return e.conceptMember(valueSet, len(codings), func(i int) (string, string, bool) {
			code, _ := codings[i]["code"].(string)
			system, _ := codings[i]["system"].(string)
			return system, code, code != ""
		})
	}
	return false, false
}

// conceptMember decides whether a CodeableConcept, given by its n codings
// (coding gives each one's system and code, and whether it has a code), is
// in valueSet: in when one coding is; outside only when every coding with
// a code is decidably outside; otherwise (a coding carecert cannot decide
// and none in, or no coding with a code) not decided. It is
// terminology.Engine.CodeableConcept's rule, asked of the offline
// membership the bindings use; member, the bindings and the slices share
// it. (A callback by index, not an iterator: a range over a function moves
// the loop's state to the heap.)
func (e *Engine) conceptMember(valueSet string, n int, coding func(i int) (system, code string, ok bool)) (in, known bool) {
	coded, undecided := false, false
	for i := range n {
		system, code, ok := coding(i)
		if !ok {
			continue
		}
		coded = true
		in, kn := e.codes.Contains(valueSet, system, code)
		if in && kn {
			return true, true
		}
		undecided = undecided || !kn
	}
	return false, coded && !undecided
}

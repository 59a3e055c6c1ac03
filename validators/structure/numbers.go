package structure

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir"
)

// boundNumbers finds the numbers of a resource that cannot be exchanged (see
// fhir.NumberProblem), reports each, and returns a copy of the resource with
// them replaced by 0, so that the schema library never parses them: it panics
// on a number beyond float64 and spends seconds on huge exponents. replaced
// holds the paths of the numbers replaced, whose schema findings (about the
// stand-in 0) are not the supplier's. The resource
// itself is returned, uncopied, when every number is fine: the common case
// costs one walk and no allocation. Paths are built only for a number that is
// reported, not per level, so deep nesting costs no memory.
func boundNumbers(res map[string]any, root string, words fhir.Wording, emit func(path, code, msg, evidence string)) (out map[string]any, replaced map[string]bool) {
	// stack holds the keys and indexes down to the value being looked at,
	// turned into a path only when a number is reported: building a path
	// string per element was a tenth of the structure suite's allocations.
	var stack []step
	var walk func(v any) (any, bool)
	walk = func(v any) (any, bool) {
		switch x := v.(type) {
		case json.Number:
			if msg := words.NumberProblem(string(x)); msg != "" {
				p := stepsPath(root, stack)
				if replaced == nil {
					replaced = map[string]bool{}
				}
				replaced[p] = true
				emit(p, "structure.number-range", msg, "")
				return json.Number("0"), true
			}
		case map[string]any:
			var out map[string]any
			for k, e := range x {
				stack = append(stack, step{key: k})
				if r, ok := walk(e); ok {
					if out == nil {
						out = maps.Clone(x)
					}
					out[k] = r
				}
				stack = stack[:len(stack)-1]
			}
			if out != nil {
				return out, true
			}
		case []any:
			var out []any
			for i, e := range x {
				stack = append(stack, step{index: i, inArray: true})
				if r, ok := walk(e); ok {
					if out == nil {
						out = slices.Clone(x)
					}
					out[i] = r
				}
				stack = stack[:len(stack)-1]
			}
			if out != nil {
				return out, true
			}
		}
		return v, false
	}
	if v, ok := walk(res); ok {
		return v.(map[string]any), replaced
	}
	return res, nil
}

// step is one level of the path to a value: an object's key or an array's index.
type step struct {
	key     string
	index   int
	inArray bool
}

// stepsPath writes root and the steps as a FHIR path: "Patient.name[0].given".
func stepsPath(root string, steps []step) string {
	var b strings.Builder
	b.WriteString(root)
	for _, s := range steps {
		if s.inArray {
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		} else {
			b.WriteString("." + s.key)
		}
	}
	return b.String()
}

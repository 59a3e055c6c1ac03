package profile

import (
	"fmt"
	"slices"

	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/fhirpath"
	"github.com/carecert/carecert/model"
)

// translateOutputs are what translate() can give back (the mapping
// language's output modes).
var translateOutputs = []string{"code", "system", "display", "Coding", "CodeableConcept"}

// transformValues checks the parameters of a target's transform where the
// mapping language fixes their meaning, as the reference validator's
// StructureMapValidator does: evaluate's expression is FHIRPath that parses;
// translate's third parameter is an output mode it has; create() in a slot
// that holds a whole resource names a type FHIR defines. Counts are checked
// before (transformParams); a parameter of the wrong count is not read here.
func (sm *structureMap) transformValues(transform, on, element string, params []map[string]any, scope smScope, path string) {
	switch {
	case transform == "evaluate" && len(params) == 1:
		if expr, ok := params[0]["valueString"].(string); ok {
			if _, err := fhirpath.Compile(expr); err != nil {
				sm.w.add(model.Error, CodeStructureMap, path+".parameter[0].valueString", fmt.Sprintf("evaluate's expression %q is not FHIRPath that parses: %v", expr, err), expr)
			} else {
				sm.evaluatePath(expr, scope, path+".parameter[0].valueString")
			}
		}
	case transform == "translate" && len(params) == 3:
		if mode, ok := paramText(params[2]); ok && !slices.Contains(translateOutputs, mode) {
			sm.w.add(model.Error, CodeStructureMap, path+".parameter[2]", fmt.Sprintf("translate's output %q is none of code, system, display, Coding or CodeableConcept", mode), mode)
		}
		sm.translate(on, element, params, scope, path)
	case transform == "create" && len(params) == 1:
		el, _, _ := sm.ix.Resolve(on, element)
		t, ok := paramText(params[0])
		if el == nil || !ok || !slices.ContainsFunc(el.Types, func(ty elements.Type) bool { return ty.Code == "Resource" }) {
			return
		}
		if !sm.ix.IsResource(t) {
			sm.w.add(model.Error, CodeStructureMap, path+".parameter[0]", fmt.Sprintf("create(%q) fills %s.%s, which holds a resource, but %s is no resource type FHIR defines", t, on, element, t), t)
		}
	}
}

// paramText is a transform parameter's value when it is written as text (an
// id or a string).
func paramText(p map[string]any) (string, bool) {
	if s, ok := p["valueString"].(string); ok {
		return s, true
	}
	s, ok := p["valueId"].(string)
	return s, ok
}

package profile

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/model"
)

// CodeParameters is a Parameters parameter whose name is one the core
// operations use but whose value or resource is not of a type they give it:
// information, since a Parameters resource does not say which operation it
// serves and the name may mean something else there.
const CodeParameters = "profile.parameters"

// paramTypes is what the core OperationDefinitions give a parameter name,
// across every operation that uses it: the datatypes of its value and the
// resource types of its resource.
type paramTypes struct{ values, resources []string }

// standardParams maps each parameter name of the R4 core
// OperationDefinitions to the types they give it. A name some operation
// gives parts (a tuple) or any type is left out: such a parameter may carry
// anything.
type standardParams map[string]*paramTypes

// coreParams reads the core OperationDefinitions into standardParams, once
// per engine; nil when the core cannot be read (nothing is judged then).
func (w *walker) coreParams() standardParams {
	const key = "Parameters:core operations"
	if v, ok := w.e.ready.Load(key); ok {
		return v.(standardParams)
	}
	ix, err := elements.R4()
	if err != nil {
		return nil
	}
	v, _ := w.e.ready.LoadOrStore(key, readCoreParams(ix))
	return v.(standardParams)
}

func readCoreParams(ix *elements.Index) standardParams {
	resources, err := r4core.Resources(r4core.ProfilesResources)
	if err != nil {
		return nil
	}
	out := standardParams{}
	open := map[string]bool{} // names some operation leaves open
	for _, r := range resources {
		if r.ResourceType != "OperationDefinition" {
			continue
		}
		raw, err := r.Bytes()
		if err != nil {
			continue
		}
		var od struct {
			Parameter []struct {
				Name string `json:"name"`
				Type string `json:"type"`
				Part []any  `json:"part"`
			} `json:"parameter"`
		}
		if json.Unmarshal(raw, &od) != nil {
			continue
		}
		for _, p := range od.Parameter {
			if p.Type == "" || p.Type == "Any" || p.Type == "Element" || len(p.Part) > 0 {
				open[p.Name] = true
				continue
			}
			t := out[p.Name]
			if t == nil {
				t = &paramTypes{}
				out[p.Name] = t
			}
			if p.Type == "Resource" || p.Type == "DomainResource" || ix.IsResource(p.Type) {
				t.resources = appendNew(t.resources, p.Type)
			} else {
				t.values = appendNew(t.values, p.Type)
			}
		}
	}
	for n := range open {
		delete(out, n)
	}
	return out
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// parametersRules compares each top-level parameter whose name a core
// operation uses with the types the core OperationDefinitions give that
// name, as the reference validator's ParametersValidator does (hints: the
// resource does not say which operation it is for): a name the operations
// give only values has a value of one of their types, a name they give
// only resources has a resource of one of their types, and a name they give
// both has one or the other of those types. A Resource parameter type
// admits any resource.
func (w *walker) parametersRules(m map[string]any, path string) {
	std := w.coreParams()
	if std == nil {
		return
	}
	for i, p := range objects(m["parameter"]) {
		name, _ := p["name"].(string)
		t := std[name]
		if t == nil {
			continue
		}
		pp := path + ".parameter[" + strconv.Itoa(i) + "]"
		valueType, suffix := "", ""
		if v, ok := typedValue(p, "value"); ok {
			valueType, suffix = definitions.ChoiceSuffix(v.typ), v.typ
		}
		res, _ := p["resource"].(map[string]any)
		resType, _ := res["resourceType"].(string)
		note := func(at, format string, args ...any) {
			w.add(model.Information, CodeParameters, at, fmt.Sprintf("the parameter '%s' has the name of a parameter of core operations, which give it ", name)+fmt.Sprintf(format, args...)+"; check that this is meant", "")
		}
		switch {
		case len(t.resources) == 0 && valueType == "":
			note(pp, "a value (%s), but it has none", orList(t.values))
		case len(t.resources) == 0 && !slices.Contains(t.values, valueType):
			note(pp+".value"+suffix, "a value of type %s, not %s", orList(t.values), valueType)
		case len(t.values) == 0 && resType == "":
			note(pp, "a resource (%s), but it has none", orList(t.resources))
		case len(t.values) == 0 && !resourceFits(t.resources, resType):
			note(pp+".resource", "a resource of type %s, not %s", orList(t.resources), resType)
		case len(t.values) > 0 && len(t.resources) > 0:
			switch {
			case valueType != "" && !slices.Contains(t.values, valueType):
				note(pp+".value"+suffix, "a value of type %s or a resource of type %s, not a %s", orList(t.values), orList(t.resources), valueType)
			case valueType == "" && resType != "" && !resourceFits(t.resources, resType):
				note(pp+".resource", "a value of type %s or a resource of type %s, not a %s", orList(t.values), orList(t.resources), resType)
			case valueType == "" && resType == "":
				note(pp, "a value of type %s or a resource of type %s, but it has neither", orList(t.values), orList(t.resources))
			}
		}
	}
}

// resourceFits reports whether a resource of type typ is one of the types
// (Resource and DomainResource admit any).
func resourceFits(types []string, typ string) bool {
	for _, t := range types {
		if t == typ || t == "Resource" || t == "DomainResource" && typ != "Bundle" && typ != "Parameters" && typ != "Binary" {
			return true
		}
	}
	return false
}

// orList joins types for a message: "a, b or c".
func orList(types []string) string {
	s := slices.Clone(types)
	slices.Sort(s)
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

package profile

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
)

// CodeOperationDefinition marks an OperationDefinition whose base chain or
// whose input and output profiles contradict its own parameters.
const CodeOperationDefinition = "profile.operation-definition"

// extAllowedType lists the types a parameter of type Element (R4's way of
// saying "one of several") may take, as R5's allowedType does.
const extAllowedType = "http://hl7.org/fhir/StructureDefinition/operationdefinition-allowed-type"

// operationDefinitionRules checks what R4's invariants on OperationDefinition
// leave to validators (R4 OperationDefinition.base, inputProfile,
// outputProfile; the reference validator's OperationDefinitionValidator):
// following base through the definitions carecert holds never comes back to
// the operation itself, and an input or output profile is a profile of
// Parameters whose named parameter slices say what the parameter list says
// (the same parameters of that use, cardinality, types and target profiles).
// A profile carecert does not hold is not judged, and said so.
func (w *walker) operationDefinitionRules(m map[string]any, path string) {
	w.operationBaseCycle(m, path)
	params := objects(m["parameter"])
	for _, side := range []struct{ key, use string }{{"inputProfile", "in"}, {"outputProfile", "out"}} {
		if url, _ := m[side.key].(string); url != "" {
			w.operationProfile(url, side.use, params, path, path+"."+side.key)
		}
	}
}

// operationBaseCycle reports a base chain that leads back to the operation.
func (w *walker) operationBaseCycle(m map[string]any, path string) {
	own, _ := m["url"].(string)
	base, _ := m["base"].(string)
	if own == "" || base == "" {
		return
	}
	chain := []string{own}
	for range 32 { // a longer chain is a cycle among other definitions
		url, _ := definitions.SplitCanonical(base)
		if url == own {
			w.add(model.Error, CodeOperationDefinition, path+".base", fmt.Sprintf("the operation is based on itself: following base from %s comes back to it (%s): an operation cannot derive from its own definition", own, strings.Join(append(chain, url), " → ")), "")
			return
		}
		if slices.Contains(chain, url) {
			return // a cycle among other operations: theirs to report
		}
		chain = append(chain, url)
		next := w.heldDefinition(base, "OperationDefinition")
		if next == nil {
			return
		}
		if base, _ = next["base"].(string); base == "" {
			return
		}
	}
}

// operationProfile compares one input or output profile with the
// operation's parameters of that use.
func (w *walker) operationProfile(url, use string, params []map[string]any, root, path string) {
	sd, err := w.e.defs.StructureDefinition(url)
	if err != nil {
		var nf *definitions.NotFoundError
		if errors.As(err, &nf) && !strings.HasPrefix(url, definitions.CoreBase) {
			w.add(model.Warning, CodeOperationDefinition, path, fmt.Sprintf("the %s profile %s is not loaded, so whether it agrees with the parameters is not checked: load the guide that defines it (--ig)", use, url), "")
			return
		}
		w.add(model.Error, CodeOperationDefinition, path, fmt.Sprintf("the %s profile %s cannot be found: %v", use, url, err), "")
		return
	}
	if sd.Type != "Parameters" {
		w.add(model.Error, CodeOperationDefinition, path, fmt.Sprintf("the %s profile %s constrains %s: an operation's %s profile must be a profile of Parameters", use, url, sd.Type, use), "")
		return
	}
	if sd.Snapshot == nil {
		return
	}
	named := parameterSlices(sd.Snapshot.Element)
	matched := map[int]bool{}
	for _, s := range named {
		if s.name == "" {
			w.add(model.Error, CodeOperationDefinition, path, fmt.Sprintf("the slice %s of the %s profile %s does not fix Parameters.parameter.name, so it cannot be matched with a parameter of the operation", s.slice, use, url), "")
			continue
		}
		i := slices.IndexFunc(params, func(p map[string]any) bool { return p["name"] == s.name && p["use"] == use })
		if i < 0 {
			w.add(model.Warning, CodeOperationDefinition, path, fmt.Sprintf("the %s profile %s defines the parameter %q, which the operation does not list with use %s", use, url, s.name, use), "")
			continue
		}
		matched[i] = true
		w.parameterAgainstSlice(params[i], s, use, url, root+".parameter["+strconv.Itoa(i)+"]")
	}
	if len(named) == 0 {
		return
	}
	for i, p := range params {
		if !matched[i] && p["use"] == use {
			name, _ := p["name"].(string)
			w.add(model.Warning, CodeOperationDefinition, root+".parameter["+strconv.Itoa(i)+"]", fmt.Sprintf("the parameter %q (use %s) has no slice in the %s profile %s", name, use, use, url), "")
		}
	}
}

// parameterSlice is one named slice of Parameters.parameter in a profile.
type parameterSlice struct {
	slice, name string
	el          *definitions.ElementDefinition
	value       *definitions.ElementDefinition
	resource    *definitions.ElementDefinition
	part        *definitions.ElementDefinition
}

// parameterSlices reads the slices of Parameters.parameter from a snapshot,
// with the name each fixes (or patterns) and its value, resource and part
// elements.
func parameterSlices(els []definitions.ElementDefinition) []*parameterSlice {
	var out []*parameterSlice
	var cur *parameterSlice
	for i := range els {
		el := &els[i]
		if el.Path == "Parameters.parameter" {
			cur = nil
			if el.SliceName != "" {
				cur = &parameterSlice{slice: el.SliceName, el: el}
				out = append(out, cur)
			}
			continue
		}
		if cur == nil || !strings.HasPrefix(el.ID, "Parameters.parameter:"+cur.slice+".") {
			continue
		}
		switch strings.TrimPrefix(el.ID, "Parameters.parameter:"+cur.slice+".") {
		case "name":
			if s, ok := el.Fixed.(string); ok {
				cur.name = s
			} else if s, ok := el.Pattern.(string); ok {
				cur.name = s
			}
		case "value[x]":
			cur.value = el
		case "resource":
			cur.resource = el
		case "part":
			cur.part = el
		}
	}
	return out
}

// parameterAgainstSlice compares a parameter's cardinality, types and
// target profiles with its slice in the profile.
func (w *walker) parameterAgainstSlice(p map[string]any, s *parameterSlice, use, url, path string) {
	if minP, ok := atoiString(p["min"]); ok && s.el.Min != nil && minP != *s.el.Min {
		w.add(model.Error, CodeOperationDefinition, path+".min", fmt.Sprintf("the parameter %q has min %d, but its slice in the %s profile %s has min %d: the two must agree", s.name, minP, use, url, *s.el.Min), "")
	}
	if maxP, _ := p["max"].(string); maxP != "" && s.el.Max != "" && parseMax(maxP) >= 0 && parseMax(s.el.Max) >= 0 && parseMax(maxP) != parseMax(s.el.Max) {
		w.add(model.Error, CodeOperationDefinition, path+".max", fmt.Sprintf("the parameter %q has max %s, but its slice in the %s profile %s has max %s: the two must agree", s.name, maxP, use, url, s.el.Max), "")
	}
	allowed := extensionValues(p, extAllowedType)
	if len(allowed) == 0 {
		if t, _ := p["type"].(string); t != "" {
			allowed = []string{t}
		}
	}
	targets := fhir.Strings(p["targetProfile"])
	var profTypes, profTargets []string
	for _, el := range []*definitions.ElementDefinition{s.value, s.resource} {
		if el == nil || !sliceElementUsed(el, s) {
			continue
		}
		for _, tr := range el.Type {
			profTypes = append(profTypes, tr.Code)
			profTargets = append(profTargets, tr.TargetProfile...)
			if !slices.Contains(allowed, tr.Code) {
				w.add(model.Error, CodeOperationDefinition, path, fmt.Sprintf("the %s profile %s allows the type %s for the parameter %q, which the parameter does not (its types: %s)", use, url, tr.Code, s.name, listOrNone(allowed)), "")
			}
		}
	}
	for _, t := range allowed {
		if !slices.Contains(profTypes, t) {
			w.add(model.Error, CodeOperationDefinition, path, fmt.Sprintf("the parameter %q has the type %s, which its slice in the %s profile %s does not allow (the slice's types: %s)", s.name, t, use, url, listOrNone(profTypes)), "")
		}
	}
	for _, t := range targets {
		if !slices.Contains(profTargets, t) {
			w.add(model.Error, CodeOperationDefinition, path, fmt.Sprintf("the parameter %q allows the target profile %s, which its slice in the %s profile %s does not (the slice's target profiles: %s)", s.name, t, use, url, listOrNone(profTargets)), "")
		}
	}
	if p["type"] == "Element" {
		return // a parameter of several types names no target profiles (opd-3)
	}
	for _, t := range profTargets {
		if !slices.Contains(targets, t) {
			w.add(model.Error, CodeOperationDefinition, path, fmt.Sprintf("the %s profile %s allows the target profile %s for the parameter %q, which the parameter does not (its target profiles: %s)", use, url, t, s.name, listOrNone(targets)), "")
		}
	}
}

// sliceElementUsed says whether a slice's value or resource element can
// hold data: not prohibited (max 0), and no sibling among value, resource
// and part required instead.
func sliceElementUsed(el *definitions.ElementDefinition, s *parameterSlice) bool {
	if el.Max == "0" {
		return false
	}
	for _, other := range []*definitions.ElementDefinition{s.value, s.resource, s.part} {
		if other != nil && other != el && other.Min != nil && *other.Min > 0 {
			return false
		}
	}
	return true
}

// parseMax reads a max cardinality ("*" is unbounded); -1 for anything else.
func parseMax(s string) int {
	if s == "*" {
		return int(^uint(0) >> 1)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// atoiString reads a JSON integer.
func atoiString(v any) (int, bool) {
	n, err := strconv.Atoi(fmt.Sprint(v))
	return n, err == nil && v != nil
}

// extensionValues returns the primitive value of each of an element's
// extensions with the url.
func extensionValues(m map[string]any, url string) []string {
	var out []string
	for _, e := range objects(m["extension"]) {
		if e["url"] != url {
			continue
		}
		for k, v := range e {
			if s, ok := v.(string); ok && strings.HasPrefix(k, "value") {
				out = append(out, s)
			}
		}
	}
	return out
}

// listOrNone lists values for a message, sorted.
func listOrNone(vs []string) string {
	if len(vs) == 0 {
		return "none"
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	return strings.Join(slices.Compact(s), ", ")
}

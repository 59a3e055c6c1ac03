package terminology

import (
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/model"
)

// Binding is an element's terminology binding.
type Binding = coded.Binding

// codedValue is one coded value found in a resource.
type codedValue = coded.Value

// Elements finds the coded elements of a resource and their bindings, with
// the shared R4 core element index (fhir/elements), and knows the units the
// core Observation profiles fix for LOINC codes.
type Elements struct {
	ix *elements.Index
	// shelf keeps the coded values of the records being checked: the run's
	// terminology checks look at the same record one after another, and
	// finding its coded values is most of their work. The profile engine's
	// walk of a record puts them there too, so that most records are not
	// walked here at all.
	shelf *coded.Shelf
}

// UnitRule is the unit a profile fixes for an observation's value: a UCUM
// code, or a value set of UCUM codes.
type UnitRule struct {
	Code     string `json:"code,omitempty"`
	ValueSet string `json:"valueSet,omitempty"`
	Profile  string `json:"profile"`
}

// LoadElements returns the element index of the R4 core definitions, which
// keeps the coded values it finds on shelf (a run's: coded.Run).
func LoadElements(shelf *coded.Shelf) (*Elements, error) {
	ix, err := elements.R4()
	if err != nil {
		return nil, err
	}
	return &Elements{ix: ix, shelf: shelf}, nil
}

// Each calls visit for every coded value of a FHIR record, finding them once
// for all the checks that ask about the same record.
func (ix *Elements) Each(rec *model.Record, visit func(c codedValue)) {
	for _, c := range ix.codedValues(rec) {
		visit(c)
	}
}

func (ix *Elements) codedValues(rec *model.Record) []codedValue {
	if out, ok := ix.shelf.Get(rec); ok {
		return out
	}
	var out []codedValue
	ix.Walk(rec.Resource(), rec.Type, func(c codedValue) { out = append(out, c) })
	ix.shelf.Put(rec, out)
	return out
}

// UnitRule returns the unit a core profile fixes for observations coded with
// the coding: a LOINC code the profile fixes.
func (ix *Elements) UnitRule(system, code string) (UnitRule, bool) {
	r, ok := coreUnitRules[unitCode{system, code}]
	return r, ok
}

// profileUnitRule returns the unit the core profile id (CoreBase+id) fixes
// for Observation.value: a vital sign's, for an observation held to it.
func (ix *Elements) profileUnitRule(id string) (UnitRule, bool) {
	r, ok := coreProfileUnits[id]
	return r, ok
}

// Binding returns the binding of the element at a path.
func (ix *Elements) Binding(path string) (Binding, bool) {
	if e := ix.ix.Element(path); e != nil && e.Binding != nil && e.Binding.ValueSet != "" {
		return Binding{Strength: e.Binding.Strength, ValueSet: e.Binding.ValueSet}, true
	}
	return Binding{}, false
}

// definitionPath returns the definition path of an element as a suite names
// it ("MedicationRequest.medicationCodeableConcept" is
// MedicationRequest.medication[x]), or "".
func (ix *Elements) definitionPath(path string) string {
	if e := ix.ix.Element(path); e != nil {
		return e.Path
	}
	return ""
}

// Walk calls visit for every coded value of res (a resource of type typ).
func (ix *Elements) Walk(res map[string]any, typ string, visit func(c codedValue)) {
	(&walker{ix: ix.ix, coded: visit}).walk(res, typ, typ, 0)
}

// EachHeld calls visit for every resource held in res (a resource of type
// typ at path at), with its type and path, at the places Walk reads as part
// of the record: wherever the definitions type an element Resource
// (contained resources, a parameter's resource in parts too, the entries
// and response outcomes of a Bundle held otherwise than as the record), and
// what those hold in turn. The entries of the record's own Bundle are
// records of their own (fhir.EntryIsRecord).
func EachHeld(ix *elements.Index, res map[string]any, typ, at string, visit func(m map[string]any, typ, at string)) {
	(&walker{ix: ix, held: visit}).walk(res, typ, at, 0)
}

// walker is one walk of a resource's elements by their definitions, the
// only place that decides which values are coded and which resources are
// held in a record.
type walker struct {
	ix *elements.Index
	// coded, when set, is called for every coded value; when nil the walk
	// only looks for held resources, and skips what cannot hold one.
	coded func(codedValue)
	// held, when set, is called for every resource held in the walked one.
	held func(m map[string]any, typ, at string)
}

func (w *walker) walk(obj map[string]any, def, inst string, depth int) {
	if depth > coded.MaxDepth {
		return
	}
	// Map order is fine: tallies keep findings in canonical order, so what a
	// record raises does not depend on the order it is found in.
	for k, val := range obj {
		if k == "resourceType" || k == "extension" || k == "modifierExtension" || k == "id" || k == "text" || strings.HasPrefix(k, "_") {
			continue
		}
		el, typ, childPath := w.ix.Resolve(def, k)
		if el == nil {
			continue
		}
		isCoded := coded.Is(typ)
		if w.coded == nil && (isCoded || typ != "Resource" && !w.ix.IsResource(typ) && !w.ix.HoldsResources(childPath)) {
			continue // nothing looked for is inside: no path needed
		}
		var b *Binding
		if el.Binding != nil && el.Binding.ValueSet != "" {
			b = &Binding{Strength: el.Binding.Strength, ValueSet: el.Binding.ValueSet}
		}
		items, isList := val.([]any)
		n := len(items)
		if !isList {
			n = 1
		}
		for i := range n {
			item := val
			if isList {
				item = items[i]
			}
			m, isObject := item.(map[string]any)
			if !isCoded && !isObject {
				continue // a primitive that is not coded: no path needed
			}
			if !isCoded && (typ == "Extension" || typ == "Reference" || typ == "Narrative" || childPath == "" && typ != "Resource") {
				continue // nothing coded is looked for inside: no path needed
			}
			at := inst + "." + k
			if isList {
				at += "[" + strconv.Itoa(i) + "]"
			}
			if isCoded {
				// A coded value is visited whole: its codings are not
				// visited again on their own.
				w.coded(codedValue{Path: coded.TextPath(at), Def: el.Path, Type: typ, Value: item, Binding: b})
				continue
			}
			switch {
			case typ == "Resource":
				// Contained resources are part of this record, as are
				// the entries of a Bundle held otherwise than as the
				// record; the record's Bundle's entries are records of
				// their own.
				if rt, _ := m["resourceType"].(string); rt != "" && !fhir.EntryIsRecord(at) {
					if w.held != nil {
						w.held(m, rt, at)
					}
					w.walk(m, rt, at, depth+1)
				}
			default:
				// An element typed as one resource (a Bundle response's
				// OperationOutcome) holds a resource too; its elements
				// are read by that type's definition.
				if rt, _ := m["resourceType"].(string); rt != "" && w.held != nil && w.ix.IsResource(typ) {
					w.held(m, rt, at)
				}
				w.walk(m, childPath, at, depth+1)
			}
		}
	}
}

func list(v any) []any { l, _ := v.([]any); return l }

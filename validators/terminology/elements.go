package terminology

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
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
	// units maps a LOINC code a core profile fixes (on Observation.code
	// or a component's code) to the unit it fixes for its value, and
	// profileUnits a core profile's id to the unit it fixes for
	// Observation.value, by which a vital sign's unit is found
	// (definitions.ImpliedVital); both read from the profiles on first use.
	unitsOnce    sync.Once
	units        map[unitCode]UnitRule
	profileUnits map[string]UnitRule
	unitsErr     error
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

// sdResource is the part of a StructureDefinition the unit rules need.
type sdResource struct {
	ResourceType string `json:"resourceType"`
	URL          string `json:"url"`
	// Type is not a string in every resource of the bundle.
	Type       any    `json:"type"`
	Derivation string `json:"derivation"`
	Snapshot   struct {
		Element []sdElement `json:"element"`
	} `json:"snapshot"`
}

// sdElement is the part of an ElementDefinition the unit rules need.
type sdElement struct {
	ID        string  `json:"id"`
	FixedCode *string `json:"fixedCode"`
	Binding   *struct {
		Strength string `json:"strength"`
		ValueSet string `json:"valueSet"`
	} `json:"binding"`
	FixedCodeableConcept   *codeableConcept `json:"fixedCodeableConcept"`
	PatternCodeableConcept *codeableConcept `json:"patternCodeableConcept"`
}

type codeableConcept struct {
	Coding []struct {
		System string `json:"system"`
		Code   string `json:"code"`
	} `json:"coding"`
}

// unitCode is a coding a unit rule is kept for.
type unitCode struct{ system, code string }

// loadUnits reads the unit rules of the core Observation profiles.
func (ix *Elements) loadUnits() (map[unitCode]UnitRule, error) {
	ix.unitsOnce.Do(func() {
		ix.units = map[unitCode]UnitRule{}
		ix.profileUnits = map[string]UnitRule{}
		resources, err := r4core.Resources(r4core.ProfilesOthers)
		if err != nil {
			ix.unitsErr = err
			return
		}
		// Only the Observation profiles matter: the archive's index finds
		// them without decompressing the other definitions.
		for _, r := range resources {
			if r.ResourceType != "StructureDefinition" || r.Type != "Observation" {
				continue
			}
			raw, err := r.Bytes()
			if err != nil {
				ix.unitsErr = err
				return
			}
			var sd sdResource
			if err := json.Unmarshal(raw, &sd); err != nil {
				ix.unitsErr = fmt.Errorf("%s: %w", r.Source(), err)
				return
			}
			if typ, _ := sd.Type.(string); sd.ResourceType == "StructureDefinition" && typ == "Observation" && sd.Derivation == "constraint" {
				ix.readUnitRules(sd.URL, sd.Snapshot.Element)
			}
		}
	})
	return ix.units, ix.unitsErr
}

var (
	unitCodeAt = regexp.MustCompile(`^(.*)\.code\.coding:[^.]+\.code$`)
	unitValue  = regexp.MustCompile(`^(.*)\.value\[x\](:valueQuantity)?\.code$`)
)

// readUnitRules finds, in a core Observation profile (the vital signs and
// lipid profiles), the LOINC code it fixes and the unit it fixes for the
// value; a core profile's unit is also kept by its id, for the observations
// held to it as a vital sign, whichever of the sign's codings they carry.
func (ix *Elements) readUnitRules(url string, elems []sdElement) {
	codes := map[string]string{}
	rules := map[string]UnitRule{}
	for _, el := range elems {
		if m := unitCodeAt.FindStringSubmatch(el.ID); m != nil && el.FixedCode != nil {
			codes[m[1]] = *el.FixedCode
		}
		if el.ID == "Observation.code" {
			for _, cc := range []*codeableConcept{el.FixedCodeableConcept, el.PatternCodeableConcept} {
				if cc == nil {
					continue
				}
				for _, c := range cc.Coding {
					if c.System == "http://loinc.org" {
						codes["Observation"] = c.Code
					}
				}
			}
		}
		if m := unitValue.FindStringSubmatch(el.ID); m != nil {
			r := UnitRule{Profile: url}
			if el.FixedCode != nil {
				r.Code = *el.FixedCode
			} else if el.Binding != nil && el.Binding.Strength == "required" {
				r.ValueSet = el.Binding.ValueSet
			}
			if r.Code != "" || r.ValueSet != "" {
				rules[m[1]] = r
			}
		}
	}
	keep := func(c unitCode, r UnitRule) {
		if _, dup := ix.units[c]; !dup {
			ix.units[c] = r
		}
	}
	for ctx, code := range codes {
		if r, ok := rules[ctx]; ok && code != "" {
			keep(unitCode{terminology.LOINC, code}, r)
		}
	}
	if id, core := strings.CutPrefix(url, definitions.CoreBase); core {
		if r, ok := rules["Observation"]; ok {
			ix.profileUnits[id] = r
		}
	}
}

// UnitRule returns the unit a core profile fixes for observations coded with
// the coding: a LOINC code the profile fixes.
func (ix *Elements) UnitRule(system, code string) (UnitRule, bool) {
	units, err := ix.loadUnits()
	if err != nil {
		return UnitRule{}, false
	}
	r, ok := units[unitCode{system, code}]
	return r, ok
}

// profileUnitRule returns the unit the core profile id (CoreBase+id) fixes
// for Observation.value: a vital sign's, for an observation held to it.
func (ix *Elements) profileUnitRule(id string) (UnitRule, bool) {
	if _, err := ix.loadUnits(); err != nil {
		return UnitRule{}, false
	}
	r, ok := ix.profileUnits[id]
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

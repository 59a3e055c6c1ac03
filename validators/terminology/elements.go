package terminology

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/carecert/carecert/fhir/r4core"
)

// Binding is an element's terminology binding.
type Binding struct {
	Strength string `json:"strength"`
	ValueSet string `json:"valueSet"`
}

// element is what the walker needs of one ElementDefinition.
type element struct {
	path       string
	types      []string
	binding    *Binding
	contentRef string
}

// Elements indexes the R4 core resource and data type definitions by element
// path, for finding coded elements and their bindings in a resource.
//
// It reads the embedded StructureDefinition snapshots directly; once the
// shared element index (fhir/elements) is available it can take its place
// behind the same walk.
type Elements struct {
	byPath map[string]*element
	// complex are the data types with children worth walking.
	complex map[string]bool
	// units maps a LOINC code to the unit a core profile fixes for its value.
	units map[string]UnitRule
}

// UnitRule is the unit a profile fixes for an observation's value: a UCUM
// code, or a value set of UCUM codes.
type UnitRule struct {
	Code     string `json:"code,omitempty"`
	ValueSet string `json:"valueSet,omitempty"`
	Profile  string `json:"profile"`
}

// LoadElements reads the embedded R4 core definitions.
func LoadElements() (*Elements, error) {
	ix := &Elements{byPath: map[string]*element{}, complex: map[string]bool{}, units: map[string]UnitRule{}}
	for _, name := range []string{r4core.ProfilesTypes, r4core.ProfilesResources} {
		if err := ix.read(name, false); err != nil {
			return nil, err
		}
	}
	if err := ix.read(r4core.ProfilesOthers, true); err != nil {
		return nil, err
	}
	return ix, nil
}

type sdBundle struct {
	Entry []struct {
		Resource struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
			URL          string `json:"url"`
			// Kind and Type are not strings in every resource of the bundle.
			Kind       any    `json:"kind"`
			Type       any    `json:"type"`
			Derivation string `json:"derivation"`
			Snapshot   struct {
				Element []map[string]any `json:"element"`
			} `json:"snapshot"`
		} `json:"resource"`
	} `json:"entry"`
}

func (ix *Elements) read(name string, profiles bool) error {
	raw, err := r4core.ReadFile(name)
	if err != nil {
		return err
	}
	var b sdBundle
	if err := json.Unmarshal(raw, &b); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for _, e := range b.Entry {
		sd := e.Resource
		if sd.ResourceType != "StructureDefinition" {
			continue
		}
		kind, _ := sd.Kind.(string)
		typ, _ := sd.Type.(string)
		if profiles {
			if typ == "Observation" && sd.Derivation == "constraint" {
				ix.readUnitRules(sd.URL, sd.Snapshot.Element)
			}
			continue
		}
		if sd.Derivation == "constraint" || (kind != "resource" && kind != "complex-type") {
			continue
		}
		if kind == "complex-type" {
			ix.complex[typ] = true
		}
		for _, el := range sd.Snapshot.Element {
			path, _ := el["path"].(string)
			if path == "" || strings.Contains(el["id"].(string), ":") {
				continue
			}
			e := &element{path: path}
			for _, t := range list(el["type"]) {
				tm, _ := t.(map[string]any)
				if c, _ := tm["code"].(string); c != "" {
					e.types = append(e.types, fhirTypeName(c))
				}
			}
			if bm, ok := el["binding"].(map[string]any); ok {
				vs, _ := bm["valueSet"].(string)
				st, _ := bm["strength"].(string)
				if vs != "" {
					e.binding = &Binding{Strength: st, ValueSet: vs}
				}
			}
			if cr, _ := el["contentReference"].(string); cr != "" {
				e.contentRef = strings.TrimPrefix(cr, "#")
			}
			ix.byPath[path] = e
		}
	}
	return nil
}

// fhirTypeName turns the FHIRPath system type URLs of primitive values
// ("http://hl7.org/fhirpath/System.String") into their FHIR names.
func fhirTypeName(code string) string {
	if strings.HasPrefix(code, "http://hl7.org/fhirpath/System.") {
		return strings.ToLower(strings.TrimPrefix(code, "http://hl7.org/fhirpath/System."))
	}
	return code
}

var (
	unitCodeAt = regexp.MustCompile(`^(.*)\.code\.coding:[^.]+\.code$`)
	unitValue  = regexp.MustCompile(`^(.*)\.value\[x\](:valueQuantity)?\.code$`)
)

// readUnitRules finds, in a core Observation profile (the vital signs and
// lipid profiles), the LOINC code it fixes and the unit it fixes for the value.
func (ix *Elements) readUnitRules(url string, elems []map[string]any) {
	codes := map[string]string{}
	rules := map[string]UnitRule{}
	for _, el := range elems {
		id, _ := el["id"].(string)
		if m := unitCodeAt.FindStringSubmatch(id); m != nil {
			if c, ok := el["fixedCode"].(string); ok {
				codes[m[1]] = c
			}
		}
		if id == "Observation.code" {
			for _, k := range []string{"fixedCodeableConcept", "patternCodeableConcept"} {
				if cc, ok := el[k].(map[string]any); ok {
					for _, c := range list(cc["coding"]) {
						cm, _ := c.(map[string]any)
						if cm["system"] == "http://loinc.org" {
							codes["Observation"], _ = cm["code"].(string)
						}
					}
				}
			}
		}
		if m := unitValue.FindStringSubmatch(id); m != nil {
			r := UnitRule{Profile: url}
			if c, ok := el["fixedCode"].(string); ok {
				r.Code = c
			} else if bm, ok := el["binding"].(map[string]any); ok && bm["strength"] == "required" {
				r.ValueSet, _ = bm["valueSet"].(string)
			}
			if r.Code != "" || r.ValueSet != "" {
				rules[m[1]] = r
			}
		}
	}
	for ctx, code := range codes {
		if r, ok := rules[ctx]; ok && code != "" {
			if _, dup := ix.units[code]; !dup {
				ix.units[code] = r
			}
		}
	}
}

// UnitRule returns the unit a core profile fixes for observations coded with
// the LOINC code.
func (ix *Elements) UnitRule(loinc string) (UnitRule, bool) {
	r, ok := ix.units[loinc]
	return r, ok
}

// Binding returns the binding of the element at a definition path.
func (ix *Elements) Binding(path string) (Binding, bool) {
	if e := ix.byPath[path]; e != nil && e.binding != nil {
		return *e.binding, true
	}
	return Binding{}, false
}

// coded is one coded value found in a resource.
type coded struct {
	// Path is the instance path ("Observation.code", "Patient.name[0].use").
	Path string
	// Def is the definition path ("Observation.code").
	Def string
	// Type is code, Coding, CodeableConcept or a Quantity type.
	Type    string
	Value   any
	Binding *Binding
}

// codedTypes are the types the terminology checks look at.
var codedTypes = map[string]bool{
	"code": true, "Coding": true, "CodeableConcept": true,
	"Quantity": true, "SimpleQuantity": true, "Age": true, "Duration": true, "Count": true, "Distance": true, "MoneyQuantity": true,
}

// Walk calls visit for every coded value of res (a resource of type typ), in
// document order of sorted keys, so findings are deterministic.
func (ix *Elements) Walk(res map[string]any, typ string, visit func(c coded)) {
	ix.walk(res, typ, typ, visit, 0)
}

func (ix *Elements) walk(obj map[string]any, def, inst string, visit func(coded), depth int) {
	if depth > 32 {
		return
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		switch {
		case k == "resourceType" || k == "extension" || k == "modifierExtension" || strings.HasPrefix(k, "_"):
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		el, typ := ix.lookup(def, k)
		if el == nil {
			continue
		}
		val := obj[k]
		items, isList := val.([]any)
		if !isList {
			items = []any{val}
		}
		for i, item := range items {
			at := inst + "." + k
			if isList {
				at = fmt.Sprintf("%s[%d]", at, i)
			}
			if codedTypes[typ] {
				visit(coded{Path: at, Def: el.path, Type: typ, Value: item, Binding: el.binding})
			}
			m, ok := item.(map[string]any)
			if !ok || codedTypes[typ] {
				// A coded value is visited whole: its codings are not
				// visited again on their own.
				continue
			}
			switch {
			case el.contentRef != "":
				ix.walk(m, el.contentRef, at, visit, depth+1)
			case typ == "BackboneElement" || typ == "Element":
				ix.walk(m, el.path, at, visit, depth+1)
			case typ == "Resource":
				// Contained resources are part of this record; a Bundle's
				// entries are records of their own.
				if rt, _ := m["resourceType"].(string); rt != "" && def != "Bundle.entry" {
					ix.walk(m, rt, at, visit, depth+1)
				}
			case ix.complex[typ] && typ != "Extension" && typ != "Reference" && typ != "Narrative":
				ix.walk(m, typ, at, visit, depth+1)
			}
		}
	}
}

// lookup finds the element definition of key under def, resolving choice
// elements (valueQuantity under Observation.value[x]).
func (ix *Elements) lookup(def, key string) (*element, string) {
	if el := ix.byPath[def+"."+key]; el != nil {
		if len(el.types) == 1 {
			return el, el.types[0]
		}
		if len(el.types) == 0 && el.contentRef != "" {
			return el, ""
		}
		return el, ""
	}
	for i := len(key) - 1; i > 0; i-- {
		if !unicode.IsUpper(rune(key[i])) {
			continue
		}
		el := ix.byPath[def+"."+key[:i]+"[x]"]
		if el == nil {
			continue
		}
		suffix := key[i:]
		for _, t := range el.types {
			if strings.EqualFold(t, suffix) {
				return el, t
			}
		}
		return nil, ""
	}
	return nil, ""
}

func list(v any) []any { l, _ := v.([]any); return l }

package terminology

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
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
	// mu guards byPath and pending: resource definitions are decoded on first
	// use, so a feed of six resource types pays for six, not 146.
	mu     sync.RWMutex
	byPath map[string]*element
	// pending holds the undecoded definitions of resource types, by type.
	pending map[string]json.RawMessage
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
	ix := &Elements{byPath: map[string]*element{}, pending: map[string]json.RawMessage{}, complex: map[string]bool{}, units: map[string]UnitRule{}}
	if err := ix.read(r4core.ProfilesTypes, false); err != nil {
		return nil, err
	}
	if err := ix.defer_(r4core.ProfilesResources); err != nil {
		return nil, err
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
			URL          string `json:"url"`
			// Kind and Type are not strings in every resource of the bundle.
			Kind       any    `json:"kind"`
			Type       any    `json:"type"`
			Derivation string `json:"derivation"`
			Snapshot   struct {
				Element []sdElement `json:"element"`
			} `json:"snapshot"`
		} `json:"resource"`
	} `json:"entry"`
}

// sdElement is the part of an ElementDefinition the index reads; decoding
// into it rather than into maps keeps loading fast.
type sdElement struct {
	ID               string `json:"id"`
	Path             string `json:"path"`
	ContentReference string `json:"contentReference"`
	Type             []struct {
		Code string `json:"code"`
	} `json:"type"`
	Binding *struct {
		Strength string `json:"strength"`
		ValueSet string `json:"valueSet"`
	} `json:"binding"`
	FixedCode              *string          `json:"fixedCode"`
	FixedCodeableConcept   *codeableConcept `json:"fixedCodeableConcept"`
	PatternCodeableConcept *codeableConcept `json:"patternCodeableConcept"`
}

type codeableConcept struct {
	Coding []struct {
		System string `json:"system"`
		Code   string `json:"code"`
	} `json:"coding"`
}

const sdPrefix = "http://hl7.org/fhir/StructureDefinition/"

// defer_ indexes the resource definitions of a bundle by type without
// decoding them.
func (ix *Elements) defer_(name string) error {
	raw, err := r4core.ReadFile(name)
	if err != nil {
		return err
	}
	var b struct {
		Entry []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for _, e := range b.Entry {
		if typ, ok := strings.CutPrefix(e.FullURL, sdPrefix); ok {
			ix.pending[typ] = e.Resource
		}
	}
	return nil
}

// ensure decodes the definition of resource type typ if it is pending.
func (ix *Elements) ensure(typ string) {
	ix.mu.RLock()
	_, pending := ix.pending[typ]
	ix.mu.RUnlock()
	if !pending {
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	raw, ok := ix.pending[typ]
	if !ok {
		return
	}
	delete(ix.pending, typ)
	// The embedded core is known to be well formed; a definition that does
	// not decode simply adds no elements.
	_ = ix.add(json.RawMessage(`{"entry":[{"resource":`+string(raw)+`}]}`), false)
}

func (ix *Elements) read(name string, profiles bool) error {
	raw, err := r4core.ReadFile(name)
	if err != nil {
		return err
	}
	if err := ix.add(raw, profiles); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func (ix *Elements) add(raw []byte, profiles bool) error {
	var b sdBundle
	if err := json.Unmarshal(raw, &b); err != nil {
		return err
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
			if el.Path == "" || strings.Contains(el.ID, ":") {
				continue
			}
			e := &element{path: el.Path, contentRef: strings.TrimPrefix(el.ContentReference, "#")}
			for _, t := range el.Type {
				if t.Code != "" {
					e.types = append(e.types, fhirTypeName(t.Code))
				}
			}
			if el.Binding != nil && el.Binding.ValueSet != "" {
				e.binding = &Binding{Strength: el.Binding.Strength, ValueSet: el.Binding.ValueSet}
			}
			ix.byPath[el.Path] = e
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
	if e := ix.element(path); e != nil && e.binding != nil {
		return *e.binding, true
	}
	return Binding{}, false
}

// element returns the definition at path, decoding its resource type's
// definition on first use.
func (ix *Elements) element(path string) *element {
	typ, _, _ := strings.Cut(path, ".")
	ix.ensure(typ)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.byPath[path]
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
	if el := ix.element(def + "." + key); el != nil {
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
		el := ix.element(def + "." + key[:i] + "[x]")
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

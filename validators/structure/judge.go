package structure

import (
	"maps"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/carecert/carecert/fhir/lexical"
)

// The JSON-schema requirement is answered from the profile engine's walk
// where the two share a rule (package shape): the walk proves a record well
// shaped, and puts each primitive string it meets to Judge, which holds it
// to the schema's own rules for that element (lexical pattern, enumeration,
// constant). The schema names its definitions by type and backbone
// element, not by element path, so an element is found by its type and
// name; one the judge cannot place is refused, and its record walked here.

// elementKey is an element's definition path and, for a choice element, the
// type its value has.
type elementKey struct{ def, typ string }

// judged holds the judge of each element asked about so far: its schema
// node's, or refuse when the element could not be placed.
type judged struct {
	// nodes is replaced, never changed, when an element is placed (under
	// quickMu): the walk asks of every primitive string it meets, and reads
	// it without a lock. Few elements are ever placed.
	nodes atomic.Pointer[map[elementKey]func(string) bool]
	// byRoot lists, per type, the schema's definitions of that type's
	// backbone elements ("Patient_Contact").
	byRoot map[string][]string
}

// Judge returns the judge of the primitive strings of type typ at the
// element whose definition path is def (shape.Judge): whether the schema
// accepts one there.
func (s *Schema) Judge(def, typ string) func(string) bool {
	k := elementKey{def, typ}
	if j, ok := (*s.judged.nodes.Load())[k]; ok {
		return j
	}
	return s.place(k)
}

// place finds and compiles the schema node of an element's single value,
// once, and makes its judge.
func (s *Schema) place(k elementKey) func(string) bool {
	s.quickMu.Lock()
	defer s.quickMu.Unlock()
	old := *s.judged.nodes.Load()
	if j, ok := old[k]; ok {
		return j
	}
	var n *quickNode
	def, prop, ok := s.elementProperty(k)
	if ok {
		n = resolved(s.quick.definition(def).props[prop])
		if n != nil && n.items != nil {
			n = resolved(n.items) // an item of a repeating element
		}
	}
	j := refuse
	switch {
	case n != nil && engineHolds(k.typ) && n == resolved(s.quick.definition(k.typ)):
		// The element's schema is its type's pattern alone, which every
		// string the engine's check passes matches (shape.Judge).
		j = accept
	case n != nil:
		j = func(v string) bool { return n.valid(v) }
	}
	nodes := maps.Clone(old)
	nodes[k] = j
	s.judged.nodes.Store(&nodes)
	return j
}

// refuse is the judge of an element the schema's definitions cannot place.
func refuse(string) bool { return false }

// accept is the judge of an element whose schema every string the profile
// engine's check of its type passes meets.
func accept(string) bool { return true }

// engineHolds reports whether the R4 JSON schema's pattern for a primitive
// type matches every string the profile engine's check of the type passes
// (validators/profile checkString, which a walk applies to each string it
// puts to the judge): both hold the value to the type's lexical rule
// (lexical.Rule, which holdToRule makes the schema's pattern), and the
// engine adds what a pattern cannot say (a calendar's days, base64 that
// decodes, a string's 1 MB).
func engineHolds(typ string) bool { return lexical.Rule(typ) != "" }

// resolved follows a schema node's $ref (gojsonschema ignores its siblings).
func resolved(n *quickNode) *quickNode {
	for n != nil && n.ref != nil {
		n = n.ref
	}
	return n
}

// elementProperty finds the schema definition and property of an element:
// "Patient.birthDate" is property birthDate of Patient;
// "Patient.contact.gender" is property gender of the one definition of a
// Patient backbone element that has it (or of several that say the same of
// it); "Observation.value[x]" with a dateTime is valueDateTime;
// "date.id" is property id of Element.
func (s *Schema) elementProperty(k elementKey) (def, prop string, ok bool) {
	segs := strings.Split(k.def, ".")
	if len(segs) < 2 {
		return "", "", false
	}
	for i, seg := range segs {
		segs[i], _, _ = strings.Cut(seg, ":") // a slice's name
	}
	prop = segs[len(segs)-1]
	if base, isChoice := strings.CutSuffix(prop, "[x]"); isChoice {
		if k.typ == "" || strings.Contains(k.typ, ".") {
			return "", "", false
		}
		prop = base + strings.ToUpper(k.typ[:1]) + k.typ[1:]
	}
	root := segs[0]
	if root != "" && root[0] >= 'a' && root[0] <= 'z' {
		// A primitive type's id and extension ("date.id") are Element's:
		// the schema writes them in the _name companion's Element.
		root = "Element"
	}
	candidates := []string{root}
	if len(segs) > 2 {
		candidates = s.backbones(root)
	}
	var found any
	for _, c := range candidates {
		d, err := s.def(c)
		if err != nil || d == nil {
			continue
		}
		props, _ := d["properties"].(map[string]any)
		p, has := props[prop]
		if !has {
			continue
		}
		if def != "" && !sameRules(found, p) {
			return "", "", false // two backbones say different things of it
		}
		def, found = c, p
	}
	return def, prop, def != ""
}

// sameRules reports whether two of the schema's properties hold a value to
// the same rules, their descriptions aside: backbones of one type often
// share an element's name and type with prose of their own
// (ImagingStudy_Series.uid and ImagingStudy_Instance.uid are both ids),
// which must not leave the element unplaced.
func sameRules(a, b any) bool {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		return reflect.DeepEqual(a, b)
	}
	rules := func(m map[string]any) map[string]any {
		m = maps.Clone(m)
		delete(m, "description")
		return m
	}
	return reflect.DeepEqual(rules(am), rules(bm))
}

// backbones lists the schema's definitions of a type's backbone elements.
// Called with quickMu held.
func (s *Schema) backbones(root string) []string {
	if s.judged.byRoot == nil {
		s.judged.byRoot = map[string][]string{}
		for name := range s.raw {
			if r, _, ok := strings.Cut(name, "_"); ok {
				s.judged.byRoot[r] = append(s.judged.byRoot[r], name)
			}
		}
		for _, names := range s.judged.byRoot {
			sort.Strings(names)
		}
	}
	return s.judged.byRoot[root]
}

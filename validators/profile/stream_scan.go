package profile

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/carecert/carecert/fhir"
)

// scan is one stream-path pass over a record's JSON bytes (stream.go). Its
// methods return false when the scan gives up, with why set once.
type scan struct {
	e   *Engine
	sp  *streamCompiled
	src []byte
	i   int
	// depth counts the objects and arrays the scan is in.
	depth int
	// w runs the engine's own checks on the values given a map form.
	w   *walker
	why string
}

// member is one property of the resource's root: its key as written
// (quoted), its value's bytes and, for a choice, the choice's stem.
type member struct {
	key, raw []byte
	stem     string
}

func (s *scan) fail(why string) bool {
	if s.why == "" {
		s.why = why
	}
	return false
}

func (s *scan) space() {
	for s.i < len(s.src) {
		switch s.src[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scan) peek() byte {
	if s.i < len(s.src) {
		return s.src[s.i]
	}
	return 0
}

// record scans the resource at the root of src.
func (s *scan) record() bool {
	s.space()
	if s.peek() != '{' {
		return s.fail("not a JSON object")
	}
	var members []member
	if !s.object(s.sp.compiled.root, nil, &members) {
		return false
	}
	s.space()
	if s.i != len(s.src) {
		return s.fail("data after the resource")
	}
	return s.rootChecks(members)
}

// object scans the object at s.i as a value of element n, type t (nil
// for the resource's root, whose members are collected in members).
func (s *scan) object(n *node, t *typeInfo, members *[]member) bool {
	isRoot := members != nil
	lay := n.layoutFor(t)
	if lay == nil || lay.slots > 256 {
		return s.fail("an element without children at " + n.path)
	}
	if s.depth++; s.depth > fhir.MaxDepth {
		return s.fail("nested too deep")
	}
	var seen [4]uint64
	s.i++ // '{'
	s.space()
	if s.peek() == '}' {
		return s.fail("an empty object at " + n.path)
	}
	typed := false
	for {
		s.space()
		key, ok := s.key()
		if !ok {
			return false
		}
		s.space()
		if s.peek() != ':' {
			return s.fail("malformed JSON")
		}
		s.i++
		s.space()
		name := key[1 : len(key)-1]
		switch {
		case isRoot && string(name) == "resourceType":
			raw, escaped, ok := s.str()
			if !ok || escaped || typed || string(raw[1:len(raw)-1]) != s.sp.compiled.Type {
				return s.fail("a resourceType other than " + s.sp.compiled.Type)
			}
			typed = true
		case name[0] == '_':
			return s.fail("a primitive's extensions at " + n.path)
		case !isRoot && string(name) == "id":
			return s.fail("an element id at " + n.path)
		default:
			r, ok := lay.keys[string(name)]
			if !ok || r.plain >= 0 && len(r.choices) > 0 || len(r.choices) > 1 {
				return s.fail("an element the definition does not have at " + n.path)
			}
			var kid *node
			var kt *typeInfo
			slot := r.plain
			if r.plain >= 0 {
				kid = lay.index[string(name)]
				if len(kid.types) > 0 {
					kt = kid.types[0]
				}
			} else {
				c := &r.choices[0]
				slot, kt = c.slot, c.t
				for i, k := range lay.kids {
					if lay.kidSlot[i] == slot {
						kid = k
						break
					}
				}
			}
			if kid == nil || seen[slot/64]&(1<<(slot%64)) != 0 {
				return s.fail("a key repeated, or two types of one choice, at " + n.path)
			}
			seen[slot/64] |= 1 << (slot % 64)
			start := s.i
			if !s.property(kid, kt) {
				return false
			}
			if isRoot {
				*members = append(*members, member{key: key, raw: s.src[start:s.i], stem: kid.name})
			}
		}
		s.space()
		switch s.peek() {
		case ',':
			s.i++
			continue
		case '}':
			s.i++
		default:
			return s.fail("malformed JSON")
		}
		break
	}
	s.depth--
	if isRoot && !typed {
		return s.fail("no resourceType")
	}
	for i, k := range lay.kids {
		slot := lay.kidSlot[i]
		present := slot >= 0 && seen[slot/64]&(1<<(slot%64)) != 0
		if !present && (k.min > 0 || len(k.slices) > 0) {
			return s.fail("a required element absent at " + n.path)
		}
	}
	return true
}

// property scans the value (one, or an array) of element k, type t, with
// the cardinality checks of walker.property.
func (s *scan) property(k *node, t *typeInfo) bool {
	if s.peek() != '[' {
		if !k.baseMax1 || k.max == 0 || k.min > 1 {
			return s.fail("cardinality at " + k.path)
		}
		return s.value(k, t)
	}
	if k.baseMax1 {
		return s.fail("an array for a single value at " + k.path)
	}
	if s.depth++; s.depth > fhir.MaxDepth {
		return s.fail("nested too deep")
	}
	s.i++
	s.space()
	if s.peek() == ']' {
		return s.fail("an empty array at " + k.path)
	}
	count := 0
	for {
		s.space()
		count++
		if !s.value(k, t) {
			return false
		}
		s.space()
		switch s.peek() {
		case ',':
			s.i++
			continue
		case ']':
			s.i++
		default:
			return s.fail("malformed JSON")
		}
		break
	}
	s.depth--
	if k.max >= 0 && count > k.max || count < k.min {
		return s.fail("cardinality at " + k.path)
	}
	return true
}

// value scans one value of element k, type t.
func (s *scan) value(k *node, t *typeInfo) bool {
	r := s.sp.roleOf(k, t)
	if r.fallback != "" {
		return s.fail(r.fallback)
	}
	c := s.peek()
	if t.primitive {
		var item any
		switch c {
		case '"':
			raw, escaped, ok := s.str()
			if !ok {
				return false
			}
			str, ok := s.text(raw, escaped)
			if !ok {
				return false
			}
			item = str
		case 't', 'f':
			b, ok := s.boolean()
			if !ok {
				return false
			}
			item = b
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			raw, ok := s.number()
			if !ok {
				return false
			}
			item = json.Number(raw)
		default:
			return s.fail("a primitive written as " + string(c) + " at " + k.path)
		}
		return s.primitiveChecks(item, k, t)
	}
	if c != '{' {
		return s.fail("a complex value not written as an object at " + k.path)
	}
	start := s.i
	if !s.object(k, t, nil) {
		return false
	}
	if r.materialise {
		return s.complexChecks(s.src[start:s.i], k, t, r)
	}
	return true
}

// key reads an object key, quotes included; escaped keys are left to the
// map walk.
func (s *scan) key() ([]byte, bool) {
	if s.peek() != '"' {
		return nil, s.fail("malformed JSON")
	}
	raw, escaped, ok := s.str()
	if !ok {
		return nil, false
	}
	if escaped || len(raw) < 3 {
		return nil, s.fail("an escaped or empty key")
	}
	return raw, true
}

// str reads a JSON string at s.i, quotes included, saying whether it holds
// escapes; control characters and invalid UTF-8 end the scan.
func (s *scan) str() (raw []byte, escaped, ok bool) {
	start := s.i
	s.i++
	ascii := true
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == '"':
			s.i++
			raw = s.src[start:s.i]
			if !ascii && !utf8.Valid(raw) {
				return nil, false, s.fail("invalid UTF-8")
			}
			return raw, escaped, true
		case c == '\\':
			escaped = true
			s.i += 2
			continue
		case c < 0x20:
			return nil, false, s.fail("malformed JSON")
		case c >= 0x80:
			ascii = false
		}
		s.i++
	}
	return nil, false, s.fail("malformed JSON")
}

// text is a string's value. A \u escape (which may be half of a UTF-16
// pair the decoders treat differently) is left to the map walk.
func (s *scan) text(raw []byte, escaped bool) (string, bool) {
	if !escaped {
		return string(raw[1 : len(raw)-1]), true
	}
	if bytes.Contains(raw, []byte(`\u`)) {
		return "", s.fail(`a \u escape`)
	}
	var str string
	if err := json.Unmarshal(raw, &str); err != nil {
		return "", s.fail("malformed JSON")
	}
	return str, true
}

func (s *scan) boolean() (bool, bool) {
	switch {
	case bytes.HasPrefix(s.src[s.i:], []byte("true")):
		s.i += 4
		return true, true
	case bytes.HasPrefix(s.src[s.i:], []byte("false")):
		s.i += 5
		return false, true
	}
	return false, s.fail("malformed JSON")
}

// number reads a JSON number (its grammar, as every decoder holds it).
func (s *scan) number() (string, bool) {
	start := s.i
	src := s.src
	digits := func() int {
		n := 0
		for s.i < len(src) && src[s.i] >= '0' && src[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.peek() == '-' {
		s.i++
	}
	switch {
	case s.peek() == '0':
		s.i++
	case digits() == 0:
		return "", s.fail("malformed JSON")
	}
	if s.peek() == '.' {
		s.i++
		if digits() == 0 {
			return "", s.fail("malformed JSON")
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.i++
		if c := s.peek(); c == '+' || c == '-' {
			s.i++
		}
		if digits() == 0 {
			return "", s.fail("malformed JSON")
		}
	}
	return string(src[start:s.i]), true
}

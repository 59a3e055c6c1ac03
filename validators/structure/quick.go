package structure

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/lexical"
)

// quickNode is one schema of the FHIR R4 JSON schema, compiled for a single
// question: would gojsonschema find nothing at all to say about a value? It
// answers that in one walk with no allocation, and answers "maybe not"
// whenever it is unsure. Only a sure "nothing" skips gojsonschema; every
// other record is validated by gojsonschema as before, so each finding
// (requirement, path, message and order) still comes from gojsonschema, and
// the schema of a type that never meets an invalid record is never compiled.
//
// Soundness is the rule: wherever this walk says valid, gojsonschema v1.2.0
// reports no error. It follows gojsonschema's reading of each keyword the
// FHIR schema uses ($ref wins over its siblings, "pattern" applies only to
// strings, "const" and "enum" compare JSON texts) and refuses (unknown) any
// keyword or value it does not model.
type quickNode struct {
	// ref, when set, is the whole schema: gojsonschema ignores a $ref's
	// siblings.
	ref *quickNode
	// unknown marks a schema this walk does not model: never valid here.
	unknown bool
	types   quickTypes
	// constant is a string const; enum a string enum. Other values are never
	// equal here: gojsonschema compares their JSON texts, which this walk
	// does not rebuild.
	constant *string
	enum     map[string]bool
	// match is the pattern's matcher: hand-written where fhir/lexical has
	// one, else the regular expression.
	match    func(string) bool
	props    map[string]*quickNode
	required []string
	// closed is additionalProperties: false.
	closed bool
	items  *quickNode
}

// quickTypes is a set of JSON-schema types; none means untyped.
type quickTypes uint8

const (
	quickNull quickTypes = 1 << iota
	quickBoolean
	quickNumber
	quickString
	quickArray
	quickObject
)

var quickTypeNames = map[string]quickTypes{
	"null": quickNull, "boolean": quickBoolean, "number": quickNumber,
	"string": quickString, "array": quickArray, "object": quickObject,
}

// allows reports whether a value of JSON type t passes the node's "type".
func (q *quickNode) allows(t quickTypes) bool { return q.types == 0 || q.types&t != 0 }

// valid reports whether gojsonschema would find no error in v against q.
func (q *quickNode) valid(v any) bool {
	q = resolved(q)
	if q.unknown {
		return false
	}
	switch x := v.(type) {
	case string:
		if !q.allows(quickString) {
			return false
		}
		if q.constant != nil && *q.constant != x {
			return false
		}
		if q.enum != nil && !q.enum[x] {
			return false
		}
		return q.match == nil || q.match(x)
	case map[string]any:
		if !q.allows(quickObject) || q.constant != nil || q.enum != nil {
			return false
		}
		for _, r := range q.required {
			if _, ok := x[r]; !ok {
				return false
			}
		}
		for k, e := range x {
			p, ok := q.props[k]
			if !ok {
				if q.closed || !numbersFine(e) {
					return false
				}
				continue
			}
			if !p.valid(e) {
				return false
			}
		}
		return true
	case []any:
		if !q.allows(quickArray) || q.constant != nil || q.enum != nil {
			return false
		}
		for _, e := range x {
			if q.items != nil && !q.items.valid(e) || q.items == nil && !numbersFine(e) {
				return false
			}
		}
		return true
	case json.Number:
		// gojsonschema checks no pattern on numbers; the FHIR schema never
		// says "integer", which the compiler refuses. A number that cannot
		// be exchanged is left to the full validation, which reports it.
		return q.allows(quickNumber) && q.constant == nil && q.enum == nil && fhir.NumberProblem(string(x)) == ""
	case bool:
		return q.allows(quickBoolean) && q.constant == nil && q.enum == nil
	case nil:
		return q.allows(quickNull) && q.constant == nil && q.enum == nil
	}
	// Any other Go value (never produced by fhir.Decode) is left to
	// gojsonschema.
	return false
}

// numbersFine reports whether every number in v can be exchanged, for the
// values the walk does not check against a schema: a record the walk passes
// has no number for boundNumbers to report.
func numbersFine(v any) bool {
	switch x := v.(type) {
	case json.Number:
		return fhir.NumberProblem(string(x)) == ""
	case map[string]any:
		for _, e := range x {
			if !numbersFine(e) {
				return false
			}
		}
	case []any:
		for _, e := range x {
			if !numbersFine(e) {
				return false
			}
		}
	}
	return true
}

// quickCompiler builds quick nodes from the schema's decoded definitions.
type quickCompiler struct {
	s    *Schema
	defs map[string]*quickNode
}

// definition returns the node of a named definition, compiling it and what it
// reaches on first use. The node is registered before it is filled, so
// recursive definitions (Extension, Identifier.assigner...) resolve.
func (c *quickCompiler) definition(name string) *quickNode {
	if n, ok := c.defs[name]; ok {
		return n
	}
	n := &quickNode{}
	c.defs[name] = n
	d, err := c.s.def(name)
	if err != nil || d == nil {
		n.unknown = true
		return n
	}
	c.fill(n, d)
	return n
}

// quickKeywords are the keywords quickNode models; a schema with any other
// is unknown.
var quickKeywords = map[string]bool{
	"$ref": true, "description": true, "type": true, "const": true, "enum": true,
	"pattern": true, "properties": true, "required": true,
	"additionalProperties": true, "items": true,
}

// fill compiles one schema object into n.
func (c *quickCompiler) fill(n *quickNode, d map[string]any) {
	for k := range d {
		if !quickKeywords[k] {
			n.unknown = true
			return
		}
	}
	if ref, ok := d["$ref"]; ok {
		name, isDef := "", false
		if s, ok := ref.(string); ok {
			name, isDef = strings.CutPrefix(s, "#/definitions/")
		}
		if !isDef {
			n.unknown = true
			return
		}
		n.ref = c.definition(name)
		return
	}
	ok := c.fillTypes(n, d["type"]) && c.fillValues(n, d) && c.fillObject(n, d)
	if items, has := d["items"]; ok && has {
		im, isSchema := items.(map[string]any)
		if !isSchema {
			ok = false
		} else {
			n.items = &quickNode{}
			c.fill(n.items, im)
		}
	}
	n.unknown = !ok
}

// fillTypes reads "type": a name or a list of names ("integer" is not modelled).
func (c *quickCompiler) fillTypes(n *quickNode, t any) bool {
	var names []any
	switch x := t.(type) {
	case nil:
		return true
	case string:
		names = []any{x}
	case []any:
		names = x
	default:
		return false
	}
	for _, e := range names {
		name, _ := e.(string)
		bit, ok := quickTypeNames[name]
		if !ok {
			return false
		}
		n.types |= bit
	}
	return true
}

// fillValues reads "const", "enum" and "pattern"; only string values are
// modelled.
func (c *quickCompiler) fillValues(n *quickNode, d map[string]any) bool {
	if v, has := d["const"]; has {
		s, ok := v.(string)
		if !ok {
			return false
		}
		n.constant = &s
	}
	if v, has := d["enum"]; has {
		list, ok := v.([]any)
		if !ok || len(list) == 0 {
			return false
		}
		n.enum = make(map[string]bool, len(list))
		for _, e := range list {
			s, ok := e.(string)
			if !ok {
				return false
			}
			n.enum[s] = true
		}
	}
	if v, has := d["pattern"]; has {
		s, ok := v.(string)
		if !ok {
			return false
		}
		re, err := regexp.Compile(s)
		if err != nil {
			return false
		}
		n.match = lexical.Matcher(s)
		if n.match == nil {
			n.match = re.MatchString
		}
	}
	return true
}

// fillObject reads "properties", "required" and "additionalProperties"
// (true, false or absent).
func (c *quickCompiler) fillObject(n *quickNode, d map[string]any) bool {
	if v, has := d["properties"]; has {
		props, ok := v.(map[string]any)
		if !ok {
			return false
		}
		n.props = make(map[string]*quickNode, len(props))
		for name, p := range props {
			pm, ok := p.(map[string]any)
			if !ok {
				return false
			}
			child := &quickNode{}
			c.fill(child, pm)
			n.props[name] = child
		}
	}
	if v, has := d["required"]; has {
		list, ok := v.([]any)
		if !ok {
			return false
		}
		for _, e := range list {
			s, ok := e.(string)
			if !ok {
				return false
			}
			n.required = append(n.required, s)
		}
	}
	if v, has := d["additionalProperties"]; has {
		b, ok := v.(bool)
		if !ok {
			return false
		}
		n.closed = !b
	}
	return true
}

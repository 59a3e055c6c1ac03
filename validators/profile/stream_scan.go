package profile

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/fhir/shape"
)

// scan is one stream-path pass over a record's JSON bytes (stream.go). Its
// methods return false when the scan gives up, with why set once.
type scan struct {
	e   *Engine
	st  *Streamer
	sp  *streamCompiled
	src []byte
	i   int
	// depth counts the objects and arrays the scan is in.
	depth int
	// w runs the engine's own checks on the values given a map form.
	w   *walker
	why string
	// implying says the scan is in the root member whose codings may
	// imply a profile.
	implying bool
	// codings are the Codings kept for the bound CodeableConcepts being
	// scanned, collected while collecting (stream_capture.go).
	codings    []keptCoding
	collecting bool
	// implied is the profile the record's codes imply (vital signs,
	// stream_implied.go).
	implied implication

	// What Streamer.Prove keeps for the other checks, as the map walk
	// against the base type would (validate.go). finds collects the coded
	// values, nil where the map walk keeps none (inside a coded value or a
	// Reference, and when nothing is kept); at is the instance path of the
	// value being scanned while finds is set, and paths lends finds its
	// memory. judge is the JSON schema's judge of primitive strings (nil:
	// no proof wanted) and doubt says it refused one. id is the root's id.
	finds *codedFinds
	kept  *codedFinds // finds, also where finds is nil
	paths *coded.PathBuffer
	at    pathAt
	judge shape.Judge
	doubt bool
	id    string
	// rootProj is the root's projection once its contained resources are
	// decoded (nil for a record without), and localRefs the "#…" strings
	// the scan passed (stream_contained.go).
	rootProj  map[string]any
	localRefs []string
	// buf is the memory the scan borrowed (Streamer.bufs).
	buf *scanBuf
	// membersBuf holds the root's members while they fit: few resources
	// have more.
	membersBuf [24]rootMember
	// capBuf holds the captured strings of the values being scanned (caps
	// of them; a Reference's identifier holds a Coding) while they fit.
	capBuf [4]captured
	caps   int
}

// capture1 returns empty memory for a value's captured strings, until
// the value is scanned.
func (s *scan) capture1() *captured {
	s.caps++
	if s.caps > len(s.capBuf) {
		return new(captured)
	}
	c := &s.capBuf[s.caps-1]
	*c = captured{}
	return c
}

// shelfRange is where the coded values found in one member of an object
// start among the scan's finds, and the member's slot in its layout.
type shelfRange struct {
	slot, from int
}

// rootMember is one property of the resource's root: its JSON name, its
// element and type, and where its value starts in src; v is its map form
// when the scan built one (a coded value kept for the shelf), nil otherwise.
type rootMember struct {
	name  string
	kid   *node
	t     *typeInfo
	start int
	v     any
}

func (s *scan) fail(why string) bool {
	if s.why == "" {
		s.why = why
	}
	return false
}

func (s *scan) space() { s.i = spaceAfter(s.src, s.i) }

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
	members := s.membersBuf[:0]
	if _, ok := s.object(s.sp.compiled.root, nil, &members, false, nil); !ok {
		return false
	}
	s.space()
	if s.i != len(s.src) {
		return s.fail("data after the resource")
	}
	return s.rootChecks(members)
}

// object scans the object at s.i as a value of element n, type t (nil
// for the resource's root, whose members are listed in members). With
// build, it returns the object's map form; with c, it keeps the strings
// of a Coding or Reference their rules read.
func (s *scan) object(n *node, t *typeInfo, members *[]rootMember, build bool, c *captured) (map[string]any, bool) {
	isRoot := members != nil
	lay := n.layoutFor(t)
	if lay == nil || lay.slots > 256 {
		return nil, s.fail("an element without children at " + n.path)
	}
	if s.depth++; s.depth > fhir.MaxDepth {
		return nil, s.fail("nested too deep")
	}
	var m map[string]any
	if build {
		m = make(map[string]any, 4)
	}
	var seen [4]uint64
	var rangesOnStack [8]shelfRange
	ranges := rangesOnStack[:0]
	s.i++ // '{'
	s.space()
	if s.peek() == '}' {
		return nil, s.fail("an empty object at " + n.path)
	}
	typed := false
	for {
		s.space()
		key, ok := s.key()
		if !ok {
			return nil, false
		}
		s.space()
		if s.peek() != ':' {
			return nil, s.fail("malformed JSON")
		}
		s.i++
		s.space()
		name := key[1 : len(key)-1]
		switch {
		case isRoot && string(name) == "resourceType":
			raw, escaped, ok := s.str()
			if !ok || escaped || typed || string(raw[1:len(raw)-1]) != s.sp.compiled.Type {
				return nil, s.fail("a resourceType other than " + s.sp.compiled.Type)
			}
			typed = true
		case name[0] == '_':
			return nil, s.fail("a primitive's extensions at " + n.path)
		case !isRoot && string(name) == "id":
			return nil, s.fail("an element id at " + n.path)
		default:
			r := lay.role(unsafe.String(&name[0], len(name)))
			if r == nil || r.one == nil {
				return nil, s.fail("an element the definition does not have at " + n.path)
			}
			slot, kid, kt, jsonName := r.one.slot, r.one.kid, r.one.t, r.one.name
			if seen[slot/64]&(1<<(slot%64)) != 0 {
				return nil, s.fail("a key repeated, or two types of one choice, at " + n.path)
			}
			seen[slot/64] |= 1 << (slot % 64)
			start := s.i
			if isRoot {
				*members = append(*members, rootMember{name: jsonName, kid: kid, t: kt, start: start})
				s.implying = jsonName == s.sp.impliedBy
			}
			f, parent, from := s.finds, s.at, 0
			if f != nil {
				from = len(f.vals)
				s.at = s.w.pathChild(parent, jsonName, 0, false)
			}
			var v any
			switch {
			case isRoot && s.sp.held != nil && s.sp.held[slot]:
				ok = s.skipHeld(kid) // stream_implied.go
			case isRoot && jsonName == "contained" && kt != nil && kt.code == "Resource":
				ok = s.containedMember(kid, kt, jsonName, parent)
			default:
				v, ok = s.property(kid, kt, build)
			}
			if isRoot {
				s.implying = false
				(*members)[len(*members)-1].v = v
			}
			if !ok {
				return nil, false
			}
			if f != nil {
				s.at = parent
				if len(f.vals) > from {
					ranges = append(ranges, shelfRange{slot: slot, from: from})
				}
			}
			if isRoot && jsonName == "id" && s.src[start] == '"' {
				if s.rootProj != nil {
					return nil, s.fail("the resource's id after its contained resources, whose walk did not see it")
				}
				if s.id, ok = s.text(s.src[start:s.i], bytes.IndexByte(s.src[start:s.i], '\\') >= 0); !ok {
					return nil, false
				}
			}
			if c != nil {
				if !s.capture(c, jsonName, s.src[start:s.i]) {
					return nil, false
				}
			}
			if build {
				m[jsonName] = v
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
			return nil, s.fail("malformed JSON")
		}
		break
	}
	s.depth--
	if isRoot && !typed {
		return nil, s.fail("no resourceType")
	}
	if len(ranges) > 1 {
		s.inLayoutOrder(lay, ranges)
	}
	for _, i := range lay.required {
		slot := lay.kidSlot[i]
		if slot < 0 || seen[slot/64]&(1<<(slot%64)) == 0 {
			return nil, s.fail("a required element absent at " + n.path) // or a required slice of it (walker.absentSlices)
		}
	}
	return m, true
}

// property scans the value (one, or an array) of element k, type t, with
// the cardinality checks of walker.property; with build, it returns the
// value's map form.
func (s *scan) property(k *node, t *typeInfo, build bool) (any, bool) {
	if len(k.slices) > 0 && k.slicing != nil {
		return s.sliced(k, t, build) // stream_slices.go
	}
	return s.items(k, t, build, nil)
}

// items is property for the values of k, each scanned as a value of its
// slice where slices is set (of the element k itself where it says nil).
func (s *scan) items(k *node, t *typeInfo, build bool, slices []*node) (any, bool) {
	of := func(i int) (*node, *typeInfo) {
		if i >= len(slices) || slices[i] == nil {
			return k, t
		}
		s.w.supported(slices[i])
		return slices[i], slices[i].typeFor(t)
	}
	s.w.supported(k)
	if s.peek() != '[' {
		if !k.baseMax1 || k.max == 0 || k.min > 1 {
			return nil, s.fail("cardinality at " + k.path)
		}
		n, nt := of(0)
		return s.value(n, nt, build)
	}
	if k.baseMax1 {
		return nil, s.fail("an array for a single value at " + k.path)
	}
	if s.depth++; s.depth > fhir.MaxDepth {
		return nil, s.fail("nested too deep")
	}
	s.i++
	s.space()
	if s.peek() == ']' {
		return nil, s.fail("an empty array at " + k.path)
	}
	var items []any
	count := 0
	pa := s.at
	for {
		s.space()
		count++
		if s.finds != nil {
			s.at = s.w.pathChild(pa, "", count-1, true)
		}
		n, nt := of(count - 1)
		v, ok := s.value(n, nt, build)
		if !ok {
			return nil, false
		}
		if build {
			items = append(items, v)
		}
		s.space()
		switch s.peek() {
		case ',':
			s.i++
			continue
		case ']':
			s.i++
		default:
			return nil, s.fail("malformed JSON")
		}
		break
	}
	s.depth--
	s.at = pa
	if k.max >= 0 && count > k.max || count < k.min {
		return nil, s.fail("cardinality at " + k.path)
	}
	if build {
		return items, true
	}
	return nil, true
}

// value scans one value of element k, type t; with build, it returns its
// map form. A coded value is kept for the shelf whole, with its map form,
// as the map walk keeps it (walker.shelve); nothing inside it or inside a
// Reference is kept (walker.valueFinding).
func (s *scan) value(k *node, t *typeInfo, build bool) (any, bool) {
	r := s.st.roleOf(k, t)
	if r.fallback != "" {
		return nil, s.fail(r.fallback)
	}
	f := s.finds
	if f == nil || !t.coded && t.code != "Reference" {
		return s.valueOf(k, t, r, build)
	}
	if t.coded && s.depth > coded.MaxDepth {
		// deeper than the map walk's depth can be (it counts objects only)
		return nil, s.fail("a coded value too deep for the shelf")
	}
	s.finds = nil
	v, ok := s.valueOf(k, t, r, build || t.coded)
	s.finds = f
	if ok && t.coded {
		f.vals = append(f.vals, coded.Value{Path: s.w.keepPath(f, s.at), Def: k.path, Type: t.code, Value: v, Binding: k.codedBinding})
	}
	return v, ok
}

// valueOf is value without what is kept for the shelf.
func (s *scan) valueOf(k *node, t *typeInfo, r *role, build bool) (any, bool) {
	if t.primitive {
		return s.primitive(k, t, r, build)
	}
	if s.peek() != '{' {
		return nil, s.fail("a complex value not written as an object at " + k.path)
	}
	if s.implying && t.code == "Coding" && !r.capture {
		return nil, s.fail("a profile implied by the record's code")
	}
	var c *captured
	if r.capture || r.members != nil {
		c = s.capture1()
		defer func() { s.caps-- }()
		c.all = r.members != nil
	}
	mark, collecting := len(s.codings), s.collecting
	s.collecting = r.concept
	m, ok := s.object(k, t, nil, build || r.materialise, c)
	s.collecting = collecting
	if ok && r.concept {
		ok = s.conceptChecks(s.codings[mark:], k)
		s.codings = s.codings[:mark]
	}
	if !ok || r.materialise && !s.complexChecks(m, k, t, r) || r.capture && !s.capturedChecks(c, k, t) || r.members != nil && !s.memberChecks(c, k, r) {
		return nil, false
	}
	if s.collecting && t.code == "Coding" {
		if !r.capture {
			return nil, s.fail("a Coding the scan does not keep in a bound CodeableConcept at " + k.path)
		}
		s.codings = append(s.codings, keptCoding{system: c.system, code: c.code, hasCode: c.hasCode})
	}
	if build {
		return m, true
	}
	return nil, true
}

// primitive scans one primitive value of element k, type t, and checks it
// as walker.primitive does. Its text is read in place (unsafe.String over
// src, which outlives the scan) unless a rule needs the value itself.
func (s *scan) primitive(k *node, t *typeInfo, r *role, build bool) (any, bool) {
	build = build || len(r.invs) > 0 // the invariants read the value
	var item any
	var view string
	switch c := s.peek(); c {
	case '"':
		raw, escaped, ok := s.str()
		if !ok {
			return nil, false
		}
		switch t.code {
		case "boolean", "System.Boolean", "integer", "positiveInt", "unsignedInt", "System.Integer", "decimal", "System.Decimal":
			return nil, s.fail("a string for a " + t.code + " at " + k.path)
		}
		if view, ok = s.text(raw, escaped); !ok {
			return nil, false
		}
		if view != "" && view[0] == '#' {
			s.localRefs = append(s.localRefs, view) // dom-3 reads them when the record contains resources
		}
		if s.judge != nil && !s.doubt && !s.accepted(r, k, t, view) {
			s.doubt = true // the JSON-schema check walks the record itself
		}
		if checkString(t.code, view) != "" {
			return nil, s.fail("a format finding at " + k.path)
		}
		if t.code != "xhtml" && hasPrimitiveNote(t.code, view, s.e.year, escaped) {
			return nil, s.fail("a suspect value at " + k.path)
		}
		if build || keepsValue(k, t) {
			item = s.keptText(view)
		}
	case 't', 'f':
		b, ok := s.boolean()
		if !ok {
			return nil, false
		}
		if t.code != "boolean" && t.code != "System.Boolean" {
			return nil, s.fail("a boolean for a " + t.code + " at " + k.path)
		}
		item = b
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		raw, ok := s.number()
		if !ok {
			return nil, false
		}
		switch t.code {
		case "integer", "positiveInt", "unsignedInt", "System.Integer", "decimal", "System.Decimal":
		default:
			return nil, s.fail("a number for a " + t.code + " at " + k.path)
		}
		if checkNumber(t.code, raw, fhir.WordingOf(s.w.rec)) != "" {
			return nil, s.fail("a format finding at " + k.path)
		}
		if build || needsValue(k, t) {
			item = json.Number(strings.Clone(raw))
		}
	default:
		return nil, s.fail("a primitive written as " + string(c) + " at " + k.path)
	}
	if hasRules(k, t) && !s.primitiveChecks(item, view, k, t) {
		return nil, false
	}
	if len(r.invs) > 0 {
		// walker.primitive's: the element's invariants on the value alone
		w := s.w
		at := w.pathRoot(k.path)
		w.checkAt(r.invs, k, t, item, nil, at)
		w.pathEnd(at)
		if len(w.out) > 0 {
			return nil, s.fail("a finding of an invariant at " + k.path)
		}
	}
	return item, true
}

// The kept strings a scan's buffer holds, and the longest it holds: the
// values kept are mostly code systems, codes, units and displays, which
// repeat from record to record, and a feed of other strings only fills the
// table once.
const (
	maxKeptTexts = 4096
	maxKeptText  = 256
)

// keptText is a string value a rule or another check keeps, in the map form
// the scan builds or for a rule of its own, boxed as the map form holds it.
// It is a copy, never a view of the record's bytes (the terminology engine
// remembers codes, and a view would keep the whole record alive with
// them), made once for all the scans of the buffer's worker: copying and
// boxing each value again was about 4% of Synthea's CPU.
func (s *scan) keptText(view string) any {
	texts := s.buf.texts
	if v, ok := texts[view]; ok {
		return v
	}
	var v any = strings.Clone(view)
	if len(view) <= maxKeptText && len(texts) < maxKeptTexts {
		if texts == nil {
			texts = make(map[string]any)
			s.buf.texts = texts
		}
		texts[v.(string)] = v
	}
	return v
}

// accepted puts a primitive string to the JSON schema's judge of its
// element, the one its role keeps (a role made before a check asked for
// proofs has none: the judge is found for the value).
func (s *scan) accepted(r *role, k *node, t *typeInfo, view string) bool {
	if r.accepts == nil {
		return s.judge(k.path, t.code)(view)
	}
	return r.accepts(view)
}

// inLayoutOrder puts the coded values found in an object's members in the
// order the map walk finds them, its layout's (walker.objectAt walks the
// kids in order), from the order of the JSON: ranges are the members that
// found any, in JSON order, and hold every value from the first on.
func (s *scan) inLayoutOrder(lay *layout, ranges []shelfRange) {
	pos := func(slot int) int { return lay.slotPos[slot] }
	if slices.IsSortedFunc(ranges, func(a, b shelfRange) int { return pos(a.slot) - pos(b.slot) }) {
		return
	}
	vals := s.finds.vals
	type part struct{ pos, from, to int }
	var onStack [16]part
	parts := onStack[:0]
	for i, r := range ranges {
		to := len(vals)
		if i+1 < len(ranges) {
			to = ranges[i+1].from
		}
		parts = append(parts, part{pos(r.slot), r.from, to})
	}
	slices.SortFunc(parts, func(a, b part) int { return a.pos - b.pos })
	ordered := s.buf.order[:0]
	for _, p := range parts {
		ordered = append(ordered, vals[p.from:p.to]...)
	}
	copy(vals[ranges[0].from:], ordered)
	clear(ordered)
	s.buf.order = ordered[:0]
}

// capture keeps what the rules of a value the scan does not build read:
// which members it has, and the text of its string members (raw is a
// member's JSON value).
func (s *scan) capture(c *captured, name string, raw []byte) bool {
	switch name {
	case "system", "code", "reference", "type":
	case "display":
		// a JSON string of one character or more is not empty once unescaped
		c.displayed = raw[0] == '"' && len(raw) > 2
		if !c.all {
			return true
		}
	default:
		if !c.all {
			return true // a Coding's or a Reference's rules read only these
		}
	}
	if raw[0] != '"' {
		if c.all {
			c.keep(name, "")
		}
		return true
	}
	text, ok := s.text(raw, bytes.IndexByte(raw, '\\') >= 0)
	if !ok {
		return false
	}
	if c.all {
		c.keep(name, text)
	}
	switch name {
	case "system":
		c.system = text
	case "code":
		c.code, c.hasCode = text, true
	case "reference":
		c.reference = text
	case "type":
		c.typ = text
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
		s.i = plainRun(s.src, s.i)
		if s.i >= len(s.src) {
			break
		}
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

// plainRun returns the index of the first byte at or after i, eight at a
// time, that may end or change a JSON string (a quote, a backslash, a
// control character or a byte of a longer UTF-8 sequence), or of the last
// bytes too few to read as a word: most of a record's bytes are in strings
// of plain ASCII, which str otherwise reads a byte at a time. In the word
// that holds such a byte, the lowest flag is that byte's (a borrow only
// carries upward, into later bytes), so str goes to it at once, not
// through the bytes before it one by one.
func plainRun(src []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	// below flags the bytes of a word below n (n <= 0x80).
	below := func(w, n uint64) uint64 { return (w - ones*n) &^ w & highs }
	for ; i+8 <= len(src); i += 8 {
		w := binary.LittleEndian.Uint64(src[i:])
		if flags := w&highs | below(w, 0x20) | below(w^(ones*'"'), 1) | below(w^(ones*'\\'), 1); flags != 0 {
			return i + bits.TrailingZeros64(flags)/8
		}
	}
	return i
}

// text is a string's value, a view of src when it has no escapes. A \u
// escape (which may be half of a UTF-16 pair the decoders treat
// differently) is left to the map walk.
func (s *scan) text(raw []byte, escaped bool) (string, bool) {
	if !escaped {
		if len(raw) == 2 {
			return "", true
		}
		return unsafe.String(&raw[1], len(raw)-2), true
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

// number reads a JSON number (its grammar, as every decoder holds it),
// returning a view of its text in src.
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
	return unsafe.String(&src[start], s.i-start), true
}

package profile

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/fhir/shape"
	"github.com/carecert/carecert/model"
)

// The stream path (issue 18's prototype): a record of a compiled type is
// checked in one pass over its JSON bytes, driven by the same compiled profile and
// layouts the map walk uses, without decoding it into maps. The scan does
// what is structure (known keys, JSON shapes, cardinality, one type per
// choice) and primitive formats itself; the rest of the engine's rules run
// unchanged on a map form built only for the values that need one (a
// Reference, a Coding, a bound or constrained complex value, and for the
// root's invariants a map of only the members their expressions name).
//
// It proves a record clean or gives up: a finding of any rule, or anything
// the scan does not cover (extensions, narratives, slicing it cannot
// decide, companions, element ids, claimed profiles, a record inside a
// Bundle), sends the record back to the map walk, whose findings are then
// the record's. A profile the record's codes imply (a vital sign's) is
// proved by a second scan driven by that profile, or walked on the
// record's map form where that scan gives up (stream_implied.go); the root's
// contained resources are decoded alone and walked by the map walk's own
// property walk (stream_contained.go). So a record's findings cannot differ
// between the two paths; stream_test.go holds the clean verdict to the map
// walk's on the shared corpus, the generated feed and damaged records.

// Streamer runs the stream path for one engine, holding each type's
// compiled stream form (built on first use, shared by every worker).
type Streamer struct {
	e     *Engine
	types sync.Map // type -> *streamCompiled
	// implied are the stream forms of the profiles records' codes imply,
	// by URL (stream_implied.go).
	implied sync.Map // url -> *streamCompiled
	// bufs lend scans their memory (scanBuf): a scan and its walker are
	// larger than most records' values.
	bufs sync.Pool
}

// NewStreamer returns the stream path of an engine.
func NewStreamer(e *Engine) *Streamer { return &Streamer{e: e} }

// Check reports whether the record is proven to have no profile
// finding against its base type by the stream path: when clean,
// ValidateRecord(rec, "", sink) gives no finding. The record's bytes are
// rec.Raw (one NDJSON line or one file); its map form is never read. When
// not clean, why says what made the scan give up, and the record is left to
// ValidateRecord. Invariants the engine cannot evaluate are said in sink as
// the map walk says them.
func (st *Streamer) Check(rec *model.Record, sink *Sink) (clean bool, why string) {
	kept, why := st.scanned(rec, rec.Type, sink, false)
	return kept != nil && !kept.impliedFailed, why
}

// Prove is the stream path as the fhir-profile check runs it on a record
// whose decoding was deferred (model.Record.Deferred), in place of its walk
// against the record's base type: when the scan proves the record clean,
// Prove sets rec.Type and rec.ID from its bytes, puts its coded values on
// the engine's shelf and its shape's proof with the engine's proofs (what
// the map walk would have put), and returns true. Otherwise it puts nothing
// and changes nothing but, for a vital sign whose profile was walked on its
// map form, the record's decoding (done as the runner would), and the record is walked
// as before; a vital sign proven against its base type, whose implied
// profile has a finding, also has what that base type's walk puts
// (proveBase). The type is read from the record's top level (headType).
func (st *Streamer) Prove(rec *model.Record, sink *Sink) bool {
	proven, _ := st.proveBase(rec, sink)
	return proven
}

// proveBase is Prove, also saying whether the scan proved the record
// against its base type when a profile its codes imply failed (a vital
// sign recorded under a more specific code without the sign's own): the
// record is then decoded for the profile check's walk of that profile, and what the base
// type's map walk would put for the other checks (coded values, the
// shape's proof) is put from the scan, so the profile check walks only
// the profiles beyond the base type (profileState.observe).
func (st *Streamer) proveBase(rec *model.Record, sink *Sink) (proven, base bool) {
	typ := headType(rec.Raw)
	if typ == "" {
		return false, false
	}
	kept, _ := st.scanned(rec, typ, sink, true)
	if kept == nil || kept.impliedFailed && rec.Resource() == nil {
		return false, false
	}
	if !kept.impliedFailed {
		rec.Type, rec.ID = typ, kept.id
	}
	if kept.finds != nil {
		st.e.shelf.Put(rec, kept.finds.vals)
	}
	if kept.judged {
		st.e.proofs.Put(rec, kept.proven)
	}
	return !kept.impliedFailed, kept.impliedFailed
}

// scanKept is what a clean scan kept for the other checks (Prove): the
// root's id, the coded values (nil when none are kept) and the shape's
// proof (when judged). With impliedFailed the scan proved the record
// against its base type only: a profile its codes imply has a finding.
type scanKept struct {
	id                            string
	finds                         *codedFinds
	judged, proven, impliedFailed bool
}

// scanBuf is the memory of one scan and its walker, reused by the scans
// of the records that follow (Streamer.bufs): a scan keeps nothing in it.
type scanBuf struct {
	s scan
	w walker
	// vals holds the coded values a scan keeps until it is done, when
	// they are copied out at their size: most records keep a few, and a
	// slice with room for the most would be most of a record's garbage.
	vals []coded.Value
	// order is inLayoutOrder's room.
	order []coded.Value
	// implied and impliedW are the scan and walker of a profile the
	// record's codes imply, run once s proved the base type
	// (stream_implied.go).
	implied  scan
	impliedW walker
	// projObjects (the first projUsed of them) and projected are the
	// objects and arrays of the projections of a sliced element's values
	// (stream_slices.go), emptied once its slicing is decided.
	projObjects []map[string]any
	projUsed    int
	projected   []any
	// texts are the string values scans kept (scan.keptText), each copied
	// once and boxed once, by their text.
	texts map[string]any
	// slicings are the slices of the sliced values scans met
	// (stream_slices.go).
	slicings slicings
}

// scanned runs the stream path on rec's bytes as a resource of type typ,
// returning the finished scan when it proved the record clean, or why not.
// With keep, the scan also keeps what the map walk against the base type
// puts for the other checks: the coded values (when the engine has a
// shelf) and the shape's proof (when the proofs want one).
func (st *Streamer) scanned(rec *model.Record, typ string, sink *Sink, keep bool) (*scanKept, string) {
	e := st.e
	switch {
	case rec.Container != nil:
		return nil, "inside a container"
	case rec.Format != model.FormatJSON:
		return nil, "not JSON"
	case len(rec.Raw) == 0:
		return nil, "no bytes"
	}
	sp, why := st.compiledOf(typ)
	if sp == nil {
		return nil, why
	}
	if sink == nil {
		sink = &Sink{}
	}
	b, _ := st.bufs.Get().(*scanBuf)
	if b == nil {
		b = &scanBuf{}
	}
	defer st.bufs.Put(b)
	w := &b.w
	*w = walker{e: e, rec: rec, compiled: sp.compiled, sink: sink}
	w.segs = w.segsBuf[:0]
	s := &b.s
	*s = scan{e: e, st: st, sp: sp, src: rec.Raw, w: w, buf: b}
	if keep && e.shelf != nil {
		s.finds = &codedFinds{vals: b.vals[:0]}
		s.kept = s.finds
		s.paths = e.pathBuffers.Get().(*coded.PathBuffer)
		s.finds.paths.WriteIn(s.paths)
		s.at = w.pathRoot(typ)
	}
	if keep {
		s.judge = e.proofs.Judge()
	}
	base := s.record()
	clean := base
	if clean && s.implied.url != "" {
		clean, s.why = s.impliedChecks(sink)
	}
	if s.paths != nil {
		s.kept.paths.Seal(s.paths)
		e.pathBuffers.Put(s.paths)
	}
	if s.kept != nil {
		vals := s.kept.vals
		if base {
			s.kept.vals = make([]coded.Value, len(vals))
			copy(s.kept.vals, vals)
		}
		clear(vals) // the map forms belong to this record alone
		b.vals = vals[:0]
	}
	if !base {
		return nil, s.why
	}
	return &scanKept{id: strings.Clone(s.id), finds: s.kept, judged: s.judge != nil, proven: !s.doubt, impliedFailed: !clean}, s.why
}

// headType returns the resource type a JSON object's resourceType key names
// at its top level, "" when it has none or the type is escaped. NDJSON
// writers put the key first, where it is found at once; elsewhere the
// object's top level is read for it. The scan checks what it finds.
func headType(src []byte) string {
	depth := 0
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			end := fhir.StringEnd(src, i)
			if end < 0 {
				return ""
			}
			if depth == 1 && string(src[i:end]) == `"resourceType"` {
				j := end
				for j < len(src) && (src[j] == ' ' || src[j] == '\t' || src[j] == '\n' || src[j] == '\r') {
					j++
				}
				if j < len(src) && src[j] == ':' {
					return typeValue(src[j+1:])
				}
			}
			i = end - 1
		}
	}
	return ""
}

// typeValue reads the unescaped string value at the start of src.
func typeValue(src []byte) string {
	v := bytes.TrimLeft(src, " \t\n\r")
	if len(v) == 0 || v[0] != '"' {
		return ""
	}
	end := fhir.StringEnd(v, 0)
	if end < 0 || bytes.IndexByte(v[1:end-1], '\\') >= 0 {
		return ""
	}
	return string(v[1 : end-1])
}

// streamCompiled is a resource type compiled for the stream path.
type streamCompiled struct {
	compiled *Compiled
	// roots are the root's invariants the scan evaluates on a map of the
	// members they name.
	roots []*rootInvariant
	// containedRules are the root's invariants about contained resources
	// (dom-2 to dom-5), evaluated when the record has some
	// (stream_contained.go).
	containedRules []*invariant
	// impliedBy is the root member whose codings may imply a profile
	// (Observation.code: the vital signs), "" for none.
	impliedBy string
	// held says, per slot of the root's layout, that an implied profile's
	// member has the base type's rules, which the first scan held it to
	// (stream_implied.go); nil for a type's own form.
	held []bool
}

// role is what a value of one element and type needs beyond the scan.
type role struct {
	// n is the element the role was made for (a type's role is kept on
	// its typeInfo, which belongs to one element).
	n *node
	// fallback, when set, sends every record holding such a value to the
	// map walk: the scan does not cover it.
	fallback string
	// materialise says the value's map form is built and the engine's own
	// checks of a value run on it: invs are the invariants evaluated there
	// (ele-1, which the scan decides, left out).
	materialise bool
	invs        []*invariant
	// capture says the value's rules read only strings the scan keeps
	// (capturedChecks): no map form is built for them.
	capture bool
	// concept says the value is a bound CodeableConcept whose binding is
	// checked over the codings the scan keeps (stream_capture.go).
	concept bool
	// members are the value's invariants, each decided from the members
	// the scan keeps (stream_capture.go), when every one has such a form.
	members []memberRule
	// accepts is the JSON schema's judge of a primitive's strings at the
	// element, nil when no check wants the shape's proof.
	accepts func(string) bool
	// slicing is how the scan reads the element's slicing, when it is
	// sliced and the scan decides it (stream_slices.go).
	slicing *sliceReading
}

// compiledOf compiles typ's stream form once. Whether typ is a resource
// type is asked only before that (a type any record may name is never
// compiled), not per record.
func (st *Streamer) compiledOf(typ string) (*streamCompiled, string) {
	v, ok := st.types.Load(typ)
	if !ok {
		if !st.e.IsResourceType(typ) {
			return nil, "not a resource type"
		}
		v, _ = st.types.LoadOrStore(typ, st.e.compileStream(typ))
	}
	sp := v.(*streamCompiled)
	if sp.compiled == nil {
		return nil, "type not compiled"
	}
	return sp, ""
}

// compileStream builds typ's stream form; one with no compiled profile says the
// type cannot take the stream path (its root needs what the scan lacks).
func (e *Engine) compileStream(typ string) *streamCompiled {
	none := &streamCompiled{}
	p, err := e.CompiledType(typ)
	if err != nil || p.root == nil || len(p.mustSupport) > 0 || len(e.defs.GlobalProfiles(typ)) > 0 {
		return none
	}
	if e.bestPractice != BestPracticeIgnore {
		// Judged best practice reads what the scan does not keep (dom-6 the
		// narrative, quantityAnnotation a Quantity's unit, which the scan
		// decides qty-3 on without building), and a DomainResource gives up
		// on dom-6 either way: said here, not left to dom-6 being native.
		return none
	}
	if !streamCoversRules(typ) {
		return none // the map walk's rules of the type read what the scan does not keep
	}
	sp := e.streamForm(p, nil)
	if sp.compiled != nil && typ == "Observation" {
		sp.impliedBy = "code"
	}
	return sp
}

// streamForm builds the stream form of the compiled profile p: its root's
// invariants, less those of held (the same key and expression), which a
// scan of the same record already found to hold.
func (e *Engine) streamForm(p *Compiled, held []*invariant) *streamCompiled {
	sp := &streamCompiled{compiled: p}
	for _, inv := range p.root.invariants {
		switch {
		case inv.advice:
			continue // best practice is ignored (compileStream): holds whatever the record
		case slices.ContainsFunc(held, func(h *invariant) bool { return h.key == inv.key && h.expr == inv.expr }):
			continue
		case inv.native != nil && strings.HasPrefix(inv.expr, "contained.") && strings.HasPrefix(inv.key, "dom-"):
			sp.containedRules = append(sp.containedRules, inv) // due only when the record contains resources
			continue
		case inv.native != nil || !rootLocal(inv.expr):
			return &streamCompiled{} // a native rule may read anything
		}
		sp.roots = append(sp.roots, &rootInvariant{inv: inv, names: identifiers(inv.expr), whenAbsent: vacuousWithout(inv.expr), existsOnly: existenceOnly(inv.expr)})
	}
	return sp
}

// rootInvariant is an invariant of the resource's root: the names its
// expression writes (a superset of the members it reads), members whose
// absence alone makes it hold, and names it only asks whether they exist.
type rootInvariant struct {
	inv        *invariant
	names      []string
	whenAbsent []string
	existsOnly []string
}

// reads says whether the invariant names member m (by its JSON name or
// its element's), and whether it may read m's value rather than only
// whether m exists.
func (ri *rootInvariant) reads(m rootMember) (named, value bool) {
	for _, name := range [...]string{m.name, m.kid.name} {
		if slices.Contains(ri.names, name) {
			named = true
			value = value || !slices.Contains(ri.existsOnly, name)
		}
	}
	return named, value
}

// existenceOnly returns the names an expression writes only as
// "name.exists()" or "name.empty()": whatever the focus they are read
// from, those steps answer the same for any value present. A name written
// any other way (navigated into, filtered, compared, counted, quoted or in a
// string) is left out.
func existenceOnly(expr string) []string {
	asked := map[string]bool{} // name -> every occurrence so far is a test of existence
	eachName(expr, func(i, j int) {
		name, rest := expr[i:j], expr[j:]
		test := (strings.HasPrefix(rest, ".exists()") || strings.HasPrefix(rest, ".empty()")) && (i == 0 || expr[i-1] != '`' && expr[i-1] != '\'')
		if seen, ok := asked[name]; !ok || seen {
			asked[name] = test
		}
	})
	var out []string
	for name, only := range asked {
		if only {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// vacuousWithout returns the members whose absence makes an expression
// true: those that start a top-level disjunct "m(.step)*.empty()" whose
// steps are names, where(), select() or ofType(), which all give nothing
// when m is absent.
func vacuousWithout(expr string) []string {
	var out []string
	for _, d := range topLevel(expr, " or ") {
		body, ok := strings.CutSuffix(strings.TrimSpace(d), ".empty()")
		if !ok {
			continue
		}
		steps := topLevel(body, ".")
		pure := isIdentifier(steps[0])
		for _, st := range steps[1:] {
			if !isIdentifier(st) && !strings.HasPrefix(st, "where(") && !strings.HasPrefix(st, "select(") && !strings.HasPrefix(st, "ofType(") {
				pure = false
			}
		}
		if pure {
			out = append(out, steps[0])
		}
	}
	return out
}

// topLevel splits s at sep outside parentheses, brackets and quotes.
func topLevel(s, sep string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' || c == '`':
			quoted = !quoted
		case quoted:
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], sep):
			out = append(out, s[start:i])
			start = i + len(sep)
			i += len(sep) - 1
		}
	}
	return append(out, s[start:])
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// rootLocal reports whether an expression evaluated on a resource reads
// only the members it names: it does not reach the whole resource by a
// function (children(), descendants()…), other resources (resolve()) or
// variables other than the resource itself, which at the root is the map
// of those members.
func rootLocal(expr string) bool {
	for _, f := range []string{"children(", "descendants(", "repeat(", "resolve(", "conformsTo(", "$index"} {
		if strings.Contains(expr, f) {
			return false
		}
	}
	for i := strings.IndexByte(expr, '%'); i >= 0; i = strings.IndexByte(expr, '%') {
		expr = expr[i+1:]
		if !strings.HasPrefix(expr, "resource") && !strings.HasPrefix(expr, "rootResource") {
			return false
		}
	}
	return true
}

// nameByte says c may be part of a FHIRPath name.
func nameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// identifiers returns the names an expression writes (words and
// `quoted` names), a superset of the members it navigates to.
func identifiers(expr string) []string {
	var out []string
	eachName(expr, func(i, j int) { out = append(out, expr[i:j]) })
	return out
}

// eachName calls f with the span expr[i:j] of each run of name bytes, in
// order: the one word scanner identifiers and existenceOnly read with.
func eachName(expr string, f func(i, j int)) {
	for i := 0; i < len(expr); {
		if !nameByte(expr[i]) {
			i++
			continue
		}
		j := i
		for j < len(expr) && nameByte(expr[j]) {
			j++
		}
		f(i, j)
		i = j
	}
}

// roleOf returns what a value of element n, type t needs, kept on t after
// its first use: one atomic load per value instead of a map lookup. A
// role is the same whichever stream form meets the element first (a
// datatype's elements are shared by the base type's and a profile's): it
// keeps the schema's judge of the element whenever a check wants the
// shape's proof, and a scan that proves no shape does not ask it.
func (st *Streamer) roleOf(n *node, t *typeInfo) *role {
	if t == nil {
		return newRole(n, nil, nil)
	}
	if r := t.stream.Load(); r != nil && r.n == n {
		return r
	}
	r := newRole(n, t, st.e.proofs.Judge())
	if !t.stream.CompareAndSwap(nil, r) {
		return r // kept for another element: made again each time, still right
	}
	return r
}

func newRole(n *node, t *typeInfo, judge shape.Judge) *role {
	r := &role{n: n}
	switch {
	case t == nil:
		r.fallback = "an element without a type"
	case n.controls != nil:
		r.fallback = "extension controls on " + n.path
	case t.elementIDs != nil:
		r.fallback = "a profile's element named on " + n.path
	case t.code == "Resource" || t.code == "DomainResource" || t.compiled != nil && t.compiled.Kind == "resource":
		r.fallback = "a nested resource at " + n.path
	case t.code == "Extension" || t.code == "Narrative" || t.code == "Attachment" || t.code == "xhtml" || t.code == "markdown":
		r.fallback = "a " + t.code + " at " + n.path
	case n.path == "Meta.profile":
		r.fallback = "profiles claimed in meta.profile"
	case n.path == "Meta.security":
		r.fallback = "security labels, a set the map walk checks"
	case t.code == "Reference" && t.profiledTargets:
		r.fallback = "target profiles on " + n.path
	case len(t.profiles) > 0 && t.code != "Reference":
		r.fallback = "type profiles on " + n.path
	case len(n.slices) > 0 || n.slicing != nil:
		// Last: a slicing the scan decides must not hide what the element's
		// type leaves to the map walk (an extension sliced by url still is
		// one), since a value that matches no slice is scanned in this role.
		r.slicing, r.fallback = sliceReadingOf(n) // decided at the property when it can be (scan.sliced)
	}
	if r.fallback != "" {
		return r
	}
	lists := [][]*invariant{n.invariants, t.invariants}
	if t.primitive {
		lists = lists[:1] // walker.primitive evaluates the element's own alone
	}
	for _, list := range lists {
		for _, inv := range list {
			if inv.key == "ele-1" && inv.native != nil {
				continue // the scan refuses an empty object and a primitive without a value, the ways to fail it
			}
			if inv.key == "ref-1" && inv.native != nil {
				continue // decided where references are resolved (referenceTo)
			}
			if inv.native == nil && strings.Contains(inv.expr, "%") || strings.Contains(inv.expr, "resolve(") {
				r.fallback = "invariant " + inv.key + " reads beyond its element"
				return r
			}
			r.invs = append(r.invs, inv)
		}
	}
	if t.primitive {
		if judge != nil {
			r.accepts = judge(n.path, t.code)
		}
		return r
	}
	bound := n.binding != nil && bindingSays(n.binding.strength)
	valued := n.fixed != nil || n.pattern != nil || n.minValue != nil || n.maxValue != nil
	heavy := len(r.invs) > 0 || valued
	// A Coding's and a Reference's rules read a few of their strings,
	// which the scan keeps as it passes them (captured); so does a bound
	// CodeableConcept's binding, and invariants with a form over its
	// members (stream_capture.go).
	r.capture = !heavy && (t.code == "Reference" && !bound || t.code == "Coding")
	r.concept = !heavy && bound && t.code == "CodeableConcept"
	if !valued && !bound && len(r.invs) > 0 && t.code != "Reference" && t.code != "Identifier" && t.code != "Coding" {
		r.members = memberRules(r.invs, n.layoutFor(t))
	}
	r.materialise = !r.capture && !r.concept && r.members == nil && (heavy || bound || t.code == "Reference" || t.code == "Identifier")
	return r
}

// captured are the strings of a Coding or a Reference the engine's rules
// read, as views of the record's bytes; displayed says the value has a
// display that is not empty (all referenceDisplay asks of a Reference
// without a reference, before what the scan does not keep).
type captured struct {
	system, code, reference, typ string
	hasCode, displayed           bool
	// members are the value's members, with the text of those that are
	// strings, while they fit (more says some did not); kept only with
	// all, for a value whose invariants read them.
	members [8]keptMember
	n       int
	more    bool
	all     bool
}

// capturedChecks runs the engine's checks of a Coding or a Reference
// (walker.value's, for a value without invariants, fixed or pattern
// values) on the strings the scan kept.
func (s *scan) capturedChecks(c *captured, n *node, t *typeInfo) bool {
	w := s.w
	at := w.pathRoot(n.path)
	switch t.code {
	case "Coding":
		if n.binding != nil && c.hasCode {
			// views of the record: the terminology engine copies what it
			// remembers (terminology's memo)
			w.checkCode(n, c.system, c.code, at)
		}
		if c.system != "" {
			w.codingSystem(c.system, at)
		}
		if s.implying {
			s.imply(c.system, c.code)
		}
	case "Reference":
		if c.reference == "" && !c.displayed {
			w.pathEnd(at)
			return s.fail("a Reference without a reference or a display at " + n.path) // referenceDisplay reads more than the scan keeps
		}
		w.referenceTo(c.reference, c.typ, t, at)
	}
	w.pathEnd(at)
	if len(w.out) > 0 {
		return s.fail("a finding at " + n.path)
	}
	return true
}

// bindingSays reports whether a binding of this strength can give a
// finding (bindingFinding says nothing for an example binding).
func bindingSays(strength string) bool {
	return strength == "required" || strength == "extensible" || strength == "preferred"
}

// complexChecks runs the engine's checks of one complex value (walker.value
// after its properties) on its map form, built by the scan.
func (s *scan) complexChecks(m map[string]any, n *node, t *typeInfo, r *role) bool {
	w := s.w
	at := w.pathRoot(n.path)
	w.valueConstraints(m, m, n, t, at)
	switch t.code {
	case "Reference":
		w.reference(m, t, at)
	case "Coding":
		w.coding(m, at)
	case "Identifier":
		w.identifier(m, at)
	}
	if coded.IsQuantity(t.code) {
		w.quantityAnnotation(m, at)
	}
	w.checkAt(r.invs, n, t, m, nil, at)
	w.pathEnd(at)
	if len(w.out) > 0 {
		return s.fail("a finding at " + n.path)
	}
	return true
}

// needsValue says a primitive's rules read its value itself, not only its
// text: fixed, pattern and bounds compare it; a bound code is looked up
// (and may be remembered by the terminology engine).
func needsValue(n *node, t *typeInfo) bool {
	return n.fixed != nil || n.pattern != nil || keepsValue(n, t)
}

// keepsValue says a primitive's value goes to a rule as its own copy:
// bounds read it as its type, and a bound code may be remembered by the
// terminology engine. A string only compared with a fixed or pattern value
// is compared as the view of the record's bytes that its text is.
func keepsValue(n *node, t *typeInfo) bool {
	return n.minValue != nil || n.maxValue != nil || n.binding != nil && t.code == "code"
}

// hasRules says a primitive has rules beyond its format.
func hasRules(n *node, t *typeInfo) bool {
	return t.code == "string" || uriType(t.code) || n.maxLength > 0 || needsValue(n, t)
}

// uriType says a primitive type is one of the URIs, whose values the
// engine checks beyond their format (uriForm, exampleURI, definitionURL).
func uriType(code string) bool {
	switch code {
	case "uri", "url", "canonical", "oid", "uuid":
		return true
	}
	return false
}

// primitiveChecks runs the engine's checks of one primitive value beyond
// its format (walker.primitive for a value without a companion): item is
// the value when needsValue (nil for a string whose value only fixed or
// pattern compare), text a string's text.
func (s *scan) primitiveChecks(item any, text string, n *node, t *typeInfo) bool {
	w := s.w
	value := item
	if value == nil {
		value = text
	}
	switch {
	case n.maxLength > 0 && utf8.RuneCountInString(text) > n.maxLength:
		return s.fail("longer than the maximum length at " + n.path)
	case n.fixed != nil && !equalValue(n.fixed, value), n.pattern != nil && !equalValue(n.pattern, value):
		return s.fail("a fixed or pattern value at " + n.path)
	case t.code == "string" && w.e.securityChecks && htmlTag(text) != "":
		return s.fail("HTML in a string at " + n.path)
	}
	bounded, coded := n.minValue != nil || n.maxValue != nil, n.binding != nil && t.code == "code"
	if !bounded && !coded && !uriType(t.code) {
		return true // most strings: nothing left that needs the path
	}
	at := w.pathRoot(n.path)
	if bounded {
		w.bounds(item, n, n.path)
	}
	if coded {
		w.checkCode(n, "", item.(string), at)
	}
	if uriType(t.code) {
		w.uriForm(text, t.code, n, at)
		w.exampleURI(text, t.code, n, at)
		w.definitionURL(text, t, n, at)
	}
	w.pathEnd(at)
	if len(w.out) > 0 {
		return s.fail("a finding at " + n.path)
	}
	return true
}

// presentMember stands in a root invariant's map for a member the
// invariant only asks whether it exists (rootInvariant.existsOnly).
type presentMember struct{}

// rootChecks runs what the map walk does at a resource's root after its
// properties: its invariants, on a map of the members they name, unless a
// member's absence alone makes them hold. The scan has checked those
// members, so their map forms are only read: the one the scan built (a
// coded value's), or the one-pass decoder's, the record's own decoding at
// the member's offset. Claimed and implied profiles, and the sets the map
// walk checks, were refused during the scan.
func (s *scan) rootChecks(members []rootMember) bool {
	sp := s.sp
	present := func(name string) bool {
		for _, m := range members {
			if m.name == name || m.kid.name == name {
				return true
			}
		}
		return false
	}
	var due []*invariant
	var dueRoots []*rootInvariant
	for _, ri := range sp.roots {
		if slices.ContainsFunc(ri.whenAbsent, func(n string) bool { return !present(n) }) {
			continue
		}
		due, dueRoots = append(due, ri.inv), append(dueRoots, ri)
	}
	proj := s.rootProj // holding the contained resources, when there are any
	if proj == nil && len(due) > 0 {
		proj = map[string]any{"resourceType": sp.compiled.Type}
	}
	for _, m := range members {
		if len(dueRoots) == 0 {
			break
		}
		if _, done := proj[m.name]; done {
			continue
		}
		named, value := false, false
		for _, ri := range dueRoots {
			n, v := ri.reads(m)
			named, value = named || n, value || v
		}
		switch {
		case !named:
			continue
		case m.v != nil:
			proj[m.name] = m.v
		case !value && s.rootProj == nil:
			// The scan passed the member, so it holds a value (never null,
			// an empty object or an empty array): a stand-in exists as it
			// does, and is not decoded only to be counted. (A projection
			// holding contained resources is read beyond the invariants,
			// by containedChecks.)
			proj[m.name] = presentMember{}
		default:
			v, _, ok := fhir.DecodeValueAt(s.src, m.start, 1)
			if !ok {
				return s.fail("a member the one-pass decoder leaves to the record's decoding")
			}
			proj[m.name] = v
		}
	}
	if s.rootProj != nil {
		var ok bool
		if due, ok = s.containedChecks(due); !ok {
			return false
		}
	}
	if len(due) == 0 {
		return true
	}
	w := s.w
	w.res, w.root = proj, proj
	at := w.pathRoot(sp.compiled.Type)
	w.checkAt(due, sp.compiled.root, nil, proj, nil, at)
	w.pathEnd(at)
	if len(w.out) > 0 {
		return s.fail("a finding of the resource's invariants")
	}
	return true
}

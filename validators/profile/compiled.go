package profile

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/fhir/definitions"
)

// Compiled is a StructureDefinition compiled for validation: a tree of element
// nodes with types, cardinalities, fixed values, bindings, slices and compiled
// invariants resolved once, so that validating a record only walks maps.
type Compiled struct {
	URL     string
	Version string
	Name    string
	// Type is the resource or data type the profile constrains.
	Type string
	// Kind is resource, complex-type, primitive-type or logical.
	Kind string
	// Context is where an extension definition may be used.
	Context []definitions.Context
	// contexts are its fhirpath contexts, compiled (nil when they cannot be).
	contexts map[string]Selection
	// contextInvariants must hold on the element an extension is used on
	// (StructureDefinition.contextInvariant), compiled once.
	contextInvariants []*invariant
	// versions is the FHIR version range an extension definition declares
	// it is for (version-specific-use), when it declares one.
	versions *versionRange
	// imposed are the profiles this one imposes (its
	// structuredefinition-imposeProfile extensions): a resource validated
	// against it is validated against them too.
	imposed []string
	// standing says the definition advises against new use (deprecated,
	// withdrawn, retired): nil when it does not (definition_standing.go).
	standing *standing
	root     *node
	// byID finds an element by its id ("Composition.section:codeA").
	byID map[string]*node
	// mustSupport lists the ids of the profile's must-support elements, in
	// snapshot order; node.ms indexes into it.
	mustSupport []string
	// IsCore reports a FHIR core base definition (not a profile).
	IsCore bool
}

// node is one element of a compiled profile.
type node struct {
	id, path string
	// name is the JSON name; for a choice it is the stem ("value").
	name string
	// companion is the name of the primitive's extension property ("_" +
	// name), held so that a walk does not build it for every value.
	companion string
	choice    bool
	min       int
	max       int // -1: unbounded
	// baseMax1 says the element is single-valued in the base resource, which
	// decides its JSON form (value, not array).
	baseMax1 bool
	types    []*typeInfo
	// children are the element's children as the snapshot lists them; when
	// the snapshot does not list them they come from the type's compiled definition.
	children []*node
	kidIndex map[string]*node
	// layout is how an object holds children (layout.go), built on first use.
	layout layoutPtr
	// typed caches children merged per type (choicekids.go).
	typed sync.Map
	// contentRef is the element whose definition this one reuses.
	contentRef *node
	fixed      any
	pattern    any
	minValue   any
	maxValue   any
	// minType and maxType are the x of minValue[x] and maxValue[x].
	minType, maxType string
	maxLength        int
	binding          *binding
	// codedBinding is the binding as the definition gives it, shelved with
	// the element's coded values (coded.go); nil without one.
	codedBinding *coded.Binding
	invariants   []*invariant
	slicing      *definitions.Slicing
	slices       []*node
	sliceName    string
	// discriminated caches, per discriminator path, what this slice
	// requires of a value there (slicing.go).
	discriminated sync.Map
	ms            int // index in Compiled.mustSupport, or -1
	modifier      bool
	// controls are what the element's extensions require (controls.go);
	// nil for most elements.
	controls *controls
}

// typeInfo is one allowed type of an element.
type typeInfo struct {
	code string
	// suffix is the JSON name suffix for a choice ("Quantity", "DateTime").
	suffix    string
	primitive bool
	// coded says its values are coded (coded.Is), which a walk that
	// shelves coded values asks of every value.
	coded bool
	// profiles are profiles the value must conform to (extension
	// definitions, for Extension).
	profiles []string
	// targets are the resource types a Reference (or canonical) may point
	// to, as the target profiles carecert reads name them; containing
	// "Resource", or empty with no unreadTargets, means any (anyTarget).
	targets        []string
	targetProfiles []string
	// aggregation lists how a Reference may hold its target (contained,
	// bundled, referenced); empty: any way.
	aggregation []string
	// profiledTargets says some target profile is more than a base type.
	profiledTargets bool
	// unreadTargets are the target profiles carecert cannot read (no
	// definition loaded): the type each constrains is not known, so a
	// target outside targets is not decided, neither allowed nor refused.
	unreadTargets []string
	// elementIDs are, per profile, the element of that profile a value
	// must conform to when the profile names one through the
	// profile-element extension ("" for the profile's root); nil when
	// none does. element is that element, resolved once every profile it
	// needs is compiled, and elementErr why it could not be. A type naming
	// several profiles has instead alternatives, one per profile: a value
	// conforms to any of them, as to the profiles of any type.
	elementIDs   []string
	element      *elementRef
	elementErr   string
	alternatives []alternative
	// compiled is the compiled base definition of the type (nil for the
	// FHIRPath system types of primitive values).
	compiled *Compiled
	// invariants are the constraints the type's own definition (and a
	// datatype profile it names, such as SimpleQuantity) declares on its
	// root: per-1, qty-3, rng-2... They hold wherever the type is used, but
	// R4 snapshots list only ele-1 on the elements, so they are gathered
	// here once per element and type, without the element's own keys.
	invariants []*invariant
	// stream is what the stream path needs of a value of this type
	// (stream.go's roleOf), for the element it was found for.
	stream atomic.Pointer[role]
}

// alternative is one profile of a type that names several, some by
// element: that element (or why it could not be found), or the profile
// whole, resolved when a value is walked as any type profile is.
type alternative struct {
	profile string
	element *elementRef
	err     string
}

// elementRef is an element of another profile that a type names as the
// definition its values follow (a section of a document section library).
type elementRef struct {
	compiled *Compiled
	node     *node
}

type binding struct {
	strength string
	valueSet string
	// maxValueSet bounds an extensible binding: a code outside valueSet
	// must still come from it ("" when the binding sets none).
	maxValueSet string
}

// kids returns the children that apply to a value of type t.
func (n *node) kids(t *typeInfo) ([]*node, map[string]*node) {
	l := n.layoutFor(t)
	if l == nil {
		return nil, nil
	}
	return l.kids, l.index
}

// layoutFor returns the layout of the children that apply to a value of
// type t (layout.go), nil when there are none.
func (n *node) layoutFor(t *typeInfo) *layout {
	if len(n.children) > 0 {
		if len(n.types) > 1 && t != nil && t.compiled != nil && t.compiled.root != nil {
			return n.choiceKids(t) // choicekids.go
		}
		return n.ownLayout()
	}
	if t != nil && t.element != nil {
		// the named element's children stand for the type's (and for the
		// content its base refers to, as a nested section's does)
		return t.element.node.layoutFor(t.element.node.typeFor(t))
	}
	if n.contentRef != nil {
		return n.contentRef.layoutFor(t)
	}
	if t != nil && t.compiled != nil && t.compiled.root != nil {
		return t.compiled.root.ownLayout()
	}
	return nil
}

// compiler compiles profiles; it runs under the Engine's compile lock.
type compiler struct {
	e *Engine
	// pending are the types naming a profile's element, resolved when
	// every profile they need is compiled (resolveElements).
	pending []*typeInfo
}

// compile compiles the StructureDefinition canonical, reusing profiles already built
// (or being built, for recursive types such as Extension and Identifier).
func (c *compiler) compile(canonical string) (*Compiled, error) {
	if p, ok := c.e.building[canonical]; ok {
		return p, nil
	}
	if p, ok := c.e.ready.Load(canonical); ok {
		return p.(*Compiled), nil
	}
	sd, err := c.e.defs.StructureDefinition(canonical)
	if err != nil {
		return nil, err
	}
	p := &Compiled{URL: sd.URL, Version: sd.Version, Name: sd.Name, Type: sd.Type, Kind: sd.Kind, Context: sd.Context,
		IsCore: strings.HasPrefix(sd.URL, definitions.CoreBase) && sd.Derivation != "constraint"}
	c.e.building[canonical] = p
	for _, ctx := range sd.Context {
		if ctx.Type != "fhirpath" {
			continue
		}
		if p.contexts == nil {
			p.contexts = map[string]Selection{}
		}
		if s, ok := c.e.fhirpath.(Selector); ok {
			if sel, err := s.Selection(ctx.Expression); err == nil {
				p.contexts[ctx.Expression] = sel
			}
		}
	}
	for i, expr := range sd.ContextInvs {
		k := definitions.Constraint{Key: fmt.Sprintf("contextInvariant[%d]", i), Severity: "error", Human: expr, Expression: expr}
		p.contextInvariants = append(p.contextInvariants, c.e.invariant(k, sd.URL))
	}
	p.versions = specificUse(sd.Extension)
	p.standing = standingOf(sd.Status, sd.Extension)
	p.imposed = imposedProfiles(sd.Extension)
	if sd.Snapshot == nil || len(sd.Snapshot.Element) == 0 {
		return nil, fmt.Errorf("%s has no snapshot", canonical)
	}
	if err := c.fill(p, sd); err != nil {
		return nil, fmt.Errorf("compiling %s: %w", canonical, err)
	}
	return p, nil
}

func (c *compiler) fill(p *Compiled, sd *definitions.StructureDefinition) error {
	byID := map[string]*node{}
	p.byID = byID
	elems := sd.Snapshot.Element
	for i := range elems {
		el := &elems[i]
		n, err := c.node(p, el)
		if err != nil {
			return fmt.Errorf("element %s: %w", el.ElementID(), err)
		}
		id := el.ElementID()
		byID[id] = n
		if i == 0 {
			p.root = n
			continue
		}
		parentID, last := definitions.SplitID(id)
		name, _, isSlice := strings.Cut(last, ":")
		if isSlice {
			baseID := parentID + "." + name
			if k := strings.LastIndexByte(last, '/'); k >= 0 {
				baseID = parentID + "." + last[:k]
			}
			base := byID[baseID]
			if base == nil {
				return fmt.Errorf("element %s: slice of unknown element %s", id, baseID)
			}
			base.slices = append(base.slices, n)
			continue
		}
		parent := byID[parentID]
		if parent == nil {
			return fmt.Errorf("element %s: parent %s not in snapshot", id, parentID)
		}
		parent.children = append(parent.children, n)
		if parent.kidIndex == nil {
			parent.kidIndex = map[string]*node{}
		}
		parent.kidIndex[n.name] = n
	}
	// Content references point at elements defined elsewhere in the snapshot.
	// In a profile they mean the base type's element: constraints the profile
	// puts on Parameters.parameter do not apply to every nested part, which
	// reuses the base definition of a parameter.
	var base *Compiled
	for i := range elems {
		el := &elems[i]
		if el.ContentReference == "" {
			continue
		}
		_, ref, _ := strings.Cut(el.ContentReference, "#")
		if sd.Derivation == "constraint" && sd.Kind == "resource" {
			if base == nil {
				b, err := c.compile(definitions.CoreBase + sd.Type)
				if err != nil {
					return fmt.Errorf("element %s: content reference %s: %w", el.ElementID(), el.ContentReference, err)
				}
				base = b
			}
		}
		var target *node
		if base != nil {
			target = base.nodeAt(ref)
		}
		if target == nil {
			target = byID[ref]
		}
		if target == nil {
			for j := range elems {
				if elems[j].Path == ref && elems[j].SliceName == "" {
					target = byID[elems[j].ElementID()]
					break
				}
			}
		}
		if target == nil {
			return fmt.Errorf("element %s: content reference %s not found", el.ElementID(), el.ContentReference)
		}
		n := byID[el.ElementID()]
		n.contentRef = target
		// The referenced element's constraints hold here too: a nested
		// Questionnaire.item is an item (que-*), a Parameters part a parameter.
		for _, inv := range target.invariants {
			if !slices.Contains(n.invariants, inv) {
				n.invariants = append(n.invariants, inv)
			}
		}
	}
	return nil
}

func (c *compiler) node(p *Compiled, el *definitions.ElementDefinition) (*node, error) {
	n := &node{
		id: el.ElementID(), path: el.Path, name: el.Name(),
		min: el.MinOf(), max: el.MaxOf(), fixed: el.Fixed, pattern: el.Pattern, minValue: el.MinValue, maxValue: el.MaxValue, minType: el.MinValueType, maxType: el.MaxValueType,
		slicing: el.Slicing, sliceName: el.SliceName, ms: -1, modifier: el.IsModifier,
	}
	if stem, ok := strings.CutSuffix(n.name, "[x]"); ok {
		n.name, n.choice = stem, true
	}
	n.companion = "_" + n.name
	n.baseMax1 = n.max == 1 || n.max == 0
	if el.Base != nil {
		n.baseMax1 = el.Base.Max == "1" || el.Base.Max == "0"
	}
	if el.MaxLength != nil {
		n.maxLength = *el.MaxLength
	}
	n.controls = readControls(el.Extension)
	if el.Binding != nil && el.Binding.ValueSet != "" {
		n.binding = &binding{strength: vitalUnitsStrength(el.Binding.Strength, el.Binding.ValueSet), valueSet: el.Binding.ValueSet, maxValueSet: el.Binding.MaxValueSet}
		n.codedBinding = &coded.Binding{Strength: el.Binding.Strength, ValueSet: el.Binding.ValueSet}
	}
	if el.MustSupport && !p.IsCore {
		n.ms = len(p.mustSupport)
		p.mustSupport = append(p.mustSupport, n.id)
	}
	for _, t := range el.Type {
		if ft := fhirType(t); ft != "" {
			// Element.id, Extension.url and Resource.id are typed with
			// FHIRPath system types plus the FHIR type in an extension.
			if el.Base != nil && el.Base.Path == "Resource.id" {
				ft = "id"
			}
			n.types = append(n.types, &typeInfo{code: ft, suffix: definitions.TypeSuffix(ft), primitive: true, coded: coded.Is(ft)})
			continue
		}
		ti, err := c.typeInfo(t)
		if err != nil {
			return nil, err
		}
		n.types = append(n.types, ti)
	}
	for _, k := range el.Constraint {
		n.invariants = append(n.invariants, c.e.invariant(k, p.URL))
	}
	for _, ti := range n.types {
		ti.invariants = c.typeInvariants(n, ti)
	}
	return n, nil
}

// typeInvariants returns the root constraints of a complex type's definition
// and of the datatype profile its type names that the element does not
// already carry. Extensions are left out: their definition's root is
// evaluated when the extension is (extensions.go). A type naming several
// profiles names alternatives (R4 §5.1.0.9: the value conforms to at least
// one), so no one of their roots is the value's own: each is evaluated with
// its profile, in the walk that tries it (typeProfiles).
func (c *compiler) typeInvariants(n *node, ti *typeInfo) []*invariant {
	if ti.primitive || ti.compiled == nil || ti.compiled.Kind == "resource" || ti.code == "Extension" {
		return nil
	}
	roots := []*Compiled{ti.compiled}
	if ti.code != "Reference" && len(ti.profiles) == 1 {
		for _, prof := range ti.profiles {
			if pp, err := c.compile(prof); err == nil && pp.Type == ti.code && pp != ti.compiled {
				roots = append(roots, pp)
			}
		}
	}
	var out []*invariant
	have := func(key string) bool {
		return slices.ContainsFunc(n.invariants, func(i *invariant) bool { return i.key == key }) ||
			slices.ContainsFunc(out, func(i *invariant) bool { return i.key == key })
	}
	for _, p := range roots {
		if p.root == nil {
			continue // still being compiled: a type used inside its own definition
		}
		for _, inv := range p.root.invariants {
			if !have(inv.key) {
				out = append(out, inv)
			}
		}
	}
	return out
}

// fhirType reads the structuredefinition-fhir-type extension of a FHIRPath
// system type.
func fhirType(t definitions.TypeRef) string {
	if !strings.HasPrefix(t.Code, "http://hl7.org/fhirpath/System.") {
		return ""
	}
	for _, raw := range t.Extension {
		var x struct {
			URL      string `json:"url"`
			ValueURL string `json:"valueUrl"`
			ValueURI string `json:"valueUri"`
		}
		if json.Unmarshal(raw, &x) == nil && x.URL == "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type" {
			return x.ValueURL + x.ValueURI
		}
	}
	return ""
}

func (c *compiler) typeInfo(t definitions.TypeRef) (*typeInfo, error) {
	code := t.Norm()
	ti := &typeInfo{code: code, suffix: definitions.TypeSuffix(code), primitive: definitions.IsPrimitive(code), coded: coded.Is(code),
		profiles: t.Profile, targetProfiles: t.TargetProfile, aggregation: t.Aggregation}
	for i := range t.Profile {
		if id := t.ProfileElement(i); id != "" {
			if ti.elementIDs == nil {
				ti.elementIDs = make([]string, len(t.Profile))
				c.pending = append(c.pending, ti)
			}
			ti.elementIDs[i] = id
		}
	}
	if strings.HasPrefix(code, "System.") {
		ti.primitive = true
		return ti, nil
	}
	for _, tp := range t.TargetProfile {
		url, _ := definitions.SplitCanonical(tp)
		if rest, ok := strings.CutPrefix(url, definitions.CoreBase); ok && c.e.IsResourceType(rest) {
			ti.targets = append(ti.targets, rest)
			continue
		}
		// A profile, the core's own (vitalsigns) or a guide's, constrains
		// its type and asks more of the target than the type.
		ti.profiledTargets = true
		if sd, err := c.e.defs.StructureDefinition(tp); err == nil {
			ti.targets = append(ti.targets, sd.Type)
		} else {
			ti.unreadTargets = append(ti.unreadTargets, tp)
		}
	}
	// Element and BackboneElement children are always listed in the
	// snapshot; Resource types are resolved per value (contained resources).
	switch code {
	case "Element", "BackboneElement", "Resource", "DomainResource":
		return ti, nil
	}
	pl, err := c.compile(definitions.CoreBase + code)
	if err != nil {
		return nil, fmt.Errorf("type %s: %w", code, err)
	}
	ti.compiled = pl
	return ti, nil
}

// resolveElements finds the elements that types name in other profiles
// (elementdefinition-profile-element). It runs once the profiles being compiled
// are complete, so that a profile may name its own elements or those of a
// profile that names it back; the profiles it compiles on the way may add more.
// A type naming one profile has its element stand for the type (its
// children are walked as the value's, discriminators read through it); one
// naming several has each as an alternative.
func (c *compiler) resolveElements() {
	for len(c.pending) > 0 {
		ti := c.pending[0]
		c.pending = c.pending[1:]
		if len(ti.profiles) == 1 {
			ti.element, ti.elementErr = c.resolveElement(ti.profiles[0], ti.elementIDs[0])
			continue
		}
		for i, url := range ti.profiles {
			alt := alternative{profile: url}
			if id := ti.elementIDs[i]; id != "" {
				alt.profile += "#" + id
				alt.element, alt.err = c.resolveElement(url, id)
			}
			ti.alternatives = append(ti.alternatives, alt)
		}
	}
}

// resolveElement finds element id of profile url, or says why it cannot.
func (c *compiler) resolveElement(url, id string) (*elementRef, string) {
	before := maps.Clone(c.e.building)
	p, err := c.compile(url)
	if err != nil {
		// what this failed compile left half built must not be kept
		maps.DeleteFunc(c.e.building, func(k string, _ *Compiled) bool { _, ok := before[k]; return !ok })
		return nil, fmt.Sprintf("profile %s is not loaded: %v", url, err)
	}
	n := p.byID[id]
	if n == nil {
		return nil, fmt.Sprintf("profile %s has no element %s", url, id)
	}
	return &elementRef{compiled: p, node: n}, ""
}

// nodeAt finds the element at a path without slices ("Parameters.parameter").
func (p *Compiled) nodeAt(path string) *node {
	segs := strings.Split(path, ".")
	n := p.root
	if n == nil || segs[0] != p.Type {
		return nil
	}
	for _, s := range segs[1:] {
		n = n.kidIndex[s]
		if n == nil {
			return nil
		}
	}
	return n
}

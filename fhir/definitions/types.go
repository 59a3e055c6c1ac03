package definitions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// StructureDefinition is the part of a FHIR StructureDefinition that validation
// and snapshot generation read.
type StructureDefinition struct {
	ResourceType   string            `json:"resourceType"`
	ID             string            `json:"id,omitempty"`
	URL            string            `json:"url"`
	Version        string            `json:"version,omitempty"`
	Name           string            `json:"name,omitempty"`
	Title          string            `json:"title,omitempty"`
	Status         string            `json:"status,omitempty"`
	FHIRVersion    string            `json:"fhirVersion,omitempty"`
	Kind           string            `json:"kind,omitempty"`
	Abstract       bool              `json:"abstract,omitempty"`
	Context        []Context         `json:"context,omitempty"`
	ContextInvs    []string          `json:"contextInvariant,omitempty"`
	Type           string            `json:"type"`
	BaseDefinition string            `json:"baseDefinition,omitempty"`
	Derivation     string            `json:"derivation,omitempty"`
	Snapshot       *ElementList      `json:"snapshot,omitempty"`
	Differential   *ElementList      `json:"differential,omitempty"`
	Extension      []json.RawMessage `json:"extension,omitempty"`

	// Problems are what generating the snapshot found doubtful but could
	// still build (see SnapshotError.Fatal).
	Problems []*SnapshotError `json:"-"`
}

// Context says where an extension may be used.
type Context struct {
	Type       string `json:"type"`
	Expression string `json:"expression"`
}

// ElementList is a snapshot or differential.
type ElementList struct {
	Element []ElementDefinition `json:"element"`
}

// ElementDefinition is the part of a FHIR ElementDefinition carecert reads.
type ElementDefinition struct {
	ID               string       `json:"id,omitempty"`
	Path             string       `json:"path"`
	SliceName        string       `json:"sliceName,omitempty"`
	Slicing          *Slicing     `json:"slicing,omitempty"`
	Min              *int         `json:"min,omitempty"`
	Max              string       `json:"max,omitempty"`
	Base             *Base        `json:"base,omitempty"`
	ContentReference string       `json:"contentReference,omitempty"`
	Type             []TypeRef    `json:"type,omitempty"`
	MaxLength        *int         `json:"maxLength,omitempty"`
	Constraint       []Constraint `json:"constraint,omitempty"`
	MustSupport      bool         `json:"mustSupport,omitempty"`
	IsModifier       bool         `json:"isModifier,omitempty"`
	Binding          *Binding     `json:"binding,omitempty"`
	Short            string       `json:"short,omitempty"`
	// Extension holds the element's extensions: some constrain instances
	// (minLength, narrative controls, R5's mustHaveValue).
	Extension []json.RawMessage `json:"extension,omitempty"`

	// Fixed and Pattern hold fixed[x] and pattern[x] (FixedType and
	// PatternType say which x), decoded with numbers as json.Number.
	Fixed       any    `json:"-"`
	FixedType   string `json:"-"`
	Pattern     any    `json:"-"`
	PatternType string `json:"-"`
	// MinValue and MaxValue hold minValue[x] and maxValue[x] (MinValueType
	// and MaxValueType say which x: a Duration bounds a date relative to now).
	MinValue     any    `json:"-"`
	MinValueType string `json:"-"`
	MaxValue     any    `json:"-"`
	MaxValueType string `json:"-"`
}

// Slicing describes how an element's repetitions are divided into slices.
type Slicing struct {
	Discriminator []Discriminator `json:"discriminator,omitempty"`
	Ordered       bool            `json:"ordered,omitempty"`
	Rules         string          `json:"rules,omitempty"`
}

// Discriminator is one way to tell slices apart.
type Discriminator struct {
	Type string `json:"type"`
	Path string `json:"path"`
}

// Base is where an element was first defined.
type Base struct {
	Path string `json:"path"`
	Min  int    `json:"min"`
	Max  string `json:"max"`
}

// TypeRef is one allowed type of an element.
type TypeRef struct {
	Code          string   `json:"code"`
	Profile       []string `json:"profile,omitempty"`
	TargetProfile []string `json:"targetProfile,omitempty"`
	// Aggregation lists how a Reference may hold its target: contained,
	// bundled, referenced (none listed: any way).
	Aggregation []string          `json:"aggregation,omitempty"`
	Extension   []json.RawMessage `json:"extension,omitempty"`
	// ProfileMeta is the extensions of each profile ("_profile", null
	// where a profile has none).
	ProfileMeta []*PrimitiveMeta `json:"_profile,omitempty"`
}

// PrimitiveMeta is the id and extensions of a primitive value.
type PrimitiveMeta struct {
	Extension []json.RawMessage `json:"extension,omitempty"`
}

// ProfileElementURL is the extension by which a type profile names one
// element of the profile rather than its root: the element a section
// library defines once for documents to reuse.
const ProfileElementURL = "http://hl7.org/fhir/StructureDefinition/elementdefinition-profile-element"

// ProfileElement is the id of the element profile i names through the
// profile-element extension, or "" for the profile's root.
func (t TypeRef) ProfileElement(i int) string {
	if i >= len(t.ProfileMeta) || t.ProfileMeta[i] == nil {
		return ""
	}
	for _, raw := range t.ProfileMeta[i].Extension {
		var x struct {
			URL         string `json:"url"`
			ValueString string `json:"valueString"`
		}
		if json.Unmarshal(raw, &x) == nil && x.URL == ProfileElementURL {
			return x.ValueString
		}
	}
	return ""
}

// Constraint is an invariant on an element.
type Constraint struct {
	Key        string `json:"key"`
	Severity   string `json:"severity"`
	Human      string `json:"human,omitempty"`
	Expression string `json:"expression,omitempty"`
	Source     string `json:"source,omitempty"`
	// Extension holds the constraint's extensions: few constraints have
	// any, and one of them says it is a best-practice guideline.
	Extension []json.RawMessage `json:"extension,omitempty"`
}

// BestPracticeURL is the extension that marks a constraint as a
// best-practice guideline rather than a rule of conformance.
const BestPracticeURL = "http://hl7.org/fhir/StructureDefinition/elementdefinition-bestpractice"

// BestPractice reports whether the constraint is marked as a best-practice
// guideline: it is then reported as the run asks of guidelines, whatever
// its severity.
func (c Constraint) BestPractice() bool {
	for _, raw := range c.Extension {
		var x struct {
			URL          string `json:"url"`
			ValueBoolean bool   `json:"valueBoolean"`
		}
		if json.Unmarshal(raw, &x) == nil && x.URL == BestPracticeURL {
			return x.ValueBoolean
		}
	}
	return false
}

// Binding ties a coded element to a value set.
type Binding struct {
	Strength string `json:"strength"`
	ValueSet string `json:"valueSet,omitempty"`
	// MaxValueSet is the value set of the binding's maxValueSet extension:
	// an extensible binding admits codes outside ValueSet only from it. Of
	// the binding's extensions it is the one that constrains an instance;
	// the others (names, descriptions) are dropped when read.
	MaxValueSet string `json:"-"`
}

// MaxValueSetURL is the extension by which a binding names the largest
// value set its codes may come from.
const MaxValueSetURL = "http://hl7.org/fhir/StructureDefinition/elementdefinition-maxValueSet"

// bindingJSON is a Binding as FHIR writes it, with its extensions.
type bindingJSON struct {
	Extension []bindingExtension `json:"extension,omitempty"`
	Strength  string             `json:"strength"`
	ValueSet  string             `json:"valueSet,omitempty"`
}

// bindingExtension is an extension on a binding, read for its URL and its
// value when that is a canonical or uri (R4 gives maxValueSet either).
type bindingExtension struct {
	URL            string `json:"url"`
	ValueCanonical string `json:"valueCanonical,omitempty"`
	ValueURI       string `json:"valueUri,omitempty"`
}

// UnmarshalJSON reads a binding, keeping of its extensions only maxValueSet.
func (b *Binding) UnmarshalJSON(data []byte) error {
	var j bindingJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*b = Binding{Strength: j.Strength, ValueSet: j.ValueSet}
	for _, x := range j.Extension {
		if x.URL == MaxValueSetURL {
			b.MaxValueSet = x.ValueCanonical + x.ValueURI
		}
	}
	return nil
}

// MarshalJSON writes a binding back, with its maxValueSet extension.
func (b Binding) MarshalJSON() ([]byte, error) {
	j := bindingJSON{Strength: b.Strength, ValueSet: b.ValueSet}
	if b.MaxValueSet != "" {
		j.Extension = []bindingExtension{{URL: MaxValueSetURL, ValueCanonical: b.MaxValueSet}}
	}
	return json.Marshal(j)
}

// mayHoldValues says whether the JSON of an element (or of a whole
// definition) may have a fixed[x], pattern[x], minValue[x] or maxValue[x],
// which only ElementDefinition.UnmarshalJSON reads. Most elements have none.
func mayHoldValues(b []byte) bool {
	for _, key := range [...]string{`"fixed`, `"pattern`, `"minValue`, `"maxValue`} {
		if bytes.Contains(b, []byte(key)) {
			return true
		}
	}
	return false
}

// decodeStructureDefinition reads a StructureDefinition. When none of its
// elements may hold a fixed[x], pattern[x], minValue[x] or maxValue[x] (the
// core resources and types), the elements are read in the same pass as the
// rest: through ElementDefinition.UnmarshalJSON each element is scanned four
// times, which was most of the cost of loading a type.
// A definition the single pass cannot read is read again the usual way, so
// that its error is worded as before.
func decodeStructureDefinition(raw []byte) (*StructureDefinition, error) {
	if !mayHoldValues(raw) {
		var plain struct {
			StructureDefinition
			// These hide the embedded fields of the same JSON names.
			Snapshot     *plainElements `json:"snapshot,omitempty"`
			Differential *plainElements `json:"differential,omitempty"`
		}
		if json.Unmarshal(raw, &plain) == nil {
			sd := plain.StructureDefinition
			sd.Snapshot, sd.Differential = plain.Snapshot.list(), plain.Differential.list()
			return &sd, nil
		}
	}
	var sd StructureDefinition
	if err := json.Unmarshal(raw, &sd); err != nil {
		return nil, err
	}
	return &sd, nil
}

// plainElements is an ElementList read without ElementDefinition.UnmarshalJSON.
type plainElements struct {
	Element []plainElement `json:"element"`
}

// plainElement is an ElementDefinition without its JSON methods.
type plainElement ElementDefinition

func (p *plainElements) list() *ElementList {
	if p == nil {
		return nil
	}
	l := &ElementList{}
	if p.Element != nil {
		l.Element = make([]ElementDefinition, len(p.Element))
		for i, e := range p.Element {
			l.Element[i] = ElementDefinition(e)
		}
	}
	return l
}

// UnmarshalJSON decodes an element, collecting fixed[x] and pattern[x].
func (e *ElementDefinition) UnmarshalJSON(b []byte) error {
	type plain ElementDefinition
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*e = ElementDefinition(p)
	if !mayHoldValues(b) {
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for k, v := range raw {
		var typ string
		var isFixed bool
		if strings.HasPrefix(k, "minValue") || strings.HasPrefix(k, "maxValue") {
			dec := json.NewDecoder(bytes.NewReader(v))
			dec.UseNumber()
			var val any
			if err := dec.Decode(&val); err != nil {
				return fmt.Errorf("element %s: %s: %w", e.Path, k, err)
			}
			if k[1] == 'i' {
				e.MinValue, e.MinValueType = val, k[len("minValue"):]
			} else {
				e.MaxValue, e.MaxValueType = val, k[len("maxValue"):]
			}
			continue
		}
		switch {
		case strings.HasPrefix(k, "fixed"):
			typ, isFixed = k[len("fixed"):], true
		case strings.HasPrefix(k, "pattern"):
			typ = k[len("pattern"):]
		default:
			continue
		}
		if typ == "" {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		var val any
		if err := dec.Decode(&val); err != nil {
			return fmt.Errorf("element %s: %s: %w", e.Path, k, err)
		}
		typ = lowerFirstIfPrimitive(typ)
		if isFixed {
			e.Fixed, e.FixedType = val, typ
		} else {
			e.Pattern, e.PatternType = val, typ
		}
	}
	return nil
}

// MarshalJSON writes an element back, with fixed[x] and pattern[x].
func (e ElementDefinition) MarshalJSON() ([]byte, error) {
	type plain ElementDefinition
	b, err := json.Marshal(plain(e))
	if err != nil || (e.Fixed == nil && e.Pattern == nil) {
		return b, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if e.Fixed != nil {
		m["fixed"+upperFirst(e.FixedType)] = e.Fixed
	}
	if e.Pattern != nil {
		m["pattern"+upperFirst(e.PatternType)] = e.Pattern
	}
	return json.Marshal(m)
}

// primitiveTypes are the FHIR R4 primitive data types.
var primitiveTypes = map[string]bool{
	"base64Binary": true, "boolean": true, "canonical": true, "code": true, "date": true,
	"dateTime": true, "decimal": true, "id": true, "instant": true, "integer": true,
	"markdown": true, "oid": true, "positiveInt": true, "string": true, "time": true,
	"unsignedInt": true, "uri": true, "url": true, "uuid": true, "xhtml": true,
}

// IsPrimitive reports whether t is a FHIR primitive data type.
func IsPrimitive(t string) bool { return primitiveTypes[t] }

// lowerFirstIfPrimitive turns a choice suffix ("DateTime") into the type name
// ("dateTime"): primitives start lower case, complex types upper case.
func lowerFirstIfPrimitive(s string) string {
	if s == "" {
		return s
	}
	l := strings.ToLower(s[:1]) + s[1:]
	if primitiveTypes[l] {
		return l
	}
	return s
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ChoiceSuffix returns the type a choice element's JSON name suffix names
// ("Quantity" → "Quantity", "DateTime" → "dateTime").
func ChoiceSuffix(s string) string { return lowerFirstIfPrimitive(s) }

// TypeSuffix is the JSON name suffix of a choice of type t ("dateTime" → "DateTime").
func TypeSuffix(t string) string { return upperFirst(t) }

// MinOf returns the element's minimum cardinality (0 when absent).
func (e ElementDefinition) MinOf() int {
	if e.Min == nil {
		return 0
	}
	return *e.Min
}

// MaxOf returns the maximum cardinality, -1 for "*" (and when absent).
func (e ElementDefinition) MaxOf() int {
	if e.Max == "" || e.Max == "*" {
		return -1
	}
	n := 0
	for _, c := range e.Max {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// Name returns the last segment of the element's path.
func (e ElementDefinition) Name() string {
	if i := strings.LastIndexByte(e.Path, '.'); i >= 0 {
		return e.Path[i+1:]
	}
	return e.Path
}

// ElementID returns the element's id, or its path (with the slice name) when it
// has none, as older differentials do.
func (e ElementDefinition) ElementID() string {
	if e.ID != "" {
		return e.ID
	}
	if e.SliceName != "" {
		return e.Path + ":" + e.SliceName
	}
	return e.Path
}

// TypeCodes lists the codes of the element's types.
func (e ElementDefinition) TypeCodes() []string {
	out := make([]string, len(e.Type))
	for i, t := range e.Type {
		out[i] = t.Code
	}
	return out
}

// Code returns the type code, normalising FHIRPath system types used by the
// value elements of primitives ("http://hl7.org/fhirpath/System.String").
func (t TypeRef) Norm() string {
	if rest, ok := strings.CutPrefix(t.Code, "http://hl7.org/fhirpath/System."); ok {
		return "System." + rest
	}
	return t.Code
}

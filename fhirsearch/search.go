// Package fhirsearch evaluates the common FHIR R4 search parameters (token,
// string, reference and date kinds, and the quantity parameters of the core
// SearchParameter definitions, and _profile as a uri; the :missing, :not,
// :text, :exact, :contains, :above and :below (uri) modifiers, :in,
// :not-in, :above and :below on tokens given a Terminology, and chains of
// any length) against decoded resources. The supplier simulator uses it to
// answer searches and the REST API suite uses it to check that what a
// server returned really matches what was asked for.
package fhirsearch

import (
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/carecert/carecert/fhir"
)

// Kind is a search parameter's type, as FHIR names them.
type Kind string

const (
	Token     Kind = "token"
	String    Kind = "string"
	Reference Kind = "reference"
	Date      Kind = "date"
	Quantity  Kind = "quantity"
	URI       Kind = "uri"
)

// Param is one search parameter of one resource type.
type Param struct {
	Name string
	Kind Kind
	// Paths are the dotted element paths the parameter searches, relative to
	// the resource ("name.family", "subject").
	Paths []string
	// Unjudged are paths the parameter also searches whose values carecert
	// does not compare (a quantity parameter's Range or SampledData): a
	// resource holding one that matches on no other path is not judged.
	Unjudged []string
}

// common parameters apply to every resource type.
var common = []Param{
	{Name: "_id", Kind: Token, Paths: []string{"id"}},
	{Name: "_lastUpdated", Kind: Date, Paths: []string{"meta.lastUpdated"}},
	{Name: "_profile", Kind: URI, Paths: []string{"meta.profile"}},
}

// byType lists the parameters per resource type. It covers the types a typical
// clinical system exposes and the generated fixtures use; others get the
// common parameters only.
var byType = map[string][]Param{
	"Patient": {
		{Name: "identifier", Kind: Token, Paths: []string{"identifier"}},
		{Name: "gender", Kind: Token, Paths: []string{"gender"}},
		{Name: "birthdate", Kind: Date, Paths: []string{"birthDate"}},
		{Name: "family", Kind: String, Paths: []string{"name.family"}},
		{Name: "given", Kind: String, Paths: []string{"name.given"}},
		{Name: "name", Kind: String, Paths: []string{"name.family", "name.given", "name.text", "name.prefix", "name.suffix"}},
		{Name: "active", Kind: Token, Paths: []string{"active"}},
		{Name: "organization", Kind: Reference, Paths: []string{"managingOrganization"}},
		{Name: "general-practitioner", Kind: Reference, Paths: []string{"generalPractitioner"}},
		{Name: "address-postalcode", Kind: String, Paths: []string{"address.postalCode"}},
	},
	"Practitioner": {
		{Name: "identifier", Kind: Token, Paths: []string{"identifier"}},
		{Name: "family", Kind: String, Paths: []string{"name.family"}},
		{Name: "given", Kind: String, Paths: []string{"name.given"}},
		{Name: "name", Kind: String, Paths: []string{"name.family", "name.given", "name.text"}},
		{Name: "active", Kind: Token, Paths: []string{"active"}},
	},
	"Organization": {
		{Name: "identifier", Kind: Token, Paths: []string{"identifier"}},
		{Name: "name", Kind: String, Paths: []string{"name", "alias"}},
		{Name: "active", Kind: Token, Paths: []string{"active"}},
	},
	"Observation": {
		{Name: "patient", Kind: Reference, Paths: []string{"subject"}},
		{Name: "subject", Kind: Reference, Paths: []string{"subject"}},
		{Name: "encounter", Kind: Reference, Paths: []string{"encounter"}},
		{Name: "code", Kind: Token, Paths: []string{"code"}},
		{Name: "category", Kind: Token, Paths: []string{"category"}},
		{Name: "status", Kind: Token, Paths: []string{"status"}},
		{Name: "date", Kind: Date, Paths: []string{"effectiveDateTime", "effectivePeriod", "effectiveInstant"}},
	},
	"Encounter": {
		{Name: "patient", Kind: Reference, Paths: []string{"subject"}},
		{Name: "subject", Kind: Reference, Paths: []string{"subject"}},
		{Name: "status", Kind: Token, Paths: []string{"status"}},
		{Name: "class", Kind: Token, Paths: []string{"class"}},
		{Name: "date", Kind: Date, Paths: []string{"period"}},
		{Name: "practitioner", Kind: Reference, Paths: []string{"participant.individual"}},
		{Name: "service-provider", Kind: Reference, Paths: []string{"serviceProvider"}},
	},
	"Condition": {
		{Name: "patient", Kind: Reference, Paths: []string{"subject"}},
		{Name: "subject", Kind: Reference, Paths: []string{"subject"}},
		{Name: "code", Kind: Token, Paths: []string{"code"}},
		{Name: "clinical-status", Kind: Token, Paths: []string{"clinicalStatus"}},
		{Name: "verification-status", Kind: Token, Paths: []string{"verificationStatus"}},
		{Name: "onset-date", Kind: Date, Paths: []string{"onsetDateTime", "onsetPeriod"}},
		{Name: "recorded-date", Kind: Date, Paths: []string{"recordedDate"}},
	},
	"MedicationRequest": {
		{Name: "patient", Kind: Reference, Paths: []string{"subject"}},
		{Name: "subject", Kind: Reference, Paths: []string{"subject"}},
		{Name: "encounter", Kind: Reference, Paths: []string{"encounter"}},
		{Name: "status", Kind: Token, Paths: []string{"status"}},
		{Name: "intent", Kind: Token, Paths: []string{"intent"}},
		{Name: "code", Kind: Token, Paths: []string{"medicationCodeableConcept"}},
		{Name: "authoredon", Kind: Date, Paths: []string{"authoredOn"}},
		{Name: "requester", Kind: Reference, Paths: []string{"requester"}},
	},
}

// Lookup returns the parameter name of resource type typ.
func Lookup(typ, name string) (Param, bool) {
	p, ok := known().of(typ).byName[name]
	return p, ok
}

// Params lists the parameters known for typ, sorted by name: the common
// ones, the table's and the core definitions' quantity parameters.
func Params(typ string) []Param {
	return slices.Clone(known().of(typ).sorted)
}

// typeParams are one resource type's parameters, sorted and by name.
type typeParams struct {
	sorted []Param
	byName map[string]Param
}

// paramIndex holds every type's parameters; a type it does not list has
// the common ones only.
type paramIndex struct {
	byType map[string]typeParams
	common typeParams
}

func (x paramIndex) of(typ string) typeParams {
	if t, ok := x.byType[typ]; ok {
		return t
	}
	return x.common
}

// known indexes the parameters once: searches and the checks of what a
// server returned look them up for every criterion.
var known = sync.OnceValue(func() paramIndex {
	index := func(ps ...[]Param) typeParams {
		t := typeParams{sorted: slices.Concat(ps...), byName: map[string]Param{}}
		sort.SliceStable(t.sorted, func(i, j int) bool { return t.sorted[i].Name < t.sorted[j].Name })
		for _, p := range t.sorted {
			if _, dup := t.byName[p.Name]; !dup {
				t.byName[p.Name] = p
			}
		}
		return t
	}
	x := paramIndex{byType: map[string]typeParams{}, common: index(common)}
	quantity := coreQuantity()
	for typ := range byType {
		x.byType[typ] = index(common, byType[typ], quantity[typ])
	}
	for typ := range quantity {
		if _, done := x.byType[typ]; !done {
			x.byType[typ] = index(common, quantity[typ])
		}
	}
	return x
})

// Control reports whether a query parameter steers the search (paging,
// sorting, formats) rather than filtering resources.
func Control(name string) bool {
	if base, modifier, ok := strings.Cut(name, ":"); ok && (modifier == "iterate" || modifier == "recurse") {
		name = base // _include:iterate, and R4's older spelling
	}
	switch name {
	case "_count", "_sort", "_format", "_total", "_summary", "_elements", "_include", "_revinclude",
		"_contained", "_containedType", "_pretty", "_offset", "_page", "_getpages", "_getpagesoffset":
		return true
	}
	return false
}

// Criterion is one parsed parameter of a query: all of its comma-separated
// values are alternatives (OR); separate criteria must all hold (AND).
type Criterion struct {
	Param  Param
	Values []string
	// Chain, for a chained parameter (subject:Patient.family), is the
	// parameter the referenced resource must satisfy; Param is then the
	// reference parameter.
	Chain *Chain
	// name is the parameter as the query wrote it.
	name string
	// terms decides :in, :not-in, :above and :below on tokens (see
	// WithTerminology); without it they are not judged.
	terms Terminology
}

// Terminology answers the questions token modifiers ask of code systems
// and value sets; known is false when it cannot tell (a value set it
// cannot expand, a code system whose hierarchy it does not hold, a code it
// cannot place). terminology.Engine is one.
type Terminology interface {
	// Contains reports whether system|code is in the value set valueSet.
	Contains(valueSet, system, code string) (in, known bool)
	// Subsumes reports whether code is ancestor or below it in system.
	Subsumes(system, ancestor, code string) (subsumes, known bool)
}

// WithTerminology gives criteria the terminology that decides their :in,
// :not-in, :above and :below on tokens; the criteria of a chain's tail
// never get it and stay unjudged.
func WithTerminology(cs []Criterion, t Terminology) []Criterion {
	for i := range cs {
		cs[i].terms = t
	}
	return cs
}

// NeedsTerminology reports whether the criterion's verdict needs a value
// set's contents or a code system's hierarchy (:in, :not-in, and :above
// and :below on a token).
func (c Criterion) NeedsTerminology() bool {
	switch c.Param.Kind {
	case tokenIn, tokenNotIn, tokenAbove, tokenBelow:
		return true
	}
	return false
}

// Chain is the tail of a chained parameter: the referenced resource's type
// (from the type modifier, or implied by the reference parameter; "" when
// neither says, and the parameter is then looked up on whatever the
// reference resolves to) and its parameter's name and modifier, followed by
// the rest of the chain when it has more steps.
type Chain struct {
	Target string
	Name   string
}

// impliedTarget is the one type a reference parameter can refer to, for
// chains written without a type modifier (patient.family).
var impliedTarget = map[string]string{
	"patient": "Patient", "organization": "Organization", "encounter": "Encounter",
	"practitioner": "Practitioner", "service-provider": "Organization",
}

// Resolver returns the resource a reference ("Patient/1") names, or nil
// when it is not at hand.
type Resolver func(ref string) map[string]any

// ReferenceTarget is the type and id a literal reference names (Type/id, relative
// or absolute, with or without _history/version); ok is false when it has
// neither part. A Resolver looks the resource up by them.
func ReferenceTarget(ref string) (typ, id string, ok bool) {
	return fhir.LiteralReference(strings.Trim(ref, "/"))
}

// Parse turns a query into criteria for resource type typ. Control parameters
// are left out; an unknown parameter, a modifier or a malformed value is an
// error naming it, which a server answers with 400.
func Parse(typ string, q url.Values) ([]Criterion, error) {
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []Criterion
	for _, name := range names {
		if Control(name) {
			continue
		}
		head, tail, chained := strings.Cut(name, ".")
		base, modifier, _ := strings.Cut(head, ":")
		p, ok := Lookup(typ, base)
		if !ok {
			return nil, fmt.Errorf("unknown search parameter %q for %s", name, typ)
		}
		if chained {
			c, err := parseChain(name, p, modifier, tail, q[name])
			if err != nil {
				return nil, fmt.Errorf("search parameter %q: %v", name, err)
			}
			out = append(out, c...)
			continue
		}
		kind, err := modified(p.Kind, modifier)
		if err != nil {
			return nil, fmt.Errorf("search parameter %q: %v", base, err)
		}
		p.Kind = kind
		for _, raw := range q[name] {
			vals := strings.Split(raw, ",")
			for _, v := range vals {
				if v == "" {
					return nil, fmt.Errorf("search parameter %q: empty value", name)
				}
				if p.Kind == missing && v != "true" && v != "false" {
					return nil, fmt.Errorf("search parameter %q: :missing takes true or false, not %q", name, v)
				}
				if p.Kind == Date {
					if _, _, _, err := parseDateParam(v); err != nil {
						return nil, fmt.Errorf("search parameter %q: %v", name, err)
					}
				}
				if p.Kind == Quantity {
					if _, err := parseQuantityParam(v); err != nil {
						return nil, fmt.Errorf("search parameter %q: %v", name, err)
					}
				}
			}
			out = append(out, Criterion{Param: p, Values: vals, name: name})
		}
	}
	return out, nil
}

// parseChain reads a chained parameter's tail: a parameter of the
// referenced type (with its own modifier, if any), itself chained when the
// tail has more steps (subject:Patient.organization:Organization.name);
// each step with a known type is checked here, the others when the
// reference resolves.
func parseChain(name string, ref Param, modifier, tail string, raws []string) ([]Criterion, error) {
	if ref.Kind != Reference {
		return nil, fmt.Errorf("only a reference parameter can be chained")
	}
	target := modifier
	if target == "" {
		target = impliedTarget[ref.Name]
	}
	if target != "" {
		// Parse looks the tail's parameter up on the target type.
		if _, err := Parse(target, url.Values{tail: raws}); err != nil {
			return nil, err
		}
	}
	var out []Criterion
	for _, raw := range raws {
		out = append(out, Criterion{Param: ref, Values: strings.Split(raw, ","), Chain: &Chain{Target: target, Name: tail}, name: name})
	}
	return out, nil
}

// Match reports whether res satisfies every criterion. A chained criterion
// needs the referenced resources: use MatchWith.
func Match(res map[string]any, cs []Criterion) bool {
	ok, _ := MatchWith(res, cs, nil)
	return ok
}

// MatchWith reports whether res satisfies every criterion, resolving the
// references of chained ones with resolve; judged is false when the answer
// hangs on a reference resolve could not give.
func MatchWith(res map[string]any, cs []Criterion, resolve Resolver) (matched, judged bool) {
	judged = true
	for _, c := range cs {
		ok, sure := c.Eval(res, resolve)
		if !sure {
			judged = false
			continue
		}
		if !ok {
			return false, true
		}
	}
	return judged, judged
}

// Name is the criterion's parameter as the query wrote it.
func (c Criterion) Name() string {
	if c.name == "" {
		return c.Param.Name
	}
	return c.name
}

// Eval is Match for any criterion, chained ones included (see MatchWith).
func (c Criterion) Eval(res map[string]any, resolve Resolver) (matched, judged bool) {
	if c.Chain == nil && c.NeedsTerminology() {
		matched, judged = c.byTerminology(res)
		// A positive answer (:in, :above, :below) decides on a match, a
		// :not-in on a code found in the value set.
		if !judged || matched == (c.Param.Kind != tokenNotIn) {
			return matched, judged
		}
		// A code at a path carecert does not compare may change the answer.
		for _, path := range c.Param.Unjudged {
			if len(values(res, strings.Split(path, "."))) > 0 {
				return false, false
			}
		}
		return matched, true
	}
	if c.Chain == nil {
		if c.Match(res) {
			return true, true
		}
		for _, path := range c.Param.Unjudged {
			if len(values(res, strings.Split(path, "."))) > 0 {
				return false, false // it may match there, where carecert does not compare
			}
		}
		return false, true
	}
	unresolved := false
	for _, v := range c.Param.Values(res) {
		m, _ := v.(map[string]any)
		ref := str(m["reference"])
		if ref == "" {
			continue
		}
		var target map[string]any
		if resolve != nil {
			target = resolve(ref)
		}
		if target == nil {
			unresolved = true
			continue
		}
		typ := str(target["resourceType"])
		if c.Chain.Target != "" && typ != c.Chain.Target {
			continue
		}
		tail, err := Parse(typ, url.Values{c.Chain.Name: {strings.Join(c.Values, ",")}})
		if err != nil {
			unresolved = true // carecert cannot evaluate the tail on typ: no verdict
			continue
		}
		if len(tail) == 0 {
			continue
		}
		// A longer chain goes on from the target with the same resolver.
		ok, sure := MatchWith(target, tail, resolve)
		if sure && ok {
			return true, true
		}
		unresolved = unresolved || !sure
	}
	return false, !unresolved
}

// Values returns the elements of res the parameter searches.
func (p Param) Values(res map[string]any) []any {
	var found []any
	for _, path := range p.Paths {
		found = append(found, values(res, strings.Split(path, "."))...)
	}
	return found
}

// Modifiers change what a parameter's value is compared with; the kind a
// modifier gives a parameter says how (see modified).
const (
	missing       Kind = "missing"
	tokenNot      Kind = "token:not"
	tokenText     Kind = "token:text"
	stringExact   Kind = "string:exact"
	stringContain Kind = "string:contains"
	uriAbove      Kind = "uri:above"
	uriBelow      Kind = "uri:below"
	tokenIn       Kind = "token:in"
	tokenNotIn    Kind = "token:not-in"
	tokenAbove    Kind = "token:above"
	tokenBelow    Kind = "token:below"
)

// modified is the kind a parameter of kind k takes under a modifier
// ("" none): :missing on any kind, :not, :text, :in, :not-in, :above and
// :below on a token (the last four judged only with a Terminology),
// :exact and :contains on a string, :above and :below on a uri. Other
// modifiers are not evaluated, and said so.
func modified(k Kind, modifier string) (Kind, error) {
	switch {
	case modifier == "":
		return k, nil
	case modifier == "missing":
		return missing, nil
	case modifier == "not" && k == Token:
		return tokenNot, nil
	case modifier == "text" && k == Token:
		return tokenText, nil
	case modifier == "in" && k == Token:
		return tokenIn, nil
	case modifier == "not-in" && k == Token:
		return tokenNotIn, nil
	case modifier == "above" && k == Token:
		return tokenAbove, nil
	case modifier == "below" && k == Token:
		return tokenBelow, nil
	case modifier == "above" && k == URI:
		return uriAbove, nil
	case modifier == "below" && k == URI:
		return uriBelow, nil
	case modifier == "exact" && k == String:
		return stringExact, nil
	case modifier == "contains" && k == String:
		return stringContain, nil
	}
	return "", fmt.Errorf("modifier %q is not supported", modifier)
}

// Modifier is the modifier of a query parameter's name ("gender:not" →
// "not"), or "" for none and for a reference's type modifier or chain.
func Modifier(name string) string {
	head, _, chained := strings.Cut(name, ".")
	_, m, _ := strings.Cut(head, ":")
	if chained || m == "" || m[0] >= 'A' && m[0] <= 'Z' {
		return ""
	}
	return m
}

// Match reports whether res satisfies one criterion (any of its values);
// a chained criterion needs Eval.
func (c Criterion) Match(res map[string]any) bool {
	if c.Chain != nil {
		return false
	}
	if c.NeedsTerminology() {
		matched, judged := c.byTerminology(res)
		return matched && judged
	}
	found := c.Param.Values(res)
	switch c.Param.Kind {
	case missing:
		// found holds nils for JSON nulls, which are no value.
		present := slices.ContainsFunc(found, func(v any) bool { return v != nil })
		return slices.Contains(c.Values, strconv.FormatBool(!present))
	case tokenNot:
		// FHIR's :not: none of the values, so a resource without the
		// element matches too.
		for _, want := range c.Values {
			for _, v := range found {
				if matchToken(v, want) {
					return false
				}
			}
		}
		return true
	}
	for _, want := range c.Values {
		for _, v := range found {
			if matchValue(c.Param.Kind, v, want) {
				return true
			}
		}
	}
	return false
}

// byTerminology judges :in (some code of the element is in one of the
// value sets), :not-in (none is, so a resource without the element
// matches), :below (some code is one of the values' codes or below it in
// its system) and :above (some code is one of them or above it); judged is
// false without a terminology or when a code's answer is unknown and no
// known one decides.
func (c Criterion) byTerminology(res map[string]any) (matched, judged bool) {
	if c.terms == nil {
		return false, false
	}
	positive := c.Param.Kind != tokenNotIn
	unknown := false
	for _, v := range c.Param.Values(res) {
		for _, code := range tokenCodes(v) {
			for _, want := range c.Values {
				yes, known := c.ask(want, code[0], code[1])
				if !known {
					unknown = true
				} else if yes {
					return positive, true
				}
			}
		}
	}
	if unknown {
		return false, false
	}
	return !positive, true
}

// ask puts one value's question about system|code to the terminology. A
// subsumption value must be system|code: a code alone names no hierarchy,
// and codes of different systems never subsume one another.
func (c Criterion) ask(want, system, code string) (yes, known bool) {
	if c.Param.Kind == tokenIn || c.Param.Kind == tokenNotIn {
		return c.terms.Contains(want, system, code)
	}
	wantSystem, wantCode, ok := strings.Cut(want, "|")
	switch {
	case !ok || wantSystem == "" || wantCode == "" || system == "":
		return false, false
	case system != wantSystem:
		return false, true
	case c.Param.Kind == tokenBelow:
		return c.terms.Subsumes(system, wantCode, code)
	}
	return c.terms.Subsumes(system, code, wantCode)
}

// tokenCodes are the system|code pairs of a token's value: a code (no
// system), a Coding, a CodeableConcept's codings, an Identifier's
// system|value.
func tokenCodes(v any) [][2]string {
	switch x := v.(type) {
	case string:
		return [][2]string{{"", x}}
	case map[string]any:
		if codings, ok := x["coding"].([]any); ok {
			var out [][2]string
			for _, c := range codings {
				if m, ok := c.(map[string]any); ok && str(m["code"]) != "" {
					out = append(out, [2]string{str(m["system"]), str(m["code"])})
				}
			}
			return out
		}
		if value := str(x["value"]); value != "" {
			return [][2]string{{str(x["system"]), value}}
		}
		if code := str(x["code"]); code != "" {
			return [][2]string{{str(x["system"]), code}}
		}
	}
	return nil
}

// values walks a dotted path through objects and arrays.
func values(v any, path []string) []any {
	if len(path) == 0 {
		if arr, ok := v.([]any); ok {
			return arr
		}
		return []any{v}
	}
	switch x := v.(type) {
	case map[string]any:
		next, ok := x[path[0]]
		if !ok {
			return nil
		}
		return values(next, path[1:])
	case []any:
		var out []any
		for _, e := range x {
			out = append(out, values(e, path)...)
		}
		return out
	}
	return nil
}

func matchValue(kind Kind, v any, want string) bool {
	switch kind {
	case Token:
		return matchToken(v, want)
	case String:
		s, ok := v.(string)
		return ok && strings.HasPrefix(fold(s), fold(want))
	case stringExact:
		s, ok := v.(string)
		return ok && s == want
	case stringContain:
		s, ok := v.(string)
		return ok && strings.Contains(fold(s), fold(want))
	case tokenText:
		for _, text := range TokenTexts(v) {
			if strings.HasPrefix(fold(text), fold(want)) {
				return true
			}
		}
		return false
	case URI:
		s, ok := v.(string)
		return ok && s == want
	case uriBelow:
		s, ok := v.(string)
		return ok && uriBelowOf(s, want)
	case uriAbove:
		s, ok := v.(string)
		return ok && uriBelowOf(want, s)
	case Reference:
		return matchReference(v, want)
	case Date:
		return matchDate(v, want)
	case Quantity:
		return matchQuantity(v, want)
	}
	return false
}

// TokenTexts are the texts a token's :text searches: a CodeableConcept's
// text and its codings' displays, a Coding's display, an Identifier's
// type text. A plain code or boolean has none.
func TokenTexts(v any) []string {
	m, _ := v.(map[string]any)
	if m == nil {
		return nil
	}
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	add(str(m["text"]))
	add(str(m["display"]))
	codings, _ := m["coding"].([]any)
	for _, c := range codings {
		cm, _ := c.(map[string]any)
		add(str(cm["display"]))
	}
	if t, ok := m["type"].(map[string]any); ok {
		add(str(t["text"]))
	}
	return out
}

// uriBelowOf reports whether uri is base or below it. R4's search page
// reads two ways: :below matches a URL that "starts with" the value (a
// string prefix), while its :above example lists the value's parents by
// whole path segments. Both readings are accepted (docs/live-fhir.md): a
// string prefix (http://a.org/fhirx below http://a.org/fhir), or whole path
// segments, which also puts http://a.org/fhir below http://a.org/fhir/.
func uriBelowOf(uri, base string) bool {
	if base == "" || uri == "" {
		return false
	}
	if strings.HasPrefix(uri, base) {
		return true
	}
	trimmed := strings.TrimSuffix(base, "/")
	return trimmed != "" && (uri == trimmed || strings.HasPrefix(uri, trimmed+"/"))
}

// quantityParam is a quantity search value: [prefix]number[|system|code].
type quantityParam struct {
	prefix       string
	value        *big.Rat
	half         *big.Rat // half a unit of the number's last digit
	system, code string
}

// parseQuantityParam reads a quantity search value; its number's precision
// is kept, as eq and ap match the range it implies.
func parseQuantityParam(s string) (quantityParam, error) {
	var q quantityParam
	q.prefix, s = cutPrefix(s)
	num, unit, hasUnit := strings.Cut(s, "|")
	if hasUnit {
		var ok bool
		if q.system, q.code, ok = strings.Cut(unit, "|"); !ok {
			q.system, q.code = "", unit
		}
	}
	v, ok := new(big.Rat).SetString(num)
	if !ok || num == "" || strings.ContainsAny(num, "/eE") {
		return q, fmt.Errorf("%q is not a quantity ([prefix]number[|system|code])", s)
	}
	q.value = v
	decimals := 0
	if _, frac, ok := strings.Cut(num, "."); ok {
		decimals = len(frac)
	}
	q.half = new(big.Rat).SetFrac(big.NewInt(5), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals+1)), nil))
	return q, nil
}

// matchQuantity compares a Quantity's value with a quantity search value
// under its prefix; a unit given must be the Quantity's code (or unit) and,
// when a system is given, its system. eq, ne and ap take the range the
// search number's precision implies; the Quantity's value is taken as
// exact.
func matchQuantity(v any, want string) bool {
	q, err := parseQuantityParam(want)
	if err != nil {
		return false
	}
	m, _ := v.(map[string]any)
	val, ok := quantityValue(m)
	if !ok {
		return false
	}
	if q.code != "" && str(m["code"]) != q.code && str(m["unit"]) != q.code {
		return false
	}
	if q.system != "" && str(m["system"]) != q.system {
		return false
	}
	lo, hi := new(big.Rat).Sub(q.value, q.half), new(big.Rat).Add(q.value, q.half)
	within := val.Cmp(lo) >= 0 && val.Cmp(hi) < 0
	c := val.Cmp(q.value)
	switch q.prefix {
	case "eq":
		return within
	case "ne":
		return !within
	case "ap":
		// Approximately: within 10% of the value, or of its precision.
		tenth := new(big.Rat).Abs(new(big.Rat).Mul(q.value, big.NewRat(1, 10)))
		d := new(big.Rat).Abs(new(big.Rat).Sub(val, q.value))
		return within || d.Cmp(tenth) <= 0
	case "gt", "sa":
		return c > 0
	case "lt", "eb":
		return c < 0
	case "ge":
		return c >= 0
	case "le":
		return c <= 0
	}
	return false
}

// quantityValue is a Quantity's value, taken as exact; ok is false when it
// has none.
func quantityValue(m map[string]any) (*big.Rat, bool) {
	if m["value"] == nil {
		return nil, false
	}
	return new(big.Rat).SetString(fmt.Sprint(m["value"]))
}

// quantityUnit is a Quantity's unit as a search names it: its code, or its
// unit when it has no code.
func quantityUnit(m map[string]any) string {
	if c := str(m["code"]); c != "" {
		return c
	}
	return str(m["unit"])
}

// fold makes string matching case- and accent-insensitive, as FHIR asks.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func matchToken(v any, want string) bool {
	system, code, hasSystem := strings.Cut(want, "|")
	if !hasSystem {
		code, system = want, ""
	}
	test := func(sys, c string) bool {
		if hasSystem && system != sys && !(system == "" && sys == "") {
			return false
		}
		return code == "" || c == code
	}
	switch x := v.(type) {
	case string:
		return !hasSystem && x == code
	case bool:
		return !hasSystem && fmt.Sprint(x) == code
	case map[string]any:
		if codings, ok := x["coding"].([]any); ok { // CodeableConcept
			for _, c := range codings {
				if m, ok := c.(map[string]any); ok && test(str(m["system"]), str(m["code"])) {
					return true
				}
			}
			return false
		}
		if _, ok := x["value"]; ok { // Identifier
			return test(str(x["system"]), str(x["value"]))
		}
		return test(str(x["system"]), str(x["code"])) // Coding
	}
	return false
}

func str(v any) string { s, _ := v.(string); return s }

func matchReference(v any, want string) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	ref := str(m["reference"])
	if ref == "" {
		return false
	}
	if ref == want || strings.HasSuffix(ref, "/"+want) {
		return true
	}
	// A bare id matches a relative reference of any type with that id.
	return !strings.Contains(want, "/") && ref[strings.LastIndex(ref, "/")+1:] == want
}

// matchDate compares the resource's value, taken as the range of time its
// precision covers, with the parameter's range under its prefix.
func matchDate(v any, want string) bool {
	prefix, lo, hi, err := parseDateParam(want)
	if err != nil {
		return false
	}
	var rlo, rhi time.Time
	switch x := v.(type) {
	case string:
		if rlo, rhi, err = dateRange(x); err != nil {
			return false
		}
	case map[string]any: // Period: an open end is unbounded
		rlo, rhi = time.Unix(-1<<40, 0), time.Unix(1<<40, 0)
		if s := str(x["start"]); s != "" {
			if rlo, _, err = dateRange(s); err != nil {
				return false
			}
		}
		if e := str(x["end"]); e != "" {
			if _, rhi, err = dateRange(e); err != nil {
				return false
			}
		}
	default:
		return false
	}
	within := !rlo.Before(lo) && !rhi.After(hi)
	switch prefix {
	case "eq", "ap":
		return within
	case "ne":
		return !within
	case "gt":
		return rhi.After(hi)
	case "lt":
		return rlo.Before(lo)
	case "ge":
		return rhi.After(hi) || within
	case "le":
		return rlo.Before(lo) || within
	case "sa":
		return rlo.After(hi)
	case "eb":
		return rhi.Before(lo)
	}
	return false
}

var prefixes = []string{"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"}

// cutPrefix splits the comparison prefix off a date or quantity value;
// without one the prefix is eq.
func cutPrefix(s string) (prefix, rest string) {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return p, s[len(p):]
		}
	}
	return "eq", s
}

// parseDateParam splits a date parameter value into its prefix and the range
// of time its precision covers ([lo, hi) as inclusive instants).
func parseDateParam(s string) (string, time.Time, time.Time, error) {
	prefix, s := cutPrefix(s)
	lo, hi, err := dateRange(s)
	if err != nil {
		return "", lo, hi, err
	}
	return prefix, lo, hi, nil
}

// dateRange parses a FHIR date, dateTime or instant into the first and last
// instants its precision covers.
func dateRange(s string) (time.Time, time.Time, error) {
	layouts := []struct {
		layout string
		step   func(time.Time) time.Time
	}{
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{"2006-01-02T15:04Z07:00", func(t time.Time) time.Time { return t.Add(time.Minute) }},
		{"2006-01-02T15:04:05Z07:00", func(t time.Time) time.Time { return t.Add(time.Second) }},
		{"2006-01-02T15:04:05.999999999Z07:00", func(t time.Time) time.Time { return t.Add(time.Millisecond) }},
	}
	for _, l := range layouts {
		if t, err := time.Parse(l.layout, s); err == nil {
			return t, l.step(t).Add(-time.Nanosecond), nil
		}
	}
	return time.Time{}, time.Time{}, fmt.Errorf("%q is not a FHIR date or dateTime", s)
}

package profile

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhirpath"
	"github.com/carecert/carecert/model"
)

// Codes of the findings on search parameter definitions and on the search
// parameters a CapabilityStatement declares.
const (
	CodeSearchParameter = "profile.search-parameter"
	CodeCapability      = "profile.capability-statement"
)

// searchParameterRules checks a SearchParameter: its expression parses and
// each union branch starts with a type the parameter lists in base, and, when
// it is derived from another parameter, that it only narrows that parameter:
// every base is one of the parent's, the type is the parent's, and the
// expression selects what the parent's does for those bases (a warning, as
// the reference validator gives).
//
// A composite parameter combines two or more components (a single one would
// be that component's own parameter), as the reference validator requires.
//
// The element names after the leading type (that "Patient.nmae" exists) are
// checked by searchExpressionPaths, as far as it can follow the path; a code
// with a character the search syntax reserves is a warning.
//
// Not checked: branches that start with a function or a %variable, the
// operands of operators other than |, and what composite components select.
func (w *walker) searchParameterRules(m map[string]any, path string) {
	bases := fhir.Strings(m["base"])
	typ, _ := m["type"].(string)
	expr, _ := m["expression"].(string)
	w.searchParameterCode(m, path)
	if expr != "" {
		w.searchExpression(expr, bases, path+".expression")
	}
	if n := len(objects(m["component"])); typ == "composite" && n < 2 {
		w.add(model.Error, CodeSearchParameter, path+".type", fmt.Sprintf("a composite search parameter combines two or more components, this one has %d: add the components it joins, or give it the type of its one component", n), "")
	}
	derived, _ := m["derivedFrom"].(string)
	if derived == "" {
		return
	}
	parent, err := w.e.defs.SearchParameter(derived)
	if err != nil {
		var nf *definitions.NotFoundError
		if errors.As(err, &nf) {
			w.add(model.Warning, CodeSearchParameter, path+".derivedFrom", fmt.Sprintf("derivedFrom %s is not a SearchParameter of FHIR R4 core or of any loaded implementation guide, so the base, type and expression cannot be compared with it: load the guide that defines it (--ig)", derived), "")
		} else {
			w.add(model.Warning, CodeSearchParameter, path+".derivedFrom", fmt.Sprintf("derivedFrom %s cannot be read: %v", derived, err), "")
		}
		return
	}
	if !parent.HasBase("Resource") {
		for i, b := range bases {
			if !parent.HasBase(b) {
				w.add(model.Error, CodeSearchParameter, path+".base["+strconv.Itoa(i)+"]", fmt.Sprintf("base %s is not a base of the SearchParameter this is derived from (%s, base %s): a derived search parameter may only apply to its parent's resource types", b, parent.Canonical(), strings.Join(parent.Base, ", ")), "")
			}
		}
	}
	if typ != "" && parent.Type != "" && typ != parent.Type {
		w.add(model.Error, CodeSearchParameter, path+".type", fmt.Sprintf("type %s differs from the type %s of the SearchParameter this is derived from (%s): a derived search parameter keeps its parent's type", typ, parent.Type, parent.Canonical()), "")
	}
	if expr != "" && parent.Expression != "" && expr != parent.Expression &&
		w.e.canonicalSearchExpression(expr, bases) != w.e.canonicalSearchExpression(parent.Expression, bases) {
		w.add(model.Warning, CodeSearchParameter, path+".expression", fmt.Sprintf("expression %q does not select what the expression %q of the SearchParameter this is derived from (%s) selects for base %s: the derivation is likely wrong", expr, parent.Expression, parent.Canonical(), strings.Join(bases, ", ")), "")
	}
}

// searchExpression reports an expression that does not parse, or whose union
// branches start with a type name that is none of the bases.
func (w *walker) searchExpression(expr string, bases []string, path string) {
	if _, err := fhirpath.Compile(expr); err != nil {
		w.add(model.Error, CodeSearchParameter, path, fmt.Sprintf("search expression %q is not valid FHIRPath: %v", expr, err), "")
		return
	}
	if len(bases) == 0 {
		return // base is required: the element rules report its absence
	}
	var notBase, unknown []string
	for _, name := range leadingNames(expr) {
		if !startsUpper(name) || slices.Contains(notBase, name) || slices.Contains(unknown, name) {
			continue // element names are resolved against the base: not checked
		}
		if slices.ContainsFunc(bases, func(b string) bool { return w.e.specialises(b, name) || w.e.specialises(name, b) }) {
			continue
		}
		if _, err := w.e.defs.BaseType(name); err != nil {
			unknown = append(unknown, name)
		} else {
			notBase = append(notBase, name)
		}
	}
	if len(notBase)+len(unknown) == 0 {
		w.searchExpressionPaths(expr, bases, path)
		return
	}
	var why []string
	if len(notBase) > 0 {
		why = append(why, fmt.Sprintf("%s, which is not a base of this search parameter (base %s)", strings.Join(notBase, " and "), strings.Join(bases, ", ")))
	}
	if len(unknown) > 0 {
		why = append(why, fmt.Sprintf("%s, which is not a FHIR type", strings.Join(unknown, " and ")))
	}
	fix := "start each path with a base type"
	if len(notBase) > 0 {
		fix += " or add " + strings.Join(notBase, " and ") + " to base"
	}
	w.add(model.Error, CodeSearchParameter, path, fmt.Sprintf("search expression %q starts a path with %s: the path can never match; %s", expr, strings.Join(why, ", and with "), fix), "")
}

// capabilityRules checks the search parameters a CapabilityStatement
// declares against their definitions, when the registry knows them: the type
// of a resource's parameter must be the definition's (an error, as the
// reference validator gives), and so should that of a parameter for all
// resources (rest.searchParam: a warning, which the reference validator does
// not give; FHIR's own base CapabilityStatement trips it); and a resource's
// parameter should be defined for that resource type (a warning: the
// reference validator does not check it, but a server cannot apply such a
// parameter to the resource). Unknown definitions are not reported: servers
// often define their own.
func (w *walker) capabilityRules(m map[string]any, path string) {
	for i, rest := range objects(m["rest"]) {
		rp := path + ".rest[" + strconv.Itoa(i) + "]"
		for k, sp := range objects(rest["searchParam"]) {
			w.declaredSearchParam(sp, "", rp+".searchParam["+strconv.Itoa(k)+"]")
		}
		for j, res := range objects(rest["resource"]) {
			typ, _ := res["type"].(string)
			resPath := rp + ".resource[" + strconv.Itoa(j) + "]"
			for k, sp := range objects(res["searchParam"]) {
				w.declaredSearchParam(sp, typ, resPath+".searchParam["+strconv.Itoa(k)+"]")
			}
		}
	}
}

// declaredSearchParam compares one searchParam with its definition; resource
// is the resource type it is declared for ("" at rest level).
func (w *walker) declaredSearchParam(sp map[string]any, resource, path string) {
	def, _ := sp["definition"].(string)
	if def == "" {
		return
	}
	d, err := w.e.defs.SearchParameter(def)
	if err != nil {
		return
	}
	name, _ := sp["name"].(string)
	if typ, _ := sp["type"].(string); typ != "" && d.Type != "" && typ != d.Type {
		sev := model.Error
		if resource == "" {
			sev = model.Warning
		}
		w.add(sev, CodeCapability, path+".type", fmt.Sprintf("type mismatch: search parameter %q is declared with type %s, but its definition %s has type %s: declare type %s", name, typ, d.Canonical(), d.Type, d.Type), "")
	}
	if resource != "" && len(d.Base) > 0 && !slices.ContainsFunc(d.Base, func(b string) bool { return w.e.specialises(resource, b) }) {
		w.add(model.Warning, CodeCapability, path+".definition", fmt.Sprintf("search parameter %q of %s is defined by %s, which applies to %s, not %s: point definition at a parameter for %s", name, resource, d.Canonical(), strings.Join(d.Base, ", "), resource, resource), "")
	}
}

// specialises reports whether type sub is typ or derives from it through the
// core type hierarchy (Patient → DomainResource → Resource).
func (e *Engine) specialises(sub, typ string) bool {
	for range 8 { // the deepest R4 hierarchy is 4 levels
		if sub == typ {
			return true
		}
		if !startsUpper(sub) {
			return false
		}
		sd, err := e.defs.BaseType(sub)
		if err != nil || !strings.HasPrefix(sd.BaseDefinition, definitions.CoreBase) {
			return false
		}
		sub = strings.TrimPrefix(sd.BaseDefinition, definitions.CoreBase)
	}
	return false
}

// canonicalSearchExpression is the reference validator's normal form for
// comparing a derived parameter's expression with its parent's: the union
// branches, without those that start with a resource type outside bases,
// sorted. An expression that is more than a union of paths is returned as it
// is.
func (e *Engine) canonicalSearchExpression(expr string, bases []string) string {
	var keep []string
	for _, b := range unionBranches(expr) {
		b = strings.TrimSpace(b)
		names := leadingNames(b)
		if len(names) != 1 || hasTopLevelOperator(b) {
			return expr
		}
		if !slices.Contains(bases, names[0]) && e.isResourceType(names[0]) {
			continue
		}
		keep = append(keep, compactFHIRPath(b))
	}
	sort.Strings(keep)
	return strings.Join(keep, " | ")
}

func (e *Engine) isResourceType(name string) bool {
	if !startsUpper(name) {
		return false
	}
	sd, err := e.defs.BaseType(name)
	return err == nil && sd.Kind == "resource"
}

// unionBranches splits a FHIRPath expression at its top-level | operators,
// minding brackets, string literals and `delimited` identifiers.
func unionBranches(expr string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; c {
		case '\'', '`':
			i = skipQuoted(expr, i)
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case '|':
			if depth == 0 {
				out = append(out, expr[start:i])
				start = i + 1
			}
		}
	}
	return append(out, expr[start:])
}

// skipQuoted returns the index of the quote closing the literal opened at i.
func skipQuoted(s string, i int) int {
	q := s[i]
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case q:
			return i
		}
	}
	return len(s)
}

// leadingNames returns the identifiers the union branches of an expression
// start with, looking inside a leading group: "(Observation.value as
// Quantity) | Condition.code" gives Observation and Condition. Branches that
// start with a literal, a %variable, $this or a function call give none.
func leadingNames(expr string) []string {
	var out []string
	for _, b := range unionBranches(expr) {
		b = strings.TrimSpace(b)
		if strings.HasPrefix(b, "(") {
			if end := closingParen(b); end > 0 {
				out = append(out, leadingNames(b[1:end])...)
			}
			continue
		}
		name, rest := identifier(b)
		if name == "" || strings.HasPrefix(strings.TrimSpace(rest), "(") {
			continue
		}
		out = append(out, name)
	}
	return out
}

// closingParen returns the index of the parenthesis closing s[0], or -1.
func closingParen(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'', '`':
			i = skipQuoted(s, i)
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// identifier reads a FHIRPath identifier (plain or `delimited`) at the start
// of s.
func identifier(s string) (name, rest string) {
	if strings.HasPrefix(s, "`") {
		end := skipQuoted(s, 0)
		if end >= len(s) {
			return "", s
		}
		return s[1:end], s[end+1:]
	}
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || i > 0 && s[i] >= '0' && s[i] <= '9') {
		i++
	}
	return s[:i], s[i:]
}

// hasTopLevelOperator reports whether a branch applies an operator other
// than path navigation outside brackets ("A.b and A.c", "A.b as Quantity").
func hasTopLevelOperator(b string) bool {
	depth := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\'' || c == '`':
			i = skipQuoted(b, i)
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case depth > 0:
		case strings.IndexByte("=!~<>+-*/&", c) >= 0:
			return true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			word, _ := identifier(strings.TrimLeft(b[i:], " \t\r\n"))
			switch word {
			case "and", "or", "xor", "implies", "is", "as", "in", "contains", "div", "mod":
				return true
			}
		}
	}
	return false
}

// compactFHIRPath normalises the white space outside literals (runs become
// one space, none next to punctuation), so that layout does not make two
// expressions differ.
func compactFHIRPath(s string) string {
	const punct = ".()[],"
	var b []byte
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			space = true
			continue
		}
		if space && len(b) > 0 && strings.IndexByte(punct, c) < 0 && strings.IndexByte(punct, b[len(b)-1]) < 0 {
			b = append(b, ' ')
		}
		space = false
		if c == '\'' || c == '`' {
			end := min(skipQuoted(s, i), len(s)-1)
			b = append(b, s[i:end+1]...)
			i = end
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

func startsUpper(s string) bool { return s != "" && s[0] >= 'A' && s[0] <= 'Z' }

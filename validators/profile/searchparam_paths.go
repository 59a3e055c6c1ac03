package profile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/model"
)

// searchCodeReserved are the characters a search parameter's code must not
// hold: the RESTful search syntax gives each a meaning ("." chains, "$" joins
// composite values, "|" separates system and code).
const searchCodeReserved = ".$|"

// searchParameterCode warns of a code that holds a character the search
// syntax reserves, as the reference validator does.
func (w *walker) searchParameterCode(m map[string]any, path string) {
	code, _ := m["code"].(string)
	for _, c := range searchCodeReserved {
		if strings.ContainsRune(code, c) {
			w.add(model.Warning, CodeSearchParameter, path+".code", fmt.Sprintf("the search parameter code %q holds '%c', which the search syntax reserves: a client cannot write this parameter in a query; choose a code without it", code, c), "")
		}
	}
}

// searchExpressionPaths reports the first element name of each union branch
// of a search expression that names no element of the types the path has
// reached there (R4 core types, through datatypes, backbone elements, choice
// types and content references), as the reference validator's type check of
// search expressions does. Only paths carecert can follow are judged: the
// walk stops, judging nothing further, at a function other than the
// filtering ones, ofType/as and extension, at an operator, at a %variable or
// a literal.
func (w *walker) searchExpressionPaths(expr string, bases []string, path string) {
	ix, err := elements.R4()
	if err != nil {
		return
	}
	var starts []string
	for _, b := range bases {
		if ix.HasType(b) {
			starts = append(starts, b)
		}
	}
	if len(starts) == 0 {
		return
	}
	sp := searchPath{ix: ix, bases: starts}
	for _, b := range unionBranches(expr) {
		if step, on := sp.unknown(strings.TrimSpace(b)); step != "" {
			w.add(model.Error, CodeSearchParameter, path, fmt.Sprintf("search expression %q names %q on %s, which has no such element: the path can never match; name an element %s has", expr, step, strings.Join(on, " or "), strings.Join(on, " or ")), "")
			return
		}
	}
}

// searchPath follows the paths of a search expression over the R4 core
// element index.
type searchPath struct {
	ix    *elements.Index
	bases []string
}

// unknown follows one branch and returns the first step that names no
// element, with the definition paths it was looked up on; "" when every
// step it could follow exists.
func (sp searchPath) unknown(b string) (string, []string) {
	focus, rest, step, on := sp.term(b)
	if step != "" {
		return step, on
	}
	for focus != nil {
		rest = strings.TrimLeft(rest, " \t\r\n")
		switch {
		case strings.HasPrefix(rest, "."):
			focus, rest, step, on = sp.step(focus, rest[1:])
			if step != "" {
				return step, on
			}
		case strings.HasPrefix(rest, "["):
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return "", nil
			}
			rest = rest[end+1:]
		default:
			return "", nil
		}
	}
	return "", nil
}

// term reads the start of a branch: a type name, an element of the bases, or
// a parenthesised union of branches; focus is nil where the walk cannot
// follow.
func (sp searchPath) term(b string) (focus []string, rest, step string, on []string) {
	if strings.HasPrefix(b, "(") {
		end := closingParen(b)
		if end < 0 {
			return nil, "", "", nil
		}
		inner := b[1:end]
		for _, ib := range unionBranches(inner) {
			ib = strings.TrimSpace(ib)
			if s, o := sp.unknown(ib); s != "" {
				return nil, "", s, o
			}
			f := sp.follow(ib)
			if f == nil {
				return nil, "", "", nil
			}
			focus = append(focus, f...)
		}
		return focus, b[end+1:], "", nil
	}
	name, rest := identifier(b)
	switch {
	case name == "" || strings.HasPrefix(strings.TrimSpace(rest), "("):
		return nil, "", "", nil
	case startsUpper(name):
		if !sp.ix.HasType(name) {
			return nil, "", "", nil // the leading-type rule reports it
		}
		return []string{name}, rest, "", nil
	}
	return sp.step(sp.bases, b)
}

// follow returns the definition paths a branch without operators reaches,
// or nil where the walk cannot follow it to its end.
func (sp searchPath) follow(b string) []string {
	focus, rest, step, _ := sp.term(b)
	for focus != nil && step == "" {
		rest = strings.TrimLeft(rest, " \t\r\n")
		switch {
		case rest == "":
			return focus
		case strings.HasPrefix(rest, "."):
			focus, rest, step, _ = sp.step(focus, rest[1:])
		default:
			return nil
		}
	}
	return nil
}

// step reads one navigation step (an element name or a function call) at the
// start of s over the focus.
func (sp searchPath) step(focus []string, s string) (next []string, rest, unknown string, on []string) {
	name, rest := identifier(s)
	if name == "" {
		return nil, "", "", nil
	}
	if strings.HasPrefix(rest, "(") {
		end := closingParen(rest)
		if end < 0 {
			return nil, "", "", nil
		}
		arg := strings.TrimSpace(rest[1:end])
		rest = rest[end+1:]
		switch name {
		case "where", "first", "last", "tail", "single", "distinct", "skip", "take", "trace":
			return focus, rest, "", nil
		case "ofType", "as":
			t := strings.TrimPrefix(arg, "FHIR.")
			if sp.ix.HasType(t) {
				return []string{t}, rest, "", nil
			}
		case "extension":
			return []string{"Extension"}, rest, "", nil
		}
		return nil, "", "", nil
	}
	for _, f := range focus {
		el, typ, childPath := sp.ix.Resolve(f, name)
		switch {
		case el == nil:
			continue
		case el.Choice && typ == "":
			for _, t := range el.Types {
				next = append(next, t.Code)
			}
		case childPath != "":
			next = append(next, childPath)
		default:
			return nil, "", "", nil // several types: not followed
		}
	}
	if next == nil {
		return nil, "", name, slices.Compact(slices.Sorted(slices.Values(focus)))
	}
	return slices.Compact(slices.Sorted(slices.Values(next))), rest, "", nil
}

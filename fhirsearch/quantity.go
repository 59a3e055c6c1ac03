package fhirsearch

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/carecert/carecert/fhir/r4core"
)

// quantityTypes are the data types a quantity parameter compares as a
// Quantity; unjudgedTypes those it also selects that carecert does not
// compare (a Range overlaps, SampledData holds many values).
var (
	quantityTypes = []string{"Quantity", "Age", "Duration", "Distance", "Count", "Money", "SimpleQuantity"}
	unjudgedTypes = []string{"Range", "SampledData"}
)

// coreQuantity indexes, once, the quantity search parameters of the FHIR R4
// core SearchParameter definitions by base type, so that every one the
// specification defines is evaluated (Observation value-quantity,
// component-value-quantity and combo-value-quantity, Encounter length,
// Condition onset-age, ChargeItem quantity, ...) rather than one written
// into the table by hand. A parameter whose expression carecert cannot
// read as element paths is left out: it is then "cannot verify", never
// guessed.
var coreQuantity = sync.OnceValue(func() map[string][]Param {
	out := map[string][]Param{}
	resources, err := r4core.Resources(r4core.SearchParameters)
	if err != nil {
		return out // the embedded definitions are part of the binary: never here
	}
	for _, r := range resources {
		raw, err := r.Bytes()
		if err != nil {
			continue
		}
		var sp struct {
			Code, Type, Expression string
			Base                   []string
		}
		if json.Unmarshal(raw, &sp) != nil || sp.Type != string(Quantity) {
			continue
		}
		for _, base := range sp.Base {
			if p, ok := coreParam(base, sp.Code, sp.Expression); ok {
				out[base] = append(out[base], p)
			}
		}
	}
	return out
})

// typeTests are the ways an expression tests a choice's type: R4 writes
// "(Type.a.b as T)" and "Type.a.b.as(T)", guides "Type.a.b.ofType(T)".
var typeTests = []string{" as ", ".as(", ".ofType("}

// coreParam reads a quantity SearchParameter's FHIRPath expression for
// one base type: alternatives "Type.a.b" or "Type.a.b" with a type test
// (typeTests), each an
// element path (b[T] a choice's typed name). Alternatives of another base
// are not this type's; any other form makes the parameter unreadable.
func coreParam(base, code, expression string) (Param, bool) {
	p := Param{Name: code, Kind: Quantity}
	for _, alt := range strings.Split(expression, "|") {
		alt = strings.Trim(strings.TrimSpace(alt), "()")
		rest, ok := strings.CutPrefix(alt, base+".")
		if !ok {
			continue
		}
		typ := ""
		for _, test := range typeTests {
			if head, t, typed := strings.Cut(rest, test); typed {
				rest, typ = head, strings.TrimSuffix(t, ")")
				break
			}
		}
		if strings.ContainsAny(rest, "()[] ") {
			return Param{}, false
		}
		switch {
		case typ == "" || slices.Contains(quantityTypes, typ):
			p.Paths = append(p.Paths, rest+typ)
		case slices.Contains(unjudgedTypes, typ):
			p.Unjudged = append(p.Unjudged, rest+typ)
		default:
			return Param{}, false
		}
	}
	return p, len(p.Paths) > 0
}

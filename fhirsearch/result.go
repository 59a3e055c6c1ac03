package fhirsearch

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/carecert/carecert/fhir/elements"
)

// The result parameters shape what a search returns rather than which
// resources match: _summary and _elements subset each resource, _sort orders
// the matches. The rules below are the FHIR R4 search page's; the simulator
// answers with them and the REST API checks judge servers by them.

// SubsettedSystem and Subsetted are the tag a server SHOULD put on a
// resource it returns in part, so that nobody writes it back as whole.
const (
	SubsettedSystem = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
	Subsetted       = "SUBSETTED"
)

// IsSubsetted reports whether res carries the SUBSETTED tag.
func IsSubsetted(res map[string]any) bool {
	meta, _ := res["meta"].(map[string]any)
	tags, _ := meta["tag"].([]any)
	for _, t := range tags {
		m, _ := t.(map[string]any)
		if str(m["code"]) == Subsetted && strings.Contains(str(m["system"]), "ObservationValue") {
			return true
		}
	}
	return false
}

// ElementName is the name the type's definition gives a top-level JSON key
// ("valueQuantity" is "value"), or "" when it defines no such element.
func ElementName(typ, key string) string {
	el := elements.MustR4().Element(typ + "." + key)
	if el == nil || strings.Count(el.Path, ".") != 1 {
		return ""
	}
	return el.Name()
}

// IsChoice reports whether a top-level key is a typed choice element
// (valueQuantity), which _elements names by its base name.
func IsChoice(typ, key string) bool {
	el := elements.MustR4().Element(typ + "." + key)
	return el != nil && el.Choice
}

// Mandatory lists the top-level elements of a type with a minimum
// cardinality of at least one, by name: a server SHOULD return them whatever
// _elements asks for.
func Mandatory(typ string) []string {
	def := elements.MustR4().Definition(typ)
	if def == nil {
		return nil
	}
	var out []string
	for _, el := range def.Elements {
		if strings.Count(el.Path, ".") == 1 && el.Min > 0 {
			out = append(out, el.Name())
		}
	}
	return out
}

// Holds reports whether res has a value for the element of that name (a
// choice element under any of its typed keys).
func Holds(res map[string]any, name string) bool {
	typ := str(res["resourceType"])
	for k := range res {
		if k == name || ElementName(typ, k) == name {
			return true
		}
	}
	return false
}

// IsSummary reports whether a top-level key's element is marked as part of
// the summary in the type's definition (valueQuantity: Observation.value[x]).
func IsSummary(typ, key string) bool {
	el := elements.MustR4().Element(typ + "." + key)
	return el != nil && el.IsSummary
}

// keep copies res with only the top-level keys keep accepts, resourceType,
// id and meta always, tagged SUBSETTED when anything was left out.
func keep(res map[string]any, keep func(key string) bool) map[string]any {
	out := map[string]any{}
	cut := false
	for k, v := range res {
		switch {
		case k == "resourceType" || k == "id" || k == "meta" || keep(k):
			out[k] = v
		default:
			cut = true
		}
	}
	if cut {
		tagSubsetted(out)
	}
	return out
}

func tagSubsetted(res map[string]any) {
	meta := map[string]any{}
	if m, ok := res["meta"].(map[string]any); ok {
		for k, v := range m {
			meta[k] = v
		}
	}
	tags, _ := meta["tag"].([]any)
	meta["tag"] = append(append([]any{}, tags...), map[string]any{"system": SubsettedSystem, "code": Subsetted})
	res["meta"] = meta
}

// Elements returns res as _elements=names asks: the named top-level
// elements and the mandatory ones.
func Elements(res map[string]any, names []string) map[string]any {
	typ := str(res["resourceType"])
	wanted := map[string]bool{}
	for _, n := range append(Mandatory(typ), names...) {
		wanted[n] = true
	}
	return keep(res, func(k string) bool { return wanted[ElementName(typ, k)] })
}

// Summary returns res as _summary=mode asks: "true" the elements the
// definition marks as summary, "text" the narrative and the mandatory
// elements, "data" all but the narrative, "false" all of it. "count" has no
// resources and is not a mode of this function.
func Summary(res map[string]any, mode string) (map[string]any, error) {
	typ := str(res["resourceType"])
	mandatory := map[string]bool{}
	for _, n := range Mandatory(typ) {
		mandatory[n] = true
	}
	switch mode {
	case "false":
		return res, nil
	case "true":
		return keep(res, func(k string) bool { return IsSummary(typ, k) || mandatory[ElementName(typ, k)] }), nil
	case "text":
		return keep(res, func(k string) bool { return k == "text" || mandatory[ElementName(typ, k)] }), nil
	case "data":
		return keep(res, func(k string) bool { return k != "text" }), nil
	}
	return nil, fmt.Errorf("_summary %q: want true, text, data, count or false", mode)
}

// Compare orders two resources by one _sort rule ("birthdate" ascending,
// "-birthdate" descending): negative when a must come first, positive when b
// must, 0 when the rule does not tell them apart (equal values, or a value
// missing from either). Ascending compares each resource's lowest value,
// descending its highest, dates by the time their precision covers.
func Compare(typ, rule string, a, b map[string]any) (int, error) {
	name, desc := strings.CutPrefix(rule, "-")
	p, ok := Lookup(typ, name)
	if !ok {
		return 0, fmt.Errorf("_sort: unknown search parameter %q for %s", name, typ)
	}
	ka, okA := sortKey(p, a, desc)
	kb, okB := sortKey(p, b, desc)
	if !okA || !okB {
		return 0, nil
	}
	c := ka.compare(kb)
	if desc {
		c = -c
	}
	return c, nil
}

// key is a value as it sorts: by number first when it has one (a
// quantity's value), then by text, which orders as the values do.
type key struct {
	num  *big.Rat
	text string
}

func (a key) compare(b key) int {
	if a.num != nil && b.num != nil {
		if c := a.num.Cmp(b.num); c != 0 {
			return c
		}
	}
	return strings.Compare(a.text, b.text)
}

// sortKey is the value a resource sorts by: its lowest (or, descending,
// highest) value of the parameter.
func sortKey(p Param, res map[string]any, highest bool) (key, bool) {
	var keys []key
	for _, v := range p.Values(res) {
		if k, ok := valueKey(p.Kind, v, highest); ok {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return key{}, false
	}
	slices.SortFunc(keys, key.compare)
	if highest {
		return keys[len(keys)-1], true
	}
	return keys[0], true
}

func valueKey(kind Kind, v any, highest bool) (key, bool) {
	if kind == Quantity {
		// by value, then unit: quantities in different units are not
		// converted, so 5 mg sorts before 1 g
		m, _ := v.(map[string]any)
		n, ok := quantityValue(m)
		return key{num: n, text: quantityUnit(m)}, ok
	}
	s, ok := textKey(kind, v, highest)
	return key{text: s}, ok
}

// textKey is the key of a value of a kind that sorts as text.
func textKey(kind Kind, v any, highest bool) (string, bool) {
	switch kind {
	case Date:
		var lo, hi time.Time
		var err error
		switch x := v.(type) {
		case string:
			lo, hi, err = dateRange(x)
		case map[string]any:
			if lo, _, err = dateRange(str(x["start"])); err == nil {
				_, hi, err = dateRange(str(x["end"]))
			}
		default:
			return "", false
		}
		if err != nil {
			return "", false
		}
		t := lo
		if highest {
			t = hi
		}
		return t.UTC().Format("2006-01-02T15:04:05.000000000"), true
	case String:
		s, ok := v.(string)
		return fold(s), ok
	case Token:
		switch x := v.(type) {
		case string:
			return x, true
		case bool:
			return fmt.Sprint(x), true
		case map[string]any:
			if codings, ok := x["coding"].([]any); ok && len(codings) > 0 {
				m, _ := codings[0].(map[string]any)
				return str(m["code"]), str(m["code"]) != ""
			}
			if s := str(x["value"]); s != "" {
				return s, true
			}
			return str(x["code"]), str(x["code"]) != ""
		}
	case Reference:
		m, _ := v.(map[string]any)
		return str(m["reference"]), str(m["reference"]) != ""
	}
	return "", false
}

// Sort orders resources of one type by a _sort value (rules separated by
// commas, in priority order), stably; an unknown parameter is an error.
func Sort(typ, rules string, list []map[string]any) error {
	rs := strings.Split(rules, ",")
	for _, r := range rs {
		if _, err := Compare(typ, r, nil, nil); err != nil {
			return err
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		for _, r := range rs {
			if c, _ := Compare(typ, r, list[i], list[j]); c != 0 {
				return c < 0
			}
		}
		return false
	})
	return nil
}

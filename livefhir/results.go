package livefhir

import (
	"context"
	"net/url"
	"sort"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/fhirsearch"
)

// results searches with the result parameters the statement declares
// (_summary, _elements, _sort), each narrowed by _id to resources read
// earlier so that the answer is known: _summary=count must count the one
// match, _summary=true and _elements must return it subsetted as the
// specification says, and _sort in both directions must order the two
// resources of a type by their own values.
func (p *probe) results(ctx context.Context, caps *capabilities, types []string, sample map[string]map[string]any) {
	var why []string
	for _, typ := range seeded(caps, types, sample) {
		res := sample[typ]
		id := fhir.ID(res)
		want := typ + "/" + id
		declared := false
		if caps.declaresParam(typ, "_summary") {
			declared = true
			for _, mode := range []string{"count", "true"} {
				p.resultSearch(ctx, typ, want, res, url.Values{"_id": {id}}, "_summary", mode)
			}
		}
		if caps.declaresParam(typ, "_elements") {
			declared = true
			if el := elementToAsk(typ, res); el != "" {
				p.resultSearch(ctx, typ, want, res, url.Values{"_id": {id}}, "_elements", el)
			} else {
				why = append(why, want+" has no optional element to ask for with _elements")
			}
		}
		if caps.declaresParam(typ, "_sort") {
			declared = true
			other := p.second[typ]
			name := ""
			if other != nil {
				name = sortParam(caps, typ, res, other)
			}
			if name == "" {
				why = append(why, "no two "+typ+" read earlier differ in a declared date or string parameter to sort by")
				continue
			}
			ids := url.Values{"_id": {id + "," + fhir.ID(other)}}
			for _, rule := range []string{name, "-" + name} {
				p.resultSearch(ctx, typ, "", nil, ids, "_sort", rule)
			}
		}
		if !declared {
			why = append(why, "the server declares none of _summary, _elements and _sort for "+typ)
		}
	}
	if !p.emitted[fhirclient.SearchResult] {
		if len(why) == 0 {
			why = []string{"no resource was read earlier to search for with _summary, _elements or _sort"}
		}
		p.notSent(fhirclient.SearchResult, "result parameters", "", strings.Join(why, "; "))
	}
}

// resultSearch searches typ by filters and one result parameter; whole is
// the resource as read earlier, to compare a subsetted answer with.
func (p *probe) resultSearch(ctx context.Context, typ, expect string, whole map[string]any, filters url.Values, param, value string) {
	q := url.Values{param: {value}}
	for k, v := range filters {
		q[k] = v
	}
	label := typ + "?_id=" + filters.Get("_id") + "&" + param + "=" + value
	p.do(ctx, fhirclient.Request{Interaction: fhirclient.SearchResult, Label: label, Path: typ, Query: q}, func(ex *fhirclient.Exchange) {
		ex.Type, ex.Expect, ex.JSON, ex.Declared = typ, expect, whole, p.caps != nil
		ex.Query = map[string][]string(filters)
		ex.Result = map[string]string{param: value}
	})
}

// elementToAsk picks a top-level element of res that is neither mandatory
// (a server returns those anyway) nor a choice (named apart from its key)
// nor a resource's own bookkeeping, so that _elements asking for it shows
// whether the server honours the list.
func elementToAsk(typ string, res map[string]any) string {
	mandatory := map[string]bool{}
	for _, n := range fhirsearch.Mandatory(typ) {
		mandatory[n] = true
	}
	keys := make([]string, 0, len(res))
	for k := range res {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch k {
		case "resourceType", "id", "meta", "text", "contained", "extension", "modifierExtension", "implicitRules", "language":
			continue
		}
		if name := fhirsearch.ElementName(typ, k); name == k && !mandatory[k] && !fhirsearch.IsChoice(typ, k) {
			return k
		}
	}
	return ""
}

// sortParam picks a declared date (first) or string parameter by which two
// resources of typ differ, so that each sort direction has one right order.
func sortParam(caps *capabilities, typ string, a, b map[string]any) string {
	for _, kind := range []fhirsearch.Kind{fhirsearch.Date, fhirsearch.String} {
		for _, prm := range fhirsearch.Params(typ) {
			if prm.Kind != kind || prm.Name == "_lastUpdated" || caps.undeclaredSearch(typ, url.Values{prm.Name: {""}}) != "" {
				continue
			}
			asc, _ := fhirsearch.Compare(typ, prm.Name, a, b)
			desc, _ := fhirsearch.Compare(typ, "-"+prm.Name, a, b)
			if asc != 0 && desc != 0 {
				return prm.Name
			}
		}
	}
	return ""
}

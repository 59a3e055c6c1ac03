package restapi

import (
	"fmt"
	"sort"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/fhirsearch"
	"github.com/carecert/carecert/model"
)

// searchResult judges a search with a result parameter the statement
// declares, as the FHIR R4 search page defines them: _summary=count gives
// the number of matches (Bundle.total) without them; _summary=true and
// _elements return the match subsetted, holding the elements asked for (the
// summary: those the core definition marks isSummary) and SHOULD its
// mandatory ones, and SHOULD tag it SUBSETTED when anything was
// left out (a server need not subset at all); _sort returns the matches in
// the order of their own values.
func searchResult(ex *fhirclient.Exchange) []model.Finding {
	what := "search " + ex.Label
	if f := okBundle(ex, "api.search-status", "api.searchset", what, "searchset"); f != nil {
		return f
	}
	type match struct {
		res map[string]any
		at  int
	}
	var matches []match
	for i, e := range entries(ex.Resource) {
		res, _ := e["resource"].(map[string]any)
		search, _ := e["search"].(map[string]any)
		if mode := str(search, "mode"); fhir.ResourceType(res) == ex.Type && mode != "include" && mode != "outcome" {
			matches = append(matches, match{res, i})
		}
	}
	if rule, ok := ex.Result["_sort"]; ok {
		var out []model.Finding
		told := 0
		for i := 0; i+1 < len(matches); i++ {
			a, b := matches[i], matches[i+1]
			c, err := fhirsearch.Compare(ex.Type, rule, a.res, b.res)
			if err != nil {
				return notJudged(ex, what+": "+err.Error())
			}
			if c != 0 {
				told++
			}
			if c > 0 {
				out = append(out, at(finding(ex, model.Error, "api.sort-order", "%s returned %s/%s before %s/%s, against the order _sort=%s asks for",
					what, ex.Type, fhir.ID(a.res), ex.Type, fhir.ID(b.res), rule), fmt.Sprintf("Bundle.entry[%d]", b.at)))
			}
		}
		if told == 0 {
			return notJudged(ex, fmt.Sprintf("%s returned no two matches that _sort=%s tells apart (%d match(es))", what, rule, len(matches)))
		}
		return out
	}
	if ex.Result["_summary"] == "count" {
		total, ok := model.Number(ex.Resource["total"])
		switch {
		case !ok:
			return fail(ex, "api.summary-count", "%s returned no Bundle.total: _summary=count asks for the number of matches", what)
		case int(total) != 1:
			return fail(ex, "api.summary-count", "%s returned Bundle.total %v, but the search matches one resource, %s", what, total, ex.Expect)
		case len(matches) > 0:
			return []model.Finding{finding(ex, model.Warning, "api.summary-count-matches", "%s returned %d match(es): _summary=count asks for the count alone", what, len(matches))}
		}
		return nil
	}
	for _, m := range matches {
		if fhir.ResourceType(m.res)+"/"+fhir.ID(m.res) == ex.Expect {
			return subsetted(ex, what, m.res, fmt.Sprintf("Bundle.entry[%d].resource", m.at))
		}
	}
	if nextLink(ex.Resource) {
		return notJudged(ex, what+" did not return "+ex.Expect+" on its first page, and more pages follow")
	}
	return fail(ex, "api.search-result-recall", "%s did not return %s, which the server holds and which matches it", what, ex.Expect)
}

// subsetted judges a match returned under _summary=true or _elements
// against the resource as read whole (ex.JSON).
func subsetted(ex *fhirclient.Exchange, what string, got map[string]any, path string) []model.Finding {
	whole := ex.JSON
	if whole == nil {
		return notJudged(ex, what+": carecert has no whole copy of "+ex.Expect+" to compare with")
	}
	var out []model.Finding
	if asked := ex.Result["_elements"]; asked != "" {
		for _, name := range strings.Split(asked, ",") {
			if fhirsearch.Holds(whole, name) && !fhirsearch.Holds(got, name) {
				out = append(out, at(finding(ex, model.Error, "api.elements-dropped", "%s returned %s without %s, which it holds and the search asked for", what, ex.Expect, name), path))
			}
		}
	}
	dropped := map[string]bool{}
	if ex.Result["_summary"] == "true" {
		// The summary is every element the definition marks isSummary that
		// the server supports, which it shows by holding it in the read;
		// meta is the server's, and holds the SUBSETTED tag.
		var names []string
		for k := range whole {
			if name := fhirsearch.ElementName(ex.Type, k); name != "" && name != "meta" && fhirsearch.IsSummary(ex.Type, k) && !fhirsearch.Holds(got, name) {
				names = append(names, name)
				dropped[name] = true
			}
		}
		sort.Strings(names)
		for _, name := range names {
			out = append(out, at(finding(ex, model.Error, "api.summary-dropped", "%s returned %s without %s, which it holds and which is a summary element of %s",
				what, ex.Expect, name, ex.Type), path))
		}
	}
	for _, name := range fhirsearch.Mandatory(ex.Type) {
		if fhirsearch.Holds(whole, name) && !fhirsearch.Holds(got, name) && !dropped[name] {
			out = append(out, at(finding(ex, model.Warning, "api.subset-mandatory", "%s returned %s without its mandatory element %s (a server SHOULD return mandatory elements whatever it is asked for)",
				what, ex.Expect, name), path))
		}
	}
	var left []string
	for k := range whole {
		if _, kept := got[k]; !kept && k != "meta" {
			left = append(left, k)
		}
	}
	sort.Strings(left)
	if len(left) == 0 && len(out) == 0 {
		// Allowed: a server need not subset. Said, so that a pass here is
		// not read as subsetting shown.
		return []model.Finding{at(finding(ex, model.Information, "api.not-subsetted", "%s returned %s whole: the server did not subset it, which the specification allows", what, ex.Expect), path)}
	}
	if len(left) > 0 && !fhirsearch.IsSubsetted(got) {
		out = append(out, at(finding(ex, model.Warning, "api.subsetted-tag", "%s returned %s without %s but not tagged SUBSETTED in meta.tag (a server SHOULD tag a part resource, so that nobody writes it back as whole)",
			what, ex.Expect, strings.Join(left, ", ")), path+".meta"))
	}
	return out
}

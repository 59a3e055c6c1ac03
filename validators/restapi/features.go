package restapi

import (
	"fmt"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/fhirsearch"
	"github.com/carecert/carecert/model"
)

// searchFeatures judges a search using a declared feature (multiple-or,
// date comparators, _include, _revinclude, modifiers, chains; :in and
// :not-in with the run's terminology engine), built from a resource read
// earlier: its matches satisfy its parameters, and Expect is returned as
// a match (recall), not returned (exclude) or returned as an included
// resource (include).
func searchFeatures(ex *fhirclient.Exchange, terms fhirsearch.Terminology) []model.Finding {
	what := "search " + ex.Label
	if how := undeclarable(ex.Query); how != "" && ex.Status >= 400 && ex.Status <= 499 && ex.ResourceType() == "OperationOutcome" {
		return notJudged(ex, fmt.Sprintf("%s: the server refused the %s (HTTP %d%s); an R4 CapabilityStatement cannot declare it, so the refusal is not held against it",
			what, how, ex.Status, diagnostics(ex)))
	}
	if f := okBundle(ex, "api.search-status", "api.searchset", what, "searchset"); f != nil {
		return f
	}
	out := mismatches(ex, what, terms)
	matched, included := false, false
	for _, e := range entries(ex.Resource) {
		res, _ := e["resource"].(map[string]any)
		key := fhir.ResourceType(res) + "/" + fhir.ID(res)
		if key == ex.Expect {
			isMatch := isMatchEntry(ex, e)
			matched = matched || isMatch
			included = included || !isMatch
		}
	}
	switch ex.Step {
	case "recall":
		if !matched {
			out = append(out, finding(ex, model.Error, "api.search-feature-recall", "%s did not return %s, which the server holds and which matches it", what, ex.Expect))
		}
	case "exclude":
		if matched {
			out = append(out, finding(ex, model.Error, "api.search-feature-excluded", "%s returned %s, which the search excludes (its value does not match)", what, ex.Expect))
		}
	case "include":
		if !included {
			what := strings.TrimPrefix(ex.Label, ex.Type+"?")
			out = append(out, finding(ex, model.Error, "api.search-include", "search %s/%s did not return %s as an included resource (search.mode include), which the CapabilityStatement declares it can",
				ex.Type, what, ex.Expect))
		}
	}
	return out
}

// isMatchEntry says whether a searchset entry is a match of the search's
// own type (not an included resource or an OperationOutcome).
func isMatchEntry(ex *fhirclient.Exchange, e map[string]any) bool {
	res, _ := e["resource"].(map[string]any)
	search, _ := e["search"].(map[string]any)
	mode := str(search, "mode")
	return fhir.ResourceType(res) == ex.Type && mode != "include" && mode != "outcome"
}

// mismatches lists the matches of a search carecert built that do not
// satisfy its parameters (precision), for every search it builds from a
// resource read earlier: a server that adds a resource to the right one
// answers wrongly as much as one that leaves it out. Parameters carecert
// cannot evaluate judge nothing (what else the search expects still holds).
func mismatches(ex *fhirclient.Exchange, what string, terms fhirsearch.Terminology) []model.Finding {
	criteria, err := fhirsearch.Parse(ex.Type, ex.Query)
	if err != nil || criteria == nil {
		return nil
	}
	if terms != nil {
		criteria = fhirsearch.WithTerminology(criteria, terms)
	}
	resolve := bundleResolver(ex.Resource)
	var out []model.Finding
	for i, e := range entries(ex.Resource) {
		res, _ := e["resource"].(map[string]any)
		if !isMatchEntry(ex, e) {
			continue
		}
		if ok, judged := fhirsearch.MatchWith(res, criteria, resolve); judged && !ok {
			out = append(out, at(finding(ex, model.Error, "api.search-mismatch", "%s returned %s/%s, which does not match its parameters", what, ex.Type, fhir.ID(res)),
				fmt.Sprintf("Bundle.entry[%d].resource", i)))
		}
	}
	return out
}

// undeclarable names what a search's filters use that an R4
// CapabilityStatement has no way to declare: a chained parameter or a
// modifier (:missing, :not, :contains); "" when none.
func undeclarable(q map[string][]string) string {
	for k := range q {
		switch {
		case strings.Contains(k, "."):
			return "chained parameter"
		case fhirsearch.Modifier(k) != "":
			return "modifier :" + fhirsearch.Modifier(k)
		}
	}
	return ""
}

// bundleResolver resolves references to the resources a Bundle holds
// (matches and included ones), by Type/id, so that chained parameters can
// be judged on what the server returned with _include.
func bundleResolver(bundle map[string]any) fhirsearch.Resolver {
	held := map[string]map[string]any{}
	for _, e := range entries(bundle) {
		res, _ := e["resource"].(map[string]any)
		if res != nil {
			held[fhir.ResourceType(res)+"/"+fhir.ID(res)] = res
		}
	}
	return func(ref string) map[string]any {
		typ, id, ok := fhirsearch.ReferenceTarget(ref)
		if !ok {
			return nil
		}
		return held[typ+"/"+id]
	}
}

// everything judges Patient/[id]/$everything: a searchset Bundle holding
// the patient and the resource read earlier that refers to them.
func everything(ex *fhirclient.Exchange) []model.Finding {
	what := "GET " + ex.Label
	if f := okBundle(ex, "api.operation-status", "api.operation-bundle", what, "searchset"); f != nil {
		return f
	}
	held := map[string]bool{}
	for _, e := range entries(ex.Resource) {
		res, _ := e["resource"].(map[string]any)
		held[fhir.ResourceType(res)+"/"+fhir.ID(res)] = true
	}
	var out []model.Finding
	for _, want := range []string{"Patient/" + ex.ID, ex.Expect} {
		if want != "" && !held[want] && !nextLink(ex.Resource) {
			out = append(out, finding(ex, model.Error, "api.everything-incomplete", "%s does not hold %s, which is in the patient's record", what, want))
		}
	}
	return out
}

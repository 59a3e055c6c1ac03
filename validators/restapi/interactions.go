package restapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/fhirsearch"
	"github.com/carecert/carecert/model"
)

func capabilities(ex *fhirclient.Exchange) []model.Finding {
	if f := status(ex, "api.capabilities-missing", "GET /metadata", http.StatusOK); f != nil {
		return f
	}
	cs := ex.Resource
	if rt := ex.ResourceType(); rt != "CapabilityStatement" {
		return fail(ex, "api.capabilities-missing", "GET /metadata returned %s, want a CapabilityStatement", describe(ex))
	}
	var out []model.Finding
	if v := str(cs, "fhirVersion"); !strings.HasPrefix(v, "4.0.") {
		out = append(out, finding(ex, model.Error, "api.fhir-version", "the CapabilityStatement declares fhirVersion %q, want 4.0.x (FHIR R4)", v))
	}
	formats, _ := cs["format"].([]any)
	json := false
	for _, f := range formats {
		s, _ := f.(string)
		json = json || s == "json" || strings.Contains(s, "json")
	}
	if !json {
		out = append(out, finding(ex, model.Error, "api.capabilities-format", "the CapabilityStatement's format %v does not declare JSON", formats))
	}
	server := false
	rests, _ := cs["rest"].([]any)
	for _, r := range rests {
		m, _ := r.(map[string]any)
		server = server || str(m, "mode") == "server"
	}
	if !server {
		out = append(out, finding(ex, model.Error, "api.capabilities-rest", "the CapabilityStatement has no rest entry with mode server"))
	}
	return out
}

// describe says what a body was, for messages.
func describe(ex *fhirclient.Exchange) string {
	switch {
	case ex.ResourceType() != "":
		return "a " + ex.ResourceType()
	case ex.BodyProblem != "":
		return "an unreadable body (" + ex.BodyProblem + ")"
	case ex.BodyBytes == 0:
		return "an empty body"
	case ex.ContentType() != "":
		return "a " + ex.ContentType() + " body"
	}
	return "a body that is not FHIR JSON"
}

func read(ex *fhirclient.Exchange) []model.Finding {
	if f := status(ex, "api.read-status", "read "+ex.Type+"/"+ex.ID, http.StatusOK); f != nil {
		return f
	}
	if ex.ResourceType() != ex.Type || fhir.ID(ex.Resource) != ex.ID {
		return fail(ex, "api.read-mismatch", "read %s/%s returned %s with id %q", ex.Type, ex.ID, describe(ex), fhir.ID(ex.Resource))
	}
	if f := etagAgrees(ex, "read "+ex.Type+"/"+ex.ID); f != nil {
		return f
	}
	if ex.Header("etag") == "" {
		return []model.Finding{finding(ex, model.Warning, "api.read-etag", "read %s/%s has no ETag header (servers SHOULD send the version as a weak ETag)", ex.Type, ex.ID)}
	}
	return nil
}

func vread(ex *fhirclient.Exchange) []model.Finding {
	what := fmt.Sprintf("vread %s/%s version %s", ex.Type, ex.ID, ex.VersionID)
	if f := status(ex, "api.vread-status", what, http.StatusOK); f != nil {
		return f
	}
	if ex.ResourceType() != ex.Type || fhir.ID(ex.Resource) != ex.ID {
		return fail(ex, "api.vread-mismatch", "%s returned %s with id %q", what, describe(ex), fhir.ID(ex.Resource))
	}
	meta, _ := ex.Resource["meta"].(map[string]any)
	if v := str(meta, "versionId"); v != ex.VersionID {
		return fail(ex, "api.vread-mismatch", "%s returned meta.versionId %q", what, v)
	}
	return etagAgrees(ex, what)
}

// searchWhat names a search exchange in messages.
func searchWhat(ex *fhirclient.Exchange) string {
	if ex.Paging != nil && ex.Paging.Number > 1 {
		return fmt.Sprintf("page %d of search %s", ex.Paging.Number, ex.Paging.Chain)
	}
	return "search " + ex.Label
}

func search(ex *fhirclient.Exchange) []model.Finding {
	what := searchWhat(ex)
	if f := okBundle(ex, "api.search-status", "api.searchset", what, "searchset"); f != nil {
		return f
	}
	b := ex.Resource
	var out []model.Finding
	matches := 0
	for i, e := range entries(b) {
		path := fmt.Sprintf("Bundle.entry[%d]", i)
		res, _ := e["resource"].(map[string]any)
		if res == nil {
			out = append(out, at(finding(ex, model.Error, "api.searchset-entry", "%s: entry %d has no resource", what, i), path))
			continue
		}
		if str(e, "fullUrl") == "" {
			out = append(out, at(finding(ex, model.Error, "api.searchset-entry", "%s: entry %d (%s/%s) has no fullUrl", what, i, fhir.ResourceType(res), fhir.ID(res)), path+".fullUrl"))
		}
		search, _ := e["search"].(map[string]any)
		mode := str(search, "mode")
		if mode == "" || mode == "match" {
			matches++
			if fhir.ResourceType(res) != ex.Type && fhir.ResourceType(res) != "OperationOutcome" {
				out = append(out, at(finding(ex, model.Error, "api.searchset-type", "%s: entry %d is a %s, not a %s", what, i, fhir.ResourceType(res), ex.Type), path+".resource"))
			}
		}
	}
	if t, ok := model.Number(b["total"]); ok && (ex.Paging == nil || ex.Paging.Number == 1) && int(t) < matches {
		out = append(out, at(finding(ex, model.Error, "api.searchset-total", "%s: Bundle.total is %d but the first page alone holds %d matches", what, int(t), matches), "Bundle.total"))
	}
	if ex.Count > 0 && matches > ex.Count {
		out = append(out, finding(ex, model.Error, "api.count-ignored", "%s asked for _count=%d and got %d matches on one page", what, ex.Count, matches))
	}
	return out
}

func at(f model.Finding, path string) model.Finding {
	f.Path = path
	return f
}

// searchMatchParams are API-05's: min_cases, and the SNOMED CT release
// that decides :above and :below on SNOMED CT codes.
type searchMatchParams struct {
	MinCases int    `param:"min_cases" doc:"cases that must be judged before the requirement may pass; fewer is a skip that says so"`
	Snomed   string `param:"snomed" doc:"SQLite file of a SNOMED CT release (carecert terminology load-snomed) that decides :above and :below on SNOMED CT codes (default: the plan's terminology snomed); without one they are not judged"`
}

// newSearchMatch judges searches (API-05) with the run's terminology, a
// requirement's own SNOMED CT release over the plan's.
func (terms Terminologies) newSearchMatch(spec check.Spec, p searchMatchParams, env *check.Env) (check.Check, error) {
	return terms.searchCheck(spec, env, check.Terminology{Snomed: p.Snomed}, p.MinCases, searchMatch, fhirclient.Search, fhirclient.Page)
}

// newSearchFeatures judges the probe's feature searches (API-25) with the
// run's terminology, so that the precision of its :in and :not-in searches
// is decided as API-05's are.
func (terms Terminologies) newSearchFeatures(spec check.Spec, p judgedParams, env *check.Env) (check.Check, error) {
	return terms.searchCheck(spec, env, check.Terminology{}, p.MinCases, searchFeatures, fhirclient.SearchFeatures)
}

// searchCheck judges searches of some interactions with the terminology of
// own settings over the run's, the one every check that judges codes
// shares, so that :in, :not-in and token :above and :below are decided as
// bindings and is-a filters are; what it cannot decide offline stays not
// judged.
func (terms Terminologies) searchCheck(spec check.Spec, env *check.Env, own check.Terminology, minCases int,
	judge func(*fhirclient.Exchange, fhirsearch.Terminology) []model.Finding, interactions ...string) (check.Check, error) {
	t, err := terms(env, own)
	if err != nil {
		return nil, fmt.Errorf("terminology for :in, :not-in, :above and :below: %w", err)
	}
	judged := func(ex *fhirclient.Exchange) []model.Finding { return judge(ex, t) }
	return perExchange(judged, interactions...)(spec, judgedParams{MinCases: minCases}, env)
}

func searchMatch(ex *fhirclient.Exchange, terms fhirsearch.Terminology) []model.Finding {
	switch {
	case len(ex.Query) == 0:
		return notJudged(ex, searchWhat(ex)+" has no filter parameters (name searches in the target's searches option)")
	case ex.Failed() || ex.Status != http.StatusOK || ex.ResourceType() != "Bundle":
		// The search check reports the failure; there are no results here.
		return notJudged(ex, searchWhat(ex)+" returned no searchset to compare")
	}
	criteria, err := fhirsearch.Parse(ex.Type, ex.Query)
	if err != nil {
		return notJudged(ex, fmt.Sprintf("%s: cannot verify the results: %v (carecert evaluates the common parameters of common types)", searchWhat(ex), err))
	}
	if len(criteria) == 0 {
		return notJudged(ex, searchWhat(ex)+" has no filter parameters carecert evaluates")
	}
	criteria = fhirsearch.WithTerminology(criteria, terms)
	var out []model.Finding
	compared, unresolved := 0, 0
	resolve := bundleResolver(ex.Resource)
	for i, e := range entries(ex.Resource) {
		res, _ := e["resource"].(map[string]any)
		search, _ := e["search"].(map[string]any)
		if res == nil || (str(search, "mode") != "" && str(search, "mode") != "match") || fhir.ResourceType(res) != ex.Type {
			continue
		}
		if _, judged := fhirsearch.MatchWith(res, criteria, resolve); !judged {
			unresolved++ // a chain whose reference the answer does not include, or whose tail carecert cannot evaluate on the type it reached
			continue
		}
		compared++
		for _, c := range criteria {
			if ok, _ := c.Eval(res, resolve); !ok {
				f := finding(ex, model.Error, "api.search-mismatch", "%s returned %s/%s, which does not match %s=%s",
					searchWhat(ex), ex.Type, fhir.ID(res), c.Name(), strings.Join(c.Values, ","))
				f.Path = fmt.Sprintf("Bundle.entry[%d].resource", i)
				out = append(out, f)
				break
			}
		}
	}
	if compared == 0 && unresolved > 0 && slices.ContainsFunc(criteria, fhirsearch.Criterion.NeedsTerminology) {
		return notJudged(ex, fmt.Sprintf("%s: %d match(es) hang on a chained parameter whose referenced resources the answer does not hold or whose tail carecert cannot evaluate on their type, or on a value set, code or hierarchy carecert cannot decide offline (:in, :not-in, :above, :below)", searchWhat(ex), unresolved))
	}
	if compared == 0 && unresolved > 0 {
		return notJudged(ex, fmt.Sprintf("%s: %d match(es) hang on a chained parameter whose referenced resources the answer does not hold (search with _include of the reference to judge them), or whose tail carecert cannot evaluate on the type they are", searchWhat(ex), unresolved))
	}
	if compared == 0 {
		return notJudged(ex, searchWhat(ex)+" returned no match to compare with its parameters")
	}
	return out
}

func history(ex *fhirclient.Exchange) []model.Finding {
	what := "history of " + ex.Type + "/" + ex.ID
	if f := okBundle(ex, "api.history-status", "api.history-bundle", what, "history"); f != nil {
		return f
	}
	es := entries(ex.Resource)
	if len(es) == 0 {
		return fail(ex, "api.history-empty", "%s is empty, but the resource exists", what)
	}
	var out []model.Finding
	for i, e := range es {
		req, _ := e["request"].(map[string]any)
		resp, _ := e["response"].(map[string]any)
		if str(req, "method") == "" || str(resp, "status") == "" {
			out = append(out, at(finding(ex, model.Error, "api.history-entry", "%s: entry %d lacks request.method or response.status", what, i), fmt.Sprintf("Bundle.entry[%d]", i)))
		}
	}
	return out
}

// okBundle checks a 200 answer holding a Bundle of the given type.
func okBundle(ex *fhirclient.Exchange, statusCode, bundleCode, what, typ string) []model.Finding {
	if f := status(ex, statusCode, what, http.StatusOK); f != nil {
		return f
	}
	if ex.ResourceType() != "Bundle" || str(ex.Resource, "type") != typ {
		return fail(ex, bundleCode, "%s returned %s of type %q, want a %s Bundle", what, describe(ex), str(ex.Resource, "type"), typ)
	}
	return nil
}

// outcomeWith checks an error response: the status and an OperationOutcome.
func outcomeWith(ex *fhirclient.Exchange, code, what string, want ...int) []model.Finding {
	if f := status(ex, code+"-status", what, want...); f != nil {
		return f
	}
	if ex.ResourceType() != "OperationOutcome" {
		return fail(ex, code+"-outcome", "%s returned HTTP %d with %s, want an OperationOutcome", what, ex.Status, describe(ex))
	}
	return nil
}

func notFound(ex *fhirclient.Exchange) []model.Finding {
	return outcomeWith(ex, "api.not-found", "read of unknown "+ex.Type+"/"+ex.ID, http.StatusNotFound, http.StatusGone)
}

func badRequest(ex *fhirclient.Exchange) []model.Finding {
	return outcomeWith(ex, "api.bad-request", "search "+ex.Label+" (with Prefer: handling=strict)", http.StatusBadRequest)
}

// unknownParam judges a search with a parameter no server defines, by the
// handling its Label says was asked for.
func unknownParam(ex *fhirclient.Exchange) []model.Finding {
	what := "search " + ex.Label
	if strings.HasSuffix(ex.Label, "(handling=strict)") {
		if f := answered(ex, what); f != nil {
			return f
		}
		if ex.Status < 400 || ex.Status > 499 {
			return fail(ex, "api.unknown-param-strict", "%s returned HTTP %d, want a 4xx error naming the unknown parameter", what, ex.Status)
		}
		if ex.ResourceType() != "OperationOutcome" {
			return fail(ex, "api.unknown-param-outcome", "%s returned HTTP %d with %s, want an OperationOutcome", what, ex.Status, describe(ex))
		}
		return nil
	}
	if f := status(ex, "api.unknown-param-lenient", what, http.StatusOK); f != nil {
		return f
	}
	if ex.ResourceType() != "Bundle" {
		return fail(ex, "api.unknown-param-lenient", "%s returned %s, want a searchset Bundle", what, describe(ex))
	}
	links, _ := ex.Resource["link"].([]any)
	for _, l := range links {
		m, _ := l.(map[string]any)
		if m["relation"] != "self" {
			continue
		}
		self, _ := m["url"].(string)
		u, err := url.Parse(self)
		if err != nil {
			return fail(ex, "api.self-link", "%s returned a self link that is not a URL: %q", what, self)
		}
		// The Label is Type?name=value (handling=...).
		_, asked, _ := strings.Cut(ex.Label, "?")
		name, _, _ := strings.Cut(asked, "=")
		if u.Query().Has(name) {
			return fail(ex, "api.self-link", "%s ignored the unknown parameter but its self link %q shows it as used", what, self)
		}
		return nil
	}
	return fail(ex, "api.self-link", "%s returned a Bundle without a self link, which must show the parameters the search used", what)
}

func format(ex *fhirclient.Exchange) []model.Finding {
	what := "GET " + ex.Label
	if f := status(ex, "api.format-status", what, http.StatusOK); f != nil {
		return f
	}
	if !ex.IsJSON() || ex.Resource == nil {
		return fail(ex, "api.format", "%s returned content-type %q with %s, want FHIR JSON", what, ex.Header("content-type"), describe(ex))
	}
	return nil
}

// searchRecall judges a search built from a resource the probe had already
// seen: the resource must come back, and every match must satisfy the
// search's parameters. A search that answers with a next link
// and not the resource on its first page is not judged (it may be further on).
func searchRecall(ex *fhirclient.Exchange) []model.Finding {
	what := "search " + ex.Label
	if f := okBundle(ex, "api.search-status", "api.searchset", what, "searchset"); f != nil {
		return f
	}
	out := mismatches(ex, what, nil)
	for _, e := range entries(ex.Resource) {
		res, _ := e["resource"].(map[string]any)
		if fhir.ResourceType(res)+"/"+fhir.ID(res) == ex.Expect {
			return out
		}
	}
	if nextLink(ex.Resource) {
		return append(out, notJudged(ex, what+" did not return "+ex.Expect+" on its first page, and more pages follow")...)
	}
	return append(out, fail(ex, "api.search-recall", "%s did not return %s, which the server holds and which matches it", what, ex.Expect)...)
}

func nextLink(bundle map[string]any) bool {
	links, _ := bundle["link"].([]any)
	for _, l := range links {
		m, _ := l.(map[string]any)
		if str(m, "relation") == "next" {
			return true
		}
	}
	return false
}

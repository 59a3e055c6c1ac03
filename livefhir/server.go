// Package livefhir tests live FHIR systems: the fhir-server target exercises a
// server's REST API (capabilities, read, vread, search and paging, history,
// errors, format negotiation, writes when allowed) and the fhir-bulk target
// runs a Bulk Data $export. Both stream two kinds of records into the run:
// every request and response as a model.KindExchange record (a
// *fhirclient.Exchange, judged by the fhir-rest-api and fhir-bulk-data
// suites) and every resource the server returned as an ordinary FHIR record,
// judged by whatever FHIR suites the plan names.
package livefhir

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/fhirsearch"
	"github.com/carecert/carecert/internal/secret"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/terminology"
)

// Register adds the fhir-server and fhir-bulk target types.
func Register(r *target.Registry) {
	target.Define(r, "fhir-server", "a live FHIR R4 REST server (url): its API exchanges and the resources it returns", serverDefaults, openServerTarget)
	target.Define(r, "fhir-bulk", "a Bulk Data $export of a live FHIR server (url, level system|patient|group)", bulkDefaults, openBulkTarget)
}

// readOnly are the interactions a probe makes unless the plan says otherwise.
var readOnly = []string{
	fhirclient.Capabilities, fhirclient.Read, fhirclient.VRead, fhirclient.Search, fhirclient.History,
	fhirclient.NotFound, fhirclient.BadRequest, fhirclient.Format, fhirclient.XML, fhirclient.Recall,
	fhirclient.SearchFeatures, fhirclient.SearchResult, fhirclient.Operation,
}

// unknownParam is a search parameter no server defines.
const unknownParam = "carecert-unknown"

// Server is the fhir-server target.
type Server struct {
	// client is the last run's, for Secrets.
	client  *fhirclient.Client
	cfg     fhirclient.Config
	latency Latency
	// types are the resource types to exercise; empty means take them from
	// the CapabilityStatement.
	types        []string
	maxTypes     int
	searches     []string
	count        int
	maxPages     int
	interactions map[string]bool
	// expired is a token the server issued that has expired (the plan's
	// auth.expired_token_env or _file), for the refusal tests.
	expired string
	// narrowed are the other SMART clients the run used (the refusal
	// tests' narrower scope, the load profile's), whose tokens the report
	// must never quote.
	narrowed []*fhirclient.SMARTBackend
	// load is the optional load profile.
	load *loadProfile
	// terms decides, from the R4 core (loaded on first use), which
	// resource read earlier a :in or :not-in search must return.
	terms *terminology.Engine
}

// serverOptions are a fhir-server target's plan options.
type serverOptions struct {
	Connection
	Resources    []string     `param:"resources" doc:"resource types probed (default: those the CapabilityStatement declares, up to max_types)"`
	MaxTypes     int          `param:"max_types" doc:"resource types probed when resources names none"`
	Searches     []string     `param:"searches" doc:"searches run besides the probe's own (Type?param=value&...)"`
	Count        int          `param:"count" doc:"page size asked for (_count)"`
	MaxPages     int          `param:"max_pages" doc:"pages followed per search"`
	Interactions []string     `param:"interactions" doc:"interactions exercised (default: the read-only ones; every declared one with allow_writes)"`
	AllowWrites  bool         `param:"allow_writes" doc:"allow interactions that change the server's data, on carecert's own tagged copies"`
	Load         *loadOptions `param:"load" doc:"a light load profile run after every other request"`
}

var serverDefaults = serverOptions{Connection: connectionDefaults, MaxTypes: 5, Count: 10, MaxPages: 20}

// OpenServer builds a fhir-server target from its spec. It never contacts the
// server; every error is a mistake in the target's description.
var OpenServer = target.Typed(serverDefaults, openServerTarget)

func openServerTarget(spec target.Spec, o serverOptions) (target.Target, error) {
	t, err := openServer(spec, o)
	if err != nil {
		return nil, configError(err)
	}
	return t, nil
}

// configError marks err as a mistake in the target's description, as every
// error of a live target's opening is.
func configError(err error) error {
	var ce *target.ConfigError
	if errors.As(err, &ce) {
		return err
	}
	return &target.ConfigError{Err: err}
}

func openServer(spec target.Spec, o serverOptions) (*Server, error) {
	cfg, err := connection(spec, o.Connection)
	if err != nil {
		return nil, err
	}
	t := &Server{cfg: cfg, latency: o.Latency, interactions: map[string]bool{}, types: o.Resources, searches: o.Searches,
		maxTypes: o.MaxTypes, count: o.Count, maxPages: o.MaxPages, terms: terminology.NewCore(nil)}
	if t.expired, err = expiredToken(o.Auth, spec); err != nil {
		return nil, err
	}
	if t.load, err = readLoad(o.Load); err != nil {
		return nil, err
	}
	for i, s := range t.searches {
		typ, _, _ := strings.Cut(s, "?")
		if typ == "" || strings.Contains(typ, "/") {
			return nil, fmt.Errorf("searches[%d] %q: want Type?param=value&...", i, s)
		}
	}
	if t.count < 1 || t.maxPages < 1 || t.maxTypes < 1 {
		return nil, fmt.Errorf("count, max_pages and max_types must be at least 1")
	}
	writes, list := o.AllowWrites, o.Interactions
	_, smart := cfg.Auth.(*fhirclient.SMARTBackend)
	if list == nil {
		list = append([]string{}, readOnly...)
		if smart {
			list = append(list, fhirclient.SMARTConfig)
		}
		if writes {
			// A plan that allows writes and names no interactions gets
			// every one the server declares.
			list = append(append(list, changing...), fhirclient.Batch, fhirclient.HistorySince)
		}
	}
	known := known()
	for _, i := range list {
		if !slices.Contains(known, i) {
			return nil, fmt.Errorf("interactions: unknown %q (known: %s)", i, strings.Join(known, ", "))
		}
		if slices.Contains(changing, i) && !writes {
			return nil, fmt.Errorf("interactions: %s changes the server's data; it needs allow_writes: true", i)
		}
		if i == fhirclient.AuthRefused && cfg.Auth == nil {
			return nil, fmt.Errorf("interactions: auth tests that the server refuses bad credentials; it needs the target's auth")
		}
		t.interactions[i] = true
	}
	return t, nil
}

func (t *Server) Kinds() []model.Kind { return []model.Kind{model.KindExchange, model.KindFHIR} }

// Records exercises the server and streams the exchanges and resources.
func (t *Server) Records(ctx context.Context, emit target.Emit) error {
	c, err := fhirclient.New(t.cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	t.client = c
	if err := warnInsecure(t.cfg, c, emit); err != nil {
		return err
	}
	p := &probe{t: t, c: c, emit: emit, seen: map[string]bool{}, emitted: map[string]bool{}, second: map[string]map[string]any{}}
	return p.run(ctx)
}

// probe is one pass over a server.
type probe struct {
	t    *Server
	c    *fhirclient.Client
	emit target.Emit
	seen map[string]bool
	err  error
	// stop is set when the request budget is spent or the run cancelled;
	// budget when it was the budget.
	stop, budget bool
	index        int64
	// emitted are the interactions with at least one exchange recorded.
	emitted map[string]bool
	// caps is what the server declares (nil: no statement was read).
	caps *capabilities
	// second is the second resource of each type's first search page.
	second map[string]map[string]any
}

// do makes a request and emits its exchange and resources; describe, when
// set, completes the exchange before it is emitted (workers read it from
// then on). It returns nil when the probe has stopped.
func (p *probe) do(ctx context.Context, req fhirclient.Request, describe func(*fhirclient.Exchange)) *fhirclient.Exchange {
	if p.stop || p.err != nil {
		return nil
	}
	var records []*model.Record
	req.Resources = func(r *model.Record) { records = append(records, r) }
	ex := p.c.Do(ctx, req)
	ex.P50Limit, ex.P95Limit = p.t.latency.P50, p.t.latency.P95
	if ex.ErrCode == fhirclient.ErrCancelled {
		p.stop = true
		return nil
	}
	if describe != nil {
		describe(ex)
	}
	p.emitted[ex.Interaction] = true
	if ex.Interaction == fhirclient.Page {
		p.emitted[fhirclient.Search] = true
	}
	p.send(exchangeRecord(ex, p.index))
	p.index++
	if ex.Interaction == fhirclient.SearchResult {
		// Subsetted resources are not the resources as the server holds
		// them: the FHIR suites judge those from the other requests.
		records = nil
	}
	for _, r := range records {
		if r.Type != "" && r.ID != "" {
			key := r.Type + "/" + r.ID + "/" + versionID(r.Resource())
			if p.seen[key] {
				continue
			}
			p.seen[key] = true
		}
		p.send(r)
	}
	if ex.ErrCode == fhirclient.ErrBudget {
		p.stop, p.budget = true, true
	}
	return ex
}

func (p *probe) send(r *model.Record) {
	if p.err == nil {
		p.err = p.emit(r)
	}
}

func exchangeRecord(ex *fhirclient.Exchange, index int64) *model.Record {
	return &model.Record{
		Kind:   model.KindExchange,
		Source: ex.URL,
		Index:  index,
		Type:   ex.Method,
		ID:     ex.Label,
		Value:  ex,
	}
}

func versionID(res map[string]any) string {
	meta, _ := res["meta"].(map[string]any)
	v, _ := meta["versionId"].(string)
	return v
}

func (p *probe) run(ctx context.Context) error {
	t := p.t
	var caps *capabilities
	if t.interactions[fhirclient.Capabilities] || len(t.types) == 0 {
		ex := p.do(ctx, fhirclient.Request{Interaction: fhirclient.Capabilities, Label: "metadata", Path: "metadata"}, nil)
		if ex != nil {
			caps = readCapabilities(ex.Resource)
		}
		p.caps = caps
	}
	if t.interactions[fhirclient.SMARTConfig] {
		p.do(ctx, fhirclient.Request{Interaction: fhirclient.SMARTConfig, Label: ".well-known/smart-configuration", Path: ".well-known/smart-configuration",
			NoAuth: true, Header: http.Header{"Accept": {"application/json"}}}, nil)
	}
	types := t.types
	if len(types) == 0 && caps != nil {
		types = caps.searchable(t.maxTypes)
		if len(types) == 0 {
			p.notSent(fhirclient.Search, "search", "", "the server declares no search (no resource has search-type in its CapabilityStatement)")
		}
	}
	if len(types) == 0 && caps == nil {
		// Without a statement there is nothing to go by but the commonest type.
		types = []string{"Patient"}
	}
	// One search per type finds ids to read and exercises paging.
	sample := map[string]map[string]any{}
	for _, typ := range types {
		if !t.interactions[fhirclient.Search] && !t.interactions[fhirclient.Read] {
			break
		}
		if !caps.declares(typ, "search-type") {
			if t.interactions[fhirclient.Search] {
				p.undeclared(ctx, fhirclient.Request{Interaction: fhirclient.Search, Path: typ, Query: url.Values{"_count": {strconv.Itoa(t.count)}}},
					typ+"?_count="+strconv.Itoa(t.count), typ, "")
			} else {
				p.notSent(fhirclient.Search, typ+"?_count="+strconv.Itoa(t.count), typ, "the server does not declare search-type for "+typ)
			}
			continue
		}
		q := url.Values{"_count": {strconv.Itoa(t.count)}}
		first := p.searchChain(ctx, typ, nil, q, typ+"?_count="+strconv.Itoa(t.count))
		if res := firstEntry(first, typ); res != nil {
			sample[typ] = res
			p.second[typ] = secondEntry(first, typ)
		}
	}
	for _, s := range t.searches {
		typ, query, _ := strings.Cut(s, "?")
		q, err := url.ParseQuery(query)
		if err != nil {
			q = url.Values{}
		}
		if t.interactions[fhirclient.Search] {
			if reason := caps.undeclaredSearch(typ, q); reason != "" {
				p.notSent(fhirclient.Search, s, typ, reason)
				continue
			}
		}
		filters := url.Values{}
		for k, v := range q {
			filters[k] = v
		}
		if q.Get("_count") == "" {
			q.Set("_count", strconv.Itoa(t.count))
		}
		p.searchChain(ctx, typ, filters, q, s)
	}
	for _, typ := range types {
		res := sample[typ]
		if res == nil {
			for _, i := range []string{fhirclient.Read, fhirclient.VRead, fhirclient.History} {
				if t.interactions[i] && caps.declares(typ, code(i)) {
					p.notSent(i, typ, typ, "no "+typ+" was found to "+i+" (its search returned none)")
				}
			}
			continue
		}
		id := fhir.ID(res)
		path := typ + "/" + id
		var read *fhirclient.Exchange
		if t.interactions[fhirclient.Read] {
			if !caps.declares(typ, "read") {
				p.notSent(fhirclient.Read, path, typ, "the server does not declare read for "+typ)
			} else {
				read = p.do(ctx, fhirclient.Request{Interaction: fhirclient.Read, Label: path, Path: path}, func(ex *fhirclient.Exchange) {
					ex.Type, ex.ID, ex.Declared = typ, id, caps != nil
				})
			}
		}
		vid := versionID(res)
		if read != nil && read.Resource != nil && versionID(read.Resource) != "" {
			vid = versionID(read.Resource)
		}
		if t.interactions[fhirclient.VRead] {
			switch {
			case vid == "":
				p.notSent(fhirclient.VRead, path+"/_history", typ, path+" has no meta.versionId to vread")
			case !caps.declares(typ, "vread"):
				p.undeclared(ctx, fhirclient.Request{Interaction: fhirclient.VRead, Path: path + "/_history/" + vid}, path+"/_history/"+vid, typ, id)
			default:
				p.do(ctx, fhirclient.Request{Interaction: fhirclient.VRead, Label: path + "/_history/" + vid, Path: path + "/_history/" + vid}, func(ex *fhirclient.Exchange) {
					ex.Type, ex.ID, ex.VersionID, ex.Declared = typ, id, vid, caps != nil
				})
			}
		}
		if t.interactions[fhirclient.History] {
			if !caps.declares(typ, "history-instance") {
				p.undeclared(ctx, fhirclient.Request{Interaction: fhirclient.History, Path: path + "/_history"}, path+"/_history", typ, id)
			} else {
				p.do(ctx, fhirclient.Request{Interaction: fhirclient.History, Label: path + "/_history", Path: path + "/_history"}, func(ex *fhirclient.Exchange) {
					ex.Type, ex.ID, ex.Declared = typ, id, caps != nil
				})
			}
		}
	}
	if t.interactions[fhirclient.NotFound] {
		if typ := caps.first(types, "read"); typ == "" {
			p.notSent(fhirclient.NotFound, "read of an unknown id", "", "the server declares read for none of the types tested")
		} else {
			id := "carecert-unknown-0000"
			p.do(ctx, fhirclient.Request{Interaction: fhirclient.NotFound, Label: typ + "/" + id, Path: typ + "/" + id}, func(ex *fhirclient.Exchange) {
				ex.Type, ex.ID = typ, id
			})
		}
	}
	if t.interactions[fhirclient.BadRequest] {
		if typ := caps.first(types, "search-type"); typ == "" {
			p.notSent(fhirclient.BadRequest, "a malformed search", "", "the server declares search for none of the types tested")
		} else {
			// A malformed date is wrong whatever parameters the server supports;
			// handling=strict asks it to say so rather than ignore it.
			q := url.Values{"_lastUpdated": {"not-a-date"}}
			p.do(ctx, fhirclient.Request{Interaction: fhirclient.BadRequest, Label: typ + "?_lastUpdated=not-a-date", Path: typ, Query: q,
				Header: http.Header{"Prefer": {"handling=strict"}}}, func(ex *fhirclient.Exchange) { ex.Type = typ })
			// A parameter no server defines: refused when strict handling is
			// asked for, ignored (and left out of the self link) when lenient.
			for _, handling := range []string{"strict", "lenient"} {
				q := url.Values{unknownParam: {"1"}}
				p.do(ctx, fhirclient.Request{Interaction: fhirclient.UnknownParam, Label: typ + "?" + unknownParam + "=1 (handling=" + handling + ")", Path: typ, Query: q,
					Header: http.Header{"Prefer": {"handling=" + handling}}}, func(ex *fhirclient.Exchange) { ex.Type = typ })
			}
		}
	}
	if t.interactions[fhirclient.Format] {
		p.do(ctx, fhirclient.Request{Interaction: fhirclient.Format, Label: "metadata?_format=json", Path: "metadata",
			Query: url.Values{"_format": {"json"}}, Header: http.Header{"Accept": {"*/*"}}}, nil)
		if typ := caps.first(types, "read"); typ != "" && sample[typ] != nil {
			path := typ + "/" + fhir.ID(sample[typ])
			p.do(ctx, fhirclient.Request{Interaction: fhirclient.Format, Label: path + "?_format=application/fhir+json", Path: path,
				Query: url.Values{"_format": {"application/fhir+json"}}, Header: http.Header{"Accept": {"*/*"}}}, nil)
			p.do(ctx, fhirclient.Request{Interaction: fhirclient.Format, Label: path + " (Accept: application/json)", Path: path,
				Header: http.Header{"Accept": {"application/json"}}}, nil)
		}
	}
	if t.interactions[fhirclient.Recall] {
		p.recall(ctx, caps, types, sample)
	}
	if t.interactions[fhirclient.XML] {
		p.xml(ctx, caps, types, sample)
	}
	if t.interactions[fhirclient.SearchFeatures] {
		p.features(ctx, caps, types, sample)
	}
	if t.interactions[fhirclient.SearchResult] {
		p.results(ctx, caps, types, sample)
	}
	if t.interactions[fhirclient.Operation] {
		p.operations(ctx, caps, types, sample)
	}
	p.writes(ctx, types, sample, caps)
	if t.interactions[fhirclient.AuthRefused] {
		p.refused(ctx, caps.first(types, "search-type"))
	}
	p.load(ctx, types, sample)
	p.budgetSpent()
	return p.err
}

// recallTypes bounds the types whose sampled resource seeds recall searches.
const recallTypes = 2

// recall searches for resources the probe has already seen, in the forms a
// client may use, each of which must find them: _id by GET and by POST
// _search, the subject as a bare id and as Type/id, and the first coding as
// system|code. Only parameters the server declares (when it lists any) are
// used.
func (p *probe) recall(ctx context.Context, caps *capabilities, types []string, sample map[string]map[string]any) {
	done := 0
	for _, typ := range types {
		res := sample[typ]
		if res == nil || !caps.declares(typ, "search-type") || done == recallTypes {
			continue
		}
		done++
		id := fhir.ID(res)
		want := typ + "/" + id
		// Each recall search keeps its filters (ex.Query), so that its
		// matches are judged against them as well (precision).
		seeded := func(filters url.Values) func(ex *fhirclient.Exchange) {
			return func(ex *fhirclient.Exchange) {
				ex.Type, ex.Expect, ex.Declared, ex.Query = typ, want, p.caps != nil, map[string][]string(filters)
			}
		}
		get := func(label string, filters url.Values) {
			q := url.Values{"_count": {"100"}}
			for k, v := range filters {
				q[k] = v
			}
			p.do(ctx, fhirclient.Request{Interaction: fhirclient.Recall, Label: label, Path: typ, Query: q}, seeded(filters))
		}
		get(typ+"?_id="+id, url.Values{"_id": {id}})
		form := url.Values{"_id": {id}, "_count": {"100"}}
		p.do(ctx, fhirclient.Request{Interaction: fhirclient.Recall, Label: "POST " + typ + "/_search _id=" + id, Method: http.MethodPost, Path: typ + "/_search",
			Body: []byte(form.Encode()), Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}},
			seeded(url.Values{"_id": {id}}))
		if ref := reference(res, "subject"); strings.HasPrefix(ref, "Patient/") && caps.undeclaredSearch(typ, url.Values{"patient": {""}}) == "" && hasParam(typ, "patient") {
			bare := strings.TrimPrefix(ref, "Patient/")
			get(typ+"?patient="+bare, url.Values{"patient": {bare}})
			get(typ+"?patient="+ref, url.Values{"patient": {ref}})
		}
		if system, code := firstCoding(res, "code"); system != "" && code != "" && caps.undeclaredSearch(typ, url.Values{"code": {""}}) == "" && hasParam(typ, "code") {
			get(typ+"?code="+system+"|"+code, url.Values{"code": {system + "|" + code}})
		}
	}
}

func hasParam(typ, name string) bool {
	for _, p := range fhirsearch.Params(typ) {
		if p.Name == name {
			return true
		}
	}
	return false
}

func reference(res map[string]any, field string) string {
	m, _ := res[field].(map[string]any)
	s, _ := m["reference"].(string)
	return s
}

func firstCoding(res map[string]any, field string) (string, string) {
	cc, _ := res[field].(map[string]any)
	codings, _ := cc["coding"].([]any)
	if len(codings) == 0 {
		return "", ""
	}
	c, _ := codings[0].(map[string]any)
	system, _ := c["system"].(string)
	code, _ := c["code"].(string)
	return system, code
}

// xml asks for FHIR XML, with _format=xml and with Accept, on a resource the
// probe read (or the CapabilityStatement when none was found). A server that
// declares XML must serve the same resource as in JSON; one that does not
// must refuse with 406.
func (p *probe) xml(ctx context.Context, caps *capabilities, types []string, sample map[string]map[string]any) {
	path, label, json := "metadata", "metadata", map[string]any(nil)
	if typ := caps.first(types, "read"); typ != "" && sample[typ] != nil {
		path = typ + "/" + fhir.ID(sample[typ])
		label, json = path, sample[typ]
	}
	declared := caps.declaresFormat("xml")
	for _, r := range []fhirclient.Request{
		{Interaction: fhirclient.XML, Label: label + "?_format=xml", Path: path, Query: url.Values{"_format": {"xml"}}, Header: http.Header{"Accept": {"*/*"}}, KeepBody: true},
		{Interaction: fhirclient.XML, Label: label + " (Accept: application/fhir+xml)", Path: path, Header: http.Header{"Accept": {"application/fhir+xml"}}, KeepBody: true},
	} {
		p.do(ctx, r, func(ex *fhirclient.Exchange) { ex.XMLDeclared, ex.JSON = declared, json })
		if !declared {
			return // one refusal is enough to show it
		}
	}
}

// refused makes the requests a server must refuse: a search without a
// token and with a token it never issued and, for SMART Backend Services,
// token requests with an assertion signed by a key it does not know and
// with one that has expired.
func (p *probe) refused(ctx context.Context, typ string) {
	if typ == "" {
		typ = "Patient"
	}
	q := url.Values{"_count": {"1"}}
	p.do(ctx, fhirclient.Request{Interaction: fhirclient.AuthRefused, Label: typ + "?_count=1 without a token", Path: typ, Query: q, NoAuth: true}, nil)
	p.do(ctx, fhirclient.Request{Interaction: fhirclient.AuthRefused, Label: typ + "?_count=1 with a token the server never issued", Path: typ, Query: q, NoAuth: true,
		Header: http.Header{"Authorization": {"Bearer carecert-never-issued-0000"}}}, nil)
	if p.t.expired != "" {
		p.do(ctx, fhirclient.Request{Interaction: fhirclient.AuthRefused, Label: typ + "?_count=1 with an expired token (auth.expired_token)", Path: typ, Query: q, NoAuth: true,
			Header: http.Header{"Authorization": {"Bearer " + p.t.expired}}}, nil)
	}
	smart, ok := p.t.cfg.Auth.(*fhirclient.SMARTBackend)
	if !ok || p.stop {
		return
	}
	p.narrowScope(ctx, smart, typ, q)
	tokenURL, err := smart.Endpoint(ctx, p.c)
	if err != nil {
		return // every authorised request already reports it
	}
	stranger, err := strangerKey(smart.Key)
	if err != nil {
		return
	}
	for _, c := range []struct {
		label string
		key   crypto.Signer
		exp   time.Time
	}{
		{"token request with an assertion signed by a key the server does not know", stranger, time.Now().Add(4 * time.Minute)},
		{"token request with an expired assertion", smart.Key, time.Now().Add(-time.Minute)},
	} {
		assertion, err := smart.Assertion(tokenURL, c.key, c.exp)
		if err != nil {
			continue
		}
		p.do(ctx, fhirclient.Request{Interaction: fhirclient.AuthRefused, Label: c.label, Method: http.MethodPost, URL: tokenURL, NoAuth: true,
			Body:   []byte(fhirclient.TokenForm(smart.Scope, assertion).Encode()),
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}}},
			func(ex *fhirclient.Exchange) { ex.Type = "token" })
	}
}

// narrowScope asks for a token whose scope covers one other type only and
// searches typ with it: the server must refuse (403, or 401). A server that
// will not issue such a token leaves the case unjudged, with the reason.
func (p *probe) narrowScope(ctx context.Context, smart *fhirclient.SMARTBackend, typ string, q url.Values) {
	other := "Organization"
	if typ == other {
		other = "Patient"
	}
	scope := "system/" + other + ".read"
	narrow := smart.WithScope(scope)
	p.t.narrowed = append(p.t.narrowed, narrow)
	label := typ + "?_count=1 with a token of scope " + scope + " only"
	cred, err := p.c.Credential(ctx, narrow)
	if err != nil {
		p.notSent(fhirclient.AuthRefused, label, typ, "the server would not issue a token of scope "+scope+" to test that it enforces scopes: "+err.Error())
		return
	}
	p.do(ctx, fhirclient.Request{Interaction: fhirclient.AuthRefused, Label: label, Path: typ, Query: q, NoAuth: true,
		Header: http.Header{"Authorization": {cred}}}, nil)
}

// strangerKey makes a key of the same kind as the client's that no server
// can know.
func strangerKey(k crypto.Signer) (crypto.Signer, error) {
	if _, ok := k.(*ecdsa.PrivateKey); ok {
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	}
	return rsa.GenerateKey(rand.Reader, 2048)
}

// undeclared makes a request of an interaction the CapabilityStatement does
// not declare for typ, labelled after label: R4's RESTful API page has a
// server refuse it with 405 and an OperationOutcome. Only requests that
// change nothing of the supplier's are made so (reads, searches, and
// writes to carecert's own tagged resources or ids that do not exist).
func (p *probe) undeclared(ctx context.Context, req fhirclient.Request, label, typ, id string) *fhirclient.Exchange {
	req.Label = label + " (not declared)"
	return p.do(ctx, req, func(ex *fhirclient.Exchange) { ex.Type, ex.ID, ex.Step = typ, id, fhirclient.StepUndeclared })
}

// code is the CapabilityStatement interaction code a probe interaction needs.
func code(interaction string) string {
	switch interaction {
	case fhirclient.History:
		return "history-instance"
	case fhirclient.Search:
		return "search-type"
	}
	return interaction
}

// notSent records a request the probe chose not to make, and why, so that
// its requirement is skipped with that reason rather than passed on nothing.
func (p *probe) notSent(interaction, label, typ, reason string) {
	if p.err != nil || p.stop {
		return // budgetSpent reports what a spent budget left untried
	}
	ex := fhirclient.NotSent(interaction, label, p.c.Base()+"/"+typ, reason)
	ex.Type = typ
	p.emitted[interaction] = true
	p.send(exchangeRecord(ex, p.index))
	p.index++
}

// budgetSpent records, once the request budget has run out, each interaction
// the plan asked for that was never tried, so that its requirement says the
// budget stood in the way rather than passing or skipping quietly.
func (p *probe) budgetSpent() {
	if !p.budget || p.err != nil {
		return
	}
	for _, i := range known() {
		if !p.t.interactions[i] || p.emitted[i] {
			continue
		}
		ex := &fhirclient.Exchange{Interaction: i, Label: i, Method: http.MethodGet, URL: p.c.Base(), ErrCode: fhirclient.ErrBudget,
			Err: fmt.Sprintf("request budget of %d exhausted before any %s request", p.t.cfg.MaxRequests, i)}
		p.send(exchangeRecord(ex, p.index))
		p.index++
	}
}

// searchChain runs a search and follows its next links until the last page,
// a loop, an error or the page limit. It returns the first page's exchange.
func (p *probe) searchChain(ctx context.Context, typ string, filters, q url.Values, label string) *fhirclient.Exchange {
	if !p.t.interactions[fhirclient.Search] {
		// Reads still need an id: search quietly for one, without judging it.
		if p.t.interactions[fhirclient.Read] {
			return p.do(ctx, fhirclient.Request{Interaction: fhirclient.Sample, Label: label, Path: typ, Query: q}, nil)
		}
		return nil
	}
	count, _ := strconv.Atoi(q.Get("_count"))
	fetched := map[string]bool{}
	var first *fhirclient.Exchange
	req := fhirclient.Request{Interaction: fhirclient.Search, Label: label, Path: typ, Query: q}
	for n := 1; ; n++ {
		var next string
		stop := false
		ex := p.do(ctx, req, func(ex *fhirclient.Exchange) {
			ex.Type, ex.Count = typ, count
			ex.Declared = p.caps != nil && p.caps.declares(typ, "search-type")
			ex.Query = map[string][]string(filters)
			pg := &fhirclient.Paging{Chain: label, Number: n}
			ex.Paging = pg
			fetched[ex.URL] = true
			next = nextLink(ex.Resource)
			switch {
			case next == "" || ex.Failed() || ex.Status != http.StatusOK:
				pg.Last, stop = true, true
				return
			}
			pg.Next = secret.RedactURL(next)
			switch {
			case fetched[pg.Next]:
				pg.Loop, pg.Last, stop = true, true, true
			case n >= p.t.maxPages:
				pg.Capped, pg.Last, stop = true, true, true
			}
		})
		if ex == nil {
			return first
		}
		if first == nil {
			first = ex
		}
		if stop {
			return first
		}
		req = fhirclient.Request{Interaction: fhirclient.Page, Label: label, URL: next}
	}
}

func nextLink(bundle map[string]any) string {
	links, _ := bundle["link"].([]any)
	for _, l := range links {
		m, _ := l.(map[string]any)
		if m["relation"] == "next" {
			s, _ := m["url"].(string)
			return s
		}
	}
	return ""
}

// firstEntry returns the first entry resource of type typ in a searchset.
func firstEntry(ex *fhirclient.Exchange, typ string) map[string]any { return nthEntry(ex, typ, 0) }

// secondEntry returns the second, or nil.
func secondEntry(ex *fhirclient.Exchange, typ string) map[string]any { return nthEntry(ex, typ, 1) }

func nthEntry(ex *fhirclient.Exchange, typ string, n int) map[string]any {
	if ex == nil || ex.Resource == nil {
		return nil
	}
	entries, _ := ex.Resource["entry"].([]any)
	for _, e := range entries {
		m, _ := e.(map[string]any)
		res, _ := m["resource"].(map[string]any)
		if fhir.ResourceType(res) == typ && fhir.ID(res) != "" {
			if n == 0 {
				return res
			}
			n--
		}
	}
	return nil
}

// Secrets are the credentials the target's client sent, for the runner's
// scrubber.
func (t *Server) Secrets() []string {
	if t.client == nil {
		return nil
	}
	out := t.client.Secrets()
	if t.expired != "" {
		out = append(out, t.expired)
	}
	for _, n := range t.narrowed {
		out = append(out, n.Secrets()...)
	}
	return out
}

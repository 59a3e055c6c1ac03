package restapi

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/model"
)

// transportParams say which exchanges the transport check judges.
type transportParams struct {
	Exchanges string `param:"exchanges" doc:"api (REST API calls), bulk (Bulk Data export calls) or all"`
}

// newTransport checks that every exchange got a complete response, and FHIR
// JSON where a JSON body is due.
//
// Parameter exchanges: "api" (the default: REST API calls), "bulk" (Bulk Data
// export calls) or "all", so that each suite judges its own exchanges.
func newTransport(spec check.Spec, p transportParams, env *check.Env) (check.Check, error) {
	scope := p.Exchanges
	if scope != "api" && scope != "bulk" && scope != "all" {
		return nil, fmt.Errorf("parameter \"exchanges\": %q: want api, bulk or all", scope)
	}
	applies := func(rec *model.Record) bool {
		ex := exchangeOf(rec)
		// Records of requests never made (not sent; the budget's list of
		// what was left untried and the export's wait, which the client
		// never numbered) say nothing about transport.
		if ex == nil || ex.ErrCode == fhirclient.ErrNotSent || (ex.Seq == 0 && ex.Failed()) || ex.Interaction == fhirclient.Load {
			return false
		}
		bulk := strings.HasPrefix(ex.Interaction, "bulk-")
		return scope == "all" || (scope == "bulk") == bulk
	}
	return exchangeCheck{applies: applies, judge: transport, transport: true}, nil
}

func transport(ex *fhirclient.Exchange) []model.Finding {
	var out []model.Finding
	if ex.Retried > 0 {
		// The HTTP client hides it; the server broke a connection all the same.
		out = append(out, finding(ex, model.Error, "api.retried",
			"the connection broke before the server answered and the request was sent again (%d time(s)): a reset or close the server should not make mid-request", ex.Retried))
	}
	if ex.Failed() {
		sev := model.Error
		msg := "no usable response: " + ex.Err
		switch ex.ErrCode {
		case fhirclient.ErrExportTimeout:
			return notJudged(ex, "the export's status is the Bulk status check's to judge")
		case fhirclient.ErrTimeout:
			msg = "the server did not answer in time: " + ex.Err
			if ex.AfterAbandoned != "" {
				// One slow request must not be counted again against every
				// request that waited behind it in the server's queue.
				sev = model.Warning
				msg += " (the server may still have been busy with " + ex.AfterAbandoned + ", which carecert had given up on)"
			}
		case fhirclient.ErrRedirects:
			msg = "the server redirects in a loop: " + ex.Err
		case fhirclient.ErrTooLarge:
			msg = "the response is too large: " + ex.Err
		case fhirclient.ErrConnection:
			msg = "the connection broke: " + ex.Err
		}
		return append(out, finding(ex, sev, "api."+ex.ErrCode, "%s", msg))
	}
	// Requests sent without credentials on purpose: a refusal is their
	// check's to judge, not a transport failure.
	refusalDue := ex.Interaction == fhirclient.BulkFileAuth || ex.Interaction == fhirclient.AuthRefused || ex.Interaction == fhirclient.BulkNoToken
	if (ex.Status == http.StatusUnauthorized || ex.Status == http.StatusForbidden) && !refusalDue {
		return append(out, finding(ex, model.Error, "api.auth", "the server refused the request's credentials (HTTP %d)%s", ex.Status, diagnostics(ex)))
	}
	if ex.Interaction == fhirclient.BulkDownload || refusalDue || ex.BodyBytes == 0 {
		return out
	}
	if (ex.Interaction == fhirclient.XML || ex.Interaction == fhirclient.XMLWrite) && isXML(ex) {
		return out // the XML checks parse it
	}
	if !ex.IsJSON() {
		ct := ex.Header("content-type")
		if ct == "" {
			ct = "no content type"
		}
		return append(out, finding(ex, model.Error, "api.not-json", "the response is %s, not FHIR JSON (application/fhir+json)", ct))
	}
	if ex.BodyProblem != "" {
		return append(out, finding(ex, model.Error, "api.bad-json", "the response's %s", ex.BodyProblem))
	}
	return out
}

// pagingState remembers every chain of search pages, to judge each chain once
// all its pages were seen (by whichever workers saw them).
type pagingState struct {
	Chains map[string]*chain `json:"chains"`
}

type chain struct {
	URL     string `json:"url,omitempty"`
	Pages   int    `json:"pages"`
	Matches int    `json:"matches"`
	// Total is the first page's Bundle.total, -1 when absent.
	Total  int            `json:"total"`
	IDs    map[string]int `json:"ids,omitempty"`
	Loop   int            `json:"loop,omitempty"`
	Capped int            `json:"capped,omitempty"`
	Ended  bool           `json:"ended,omitempty"`
	Broken string         `json:"broken,omitempty"`
	// Started is set when the first page was a Bundle: only then is there
	// paging to judge. Cut says carecert stopped following the chain for
	// its own reasons (the request budget), not the server.
	Started bool   `json:"started,omitempty"`
	Cut     string `json:"cut,omitempty"`
}

func newPaging(check.Spec, check.NoParams, *check.Env) (check.Check, error) {
	return pagingCheck{}, nil
}

type pagingCheck struct{}

func (pagingCheck) Applies(rec *model.Record) bool {
	ex := exchangeOf(rec)
	return ex != nil && ex.Paging != nil
}

func (pagingCheck) NewState() check.State { return &pagingState{Chains: map[string]*chain{}} }

func (s *pagingState) chain(label string) *chain {
	c := s.Chains[label]
	if c == nil {
		c = &chain{Total: -1, IDs: map[string]int{}}
		s.Chains[label] = c
	}
	return c
}

func (s *pagingState) Observe(rec *model.Record) []model.Finding {
	ex := exchangeOf(rec)
	pg := ex.Paging
	c := s.chain(pg.Chain)
	c.Pages++
	if pg.Number == 1 {
		c.URL = ex.URL
		if t, ok := model.Number(ex.Resource["total"]); ok {
			c.Total = int(t)
		}
	}
	if reason := ownLimit(ex); reason != "" {
		c.Cut = reason
		return nil
	}
	if ex.Failed() || ex.Status != http.StatusOK || ex.ResourceType() != "Bundle" {
		if pg.Number > 1 {
			c.Broken = fmt.Sprintf("page %d (%s) gave %s", pg.Number, ex.URL, brief(ex))
		}
		c.Ended = c.Ended || pg.Last
		return nil
	}
	if pg.Number == 1 {
		c.Started = true
	}
	for _, e := range entries(ex.Resource) {
		res, _ := e["resource"].(map[string]any)
		search, _ := e["search"].(map[string]any)
		if mode := str(search, "mode"); mode != "" && mode != "match" {
			continue
		}
		c.Matches++
		if id := fhir.ID(res); id != "" {
			c.IDs[fhir.ResourceType(res)+"/"+id]++
		}
	}
	if pg.Loop {
		c.Loop = pg.Number
	}
	if pg.Capped {
		c.Capped = pg.Number
	}
	c.Ended = c.Ended || pg.Last
	return nil
}

func brief(ex *fhirclient.Exchange) string {
	if ex.Failed() {
		return "no response (" + ex.ErrCode + ")"
	}
	return fmt.Sprintf("HTTP %d with %s", ex.Status, describe(ex))
}

func (s *pagingState) Merge(other check.State) error {
	o, ok := other.(*pagingState)
	if !ok {
		return fmt.Errorf("paging: cannot merge %T", other)
	}
	for label, oc := range o.Chains {
		c := s.chain(label)
		if oc.URL != "" {
			c.URL = oc.URL
		}
		c.Pages += oc.Pages
		c.Matches += oc.Matches
		c.Total = max(c.Total, oc.Total)
		for id, n := range oc.IDs {
			c.IDs[id] += n
		}
		c.Loop = max(c.Loop, oc.Loop)
		c.Capped = max(c.Capped, oc.Capped)
		c.Ended = c.Ended || oc.Ended
		if c.Broken == "" || (oc.Broken != "" && oc.Broken < c.Broken) {
			c.Broken = oc.Broken
		}
		c.Started = c.Started || oc.Started
		if c.Cut == "" {
			c.Cut = oc.Cut
		}
	}
	return nil
}

func (s *pagingState) Finish(t *model.Tally) {
	labels := make([]string, 0, len(s.Chains))
	for l := range s.Chains {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	var judged, unjudged, own int64
	for _, l := range labels {
		c := s.Chains[l]
		loc := model.Location{File: c.URL, Record: "GET " + l}
		add := func(sev model.Severity, code, format string, args ...any) {
			t.Add(model.Finding{Severity: sev, Code: code, Message: fmt.Sprintf(format, args...), Location: loc})
		}
		switch {
		case !c.Started && c.Cut != "":
			own++
			unjudged++
			add(model.Information, codeOwnLimit, "not judged: search %s: %s", l, c.Cut)
			continue
		case !c.Started:
			// The search check reports a first page that is no Bundle.
			unjudged++
			add(model.Information, codeNotJudged, "not judged: search %s gave no first page to follow", l)
			continue
		case c.Cut != "" && c.Loop == 0 && c.Broken == "":
			own++
			unjudged++
			add(model.Information, codeOwnLimit, "not judged: search %s: paging was not followed to its end: %s", l, c.Cut)
			continue
		}
		judged++
		var dups []string
		for id, n := range c.IDs {
			if n > 1 {
				dups = append(dups, id)
			}
		}
		sort.Strings(dups)
		switch {
		case c.Loop > 0:
			add(model.Error, "api.paging-loop", "search %s: the next link of page %d leads back to a page already fetched, so paging never ends", l, c.Loop)
		case c.Broken != "":
			add(model.Error, "api.paging-broken", "search %s: following Bundle.link next failed: %s", l, c.Broken)
		case c.Capped > 0:
			add(model.Warning, "api.paging-capped", "search %s: stopped after %d pages (max_pages) with more to come; paging was not followed to its end", l, c.Capped)
		case c.Ended && c.Total >= 0 && c.Total != c.Matches:
			add(model.Error, "api.paging-total", "search %s: Bundle.total says %d but the %d page(s) held %d matches", l, c.Total, c.Pages, c.Matches)
		}
		if len(dups) > 0 && c.Loop == 0 {
			add(model.Error, "api.paging-duplicate", "search %s: %d resource(s) appear on more than one page (first: %s)", l, len(dups), dups[0])
		}
	}
	if len(s.Chains) > 0 {
		t.Measure("paging chains", int64(len(s.Chains)), 1)
	}
	countJudged(t, judged, unjudged, own)
}

func (pagingCheck) Grade(t *model.Tally) (model.Outcome, string) { return gradeJudged(t) }

// latencyCheck measures response times. Thresholds come from the suite
// (params p50, p95) unless the target sets its own.
type latencyCheck struct {
	p50, p95 time.Duration
	// load judges the load profile's requests rather than the others.
	load bool
}

// latencyParams are the response-time thresholds.
type latencyParams struct {
	P50 time.Duration `param:"p50" doc:"longest tolerated median response time"`
	P95 time.Duration `param:"p95" doc:"longest tolerated 95th-percentile response time"`
}

var defaultLatency = latencyParams{P50: 500 * time.Millisecond, P95: 2 * time.Second}

func newLatency(_ check.Spec, p latencyParams, _ *check.Env) (check.Check, error) {
	return latencyCheck{p50: p.P50, p95: p.P95}, nil
}

// newLoad judges the load profile's requests: their percentiles under the
// thresholds, and no errors.
func newLoad(_ check.Spec, p latencyParams, _ *check.Env) (check.Check, error) {
	return latencyCheck{p50: p.P50, p95: p.P95, load: true}, nil
}

// Applies takes every answered request and every timeout: a request that
// was never answered took at least its time limit, and leaving it out would
// flatter the server. The load profile's requests are judged apart, every
// one of them.
func (c latencyCheck) Applies(rec *model.Record) bool {
	ex := exchangeOf(rec)
	if ex == nil || (ex.Interaction == fhirclient.Load) != c.load {
		return false
	}
	if c.load {
		return ex.ErrCode != fhirclient.ErrBudget && ex.ErrCode != fhirclient.ErrCancelled
	}
	return (!ex.Failed() || ex.ErrCode == fhirclient.ErrTimeout) && ex.Interaction != fhirclient.BulkDownload
}

func (c latencyCheck) NewState() check.State {
	return &latencyState{P50Limit: c.p50, P95Limit: c.p95, Load: c.load}
}

// latencyState keeps every response time: a run makes a bounded number of
// requests (max_requests), so exact percentiles cost little and merge exactly.
type latencyState struct {
	Micros []int64 `json:"micros"`
	// Timeouts counts the requests among Micros that got no answer in time.
	Timeouts int64         `json:"timeouts,omitempty"`
	P50Limit time.Duration `json:"p50_limit"`
	P95Limit time.Duration `json:"p95_limit"`
	// Target marks limits a target set, which win over the suite's.
	Target bool `json:"target,omitempty"`
	// Load marks the load profile's state; Errors counts its requests that
	// failed or got an error status, with the first of them as an example.
	Load   bool   `json:"load,omitempty"`
	Errors int64  `json:"errors,omitempty"`
	Failed string `json:"failed,omitempty"`
}

func (s *latencyState) Observe(rec *model.Record) []model.Finding {
	ex := exchangeOf(rec)
	s.Micros = append(s.Micros, ex.Latency.Microseconds())
	if ex.ErrCode == fhirclient.ErrTimeout {
		s.Timeouts++
	}
	if s.Load && (ex.Failed() || ex.Status >= 400) {
		s.Errors++
		if s.Failed == "" {
			s.Failed = ex.Method + " " + ex.Label + ": " + ex.Evidence()
		}
	}
	if ex.P50Limit > 0 || ex.P95Limit > 0 {
		if ex.P50Limit > 0 {
			s.P50Limit = ex.P50Limit
		}
		if ex.P95Limit > 0 {
			s.P95Limit = ex.P95Limit
		}
		s.Target = true
	}
	return nil
}

func (s *latencyState) Merge(other check.State) error {
	o, ok := other.(*latencyState)
	if !ok {
		return fmt.Errorf("latency: cannot merge %T", other)
	}
	s.Micros = append(s.Micros, o.Micros...)
	s.Timeouts += o.Timeouts
	s.Errors += o.Errors
	if s.Failed == "" {
		s.Failed = o.Failed
	}
	if o.Target {
		s.P50Limit, s.P95Limit, s.Target = o.P50Limit, o.P95Limit, true
	}
	return nil
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []int64, p float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

func (s *latencyState) Finish(t *model.Tally) {
	if len(s.Micros) == 0 {
		return
	}
	v := slices.Clone(s.Micros)
	slices.Sort(v)
	p50, p95 := percentile(v, 0.50), percentile(v, 0.95)
	// Numerator in microseconds over 1000: the measure's rate reads in ms.
	t.Measure("p50 response time (ms)", p50, 1000)
	t.Measure("p95 response time (ms)", p95, 1000)
	t.Measure("p50 threshold (ms)", s.P50Limit.Microseconds(), 1000)
	t.Measure("p95 threshold (ms)", s.P95Limit.Microseconds(), 1000)
	t.Measure("timeouts", s.Timeouts, int64(len(v)))
	loc := model.Location{Record: fmt.Sprintf("%d responses", len(v))}
	counted := fmt.Sprintf("%d responses", len(v))
	if s.Timeouts > 0 {
		counted += fmt.Sprintf(", %d of them timeouts counted at the time they were given", s.Timeouts)
	}
	over := func(name string, got int64, limit time.Duration) {
		if limit > 0 && got > limit.Microseconds() {
			t.Add(model.Finding{Severity: model.Error, Code: "api.latency", Location: loc,
				Message: fmt.Sprintf("%s response time %s exceeds the threshold %s (%s)", name, ms(got), limit, counted)})
		}
	}
	over("median (p50)", p50, s.P50Limit)
	over("95th-percentile (p95)", p95, s.P95Limit)
	if s.Load {
		t.Measure("p99 response time (ms)", percentile(v, 0.99), 1000)
		t.Measure("errors under load", s.Errors, int64(len(v)))
		if s.Errors > 0 {
			t.Add(model.Finding{Severity: model.Error, Code: "api.load-errors", Location: loc,
				Message: fmt.Sprintf("%d of %d requests under load failed; the first: %s", s.Errors, len(v), s.Failed)})
		}
	}
}

func ms(micros int64) string {
	return (time.Duration(micros) * time.Microsecond).Round(time.Millisecond).String()
}

func bulkKickoff(ex *fhirclient.Exchange) []model.Finding {
	if f := status(ex, "bulk.kickoff", "the $export kick-off", http.StatusAccepted); f != nil {
		return f
	}
	if ex.Header("content-location") == "" {
		return fail(ex, "bulk.kickoff", "the $export kick-off returned 202 without a Content-Location to poll")
	}
	return nil
}

// bulkBadKickoff judges a kick-off with a parameter the IG does not allow.
func bulkBadKickoff(ex *fhirclient.Exchange) []model.Finding {
	what := "the $export kick-off " + ex.Label
	if f := answered(ex, what); f != nil {
		return f
	}
	if ex.Status == http.StatusAccepted {
		return fail(ex, "bulk.bad-kickoff-accepted", "%s was accepted (202): a parameter the server cannot honour must be refused with 400", what)
	}
	return outcomeWith(ex, "bulk.bad-kickoff", what, http.StatusBadRequest)
}

func bulkStatus(ex *fhirclient.Exchange) []model.Finding {
	if ex.ErrCode == fhirclient.ErrExportTimeout {
		return fail(ex, "bulk.timeout", "%s", ex.Err)
	}
	if ex.Failed() {
		return nil // the transport check reports it
	}
	if ex.Status == http.StatusTooManyRequests {
		return []model.Finding{finding(ex, model.Information, "bulk.slow-down", "the server asked carecert to poll less often (HTTP 429); polling went on after %s", retryAfterOr(ex))}
	}
	if ex.Status != http.StatusAccepted {
		return fail(ex, "bulk.failed", "the export failed: its status returned HTTP %d%s", ex.Status, diagnostics(ex))
	}
	return nil
}

func bulkManifest(ex *fhirclient.Exchange) []model.Finding {
	m := ex.Resource
	if m == nil {
		return fail(ex, "bulk.manifest", "the export's manifest is not a JSON object (%s)", describe(ex))
	}
	var out []model.Finding
	bad := func(path, format string, args ...any) {
		out = append(out, at(finding(ex, model.Error, "bulk.manifest", format, args...), path))
	}
	if _, err := time.Parse(time.RFC3339, str(m, "transactionTime")); err != nil {
		bad("transactionTime", "manifest transactionTime %q is not an instant", str(m, "transactionTime"))
	}
	if str(m, "request") == "" {
		bad("request", "manifest has no request (the kick-off URL)")
	}
	if _, ok := m["requiresAccessToken"].(bool); !ok {
		bad("requiresAccessToken", "manifest requiresAccessToken is missing or not a boolean")
	}
	outputs, ok := m["output"].([]any)
	if !ok {
		bad("output", "manifest has no output array")
	}
	for i, o := range outputs {
		f, _ := o.(map[string]any)
		u := str(f, "url")
		if str(f, "type") == "" || !(strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")) {
			bad(fmt.Sprintf("output[%d]", i), "manifest output[%d] needs a type and an absolute url", i)
		}
	}
	if _, ok := m["error"].([]any); !ok {
		bad("error", "manifest has no error array (it must be present, even empty)")
	}
	return out
}

func bulkDownload(ex *fhirclient.Exchange) []model.Finding {
	b := ex.Bulk
	if b == nil {
		return nil
	}
	file := fmt.Sprintf("output file %s (%s)", ex.URL, b.FileType)
	switch {
	case ex.ErrCode == fhirclient.ErrNotFetched:
		return fail(ex, "bulk.not-fetched", "%s was not downloaded, so its records were not checked: %s", file, ex.Err)
	case ex.Status == http.StatusNotFound || ex.Status == http.StatusGone:
		return fail(ex, "bulk.expired", "%s is gone (HTTP %d): the export's files expired or were never written", file, ex.Status)
	case ex.Failed() && ex.Status == 0:
		return fail(ex, "bulk.download", "%s could not be downloaded: %s", file, ex.Err)
	case ex.Failed():
		return fail(ex, "bulk.download-incomplete", "%s stopped after %d record(s): %s", file, b.Records, ex.Err)
	case ex.Status != http.StatusOK:
		return fail(ex, "bulk.download", "%s returned HTTP %d%s", file, ex.Status, diagnostics(ex))
	}
	var out []model.Finding
	if b.Declared >= 0 && b.Declared != b.Records {
		out = append(out, finding(ex, model.Error, "bulk.count", "%s: the manifest says %d record(s), the file holds %d", file, b.Declared, b.Records))
	}
	if b.Error && b.Records > 0 {
		out = append(out, finding(ex, model.Warning, "bulk.errors", "the server reported %d error(s) in %s", b.Records, ex.URL))
	}
	return out
}

func retryAfterOr(ex *fhirclient.Exchange) string {
	if v := ex.Header("retry-after"); v != "" {
		return "Retry-After " + v
	}
	return "the poll interval"
}

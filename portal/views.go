package portal

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/model"
)

// scope is the vendors the caller may read: nil for all, else the recorded
// names of its own vendor (empty when it has no runs yet).
func (p *Server) scope(r *http.Request) ([]string, error) {
	u := callerOf(r).user
	if u.SeesAll() {
		return nil, nil
	}
	names, err := p.store.VendorNames(r.Context(), u.Vendor)
	if names == nil {
		names = []string{}
	}
	return names, err
}

// latestRuns is each vendor's latest run, of the vendors the caller may read.
func (p *Server) latestRuns(r *http.Request) ([]history.Run, error) {
	scope, err := p.scope(r)
	if err != nil {
		return nil, err
	}
	return p.store.LatestRuns(r.Context(), scope)
}

// mayRead reports whether the caller may read a vendor's runs.
func mayRead(r *http.Request, vendor string) bool {
	u := callerOf(r).user
	return u.SeesAll() || strings.EqualFold(u.Vendor, vendor)
}

// readableRun returns the run with the path's {id}. Another supplier's run is
// answered exactly as a run that does not exist, so that a supplier cannot
// even learn which ids are taken.
func (p *Server) readableRun(r *http.Request) (history.Run, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return history.Run{}, notFound("no run %q", r.PathValue("id"))
	}
	run, err := p.store.RunByID(r.Context(), id)
	if errors.Is(err, history.ErrNotFound) || err == nil && !mayRead(r, run.Vendor) {
		return history.Run{}, notFound("no run %d", id)
	}
	return run, err
}

// runsPage is how many runs a page of the list shows.
const runsPage = 50

// RunsView is the run list: the filter as asked, the values to choose from,
// and a page of runs newest first.
type RunsView struct {
	Filter   RunsFilter       `json:"filter"`
	Facets   history.Facets   `json:"facets"`
	Runs     []history.Run    `json:"runs"`
	Page     int              `json:"page"`
	More     bool             `json:"more"`
	Prev     string           `json:"prev,omitempty"`
	Next     string           `json:"next,omitempty"`
	Verdicts []model.Decision `json:"-"`
}

// RunsFilter is the run list's query, as given.
type RunsFilter struct {
	Vendor  string `json:"vendor,omitempty"`
	Product string `json:"product,omitempty"`
	Release string `json:"release,omitempty"`
	Suite   string `json:"suite,omitempty"`
	Verdict string `json:"verdict,omitempty"`
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
}

func (RunsView) PageTitle() string { return "Runs" }

func (p *Server) runsView(r *http.Request) (any, error) {
	q := r.URL.Query()
	v := RunsView{Filter: RunsFilter{Vendor: q.Get("vendor"), Product: q.Get("product"), Release: q.Get("release"),
		Suite: q.Get("suite"), Verdict: q.Get("verdict"), From: q.Get("from"), To: q.Get("to")},
		Verdicts: []model.Decision{model.Certified, model.ConditionallyCertified, model.NotCertified}, Page: 1}
	scope, err := p.scope(r)
	if err != nil {
		return nil, err
	}
	f := history.Filter{Scope: scope, Vendor: v.Filter.Vendor, Product: v.Filter.Product, Release: v.Filter.Release,
		Suite: v.Filter.Suite, Decision: model.Decision(v.Filter.Verdict), Limit: runsPage}
	if v.Filter.Verdict != "" && !slicesContains(v.Verdicts, f.Decision) {
		return nil, badRequest("verdict %q: want Certified, Conditionally certified or Not certified", v.Filter.Verdict)
	}
	if f.From, err = day("from", v.Filter.From); err != nil {
		return nil, err
	}
	if f.To, err = day("to", v.Filter.To); err != nil {
		return nil, err
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // the day given is included
	}
	if s := q.Get("page"); s != "" {
		if v.Page, err = strconv.Atoi(s); err != nil || v.Page < 1 {
			return nil, badRequest("page %q: want a number from 1", s)
		}
	}
	f.Offset = (v.Page - 1) * runsPage
	if v.Runs, v.More, err = p.store.FindRuns(r.Context(), f); err != nil {
		return nil, err
	}
	if v.Runs == nil {
		v.Runs = []history.Run{}
	}
	if v.Facets, err = p.store.Facets(r.Context(), scope); err != nil {
		return nil, err
	}
	pageURL := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return "/runs?" + q.Encode()
	}
	if v.Page > 1 {
		v.Prev = pageURL(v.Page - 1)
	}
	if v.More {
		v.Next = pageURL(v.Page + 1)
	}
	return v, nil
}

func slicesContains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// day reads a YYYY-MM-DD query value; empty is the zero time.
func day(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, badRequest("%s %q: want a date as YYYY-MM-DD", name, s)
	}
	return t, nil
}

// VendorsView lists the vendors the caller may read, each with its latest run.
type VendorsView struct {
	Vendors []history.Run `json:"vendors"`
}

func (VendorsView) PageTitle() string { return "Vendors" }

func (p *Server) vendorsView(r *http.Request) (any, error) {
	latest, err := p.latestRuns(r)
	if err != nil {
		return nil, err
	}
	if latest == nil {
		latest = []history.Run{}
	}
	return VendorsView{Vendors: latest}, nil
}

// RequirementsView lists the recorded suites and their requirements.
type RequirementsView struct {
	Suites []SuiteRequirements `json:"suites"`
}

// SuiteRequirements is one suite's recorded requirement ids ("suite/REQ").
type SuiteRequirements struct {
	Suite        string   `json:"suite"`
	Requirements []string `json:"requirements"`
}

func (RequirementsView) PageTitle() string { return "Requirements" }

func (p *Server) requirementsView(r *http.Request) (any, error) {
	scope, err := p.scope(r)
	if err != nil {
		return nil, err
	}
	facets, err := p.store.Facets(r.Context(), scope)
	if err != nil {
		return nil, err
	}
	v := RequirementsView{Suites: []SuiteRequirements{}}
	for _, s := range facets.Suites {
		reqs, err := p.store.Requirements(r.Context(), s)
		if err != nil {
			return nil, err
		}
		v.Suites = append(v.Suites, SuiteRequirements{Suite: s, Requirements: reqs})
	}
	return v, nil
}

// RequirementView is one requirement in each vendor's latest run.
type RequirementView struct {
	Suite       string            `json:"suite"`
	Requirement string            `json:"requirement"`
	Key         string            `json:"key"`
	Failing     []RequirementCell `json:"failing"`
	Passing     []RequirementCell `json:"passing"`
	// Other are vendors whose latest run skipped it or did not check it.
	Other []RequirementCell `json:"other"`
}

// RequirementCell is one vendor's outcome: the worst over its targets.
type RequirementCell struct {
	Run       history.Run     `json:"run"`
	Outcome   model.Outcome   `json:"outcome,omitempty"`
	Level     model.Level     `json:"level,omitempty"`
	Targets   []TargetOutcome `json:"targets"`
	Evaluated int64           `json:"evaluated"`
	Failing   int64           `json:"failing"`
	Errors    int64           `json:"errors"`
	// Evidence is the run's findings for the requirement.
	Evidence string `json:"evidence"`
}

// TargetOutcome is the requirement's outcome on one target.
type TargetOutcome struct {
	Target  string        `json:"target"`
	Outcome model.Outcome `json:"outcome"`
}

func (v RequirementView) PageTitle() string { return v.Key }

func (p *Server) requirementView(r *http.Request) (any, error) {
	suite, req := r.PathValue("suite"), r.PathValue("requirement")
	v := RequirementView{Suite: suite, Requirement: req, Key: suite + "/" + req,
		Failing: []RequirementCell{}, Passing: []RequirementCell{}, Other: []RequirementCell{}}
	latest, err := p.latestRuns(r)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(latest))
	for i, run := range latest {
		ids[i] = run.ID
	}
	outcomes, err := p.store.OutcomesOf(r.Context(), ids, suite, req)
	if err != nil {
		return nil, err
	}
	byRun := map[int64][]history.Outcome{}
	for _, o := range outcomes {
		byRun[o.RunID] = append(byRun[o.RunID], o)
	}
	if len(outcomes) == 0 {
		return nil, notFound("no recorded run checked %s", v.Key)
	}
	for _, run := range latest {
		c := RequirementCell{Run: run, Targets: []TargetOutcome{}, Evidence: evidenceURL(run.ID, v.Key)}
		for _, o := range byRun[run.ID] {
			if len(c.Targets) == 0 || o.Outcome.Rank() > c.Outcome.Rank() {
				c.Outcome = o.Outcome
			}
			c.Level = o.Level
			c.Targets = append(c.Targets, TargetOutcome{Target: o.Target, Outcome: o.Outcome})
			c.Evaluated += o.Evaluated
			c.Failing += o.Failing
			c.Errors += o.Errors
		}
		switch c.Outcome {
		case model.Fail, model.Errored:
			v.Failing = append(v.Failing, c)
		case model.Pass, model.Warn:
			v.Passing = append(v.Passing, c)
		default:
			v.Other = append(v.Other, c)
		}
	}
	return v, nil
}

// vendorOf reads the {vendor} path value and checks the caller may read it.
func (p *Server) vendorOf(r *http.Request) (string, []history.Run, error) {
	name := r.PathValue("vendor")
	if !mayRead(r, name) {
		return "", nil, notFound("no vendor %q", name)
	}
	runs, err := p.store.Runs(r.Context(), history.Query{Vendor: name})
	if err != nil {
		return "", nil, err
	}
	if len(runs) == 0 {
		return "", nil, notFound("no vendor %q", name)
	}
	return runs[len(runs)-1].Vendor, runs, nil
}

// releases groups a vendor's runs (oldest first) by release, each release
// represented by its latest run, in the order the releases were first run.
func releases(runs []history.Run) []Release {
	index := map[string]int{}
	var out []Release
	for _, r := range runs {
		key := r.Product + "\x00" + r.Release
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, Release{Product: r.Product, Release: r.Release})
		}
		out[i].Latest = r
		out[i].Runs++
	}
	return out
}

// Release is one release of a vendor's product.
type Release struct {
	Product string      `json:"product,omitempty"`
	Release string      `json:"release"`
	Runs    int         `json:"runs"`
	Latest  history.Run `json:"latest"`
}

// Label names the release for people.
func (r Release) Label() string {
	if r.Release == "" {
		return "(no release)"
	}
	return r.Release
}

// query returns the request's values of a repeated parameter, without empties.
func query(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

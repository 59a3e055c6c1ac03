package portal

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
)

// RunView is one run: its verdict and outcomes from the history, the report
// file's results when it can be read, and what its manifest and signature say.
type RunView struct {
	Run      history.Run       `json:"run"`
	Outcomes []history.Outcome `json:"outcomes"`
	// Results are the report's results, with titles and messages; empty when
	// the report file cannot be read (ReportProblem says why).
	Results       []RunResult   `json:"results,omitempty"`
	ReportProblem string        `json:"report_problem,omitempty"`
	Verdict       model.Verdict `json:"verdict"`
	Verification  Verification  `json:"verification"`
	// Attest is set when the reader may attest manual requirements: the
	// form's CSRF token for a browser session, "-" for an API caller.
	Attest string `json:"-"`
}

// RunResult is one requirement's result on one target.
type RunResult struct {
	Target string `json:"target"`
	model.Result
	// Evidence links to the result's findings.
	Evidence string `json:"evidence"`
	// Manual is set for a requirement an assessor decides.
	Manual bool `json:"manual,omitempty"`
}

func (v RunView) PageTitle() string {
	return fmt.Sprintf("Run %d: %s %s", v.Run.ID, v.Run.Vendor, v.Run.Release)
}

func (p *Server) runView(r *http.Request) (any, error) {
	run, err := p.readableRun(r)
	if err != nil {
		return nil, err
	}
	v := RunView{Run: run, Verdict: model.Verdict{Decision: run.Decision, Policy: run.Policy, Reasons: run.Reasons}}
	if c := callerOf(r); c.user.Role == Assessor && c.sess != nil {
		v.Attest = c.sess.csrf
	}
	if v.Outcomes, err = p.store.Outcomes(r.Context(), run.ID); err != nil {
		return nil, err
	}
	if v.Verification, err = p.verify(r.Context(), run); err != nil {
		return nil, err
	}
	rep, err := p.report(r.Context(), run)
	if err != nil {
		v.ReportProblem = err.Error()
		return v, nil
	}
	v.Verdict = rep.Verdict
	for _, t := range rep.Targets {
		for _, res := range t.Results {
			res.Findings = nil // the findings page shows them, redacted
			v.Results = append(v.Results, RunResult{Target: t.Name, Result: res, Evidence: evidenceURL(run.ID, res.Suite+"/"+res.Requirement),
				Manual: res.Check == check.Manual})
		}
	}
	return v, nil
}

// findingsPage is how many findings a page shows.
const findingsPage = 100

// FindingsView is a page of a run's kept findings, filtered by requirement
// and target. Evidence is redacted unless the portal is told otherwise.
type FindingsView struct {
	Run         history.Run `json:"run"`
	Requirement string      `json:"requirement,omitempty"`
	Target      string      `json:"target,omitempty"`
	// Counted is what the run counted for the selection; Findings only the
	// kept sample (a run keeps a bounded sample per requirement).
	Counted  model.Tally    `json:"counted"`
	Findings []FindingEntry `json:"findings"`
	Page     int            `json:"page"`
	Prev     string         `json:"prev,omitempty"`
	Next     string         `json:"next,omitempty"`
}

// FindingEntry is a finding with its place in the run.
type FindingEntry struct {
	// N numbers the finding among the run's kept findings, in report order.
	N      int    `json:"n"`
	Target string `json:"target"`
	Suite  string `json:"suite"`
	URL    string `json:"url"`
	model.Finding
	result *model.Result
}

func (v FindingsView) PageTitle() string {
	return fmt.Sprintf("Findings of run %d %s", v.Run.ID, v.Requirement)
}

// allFindings numbers a report's kept findings in report order.
func (p *Server) allFindings(run history.Run, rep *model.Report, keep func(t string, res *model.Result) bool) []FindingEntry {
	var out []FindingEntry
	n := 0
	for _, t := range rep.Targets {
		for i := range t.Results {
			res := &t.Results[i]
			for _, f := range res.Findings {
				n++
				if keep(t.Name, res) {
					out = append(out, FindingEntry{N: n, Target: t.Name, Suite: res.Suite, URL: fmt.Sprintf("/runs/%d/findings/%d", run.ID, n),
						Finding: reports.Redact(f, p.opt.FullEvidence), result: res})
				}
			}
		}
	}
	return out
}

func (p *Server) findingsView(r *http.Request) (any, error) {
	run, err := p.readableRun(r)
	if err != nil {
		return nil, err
	}
	rep, err := p.report(r.Context(), run)
	if err != nil {
		return nil, notFound("run %d: %v", run.ID, err)
	}
	q := r.URL.Query()
	v := FindingsView{Run: run, Requirement: q.Get("requirement"), Target: q.Get("target"), Page: 1}
	if s := q.Get("page"); s != "" {
		if v.Page, err = strconv.Atoi(s); err != nil || v.Page < 1 {
			return nil, badRequest("page %q: want a number from 1", s)
		}
	}
	suite, req, _ := strings.Cut(v.Requirement, "/")
	matches := func(t string, res *model.Result) bool {
		return (v.Requirement == "" || res.Suite == suite && res.Requirement == req) && (v.Target == "" || t == v.Target)
	}
	for _, t := range rep.Targets {
		for i := range t.Results {
			if res := &t.Results[i]; matches(t.Name, res) {
				v.Counted.Evaluated += res.Evaluated
				v.Counted.Failing += res.Failing
				v.Counted.Errors += res.Errors
				v.Counted.Warnings += res.Warnings
				v.Counted.Information += res.Information
				v.Counted.Dropped += res.Dropped
			}
		}
	}
	all := p.allFindings(run, rep, matches)
	from := min((v.Page-1)*findingsPage, len(all))
	to := min(from+findingsPage, len(all))
	v.Findings = all[from:to]
	if v.Findings == nil {
		v.Findings = []FindingEntry{}
	}
	pageURL := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return fmt.Sprintf("/runs/%d/findings?%s", run.ID, q.Encode())
	}
	if v.Page > 1 {
		v.Prev = pageURL(v.Page - 1)
	}
	if to < len(all) {
		v.Next = pageURL(v.Page + 1)
	}
	return v, nil
}

// FindingView is one finding with the result it belongs to.
type FindingView struct {
	Run     history.Run  `json:"run"`
	Finding FindingEntry `json:"finding"`
	Result  RunResult    `json:"result"`
}

func (v FindingView) PageTitle() string {
	return fmt.Sprintf("Finding %d of run %d", v.Finding.N, v.Run.ID)
}

func (p *Server) findingView(r *http.Request) (any, error) {
	run, err := p.readableRun(r)
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		return nil, notFound("no finding %q", r.PathValue("n"))
	}
	rep, err := p.report(r.Context(), run)
	if err != nil {
		return nil, notFound("run %d: %v", run.ID, err)
	}
	all := p.allFindings(run, rep, func(string, *model.Result) bool { return true })
	if n > len(all) {
		return nil, notFound("run %d keeps %d finding(s), not %d", run.ID, len(all), n)
	}
	f := all[n-1]
	res := *f.result
	res.Findings = nil
	v := FindingView{Run: run, Finding: f,
		Result: RunResult{Target: f.Target, Result: res, Evidence: evidenceURL(run.ID, res.Suite+"/"+res.Requirement)}}
	return v, nil
}

// HasManual reports whether the run has requirements an assessor decides.
func (v RunView) HasManual() bool {
	for _, r := range v.Results {
		if r.Manual {
			return true
		}
	}
	return false
}

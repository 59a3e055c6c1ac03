package restapi

import (
	"fmt"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/model"
)

// Codes of the information findings that say a case was not judged. A
// requirement none of whose cases was judged is skipped with the reason, or,
// when only carecert's own limits stood in the way, reported as an error of
// the run: never a pass about nothing, never a failure of the server.
const (
	codeNotJudged = "api.not-judged"
	codeOwnLimit  = "carecert.limit"
)

// Measure names kept by every live check, so that a stored report grades again
// the same way.
const (
	measureJudged = "cases judged"
	measureOwn    = "cases not judged for carecert's limits"
)

// notJudged is the finding of a case that could not be judged, for a reason
// that is not a failure of the server.
func notJudged(ex *fhirclient.Exchange, reason string) []model.Finding {
	return []model.Finding{finding(ex, model.Information, codeNotJudged, "not judged: %s", reason)}
}

// ownLimit returns why carecert itself kept a request from being judged (its
// budget, its cancellation), or "".
func ownLimit(ex *fhirclient.Exchange) string {
	switch ex.ErrCode {
	case fhirclient.ErrBudget:
		return "carecert's request budget ran out before it was sent (" + ex.Err + "; raise max_requests to test more)"
	case fhirclient.ErrCancelled:
		return "carecert's run was cancelled before it was answered"
	}
	return ""
}

// unreached returns why an interaction got no answer that says anything
// about the interaction itself, or "": the server could not be reached at
// all, or a timeout may be a wait behind a request carecert had given up on.
func unreached(ex *fhirclient.Exchange) string {
	switch {
	case ex.ErrCode == fhirclient.ErrNotSent:
		return ex.Err
	case ex.ErrCode == fhirclient.ErrRefused:
		return "the server could not be reached (" + ex.Err + ")"
	case ex.ErrCode == fhirclient.ErrTimeout && ex.AfterAbandoned != "":
		return fmt.Sprintf("no answer in time, but the server may still have been busy with %s, which carecert had given up on", ex.AfterAbandoned)
	}
	return ""
}

// exchangeCheck judges exchanges one at a time and counts the cases it could
// judge, so that its outcome says when it judged none.
type exchangeCheck struct {
	applies func(*model.Record) bool
	judge   judge
	// transport judges reachability itself (API-13): only carecert's own
	// limits and requests it never sent are left unjudged.
	transport bool
	// record judges the records that are not exchanges (resources).
	record func(*model.Record) []model.Finding
	// minCases is how many cases must be judged before the check may pass
	// (the requirement's min_cases parameter; 1 when not given).
	minCases int64
}

// judgedParams are the parameters of every check that judges exchanges.
type judgedParams struct {
	MinCases int `param:"min_cases" doc:"cases that must be judged before the requirement may pass; fewer is a skip that says so"`
}

// perExchange makes a factory for a check of some interactions.
func perExchange(j judge, interactions ...string) func(check.Spec, judgedParams, *check.Env) (check.Check, error) {
	return func(spec check.Spec, p judgedParams, env *check.Env) (check.Check, error) {
		if p.MinCases < 1 {
			return nil, fmt.Errorf("min_cases must be at least 1")
		}
		return exchangeCheck{applies: onInteractions(interactions...), judge: j, minCases: int64(p.MinCases)}, nil
	}
}

func (c exchangeCheck) Applies(rec *model.Record) bool { return c.applies(rec) }
func (c exchangeCheck) NewState() check.State          { return &judgedState{check: c} }
func (c exchangeCheck) Grade(t *model.Tally) (model.Outcome, string) {
	return gradeAtLeast(t, c.minCases)
}

// gradeAtLeast is gradeJudged that, on a clean tally, passes only when at
// least min cases were judged: fewer is a skip naming both numbers, never a
// pass on too little.
func gradeAtLeast(t *model.Tally, min int64) (model.Outcome, string) {
	out, msg := gradeJudged(t)
	judged, counted := t.Lookup(measureJudged)
	if out == model.Pass && counted && judged.Numerator < min {
		return model.Skip, fmt.Sprintf("not judged enough: %d case(s) judged, fewer than the %d the requirement asks for (min_cases)", judged.Numerator, min)
	}
	return out, msg
}

// judgedState counts judged and unjudged cases; it serialises as the counts.
type judgedState struct {
	Judged   int64 `json:"judged"`
	Unjudged int64 `json:"unjudged"`
	Own      int64 `json:"own"`
	check    exchangeCheck
}

func (s *judgedState) Observe(rec *model.Record) []model.Finding {
	ex := exchangeOf(rec)
	if ex == nil {
		s.Judged++
		return s.check.record(rec)
	}
	if reason := ownLimit(ex); reason != "" {
		s.Unjudged++
		s.Own++
		return []model.Finding{finding(ex, model.Information, codeOwnLimit, "not judged: %s", reason)}
	}
	if ex.ErrCode == fhirclient.ErrNotSent || (!s.check.transport && unreached(ex) != "") {
		s.Unjudged++
		return notJudged(ex, unreached(ex))
	}
	fs := s.check.judge(ex)
	if len(fs) == 1 && fs[0].Code == codeNotJudged {
		s.Unjudged++
		return fs
	}
	s.Judged++
	return fs
}

func (s *judgedState) Merge(other check.State) error {
	o, ok := other.(*judgedState)
	if !ok {
		return fmt.Errorf("cannot merge %T", other)
	}
	s.Judged += o.Judged
	s.Unjudged += o.Unjudged
	s.Own += o.Own
	return nil
}

func (s *judgedState) Finish(t *model.Tally) {
	countJudged(t, s.Judged, s.Unjudged, s.Own)
}

// countJudged records how many cases were judged, for gradeJudged.
func countJudged(t *model.Tally, judged, unjudged, own int64) {
	if judged+unjudged == 0 {
		return
	}
	t.Measure(measureJudged, judged, judged+unjudged)
	if own > 0 {
		t.Measure(measureOwn, own, 1)
	}
}

// gradeJudged grades a live check from its tally alone: a failure on any
// error, a warning on any warning; with nothing judged, an error of the run
// when carecert's own limits were all that stood in the way, a skip (with the
// first reason) otherwise.
func gradeJudged(t *model.Tally) (model.Outcome, string) {
	judged, counted := t.Lookup(measureJudged)
	if t.Errors > 0 || t.Warnings > 0 || !counted || judged.Numerator > 0 {
		out, msg := t.Grade()
		if counted && out != model.Skip {
			msg += fmt.Sprintf("; %d of %d case(s) judged", judged.Numerator, judged.Denominator)
		}
		return out, msg
	}
	reason := "nothing could be judged"
	own, _ := t.Lookup(measureOwn)
	for _, f := range t.Findings {
		if f.Code == codeNotJudged || f.Code == codeOwnLimit {
			reason = strings.TrimPrefix(f.Message, "not judged: ")
			if (f.Code == codeOwnLimit) == (own.Numerator == judged.Denominator) {
				break
			}
		}
	}
	if own.Numerator == judged.Denominator {
		return model.Errored, "not judged: " + reason
	}
	return model.Skip, "not judged: " + reason
}

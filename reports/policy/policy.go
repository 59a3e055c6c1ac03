// Package policy turns a report's results into a verdict. A policy reads only
// what a report stores (outcomes, counts, measures), so a saved report can be
// graded again under another policy without re-reading any feed.
package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/carecert/carecert/model"
)

// Policy decides a vendor's verdict.
type Policy interface {
	Name() string
	Decide(r *model.Report) model.Verdict
}

// AllShall certifies a vendor when every SHALL requirement passes (or warns) on
// every target and the run completed. SHOULD and MAY failures are listed as
// reasons but do not decide the verdict.
//
// Like every policy, it certifies nothing on no evidence: see DefaultMinRecords.
type AllShall struct{}

func (AllShall) Name() string { return "all-shall: every SHALL requirement passes on every target" }

func (p AllShall) Decide(r *model.Report) model.Verdict {
	v := model.Verdict{Policy: p.Name(), Rules: []model.VerdictRule{{Source: "every SHALL requirement passes on every target", Effect: model.Blocks}}}
	var failedShall, failedOther []model.Breach
	if !r.Complete {
		failedShall = append(failedShall, interrupted())
	}
	for _, t := range r.Targets {
		if t.Error != "" {
			failedShall = append(failedShall, unreadable(&t))
		}
		for ri := range t.Results {
			res := &t.Results[ri]
			if res.Outcome != model.Fail && res.Outcome != model.Errored {
				continue
			}
			b := resultBreach(0, model.Blocks, res, t.Name)
			b.Reason = fmt.Sprintf("%s %s %s (%s) on %s: %s", res.Level, res.Suite, res.Requirement, res.Title, t.Name, res.Message)
			if res.Level == model.Shall {
				failedShall = append(failedShall, b)
			} else {
				b.Rule, b.Effect = -1, model.NotDecisive
				b.Reason = "not decisive: " + strings.TrimSpace(b.Reason)
				failedOther = append(failedOther, b)
			}
		}
	}
	sort.SliceStable(failedOther, func(i, j int) bool { return failedOther[i].Reason < failedOther[j].Reason })
	failedShall = append(failedShall, EvidenceFloor(r, DefaultMinRecords)...)
	unjudged := NotChecked(r)
	v.Breaches = append(append(failedShall, failedOther...), unjudged...)
	switch {
	case len(failedShall) > 0:
		v.Decision = model.NotCertified
	case len(unjudged) > 0:
		v.Decision = model.Certified
		v.Reasons = []string{fmt.Sprintf("every SHALL requirement judged passed on every target; %d SHALL result(s) were not checked, and the verdict does not rest on them", len(unjudged))}
	default:
		v.Decision = model.Certified
		v.Reasons = []string{"every SHALL requirement passed on every target"}
	}
	for _, b := range v.Breaches {
		v.Reasons = append(v.Reasons, b.Reason)
	}
	return v
}

// interrupted, unreadable and resultBreach build the breaches every policy
// shares.
func interrupted() model.Breach {
	return model.Breach{Rule: -1, Effect: model.Blocks, Reason: "the run was interrupted: results cover only part of the feed"}
}

func unreadable(t *model.TargetRun) model.Breach {
	return model.Breach{Rule: -1, Effect: model.Blocks, Target: t.Name,
		Reason: fmt.Sprintf("target %s could not be read: %s", t.Name, t.Error)}
}

func resultBreach(rule int, effect model.Effect, res *model.Result, target string) model.Breach {
	return model.Breach{Rule: rule, Effect: effect, Suite: res.Suite, Requirement: res.Requirement, Level: res.Level, Target: target, Outcome: res.Outcome}
}

// NotChecked returns a not-decisive breach for each SHALL result that judged
// nothing because carecert could not (skipped, with records not checked: a
// code system or profile it does not hold, an encoding it does not read). A
// limit of carecert's is not the supplier's failure, so it blocks nothing;
// but a verdict never rests on it in silence. A policy that must see SHALL
// requirements exercised says so with a rule (require: exercised).
func NotChecked(r *model.Report) []model.Breach {
	var out []model.Breach
	for ti := range r.Targets {
		t := &r.Targets[ti]
		for ri := range t.Results {
			res := &t.Results[ri]
			if res.Level != model.Shall || res.Outcome != model.Skip || res.NotChecked == 0 {
				continue
			}
			b := resultBreach(-1, model.NotDecisive, res, t.Name)
			b.Measure, b.Numerator, b.Denominator = "records not checked", res.NotChecked, res.Evaluated
			b.Reason = fmt.Sprintf("not decisive: %s %s (%s) on %s was not checked: %s", res.Level, RequirementKey(res), res.Title, t.Name, res.Message)
			out = append(out, b)
		}
	}
	return out
}

// DefaultMinRecords is how many records each target must yield before a
// policy may certify a vendor, unless the policy says otherwise (min_records).
// An empty folder, a file of whitespace or a server that returns nothing is
// no evidence of conformance, however many requirements were skipped on it.
const DefaultMinRecords = 1

// EvidenceFloor returns why a report is too thin to certify: a target that
// yielded fewer than minRecords records, no target at all, or no requirement
// (beyond reading the input) that evaluated anything. minRecords 0 turns the
// record count off but not the other two.
func EvidenceFloor(r *model.Report, minRecords int) []model.Breach {
	var thin []model.Breach
	floor := func(target, reason string) model.Breach {
		return model.Breach{Rule: -1, Effect: model.Blocks, Target: target, Reason: reason}
	}
	if len(r.Targets) == 0 {
		return []model.Breach{floor("", "no evidence: the report has no targets")}
	}
	exercised := false
	for ti := range r.Targets {
		t := &r.Targets[ti]
		if t.Records < int64(minRecords) {
			b := floor(t.Name, fmt.Sprintf("no evidence: target %s yielded %d record(s); the policy needs at least %d", t.Name, t.Records, minRecords))
			b.Measure, b.Numerator, b.Limit = "records", t.Records, fmt.Sprintf("at least %d", minRecords)
			thin = append(thin, b)
		}
		for ri := range t.Results {
			res := &t.Results[ri]
			if !res.IsInput() && res.Outcome != model.Skip && res.Outcome != "" {
				exercised = true
			}
		}
	}
	if !exercised {
		thin = append(thin, floor("", "no evidence: no requirement evaluated anything (every result is skip)"))
	}
	return thin
}

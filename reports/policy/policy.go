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
	v := model.Verdict{Policy: p.Name()}
	var failedShall, failedOther []string
	for _, t := range r.Targets {
		if t.Error != "" {
			failedShall = append(failedShall, fmt.Sprintf("target %s could not be read: %s", t.Name, t.Error))
		}
		for _, res := range t.Results {
			if res.Outcome != model.Fail && res.Outcome != model.Errored {
				continue
			}
			line := fmt.Sprintf("%s %s %s (%s) on %s: %s", res.Level, res.Suite, res.Requirement, res.Title, t.Name, res.Message)
			if res.Level == model.Shall {
				failedShall = append(failedShall, line)
			} else {
				failedOther = append(failedOther, line)
			}
		}
	}
	sort.Strings(failedOther)
	failedShall = append(failedShall, EvidenceFloor(r, DefaultMinRecords)...)
	switch {
	case !r.Complete:
		v.Decision = model.NotCertified
		v.Reasons = append(v.Reasons, "the run was interrupted: results cover only part of the feed")
		v.Reasons = append(v.Reasons, failedShall...)
	case len(failedShall) > 0:
		v.Decision = model.NotCertified
		v.Reasons = failedShall
	default:
		v.Decision = model.Certified
		v.Reasons = []string{"every SHALL requirement passed on every target"}
	}
	for _, l := range failedOther {
		v.Reasons = append(v.Reasons, "not decisive: "+strings.TrimSpace(l))
	}
	return v
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
func EvidenceFloor(r *model.Report, minRecords int) []string {
	var thin []string
	if len(r.Targets) == 0 {
		return []string{"no evidence: the report has no targets"}
	}
	exercised := false
	for ti := range r.Targets {
		t := &r.Targets[ti]
		if t.Records < int64(minRecords) {
			thin = append(thin, fmt.Sprintf("no evidence: target %s yielded %d record(s); the policy needs at least %d", t.Name, t.Records, minRecords))
		}
		for ri := range t.Results {
			res := &t.Results[ri]
			if !res.IsInput() && res.Outcome != model.Skip && res.Outcome != "" {
				exercised = true
			}
		}
	}
	if !exercised {
		thin = append(thin, "no evidence: no requirement evaluated anything (every result is skip)")
	}
	return thin
}

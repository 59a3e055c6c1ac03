package quality

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
)

// limit is a tolerated amount of defects: an absolute count ("fail: 10") or a
// share of the denominator ("fail: 5%").
type limit struct {
	set  bool
	rate bool
	v    float64
}

// exceeded reports whether bad defects out of total go beyond the limit.
func (l limit) exceeded(bad, total int64) bool {
	if !l.set {
		return false
	}
	if l.rate {
		return total > 0 && float64(bad) > l.v*float64(total)
	}
	return float64(bad) > l.v
}

func (l limit) String() string {
	if l.rate {
		return strconv.FormatFloat(l.v*100, 'f', -1, 64) + "%"
	}
	return strconv.FormatFloat(l.v, 'f', -1, 64)
}

// grading applies warn and fail limits to the measure that counts defects.
type grading struct {
	// measure names the measure whose numerator counts defects.
	measure string
	// noun describes the numerator in messages ("record(s) missing Patient.birthDate").
	noun       string
	warn, fail limit
	// unjudged name the measures whose numerators count the records the
	// check could not judge, each for its reason: when they count some and
	// the defect measure none, nothing was checked.
	unjudged []unjudged
}

// unjudged is a measure of records a check could not judge, and why
// ("event(s) whose subject could not be joined to a patient").
type unjudged struct{ measure, noun string }

// Grade decides the outcome from the tally's measure only.
func (g grading) Grade(t *model.Tally) (model.Outcome, string) {
	m, ok := t.Lookup(g.measure)
	if !ok || m.Denominator == 0 {
		var why []string
		for _, u := range g.unjudged {
			if m, ok := t.Lookup(u.measure); ok && m.Numerator > 0 {
				why = append(why, fmt.Sprintf("%d %s", m.Numerator, u.noun))
			}
		}
		if len(why) > 0 {
			return model.Skip, "not checked: " + strings.Join(why, ", ")
		}
		return model.Skip, "no applicable records"
	}
	msg := fmt.Sprintf("%d of %d %s (%.2f%%)", m.Numerator, m.Denominator, g.noun, 100*m.Rate())
	switch {
	case g.fail.exceeded(m.Numerator, m.Denominator):
		return model.Fail, msg + ", above the fail limit " + g.fail.String()
	case g.warn.exceeded(m.Numerator, m.Denominator):
		return model.Warn, msg + ", above the warn limit " + g.warn.String()
	}
	return model.Pass, msg
}

// checkWith ties a per-worker state constructor to a rule's applicability and
// grading.
type checkWith struct {
	grading
	appliesTo func(*model.Record) bool
	newState  func() check.State
}

func (c *checkWith) Applies(rec *model.Record) bool { return c.appliesTo(rec) }
func (c *checkWith) NewState() check.State          { return c.newState() }

// addUnsampled counts n findings of severity sev that a feed-level check did
// not materialise (beyond its bounded sample), so that the tally's counts stay
// exact.
func addUnsampled(t *model.Tally, sev model.Severity, n int64) {
	if n <= 0 {
		return
	}
	switch sev {
	case model.Error:
		t.Errors += n
	case model.Warning:
		t.Warnings += n
	default:
		t.Information += n
	}
	t.Dropped += n
}

// mergeError names a state that cannot be merged into another.
func mergeError(want any, got check.State) error {
	return fmt.Errorf("cannot merge %T into %T", got, want)
}

package quality

import (
	"fmt"
	"time"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
)

// Timeliness is judged per record (the lag between when something happened and
// when the record of it was last updated) and per feed (how old its newest
// update is on the plan's date). Limits reflect who needs the data how fast:
// a direct-care feed tolerates hours, a research extract weeks.

func (e *engine) timeliness(spec check.Spec, p timelinessParams, env *check.Env) (check.Check, error) {
	r, err := e.newRule(spec, p.common)
	if err != nil {
		return nil, err
	}
	if r.kind != model.KindFHIR {
		return nil, fmt.Errorf("dq-timeliness reads FHIR meta.lastUpdated; kind %q is not supported", r.kind)
	}
	exprs := p.Events
	sels, err := r.compileAll("events", exprs)
	if err != nil {
		return nil, err
	}
	maxLag := p.MaxLag
	if maxLag <= 0 {
		return nil, spec.ErrorAt("max_lag", "must be positive (e.g. 24h, 14d), got %s", maxLag)
	}
	updated := map[string]Selector{}
	for _, x := range exprs {
		t := typeFromExpr(x)
		if updated[t] == nil {
			if updated[t], err = r.compile("events", t+".meta.lastUpdated"); err != nil {
				return nil, err
			}
		}
	}
	r.defaultTypes(exprs...)
	late := r.name("late")
	r.gradeBy(late, "record(s) updated more than "+roundDays(maxLag)+" after the event")
	return &checkWith{grading: r.grade, appliesTo: r.applies, newState: func() check.State {
		return &lagState{rule: r, exprs: exprs, sels: sels, updated: updated, maxLag: maxLag, measure: late}
	}}, nil
}

type lagState struct {
	counts
	// Hours sums the lags of every record, for the mean lag.
	Hours int64 `json:"hours"`

	rule    *rule
	exprs   []string
	sels    []Selector
	updated map[string]Selector
	maxLag  time.Duration
	measure string
}

func (s *lagState) Observe(rec *model.Record) []model.Finding {
	up := s.updated[rec.Type]
	if up == nil {
		return nil
	}
	pk := s.rule.picker(rec)
	un := pk.get(up)
	if len(un) == 0 {
		return pk.errs
	}
	_, updated, ok := instantRange(un[0].Value)
	if !ok {
		return pk.errs
	}
	for i, sel := range s.sels {
		if typeFromExpr(s.exprs[i]) != rec.Type {
			continue
		}
		n := pk.get(sel)
		if len(n) == 0 {
			continue
		}
		_, when, ok := instantRange(n[0].Value)
		if !ok {
			continue
		}
		lag := updated.Sub(when)
		if lag < 0 {
			lag = 0 // updated before the event ended: a correction, not a delay
		}
		s.Records++
		s.Hours += int64(lag / time.Hour)
		if lag <= s.maxLag {
			return pk.errs
		}
		s.Defects++
		ev, _ := dateOf(un[0].Value)
		return append(pk.errs, s.rule.finding(rec, "late", un[0].Path,
			fmt.Sprintf("updated %s after the event (%s), beyond the limit of %s", roundDays(lag), n[0].Path, roundDays(s.maxLag)), ev))
	}
	return pk.errs
}

func (s *lagState) Merge(other check.State) error {
	o, ok := other.(*lagState)
	if !ok {
		return mergeError(s, other)
	}
	s.merge(&o.counts)
	s.Hours += o.Hours
	return nil
}

func (s *lagState) Finish(t *model.Tally) {
	t.Measure(s.measure, s.Defects, s.Records)
	t.Measure(s.rule.name("mean-lag-hours"), s.Hours, s.Records)
}

func roundDays(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%.1f days", d.Hours()/24)
	}
	return d.Round(time.Minute).String()
}

// dq-freshness: the newest meta.lastUpdated of the feed against the plan's
// date. The age is stored as a measure (hours over 1), so the outcome can be
// graded again from the report.

func (e *engine) freshness(spec check.Spec, p freshnessParams, env *check.Env) (check.Check, error) {
	r, err := e.newRule(spec, p.common)
	if err != nil {
		return nil, err
	}
	if r.kind != model.KindFHIR {
		return nil, fmt.Errorf("dq-freshness reads FHIR meta.lastUpdated; kind %q is not supported", r.kind)
	}
	if r.grade.warn.set || r.grade.fail.set {
		return nil, fmt.Errorf("dq-freshness takes max_age and warn_age (durations), not warn and fail")
	}
	maxAge, warnAge := p.MaxAge, p.WarnAge
	if maxAge <= 0 {
		return nil, spec.ErrorAt("max_age", "must be positive (e.g. 2d), got %s", maxAge)
	}
	asOf := env.AsOf
	if asOf.IsZero() {
		asOf = time.Now().UTC().Truncate(24 * time.Hour)
	}
	c := &freshCheck{rule: r, asOf: asOf, maxAge: maxAge, warnAge: warnAge, measure: r.name("age-hours")}
	return c, nil
}

type freshCheck struct {
	rule            *rule
	asOf            time.Time
	maxAge, warnAge time.Duration
	measure         string
}

func (c *freshCheck) Applies(rec *model.Record) bool { return c.rule.applies(rec) }
func (c *freshCheck) NewState() check.State {
	return &freshState{check: c}
}

// Grade compares the stored age with the limits.
func (c *freshCheck) Grade(t *model.Tally) (model.Outcome, string) {
	m, ok := t.Lookup(c.measure)
	if !ok || m.Denominator == 0 {
		return model.Skip, "no record carries meta.lastUpdated"
	}
	age := time.Duration(m.Numerator) * time.Hour
	msg := fmt.Sprintf("newest update %s before %s", roundDays(age), c.asOf.Format("2006-01-02"))
	switch {
	case age > c.maxAge:
		return model.Fail, msg + ", older than the limit " + roundDays(c.maxAge)
	case c.warnAge > 0 && age > c.warnAge:
		return model.Warn, msg + ", older than the warning limit " + roundDays(c.warnAge)
	}
	return model.Pass, msg
}

type freshState struct {
	Book   book  `json:"book"`
	Newest int64 `json:"newest"`
	At     place `json:"at"`
	Seen   bool  `json:"seen,omitempty"`

	check *freshCheck
}

func (s *freshState) Observe(rec *model.Record) []model.Finding {
	meta, _ := rec.Resource()["meta"].(map[string]any)
	str, _ := meta["lastUpdated"].(string)
	t, ok := Instant(str)
	if !ok {
		return nil
	}
	ts := t.Unix()
	if !s.Seen || ts > s.Newest || ts == s.Newest && s.Book.before(rec, s.At) {
		s.Newest, s.At, s.Seen = ts, s.Book.place(rec, rec.Type+".meta.lastUpdated"), true
	}
	return nil
}

func (s *freshState) offer(ts int64, p place) {
	if !s.Seen || ts > s.Newest || ts == s.Newest && s.Book.less(p, s.At) {
		s.Newest, s.At, s.Seen = ts, p, true
	}
}

func (s *freshState) Merge(other check.State) error {
	o, ok := other.(*freshState)
	if !ok {
		return mergeError(s, other)
	}
	m := s.Book.absorb(&o.Book)
	if o.Seen {
		s.offer(o.Newest, m.place(o.At))
	}
	return nil
}

func (s *freshState) Finish(t *model.Tally) {
	if !s.Seen {
		return
	}
	c := s.check
	// The plan's date is a day: the feed is judged at the end of it.
	end := c.asOf.Truncate(24*time.Hour).AddDate(0, 0, 1)
	age := max(end.Sub(time.Unix(s.Newest, 0)), 0)
	t.Measure(c.measure, int64(age/time.Hour), 1)
	if age > c.maxAge || c.warnAge > 0 && age > c.warnAge {
		msg := fmt.Sprintf("the newest record of the feed was last updated %s before the end of %s", roundDays(age), c.asOf.Format("2006-01-02"))
		t.Add(c.rule.feedFinding("stale", s.Book.location(s.At), msg, time.Unix(s.Newest, 0).UTC().Format(time.RFC3339)))
	}
}

package quality

import (
	"fmt"
	"slices"
	"time"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
)

// instantRange returns the earliest and latest moment a FHIR date, dateTime or
// instant (or a Period, by its start) can mean.
func instantRange(v any) (time.Time, time.Time, bool) {
	s, ok := dateOf(v)
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	lo, ok := Instant(s)
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	switch len(s) {
	case 4:
		return lo, lo.AddDate(1, 0, 0).Add(-time.Nanosecond), true
	case 7:
		return lo, lo.AddDate(0, 1, 0).Add(-time.Nanosecond), true
	case 10:
		return lo, lo.AddDate(0, 0, 1).Add(-time.Nanosecond), true
	}
	return lo, lo, true
}

func (e *engine) notFuture(spec check.Spec, p notFutureParams, env *check.Env) (check.Check, error) {
	r, err := e.newRule(spec, p.common)
	if err != nil {
		return nil, err
	}
	exprs := p.Elements
	sels, err := r.compileAll("elements", exprs)
	if err != nil {
		return nil, err
	}
	tol := p.Tolerance
	asOf := env.AsOf
	if asOf.IsZero() {
		asOf = time.Now().UTC().Truncate(24 * time.Hour)
	}
	// Anything during the plan's day is not in the future.
	limit := asOf.Truncate(24*time.Hour).AddDate(0, 0, 1).Add(tol)
	r.defaultTypes(exprs...)
	return counting(r, "future", "record(s) dated after "+limit.Format(time.RFC3339), func(rec *model.Record, c *counts, p *picker) []model.Finding {
		c.Records++
		var out []model.Finding
		for _, sel := range sels {
			for _, n := range p.get(sel) {
				lo, _, ok := instantRange(n.Value)
				if ok && !lo.Before(limit) {
					s, _ := dateOf(n.Value)
					out = append(out, r.finding(rec, "future", n.Path,
						fmt.Sprintf("%s is in the future: after %s (the plan's date plus a tolerance of %s)", n.Path, limit.Format(time.RFC3339), tol), s))
				}
			}
		}
		if len(out) > 0 {
			c.Defects++
		}
		return out
	}), nil
}

func (e *engine) dateOrder(spec check.Spec, p dateOrderParams, env *check.Env) (check.Check, error) {
	r, err := e.newRule(spec, p.common)
	if err != nil {
		return nil, err
	}
	ex, lx := p.Earlier, p.Later
	es, err := r.compile("earlier", ex)
	if err != nil {
		return nil, err
	}
	ls, err := r.compile("later", lx)
	if err != nil {
		return nil, err
	}
	r.defaultTypes(ex, lx)
	return counting(r, "order", "record(s) with "+lx+" before "+ex, func(rec *model.Record, c *counts, p *picker) []model.Finding {
		en, ln := p.get(es), p.get(ls)
		if len(en) == 0 || len(ln) == 0 {
			return nil
		}
		eLo, _, ok1 := instantRange(en[0].Value)
		_, lHi, ok2 := instantRange(ln[0].Value)
		if !ok1 || !ok2 {
			return nil
		}
		c.Records++
		if !lHi.Before(eLo) {
			return nil
		}
		c.Defects++
		a, _ := dateOf(en[0].Value)
		b, _ := dateOf(ln[0].Value)
		return []model.Finding{r.finding(rec, "order", ln[0].Path,
			fmt.Sprintf("%s (%s) is before %s (%s)", ln[0].Path, b, en[0].Path, a), b)}
	}), nil
}

// dq-within-life: events of a patient (observations, encounters, requests) are
// not dated before the patient's birth nor after their death. Patients and
// their events come in any order, so the state keeps, per patient (hashed), the
// birth and death days, the days of its events and the few earliest events
// with their places; counts are exact, and the located examples per patient
// are bounded.

type lifeCheck struct {
	rule      *rule
	patient   string
	birth     Selector
	death     Selector
	events    []Selector
	subjects  map[string]Selector
	exprs     []string
	perPerson int
	// deathDays tolerates records dated this many days after death (death
	// certification, post-mortem reports).
	deathDays int32
}

func (e *engine) withinLife(spec check.Spec, p withinLifeParams, env *check.Env) (check.Check, error) {
	r, err := e.newRule(spec, p.common)
	if err != nil {
		return nil, err
	}
	if r.kind != model.KindFHIR {
		return nil, fmt.Errorf("dq-within-life follows FHIR subject references; kind %q is not supported", r.kind)
	}
	c := &lifeCheck{rule: r, subjects: map[string]Selector{}, patient: p.Patient, perPerson: p.ExamplesPer, exprs: p.Events}
	birth, death, subject := p.Birth, p.Death, p.Subject
	if birth == "" {
		birth = c.patient + ".birthDate"
	}
	if death == "" {
		death = c.patient + ".deceased"
	}
	tol := p.DeathTolerance
	if tol < 0 || tol%(24*time.Hour) != 0 {
		return nil, fmt.Errorf("parameter \"death_tolerance\" is a whole number of days (e.g. 14d)")
	}
	c.deathDays = int32(tol / (24 * time.Hour))
	if c.perPerson < 1 {
		return nil, fmt.Errorf("parameter \"examples_per_patient\" must be at least 1")
	}
	if c.birth, err = r.compile("birth", birth); err != nil {
		return nil, err
	}
	if c.death, err = r.compile("death", death); err != nil {
		return nil, err
	}
	if c.events, err = r.compileAll("events", c.exprs); err != nil {
		return nil, err
	}
	r.types = []string{c.patient}
	for _, x := range c.exprs {
		t := typeFromExpr(x)
		if _, ok := c.subjects[t]; ok {
			continue
		}
		if c.subjects[t], err = r.compile("events", t+"."+subject); err != nil {
			return nil, err
		}
		r.types = append(r.types, t)
	}
	measure := r.name("outside-life")
	r.gradeBy(measure, "event(s) dated before birth or after death")
	r.grade.unjudged = []unjudged{
		{r.name("unjoined"), "event(s) whose subject could not be joined to a patient"},
		{r.name("undated"), "event(s) of a patient with neither a birth nor a death date"},
	}
	return &checkWith{grading: r.grade, appliesTo: r.applies, newState: func() check.State {
		return &lifeState{check: c, People: map[uint64]*person{}}
	}}, nil
}

// event is one located event of a patient.
type event struct {
	Lo int32 `json:"lo"`
	Hi int32 `json:"hi"`
	At place `json:"at"`
}

// person is what the state knows of one patient.
type person struct {
	// Birth and Death are day ranges; Has* say whether they are known.
	Birth    [2]int32 `json:"birth"`
	Death    [2]int32 `json:"death"`
	HasBirth bool     `json:"has_birth,omitempty"`
	HasDeath bool     `json:"has_death,omitempty"`
	// At is the patient record, once seen (death findings point at it).
	At    place `json:"at"`
	HasAt bool  `json:"has_at,omitempty"`
	// Days holds every event's day range as lo, hi pairs.
	Days []int32 `json:"days,omitempty"`
	// Early keeps the canonically earliest events, for examples.
	Early []event `json:"early,omitempty"`
	// Latest is the latest event, for the death message.
	Latest    event `json:"latest"`
	HasLatest bool  `json:"has_latest,omitempty"`
}

type lifeState struct {
	Book   book               `json:"book"`
	People map[uint64]*person `json:"people"`
	// Unjoined counts the dated events whose subject this check cannot
	// follow to a patient: a urn:uuid outside a Bundle or naming no entry
	// of its Bundle, or a patient entry without an id. They are compared
	// with no one. (An event of a patient the feed never holds is counted
	// with them at Finish; a subject naming an entry of another type, a
	// Group or a Device, is no patient's event and is left out, as a
	// reference "Group/1" is.)
	Unjoined int64 `json:"unjoined,omitempty"`

	check *lifeCheck
	// urns resolve a urn:uuid subject to its Bundle's entry.
	urns entryTargets
}

func (s *lifeState) person(h uint64) *person {
	p := s.People[h]
	if p == nil {
		p = &person{}
		s.People[h] = p
	}
	return p
}

func (s *lifeState) Observe(rec *model.Record) []model.Finding {
	c := s.check
	pk := c.rule.picker(rec)
	if rec.Type == c.patient {
		if rec.ID == "" {
			return pk.errs
		}
		p := s.person(keyHash(c.patient, rec.ID))
		if p.HasAt && !s.Book.before(rec, p.At) {
			return pk.errs // a duplicate patient record: the canonically first decides
		}
		p.At, p.HasAt = s.Book.place(rec, ""), true
		p.HasBirth, p.HasDeath = false, false
		if n := pk.get(c.birth); len(n) > 0 {
			if str, ok := n[0].Value.(string); ok {
				lo, hi, ok := DayRange(str)
				p.Birth, p.HasBirth = [2]int32{lo, hi}, ok
			}
		}
		if n := pk.get(c.death); len(n) > 0 {
			if str, ok := n[0].Value.(string); ok {
				lo, hi, ok := DayRange(str)
				p.Death, p.HasDeath = [2]int32{lo, hi}, ok
			}
		}
		return pk.errs
	}
	sub := c.subjects[rec.Type]
	if sub == nil {
		return pk.errs
	}
	var subject string
	unjoined := false
	for _, n := range pk.get(sub) {
		if m, ok := n.Value.(map[string]any); ok {
			if ref, ok := m["reference"].(string); ok {
				typ, id, ok := target(ref)
				if ok && typ == urnTarget {
					// The entry whose fullUrl it is, whatever its
					// resource's id; patients are known here by id. An
					// entry of another type is no patient: not joined,
					// nor counted as unjoined.
					var e entryTarget
					e, ok = s.urns.resolveURN(rec, id)
					typ, id = e.typ, e.id
					unjoined = unjoined || !ok || typ == c.patient && id == ""
				}
				if ok && typ == c.patient && id != "" {
					subject = id
				}
			}
		}
	}
	if subject == "" && !unjoined {
		return pk.errs
	}
	for i, sel := range c.events {
		if typeFromExpr(c.exprs[i]) != rec.Type {
			continue
		}
		for _, n := range pk.get(sel) {
			str, ok := dateOf(n.Value)
			if !ok {
				continue
			}
			lo, hi, ok := DayRange(str)
			if !ok {
				continue
			}
			if subject == "" {
				s.Unjoined++
				break
			}
			p := s.person(keyHash(c.patient, subject))
			p.Days = append(p.Days, lo, hi)
			s.observeEvent(p, rec, n.Path, lo, hi)
			break // one date per event record
		}
	}
	return pk.errs
}

// observeEvent keeps a new event as an example if it is among the earliest or
// is the latest, interning its place only then.
func (s *lifeState) observeEvent(p *person, rec *model.Record, path string, lo, hi int32) {
	early := len(p.Early) < s.check.perPerson
	if !early {
		last := p.Early[len(p.Early)-1]
		early = hi < last.Hi || hi == last.Hi && s.Book.before(rec, last.At)
	}
	late := !p.HasLatest || lo > p.Latest.Lo || lo == p.Latest.Lo && !s.Book.before(rec, p.Latest.At)
	if early || late {
		s.keep(p, event{Lo: lo, Hi: hi, At: s.Book.place(rec, path)})
	}
}

// keep updates a person's examples with ev.
func (s *lifeState) keep(p *person, ev event) {
	p.Early = append(p.Early, ev)
	slices.SortFunc(p.Early, func(a, b event) int {
		switch {
		case a.Hi != b.Hi:
			return int(a.Hi - b.Hi)
		case s.Book.less(a.At, b.At):
			return -1
		case s.Book.less(b.At, a.At):
			return 1
		}
		return 0
	})
	if len(p.Early) > s.check.perPerson {
		p.Early = p.Early[:s.check.perPerson]
	}
	if !p.HasLatest || ev.Lo > p.Latest.Lo || ev.Lo == p.Latest.Lo && s.Book.less(p.Latest.At, ev.At) {
		p.Latest, p.HasLatest = ev, true
	}
}

func (s *lifeState) Merge(other check.State) error {
	o, ok := other.(*lifeState)
	if !ok {
		return mergeError(s, other)
	}
	m := s.Book.absorb(&o.Book)
	s.Unjoined += o.Unjoined
	for h, op := range o.People {
		p := s.person(h)
		if op.HasAt {
			at := m.place(op.At)
			if !p.HasAt || s.Book.less(at, p.At) {
				p.At, p.HasAt = at, true
				p.Birth, p.HasBirth, p.Death, p.HasDeath = op.Birth, op.HasBirth, op.Death, op.HasDeath
			}
		}
		p.Days = append(p.Days, op.Days...)
		for _, ev := range op.Early {
			ev.At = m.place(ev.At)
			s.keep(p, ev)
		}
		if op.HasLatest {
			ev := op.Latest
			ev.At = m.place(ev.At)
			if !p.HasLatest || ev.Lo > p.Latest.Lo || ev.Lo == p.Latest.Lo && s.Book.less(p.Latest.At, ev.At) {
				p.Latest, p.HasLatest = ev, true
			}
		}
	}
	return nil
}

func (s *lifeState) Finish(t *model.Tally) {
	r := s.check.rule
	var events, before, after, joined, absent, undated int64
	for _, p := range s.People {
		joined += int64(len(p.Days) / 2)
		if !p.HasAt {
			// The feed never holds this patient: its events are compared
			// with no one, and said so (not checked), as unjoined ones are.
			absent += int64(len(p.Days) / 2)
			continue
		}
		if !p.HasBirth && !p.HasDeath {
			// Nothing to compare its events with: not checked, as an
			// absent patient's are, never a silent pass.
			undated += int64(len(p.Days) / 2)
			continue
		}
		var nb, na int64
		for i := 0; i+1 < len(p.Days); i += 2 {
			lo, hi := p.Days[i], p.Days[i+1]
			events++
			switch {
			case p.HasBirth && hi < p.Birth[0]:
				nb++
			case p.HasDeath && lo > p.Death[1]+s.check.deathDays:
				na++
			}
		}
		before += nb
		after += na
		var shown int64
		if p.HasBirth {
			for _, ev := range p.Early {
				if ev.Hi < p.Birth[0] {
					t.Add(r.feedFinding("before-birth", s.Book.location(ev.At), "event dated before the patient's birth", ""))
					shown++
				}
			}
		}
		addUnsampled(t, r.sev, nb-shown)
		if na > 0 && p.HasAt {
			loc := s.Book.location(p.At)
			loc.Path = s.check.patient + ".deceased"
			msg := fmt.Sprintf("%d event(s) of this patient are dated after their death, the latest %s", na, s.Book.describe(p.Latest.At))
			t.Add(r.feedFinding("after-death", loc, msg, ""))
		}
	}
	t.Measure(r.name("outside-life"), before+after, events)
	t.Measure(r.name("before-birth"), before, events)
	t.Measure(r.name("after-death"), after, events)
	t.Measure(r.name("unjoined"), s.Unjoined+absent, s.Unjoined+joined)
	t.Measure(r.name("undated"), undated, s.Unjoined+joined)
	// The events judged against no life are records not checked: counted
	// on the tally too, so that a SHALL result of only such events is named
	// in the verdict's reasons (policy.NotChecked), as any check's are.
	t.CountNotChecked(s.Unjoined + absent + undated)
}

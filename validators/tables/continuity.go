package tables

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/tabular"
)

// continuityCheck compares a submission with the previous one of the same
// council (the target's baseline): open services must not vanish without being
// closed, an event keeps its reference, and a continuing service keeps its start
// date rather than restarting on 1 April. Column names are parameters with the
// CLD names as defaults.
type continuityCheck struct {
	table     string
	person    string
	eventType string
	start     string
	end       string
	reference string
	service   []string
	severity  model.Severity
	spill     *spillArea
}

func newContinuityCheck(_ check.Spec, p continuityParams, env *check.Env) (check.Check, error) {
	c := &continuityCheck{spill: spillAreaOf(env), table: p.Table, person: p.Person, eventType: p.EventType,
		start: p.Start, end: p.End, reference: p.Reference, service: p.Service, severity: p.Severity}
	if len(c.service) == 0 {
		c.service = []string{"Service_Type", "Service_Component"}
	}
	return c, nil
}

// Applies takes the rows of both submissions, and none when the target has
// no baseline: then there is nothing to compare and nothing to remember.
func (c *continuityCheck) Applies(rec *model.Record) bool {
	row := tabular.RowOf(rec)
	return row != nil && (row.Baseline || row.HasBaseline) && (c.table == "" || rec.Type == c.table)
}

func (c *continuityCheck) NewState() check.State {
	return &continuityState{c: c, Files: map[uint64]string{},
		Events: newKeySet(7, c.spill), Restarts: newKeySet(6, c.spill), Refs: newKeySet(4, c.spill)}
}

// Sides of an entry: the previous submission or this one.
const (
	sideBaseline = 0
	sideCurrent  = 1
)

// continuityState keeps fixed-size entries in key sets that spill to disk, so
// that comparing two submissions needs flat memory however long they are;
// Finish joins them in sorted passes:
//
//	Events   [natural key, side, file, line/row, ref, service key, open start]
//	Restarts [service key, side, start, file, line/row, ref]
//	Refs     [ref, side, file, line/row]
//
// The natural key is (person, event type, start date, service); the service key
// (person, service columns). Open start is the start day + 1 of an open
// baseline service, 0 otherwise. Restarts holds this submission's services
// starting on 1 April; Refs this submission's references. Baseline entries of
// Restarts and Refs are added by Finish for the open services it has not yet
// found again.
type continuityState struct {
	c        *continuityCheck
	Files    map[uint64]string
	Events   *keySet
	Restarts *keySet
	Refs     *keySet
	buf      []byte
}

type continuityJSON struct {
	Files    map[uint64]string `json:"files"`
	Events   []uint64          `json:"events"`
	Restarts []uint64          `json:"restarts"`
	Refs     []uint64          `json:"refs"`
}

func (s *continuityState) MarshalJSON() ([]byte, error) {
	var j continuityJSON
	var errs [3]error
	j.Files = s.Files
	j.Events, errs[0] = s.Events.all()
	j.Restarts, errs[1] = s.Restarts.all()
	j.Refs, errs[2] = s.Refs.all()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return json.Marshal(j)
}

func (s *continuityState) UnmarshalJSON(b []byte) error {
	var j continuityJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	for id, f := range j.Files {
		s.Files[id] = f
	}
	for _, x := range []struct {
		k *keySet
		v []uint64
	}{{s.Events, j.Events}, {s.Restarts, j.Restarts}, {s.Refs, j.Refs}} {
		if len(x.v)%x.k.width != 0 {
			return fmt.Errorf("cld-continuity: %d words is not a whole number of %d-word entries", len(x.v), x.k.width)
		}
		x.k.mem = append(x.k.mem[:0], x.v...)
	}
	return nil
}

func (s *continuityState) get(row *tabular.Row, col string) string {
	v, _ := row.Get(col)
	return strings.TrimSpace(v)
}

func (s *continuityState) Observe(rec *model.Record) []model.Finding {
	row := tabular.RowOf(rec)
	person := s.get(row, s.c.person)
	if person == "" {
		return nil
	}
	startText := s.get(row, s.c.start)
	start, hasStart := exprDate(startText)
	isService := Normalize(s.get(row, s.c.eventType)) == "service"
	// service key: person and the service's columns
	s.buf = append(s.buf[:0], Normalize(person)...)
	for _, col := range s.c.service {
		s.buf = append(s.buf, 0)
		s.buf = append(s.buf, Normalize(s.get(row, col))...)
	}
	svc := xxhash.Sum64(s.buf)
	// natural key: the service key with the event type and start date
	s.buf = append(s.buf, 0)
	s.buf = append(s.buf, Normalize(s.get(row, s.c.eventType))...)
	s.buf = append(s.buf, 0)
	if hasStart {
		s.buf = start.AppendFormat(s.buf, "2006-01-02")
	} else {
		s.buf = append(s.buf, startText...)
	}
	key := xxhash.Sum64(s.buf)
	var ref uint64
	if r := s.get(row, s.c.reference); r != "" {
		ref = xxhash.Sum64String(r) | 1 // never 0, which means "no reference"
	}
	fid, lr := placeOf(s.Files, rec.Source, rec.Line, row.Number)
	if row.Baseline {
		var openStart uint64
		if isService && s.get(row, s.c.end) == "" && hasStart {
			openStart = uint64(days(start)) + 1
		}
		s.Events.add(key, sideBaseline, fid, lr, ref, svc, openStart)
		return nil
	}
	s.Events.add(key, sideCurrent, fid, lr, ref, 0, 0)
	if ref != 0 {
		s.Refs.add(ref, sideCurrent, fid, lr)
	}
	if isService && hasStart && start.Month() == time.April && start.Day() == 1 {
		s.Restarts.add(svc, sideCurrent, uint64(days(start)), fid, lr, 0)
	}
	return nil
}

// days counts days since 1970 (dates here are after it).
func days(t time.Time) int64 { return t.Unix() / 86400 }

func (s *continuityState) Merge(other check.State) error {
	o, ok := other.(*continuityState)
	if !ok {
		return fmt.Errorf("cld-continuity: cannot merge %T", other)
	}
	maps.Copy(s.Files, o.Files)
	s.Events.merge(o.Events)
	s.Restarts.merge(o.Restarts)
	s.Refs.merge(o.Refs)
	return nil
}

func (s *continuityState) Finish(t *model.Tally) {
	var open, vanished int64
	sawBaseline := false
	fail := func(err error) {
		if err != nil {
			t.Add(model.Finding{Severity: model.Error, Code: "tabular.state", Message: err.Error()})
		}
	}
	// Pass 1, by natural key: an event in both submissions continues (and
	// keeps its reference); an open baseline service that is not found again
	// goes on to the next pass.
	var cur uint64
	var base, now []uint64
	flush := func() {
		if base != nil && now != nil && base[4] != 0 && now[4] != 0 && base[4] != now[4] {
			l, r := linesOf(now[3])
			bl, _ := linesOf(base[3])
			t.Add(model.Finding{Severity: s.c.severity, Code: "cld.reference-changed",
				Message: fmt.Sprintf("%s differs from the previous submission's for the same event (baseline %s:%d)",
					s.c.reference, s.Files[base[2]], bl),
				Location: model.Location{File: s.Files[now[2]], Line: l, Record: tabular.RowName(r), Path: s.c.reference}})
		}
		if base != nil && base[6] != 0 {
			open++
			if now == nil {
				// [service key, side, start, file, line/row, ref]
				s.Restarts.add(base[5], sideBaseline, base[6]-1, base[2], base[3], base[4])
			}
		}
		base, now = nil, nil
	}
	first := true
	fail(s.Events.each(func(e []uint64) {
		if first || e[0] != cur {
			if !first {
				flush()
			}
			first, cur = false, e[0]
		}
		switch {
		case e[1] == sideBaseline && base == nil:
			base = slices.Clone(e)
			sawBaseline = true
		case e[1] == sideCurrent && now == nil:
			now = slices.Clone(e)
		}
	}))
	if !first {
		flush()
	}
	if !sawBaseline {
		return // no baseline given: nothing to compare (the result is a skip)
	}
	// Pass 2, by service key: a service restarted on a later 1 April.
	var group [][]uint64
	resolve := func() {
		for _, b := range group {
			if b[1] != sideBaseline {
				continue
			}
			var restart []uint64
			for _, r := range group {
				if r[1] == sideCurrent && r[2] > b[2] {
					restart = r
					break
				}
			}
			if restart != nil {
				l, row := linesOf(restart[4])
				bl, _ := linesOf(b[4])
				t.Add(model.Finding{Severity: s.c.severity, Code: "cld.start-reset",
					Message: fmt.Sprintf("a continuing service's %s was reset to 1 April; the previous submission has it starting %s (%s:%d)",
						s.c.start, time.Unix(int64(b[2])*86400, 0).UTC().Format("2006-01-02"), s.Files[b[3]], bl),
					Location: model.Location{File: s.Files[restart[3]], Line: l, Record: tabular.RowName(row), Path: s.c.start}})
				continue
			}
			if b[5] != 0 {
				s.Refs.add(b[5], sideBaseline, b[3], b[4])
			} else {
				vanished++
				t.Add(s.vanished(b[3], b[4]))
			}
		}
		group = group[:0]
	}
	first = true
	fail(s.Restarts.each(func(e []uint64) {
		if !first && e[0] != cur {
			resolve()
		}
		first, cur = false, e[0]
		group = append(group, slices.Clone(e))
	}))
	resolve()
	// Pass 3, by reference: the same event under changed details is still
	// there. Baseline entries sort before current ones: decide at each group's end.
	var pending [][2]uint64
	present := false
	settle := func() {
		if !present {
			for _, p := range pending {
				vanished++
				t.Add(s.vanished(p[0], p[1]))
			}
		}
		pending, present = pending[:0], false
	}
	first = true
	fail(s.Refs.each(func(e []uint64) {
		if !first && e[0] != cur {
			settle()
		}
		first, cur = false, e[0]
		if e[1] == sideCurrent {
			present = true
		} else {
			pending = append(pending, [2]uint64{e[2], e[3]})
		}
	}))
	settle()
	t.Measure("continuity.open-services-accounted", open-vanished, open)
}
func (s *continuityState) vanished(fid, lr uint64) model.Finding {
	l, r := linesOf(lr)
	return model.Finding{Severity: s.c.severity, Code: "cld.service-vanished",
		Message:  "an open service of the previous submission is missing from this one without having been closed",
		Location: model.Location{File: s.Files[fid], Line: l, Record: "baseline " + tabular.RowName(r), Path: s.c.end}}
}

// Grade skips when the target has no baseline; otherwise any finding warns
// or fails by its severity.
func (c *continuityCheck) Grade(t *model.Tally) (model.Outcome, string) {
	if _, ok := t.Lookup("continuity.open-services-accounted"); !ok && t.Total() == 0 && t.Evaluated == 0 {
		return model.Skip, "no baseline: give the target the previous submission as baseline"
	}
	return t.Grade()
}

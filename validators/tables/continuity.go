package tables

import (
	"fmt"
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
}

func newContinuityCheck(spec check.Spec, env *check.Env) (check.Check, error) {
	p := spec.Params
	if err := p.Reject("table", "person", "event_type", "start", "end", "reference", "service", "severity"); err != nil {
		return nil, err
	}
	c := &continuityCheck{}
	for _, s := range []struct {
		key string
		dst *string
		def string
	}{
		{"table", &c.table, ""},
		{"person", &c.person, "LA_Person_Unique_Identifier"},
		{"event_type", &c.eventType, "Event_Type"},
		{"start", &c.start, "Event_Start_Date"},
		{"end", &c.end, "Event_End_Date"},
		{"reference", &c.reference, "Event_Reference"},
	} {
		v, err := p.String(s.key, s.def)
		if err != nil {
			return nil, err
		}
		*s.dst = v
	}
	var err error
	if c.service, err = p.Strings("service"); err != nil {
		return nil, err
	}
	if len(c.service) == 0 {
		c.service = []string{"Service_Type", "Service_Component"}
	}
	sev, err := p.String("severity", "warning")
	if err != nil {
		return nil, err
	}
	if c.severity, err = model.ParseSeverity(sev); err != nil {
		return nil, err
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
	return &continuityState{c: c, Current: map[uint64]eventAt{}, Baseline: map[uint64]eventAt{},
		CurrentRefs: map[uint64]bool{}, Restarts: map[uint64]eventAt{}}
}

// eventAt is what the check remembers of one event.
type eventAt struct {
	// Ref is the hash of the event reference (0 when blank).
	Ref  uint64 `json:"ref,omitempty"`
	File string `json:"file,omitempty"`
	Line int    `json:"line"`
	Row  int64  `json:"row"`
	// Service and Start describe open services of the baseline (the service
	// key's hash and the start date as days since 1970).
	Service uint64 `json:"service,omitempty"`
	Start   int64  `json:"start,omitempty"`
	Open    bool   `json:"open,omitempty"`
}

type continuityState struct {
	c *continuityCheck
	// Current and Baseline map an event's natural key (person, type, start
	// date, service) to the event; when a key repeats, the earliest row wins.
	Current  map[uint64]eventAt `json:"current"`
	Baseline map[uint64]eventAt `json:"baseline"`
	// CurrentRefs holds the references of the current submission.
	CurrentRefs map[uint64]bool `json:"current_refs"`
	// Restarts maps a service key to a current service starting on 1 April.
	Restarts map[uint64]eventAt `json:"restarts"`
	buf      []byte
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
	ev := eventAt{File: rec.Source, Line: rec.Line, Row: row.Number}
	if ref := s.get(row, s.c.reference); ref != "" {
		ev.Ref = xxhash.Sum64String(ref)
	}
	if row.Baseline {
		if isService && s.get(row, s.c.end) == "" && hasStart {
			ev.Open, ev.Service, ev.Start = true, svc, days(start)
		}
		keepEarliest(s.Baseline, key, ev)
		return nil
	}
	keepEarliest(s.Current, key, ev)
	if ev.Ref != 0 {
		s.CurrentRefs[ev.Ref] = true
	}
	if isService && hasStart && start.Month() == time.April && start.Day() == 1 {
		ev.Start = days(start)
		keepEarliest(s.Restarts, svc, ev)
	}
	return nil
}

func days(t time.Time) int64 { return t.Unix() / 86400 }

func keepEarliest(m map[uint64]eventAt, k uint64, ev eventAt) {
	if cur, ok := m[k]; !ok || ev.File < cur.File || ev.File == cur.File && ev.Line < cur.Line {
		m[k] = ev
	}
}

func (s *continuityState) Merge(other check.State) error {
	o, ok := other.(*continuityState)
	if !ok {
		return fmt.Errorf("cld-continuity: cannot merge %T", other)
	}
	for k, v := range o.Current {
		keepEarliest(s.Current, k, v)
	}
	for k, v := range o.Baseline {
		keepEarliest(s.Baseline, k, v)
	}
	for k := range o.CurrentRefs {
		s.CurrentRefs[k] = true
	}
	for k, v := range o.Restarts {
		keepEarliest(s.Restarts, k, v)
	}
	return nil
}

func (s *continuityState) Finish(t *model.Tally) {
	if len(s.Baseline) == 0 {
		return // no baseline given: nothing to compare (the result is a skip)
	}
	var open, kept int64
	for key, b := range s.Baseline {
		cur, continued := s.Current[key]
		if continued {
			if b.Ref != 0 && cur.Ref != 0 && b.Ref != cur.Ref {
				t.Add(model.Finding{Severity: s.c.severity, Code: "cld.reference-changed",
					Message: fmt.Sprintf("%s differs from the previous submission's for the same event (baseline %s:%d)",
						s.c.reference, b.File, b.Line),
					Location: model.Location{File: cur.File, Line: cur.Line, Record: tabular.RowName(cur.Row), Path: s.c.reference}})
			}
		}
		if !b.Open {
			continue
		}
		open++
		switch {
		case continued:
			kept++
		case s.restarted(b, t):
			kept++
		case b.Ref != 0 && s.CurrentRefs[b.Ref]:
			kept++ // the same event under changed details: not vanished
		default:
			t.Add(model.Finding{Severity: s.c.severity, Code: "cld.service-vanished",
				Message:  "an open service of the previous submission is missing from this one without having been closed",
				Location: model.Location{File: b.File, Line: b.Line, Record: "baseline " + tabular.RowName(b.Row), Path: s.c.end}})
		}
	}
	t.Measure("continuity.open-services-accounted", kept, open)
}

// restarted reports (and raises the finding) when an open baseline service
// reappears with its start date reset to the 1 April after it began.
func (s *continuityState) restarted(b eventAt, t *model.Tally) bool {
	r, ok := s.Restarts[b.Service]
	if !ok || r.Start <= b.Start {
		return false
	}
	t.Add(model.Finding{Severity: s.c.severity, Code: "cld.start-reset",
		Message: fmt.Sprintf("a continuing service's %s was reset to 1 April; the previous submission has it starting %s (%s:%d)",
			s.c.start, time.Unix(b.Start*86400, 0).UTC().Format("2006-01-02"), b.File, b.Line),
		Location: model.Location{File: r.File, Line: r.Line, Record: tabular.RowName(r.Row), Path: s.c.start}})
	return true
}

// Grade skips when the target has no baseline; otherwise any finding warns
// or fails by its severity.
func (c *continuityCheck) Grade(t *model.Tally) (model.Outcome, string) {
	if _, ok := t.Lookup("continuity.open-services-accounted"); !ok && t.Total() == 0 && t.Evaluated == 0 {
		return model.Skip, "no baseline: give the target the previous submission as baseline"
	}
	return t.Grade()
}

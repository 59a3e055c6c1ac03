package restapi

import (
	"fmt"
	"time"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/model"
)

// newSince judges a Bulk export that asked for _since: each exported resource
// must have changed at or after it (meta.lastUpdated), and the manifest's
// transactionTime must not be before it. An export without _since gives the
// check nothing to look at.
func newSince(check.Spec, check.NoParams, *check.Env) (check.Check, error) {
	return sinceCheck{}, nil
}

type sinceCheck struct{}

// exportOf returns the kick-off exchange of the Bulk export a resource record
// was downloaded from: the fhir-bulk target makes it the record's Container.
func exportOf(rec *model.Record) *fhirclient.Exchange {
	if rec.Kind != model.KindFHIR || rec.Container == nil {
		return nil
	}
	ex := exchangeOf(rec.Container)
	if ex == nil || ex.Interaction != fhirclient.BulkKickoff {
		return nil
	}
	return ex
}

func (sinceCheck) Applies(rec *model.Record) bool {
	if ex := exchangeOf(rec); ex != nil {
		return ex.Interaction == fhirclient.BulkManifest && ex.Since != ""
	}
	ex := exportOf(rec)
	return ex != nil && ex.Since != ""
}

func (sinceCheck) NewState() check.State { return &sinceState{} }

// sinceState counts what a worker saw; resources older than _since are
// findings of their own records, so the state stays small whatever the
// export's size.
type sinceState struct {
	Since string `json:"since,omitempty"`
	// Dated counts resources whose meta.lastUpdated was compared; Before
	// those of them older than _since.
	Dated  int64 `json:"dated"`
	Before int64 `json:"before"`
	// Undated counts resources without a meta.lastUpdated instant, which
	// cannot be judged; FirstUndated is the first of them by file and line.
	Undated      int64           `json:"undated"`
	FirstUndated *model.Location `json:"first_undated,omitempty"`

	// since is Since parsed, for the worker that parsed it.
	since time.Time
}

// cutoff parses the export's _since once per worker. The target checked it
// when the plan was loaded; a record that still holds a bad one is not judged.
func (s *sinceState) cutoff(raw string) (time.Time, bool) {
	if raw == s.Since && !s.since.IsZero() {
		return s.since, true
	}
	t, err := fhirclient.ParseInstant(raw)
	if err != nil {
		return time.Time{}, false
	}
	s.Since, s.since = raw, t
	return t, true
}

func (s *sinceState) Observe(rec *model.Record) []model.Finding {
	if ex := exchangeOf(rec); ex != nil {
		return s.manifest(ex)
	}
	since, ok := s.cutoff(exportOf(rec).Since)
	if !ok {
		return nil
	}
	meta, _ := rec.Resource()["meta"].(map[string]any)
	raw, _ := meta["lastUpdated"].(string)
	updated, err := fhirclient.ParseInstant(raw)
	if err != nil {
		// A lastUpdated that is no instant is the structure suites' to
		// report; here it only means the resource cannot be judged.
		s.Undated++
		loc := model.Location{File: rec.Source, Line: rec.Line, Record: rec.Name()}
		if f := s.FirstUndated; f == nil || loc.File < f.File || (loc.File == f.File && loc.Line < f.Line) {
			s.FirstUndated = &loc
		}
		return nil
	}
	s.Dated++
	if !updated.Before(since) {
		return nil
	}
	s.Before++
	return []model.Finding{rec.Finding(model.Error, "bulk.before-since", rec.Type+".meta.lastUpdated",
		fmt.Sprintf("%s was last updated %s, before _since %s: an export of what changed since then must leave it out", rec.Name(), raw, s.Since))}
}

// manifest checks the manifest's transactionTime against _since.
func (s *sinceState) manifest(ex *fhirclient.Exchange) []model.Finding {
	since, ok := s.cutoff(ex.Since)
	if !ok || ex.Resource == nil {
		return nil // the manifest check reports a body that is no manifest
	}
	raw := str(ex.Resource, "transactionTime")
	tt, err := fhirclient.ParseInstant(raw)
	switch {
	case raw == "":
		return []model.Finding{at(finding(ex, model.Error, "bulk.transaction-time", "the manifest has no transactionTime to show the export ran at or after _since %s", s.Since), "transactionTime")}
	case err != nil:
		return []model.Finding{at(finding(ex, model.Error, "bulk.transaction-time", "the manifest's transactionTime %q is not an instant, so it cannot be compared with _since %s", raw, s.Since), "transactionTime")}
	case tt.Before(since):
		return []model.Finding{at(finding(ex, model.Error, "bulk.transaction-time", "the manifest's transactionTime %s is before _since %s: the export claims to show the server as it was before the changes it was asked for", raw, s.Since), "transactionTime")}
	}
	return nil
}

func (s *sinceState) Merge(other check.State) error {
	o, ok := other.(*sinceState)
	if !ok {
		return fmt.Errorf("since: cannot merge %T", other)
	}
	if s.Since == "" {
		s.Since, s.since = o.Since, o.since
	}
	s.Dated += o.Dated
	s.Before += o.Before
	s.Undated += o.Undated
	if f := o.FirstUndated; f != nil {
		if g := s.FirstUndated; g == nil || f.File < g.File || (f.File == g.File && f.Line < g.Line) {
			s.FirstUndated = f
		}
	}
	return nil
}

// Grade skips an export none of whose resources could be compared with
// _since: a count of nothing is no evidence the server honoured it.
func (sinceCheck) Grade(t *model.Tally) (model.Outcome, string) {
	dated, _ := t.Lookup(measureSinceDated)
	if t.Evaluated > 0 && t.Errors == 0 && t.Warnings == 0 && dated.Denominator == 0 {
		return model.Skip, "not judged: no exported resource carried meta.lastUpdated, so none could be compared with _since"
	}
	return t.Grade()
}

const measureSinceDated = "exported resources updated at or after _since"

func (s *sinceState) Finish(t *model.Tally) {
	if s.Dated+s.Undated == 0 {
		return
	}
	t.Measure(measureSinceDated, s.Dated-s.Before, s.Dated)
	t.Measure("exported resources without meta.lastUpdated", s.Undated, 1)
	if s.Undated > 0 {
		f := s.FirstUndated
		t.Add(model.Finding{Severity: model.Information, Code: "bulk.since-undated", Location: *f,
			Message: fmt.Sprintf("%d exported resource(s) have no meta.lastUpdated instant, so whether they changed since _since %s cannot be told (first: %s)", s.Undated, s.Since, f.Record)})
	}
}

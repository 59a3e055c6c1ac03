package check

import (
	"fmt"

	"github.com/carecert/carecert/model"
)

// PerRecord adapts a stateless, per-record function into a Check. Most
// conformance checks (structure, profiles, codes) are of this kind.
func PerRecord(applies func(*model.Record) bool, eval func(*model.Record) []model.Finding) Check {
	return perRecord{applies: applies, eval: eval}
}

type perRecord struct {
	applies func(*model.Record) bool
	eval    func(*model.Record) []model.Finding
}

func (c perRecord) Applies(r *model.Record) bool { return c.applies(r) }
func (c perRecord) NewState() State              { return &statelessState{eval: c.eval} }

// statelessState has nothing to merge or remember; it serialises as {}.
type statelessState struct {
	eval func(*model.Record) []model.Finding
}

func (s *statelessState) Observe(r *model.Record) []model.Finding { return s.eval(r) }
func (s *statelessState) Merge(State) error                       { return nil }
func (s *statelessState) Finish(*model.Tally)                     {}

// KindIs returns an Applies function for one record kind.
func KindIs(k model.Kind) func(*model.Record) bool {
	return func(r *model.Record) bool { return r.Kind == k }
}

// PerRecordOrNothing is PerRecord for a check that can find nothing to
// judge in a record of a type it applies to (no element it judges, a
// Bundle whose entries are records of their own): eval's second result says
// so, and the check counts those records (Tally.CountNothingToJudge), so
// that a result of only them and records not checked is not graded a pass.
func PerRecordOrNothing(applies func(*model.Record) bool, eval func(*model.Record) ([]model.Finding, bool)) Check {
	return perRecordOrNothing{applies: applies, eval: eval}
}

type perRecordOrNothing struct {
	applies func(*model.Record) bool
	eval    func(*model.Record) ([]model.Finding, bool)
}

func (c perRecordOrNothing) Applies(r *model.Record) bool { return c.applies(r) }
func (c perRecordOrNothing) NewState() State              { return &nothingState{eval: c.eval} }

// nothingState counts the records with nothing to judge; it serialises as
// that count.
type nothingState struct {
	NothingToJudge int64 `json:"nothing_to_judge"`
	eval           func(*model.Record) ([]model.Finding, bool)
}

func (s *nothingState) Observe(r *model.Record) []model.Finding {
	fs, nothing := s.eval(r)
	if nothing {
		s.NothingToJudge++
	}
	return fs
}

func (s *nothingState) Merge(other State) error {
	o, ok := other.(*nothingState)
	if !ok {
		return fmt.Errorf("cannot merge %T into a per-record state", other)
	}
	s.NothingToJudge += o.NothingToJudge
	return nil
}

func (s *nothingState) Finish(t *model.Tally) { t.CountNothingToJudge(s.NothingToJudge) }

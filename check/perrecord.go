package check

import "github.com/carecert/carecert/model"

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

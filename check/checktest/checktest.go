// Package checktest holds a compiled check to the check contract (package
// check): the states of several workers, each written to JSON and read back
// as a shard's part is, merge in any order into exactly the result of one
// state that saw every record; and a check that evaluated nothing never
// passes. Specs run it over every check type of every built-in suite.
package checktest

import (
	"encoding/json"
	"fmt"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
)

// Result is one pass of a check over records: the finished tally and its grade.
type Result struct {
	Tally   *model.Tally
	Outcome model.Outcome
	Message string
}

// Run evaluates c over recs as the runner does with workers workers: records
// dealt round-robin, each worker's state taken through JSON into a fresh
// state, then merged (last worker first) and finished once. One worker is
// the plain single run: its state is finished as it is.
func Run(c check.Check, recs []*model.Record, workers int) (Result, error) {
	if workers < 1 {
		workers = 1
	}
	states := make([]check.State, workers)
	tallies := make([]*model.Tally, workers)
	for i := range states {
		states[i], tallies[i] = c.NewState(), model.NewTally(0)
	}
	for i, rec := range recs {
		rec.Load()
		if rec.Problem != nil || !c.Applies(rec) {
			continue
		}
		tallies[i%workers].Observe(states[i%workers].Observe(rec))
	}
	merged, tally := states[0], tallies[0]
	if workers > 1 {
		merged, tally = c.NewState(), model.NewTally(0)
	}
	for i := workers - 1; i >= 0 && workers > 1; i-- {
		data, err := json.Marshal(states[i])
		if err != nil {
			return Result{}, fmt.Errorf("worker %d: state does not write as JSON: %w", i, err)
		}
		back := c.NewState()
		if err := json.Unmarshal(data, back); err != nil {
			return Result{}, fmt.Errorf("worker %d: state does not read back from its JSON: %w", i, err)
		}
		if err := merged.Merge(back); err != nil {
			return Result{}, fmt.Errorf("worker %d: merge: %w", i, err)
		}
		tally.Merge(tallies[i])
	}
	merged.Finish(tally)
	r := Result{Tally: tally}
	if g, ok := c.(check.Grader); ok {
		r.Outcome, r.Message = g.Grade(tally)
	} else {
		r.Outcome, r.Message = tally.Grade()
	}
	return r, nil
}

// Contract checks c against the contract on recs and returns the result of
// the single pass, or an error saying how c breaks the contract.
func Contract(c check.Check, recs []*model.Record) (Result, error) {
	if empty, err := Run(c, nil, 1); err != nil {
		return Result{}, fmt.Errorf("no records: %w", err)
	} else if empty.Outcome == model.Pass {
		return Result{}, fmt.Errorf("passes having evaluated no record (%s)", empty.Message)
	}
	one, err := Run(c, recs, 1)
	if err != nil {
		return Result{}, err
	}
	want, err := summary(one)
	if err != nil {
		return Result{}, err
	}
	for _, n := range []int{2, 3} {
		many, err := Run(c, recs, n)
		if err != nil {
			return Result{}, fmt.Errorf("%d workers: %w", n, err)
		}
		got, err := summary(many)
		if err != nil {
			return Result{}, err
		}
		if got != want {
			return Result{}, fmt.Errorf("%d workers merged give a different result from one:\n one: %s\n %d:   %s", n, want, n, got)
		}
	}
	return one, nil
}

// summary is a result as JSON, findings in the tally's canonical order.
func summary(r Result) (string, error) {
	r.Tally.Sample()
	data, err := json.Marshal(struct {
		Tally   *model.Tally
		Outcome model.Outcome
		Message string
	}{r.Tally, r.Outcome, r.Message})
	return string(data), err
}

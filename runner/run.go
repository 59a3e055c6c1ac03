package runner

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/policy"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/suites"
)

// InputSuite and InputRequirement name the requirement every run has: records can
// be read and parsed. Unreadable records are reported under it, so that no
// problem with the input is ever lost, whatever suites the plan names.
const (
	InputSuite       = "carecert"
	InputRequirement = "INPUT"
)

// Progress is told about records as they are read. Implementations must be safe
// for concurrent use.
type Progress interface {
	Start(target string)
	Add(records int)
	Done()
}

// Runner runs plans. Build one with New and reuse it.
type Runner struct {
	Checks  *check.Registry
	Targets *target.Registry
	Tool    model.Tool
	// Workers is how many records are checked at once; 0 means every core.
	Workers int
	// Progress, when set, is told about records as they are read.
	Progress Progress
	// IGs are implementation guides given on the command line, added to the plan's.
	IGs []string
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// compiled is one requirement of one suite, ready to run.
type compiled struct {
	suite *suites.Suite
	req   suites.Requirement
	check check.Check
}

// Run certifies every vendor of the plan in turn. It returns the reports
// finished so far with the first error that stopped the run; an interrupted run
// (ctx cancelled) returns a report marked incomplete and ctx's error.
func (r *Runner) Run(ctx context.Context, p *Plan) ([]*model.Report, error) {
	now := r.Now
	if now == nil {
		now = time.Now
	}
	asOf := now().UTC().Truncate(24 * time.Hour)
	if p.Date != "" {
		asOf, _ = time.Parse("2006-01-02", p.Date) // checked when the plan was loaded
	}
	env := &check.Env{Context: ctx, PlanDir: p.Dir, IGs: append(append([]string{}, p.IGs...), r.IGs...), AsOf: asOf}
	if err := r.Preflight(p); err != nil {
		return nil, err
	}
	var out []*model.Report
	for _, v := range p.Vendors {
		rep, err := r.RunVendor(ctx, p, v, env)
		if rep != nil {
			out = append(out, rep)
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// Preflight opens every target of the plan without reading it, so that a
// mistake in a target's description stops the run before any work is done.
func (r *Runner) Preflight(p *Plan) error {
	for _, v := range p.Vendors {
		for _, m := range v.Targets {
			spec, err := targetSpec(m, p.Dir)
			if err != nil {
				return fmt.Errorf("plan %s: vendor %s: %w", p.Source, v.Name, err)
			}
			var ce *target.ConfigError
			if _, _, err := r.Targets.Open(spec); errors.As(err, &ce) {
				return fmt.Errorf("plan %s: vendor %s: %s", p.Source, v.Name, spec.Scrub(err.Error()))
			}
		}
	}
	return nil
}

// Compile loads and compiles the suites a vendor is certified against.
func (r *Runner) Compile(p *Plan, v VendorPlan, env *check.Env) ([]*suites.Suite, []compiled, error) {
	refs := append(append([]string{}, p.Suites...), v.Suites...)
	var ss []*suites.Suite
	var cs []compiled
	seen := map[string]bool{}
	for _, ref := range refs {
		s, err := suites.Resolve(ref, p.Dir, r.Checks)
		if err != nil {
			return nil, nil, err
		}
		if seen[s.ID] {
			continue
		}
		seen[s.ID] = true
		ss = append(ss, s)
		for _, req := range s.Requirements {
			c, err := r.Checks.Compile(req.Spec(), env)
			if err != nil {
				return nil, nil, fmt.Errorf("suite %s: %w", s.ID, err)
			}
			cs = append(cs, compiled{suite: s, req: req, check: c})
		}
	}
	return ss, cs, nil
}

// RunVendor certifies one vendor.
func (r *Runner) RunVendor(ctx context.Context, p *Plan, v VendorPlan, env *check.Env) (*model.Report, error) {
	now := r.Now
	if now == nil {
		now = time.Now
	}
	rep := &model.Report{
		Schema:    model.ReportSchemaVersion,
		Tool:      r.Tool,
		Plan:      p.Name,
		Vendor:    model.Vendor{Name: v.Name, Product: v.Product, Release: v.Release},
		AsOf:      p.Date,
		StartedAt: now().UTC(),
		Complete:  true,
		Evidence:  p.Evidence,
	}
	if rep.AsOf == "" {
		rep.AsOf = rep.StartedAt.Format("2006-01-02")
	}
	ss, cs, err := r.Compile(p, v, env)
	if err != nil {
		return nil, err
	}
	for _, s := range ss {
		rep.Suites = append(rep.Suites, model.SuiteInfo{ID: s.ID, Version: s.Version, Title: s.Title, Source: s.Source})
	}
	for _, m := range v.Targets {
		spec, err := targetSpec(m, p.Dir)
		if err != nil {
			return nil, err
		}
		tr := r.runTarget(ctx, spec, cs, p)
		rep.Targets = append(rep.Targets, tr)
		if ctx.Err() != nil {
			rep.Complete = false
			break
		}
	}
	pol, err := policy.FromPlan(p.Policy)
	if err != nil {
		return nil, err
	}
	rep.FinishedAt = now().UTC()
	rep.Summarize()
	rep.Verdict = pol.Decide(rep)
	if !rep.Complete {
		return rep, ctx.Err()
	}
	return rep, nil
}

// worker holds one goroutine's share of every check's work on a target.
type worker struct {
	input   *model.Tally
	states  []check.State
	tallies []*model.Tally
}

func (r *Runner) runTarget(ctx context.Context, spec target.Spec, cs []compiled, p *Plan) model.TargetRun {
	tr := model.TargetRun{Name: spec.Name, Location: spec.Location()}
	t, typ, err := r.Targets.Open(spec)
	tr.Type = typ
	if err != nil {
		tr.Error = spec.Scrub(err.Error())
		tr.Results = erroredResults(cs, tr.Error)
		return tr
	}
	n := r.Workers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	workers := make([]*worker, n)
	for i := range workers {
		w := &worker{input: model.NewTally(p.SampleLimit)}
		for _, c := range cs {
			w.states = append(w.states, c.check.NewState())
			w.tallies = append(w.tallies, model.NewTally(p.SampleLimit))
		}
		workers[i] = w
	}
	if r.Progress != nil {
		r.Progress.Start(spec.Name)
		defer r.Progress.Done()
	}

	records := make(chan *model.Record, 4*n)
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rec := range records {
				w.observe(rec, cs, p.Evidence == "full")
			}
		}()
	}
	var count int64
	readErr := t.Records(ctx, func(rec *model.Record) error {
		select {
		case records <- rec:
		case <-ctx.Done():
			return ctx.Err()
		}
		count++
		if r.Progress != nil {
			r.Progress.Add(1)
		}
		return nil
	})
	close(records)
	wg.Wait()
	tr.Records = count
	if readErr != nil && !errors.Is(readErr, context.Canceled) && !errors.Is(readErr, context.DeadlineExceeded) {
		tr.Error = spec.Scrub(readErr.Error())
	}

	// Merge every worker into the first, then finish and grade.
	first := workers[0]
	for _, w := range workers[1:] {
		first.input.Merge(w.input)
		for i := range cs {
			if err := first.states[i].Merge(w.states[i]); err != nil {
				tr.Error = fmt.Sprintf("merging results of %s: %v", cs[i].req.ID, err)
			}
			first.tallies[i].Merge(w.tallies[i])
		}
	}
	tr.Results = append(tr.Results, inputResult(first.input, tr.Error))
	for i, c := range cs {
		tally := first.tallies[i]
		first.states[i].Finish(tally)
		res := model.Result{
			Suite: c.suite.ID, Requirement: c.req.ID, Level: c.req.Level,
			Title: c.req.Title, Check: c.req.Check,
		}
		if g, ok := c.check.(check.Grader); ok {
			res.Outcome, res.Message = g.Grade(tally)
		} else {
			res.Outcome, res.Message = tally.Grade()
		}
		tally.Sample()
		res.Tally = *tally
		tr.Results = append(tr.Results, res)
	}
	return tr
}

func (w *worker) observe(rec *model.Record, cs []compiled, fullEvidence bool) {
	rec.Load()
	if rec.Problem != nil {
		f := *rec.Problem
		f.Check = InputRequirement
		w.input.Observe([]model.Finding{f})
		return
	}
	w.input.Observe(nil)
	for i, c := range cs {
		if !c.check.Applies(rec) {
			continue
		}
		fs := w.states[i].Observe(rec)
		for j := range fs {
			fs[j].Check = c.req.ID
			if fs[j].Sensitive && !fullEvidence && fs[j].Evidence != "" {
				redact(&fs[j])
			}
		}
		w.tallies[i].Observe(fs)
	}
}

// redact removes a sensitive finding's evidence, wherever the message quotes it.
func redact(f *model.Finding) {
	f.Message = strings.ReplaceAll(f.Message, f.Evidence, "[redacted]")
	f.Evidence = "[redacted]"
}

func inputResult(t *model.Tally, targetErr string) model.Result {
	res := model.Result{
		Suite: InputSuite, Requirement: InputRequirement, Level: model.Shall,
		Title: "Records can be read and parsed", Check: "input",
	}
	res.Outcome, res.Message = t.Grade()
	if targetErr != "" {
		res.Outcome, res.Message = model.Errored, targetErr
	}
	t.Sample()
	res.Tally = *t
	return res
}

func erroredResults(cs []compiled, msg string) []model.Result {
	out := []model.Result{inputResult(model.NewTally(0), msg)}
	for _, c := range cs {
		out = append(out, model.Result{
			Suite: c.suite.ID, Requirement: c.req.ID, Level: c.req.Level, Title: c.req.Title,
			Check: c.req.Check, Outcome: model.Errored, Message: "target could not be read",
		})
	}
	return out
}

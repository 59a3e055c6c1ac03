package runner

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/internal/secret"
	"github.com/carecert/carecert/internal/spelling"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
	"github.com/carecert/carecert/reports/policy"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/suites"
)

// InputSuite and InputRequirement name the requirement every run has: records can
// be read and parsed. Unreadable records are reported under it, so that no
// problem with the input is ever lost, whatever suites the plan names.
const (
	InputSuite       = model.InputSuite
	InputRequirement = model.InputRequirement
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
	// Shard, when set, limits the run to one shard of every target (see RunPart).
	Shard target.Shard

	// secrets are the credentials the runner's targets handled, scrubbed
	// from every report and part it returns.
	secrets secret.Set
}

// secretive is implemented by targets that send credentials they learn or
// are given (tokens, API keys), so that the runner can scrub them.
type secretive interface {
	Secrets() []string
}

// learnSecrets records the credentials a target's spec holds: the URL's
// password and secret query parameters, and the values of its headers.
func (r *Runner) learnSecrets(spec target.Spec, t target.Target) {
	r.secrets.AddURL(spec.URL)
	if strings.Contains(spec.Path, "://") {
		r.secrets.AddURL(spec.Path)
	}
	if h, err := spec.Options.Map("headers"); err == nil {
		for _, v := range h {
			if s, ok := v.(string); ok {
				r.secrets.Add(s)
			}
		}
	}
	if s, ok := t.(secretive); ok {
		r.secrets.Add(s.Secrets()...)
	}
}

// scrubWork removes every known secret from a target's collected work.
func (r *Runner) scrubWork(tw *targetWork) {
	r.secrets.ScrubValue(&tw.run)
	r.secrets.ScrubValue(tw.work.input)
	for _, t := range tw.work.tallies {
		r.secrets.ScrubValue(t)
	}
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
	pf, err := r.PreflightPlan(p)
	if err != nil {
		return nil, err
	}
	return r.RunPreflighted(ctx, pf)
}

// Preflighted is a plan that passed preflight, with the suites its waiver
// check parsed: running it opens no target for preflight again and parses no
// suite again.
type Preflighted struct {
	plan   *Plan
	parsed suiteCache
}

// PreflightPlan preflights p (see Preflight) and returns it ready for
// RunPreflighted, for a caller with work to do between the two (carecert run
// starts its run index only once the plan is known good).
func (r *Runner) PreflightPlan(p *Plan) (*Preflighted, error) {
	parsed := suiteCache{}
	if err := r.preflight(p, parsed); err != nil {
		return nil, err
	}
	return &Preflighted{plan: p, parsed: parsed}, nil
}

// RunPreflighted is Run for a plan PreflightPlan passed.
func (r *Runner) RunPreflighted(ctx context.Context, pf *Preflighted) ([]*model.Report, error) {
	p := pf.plan
	env := r.env(ctx, p)
	var out []*model.Report
	for _, v := range p.Vendors {
		rep, err := r.runVendor(ctx, p, v, env, pf.parsed)
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
	_, err := r.PreflightPlan(p)
	return err
}

func (r *Runner) preflight(p *Plan, parsed suiteCache) error {
	var errs []error
	types := r.Targets.Types()
	for i, v := range p.Vendors {
		for j := range v.Targets {
			spec, err := p.TargetSpec(i, j)
			if err != nil {
				errs = append(errs, fmt.Errorf("plan %w", p.ErrorAt(p.TargetAt(i, j), "%v", err)))
				continue
			}
			if spec.Type != "" && !slices.Contains(types, spec.Type) {
				msg := fmt.Sprintf("unknown target type %q", spec.Type)
				if near := spelling.Closest(spec.Type, types, 3); near != "" {
					msg += fmt.Sprintf(": did you mean %s?", near)
				}
				errs = append(errs, fmt.Errorf("plan %w", p.ErrorAt(p.TargetAt(i, j)+".type", "%s (known: %s)", msg, strings.Join(types, ", "))))
				continue
			}
			var ce *target.ConfigError
			_, _, err = r.Targets.Open(spec)
			switch {
			case !errors.As(err, &ce):
			case params.Located(err):
				// At the option's own line, naming the target.
				errs = append(errs, fmt.Errorf("plan %s", spec.Scrub(err.Error())))
			default:
				errs = append(errs, fmt.Errorf("plan %w", p.ErrorAt(p.TargetAt(i, j), "vendor %s: %s", v.Name, spec.Scrub(err.Error()))))
			}
		}
	}
	errs = append(errs, r.checkWaivers(p, parsed)...)
	return join(errs)
}

// checkWaivers finds waivers that name a requirement no suite of the plan
// has: such a waiver excuses nothing, and its author believes otherwise.
// Suites that cannot be loaded are left to the run, which reports them.
func (r *Runner) checkWaivers(p *Plan, parsed suiteCache) []error {
	pol, err := policy.FromPlan(p.Policy)
	if err != nil {
		return nil // reported when the plan was loaded
	}
	rules, ok := pol.(*policy.Rules)
	if !ok || len(rules.Waivers) == 0 {
		return nil
	}
	known := map[string]bool{} // "suite/REQ" and "REQ"
	var keys []string
	seen := map[string]bool{}
	for _, v := range p.Vendors {
		for _, ref := range p.suitesFor(v) {
			if seen[ref] {
				continue
			}
			seen[ref] = true
			s, err := r.loadSuite(p, ref, parsed)
			if err != nil {
				return nil // the run says which suite is wrong; no waiver can be judged
			}
			for _, req := range s.Requirements {
				key := s.ID + "/" + req.ID
				if !known[key] {
					keys = append(keys, key)
				}
				known[key], known[req.ID] = true, true
			}
		}
	}
	var errs []error
	for i, w := range rules.Waivers {
		if known[w.Requirement] {
			continue
		}
		msg := fmt.Sprintf("%q is in no suite of this plan, so the waiver would excuse nothing", w.Requirement)
		candidates := keys
		if !strings.Contains(w.Requirement, "/") {
			candidates = nil
			for _, k := range keys {
				_, id, _ := strings.Cut(k, "/")
				candidates = append(candidates, id)
			}
		}
		if near := spelling.Closest(w.Requirement, candidates, 3); near != "" {
			msg += fmt.Sprintf(": did you mean %s?", near)
		}
		errs = append(errs, fmt.Errorf("plan %w", p.ErrorAt(fmt.Sprintf("$.policy.waivers[%d].requirement", i), "%s", msg)))
	}
	return errs
}

// vendorEnv is the run's env with the vendor's own baseline and
// terminology. Services stay shared: the copy holds the same set, and those
// built from the terminology are keyed by it.
func vendorEnv(env *check.Env, p *Plan, v VendorPlan) *check.Env {
	venv := *env
	venv.Baseline = p.BaselineFor(v)
	venv.Terminology = p.TerminologyFor(v)
	venv.VendorTerminology = v.terminology
	return &venv
}

// compile loads and compiles the suites a vendor is certified against.
func (r *Runner) compile(p *Plan, v VendorPlan, env *check.Env, parsed suiteCache) ([]*suites.Suite, []compiled, error) {
	var ss []*suites.Suite
	var cs []compiled
	seen := map[string]bool{}
	for _, ref := range p.suitesFor(v) {
		s, err := r.loadSuite(p, ref, parsed)
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
				if located := p.terminologyError(v, s.ID, req.ID, err); located != nil {
					return nil, nil, located
				}
				return nil, nil, fmt.Errorf("suite %s: %w", s.ID, err)
			}
			cs = append(cs, compiled{suite: s, req: req, check: c})
		}
	}
	return ss, cs, nil
}

// suiteCache holds the suites of one plan already parsed, by reference, so
// that a run parses each once: its waiver check and every vendor's compile
// ask for the same suites. Checks never change a parsed suite, so sharing it
// between vendors compiles the same checks.
type suiteCache map[string]*suites.Suite

// loadSuite loads one suite the plan names: from parsed, or else written
// inline in the plan, or resolved from its reference (and then kept in
// parsed). A suite that fails to load is not kept: the error is the run's.
func (r *Runner) loadSuite(p *Plan, ref string, parsed suiteCache) (*suites.Suite, error) {
	if s, ok := parsed[ref]; ok {
		return s, nil
	}
	var s *suites.Suite
	var err error
	if inline, ok := p.Inline[ref]; ok {
		s, err = suites.Parse(suites.FilePath(ref, p.Dir), []byte(inline), r.Checks)
	} else {
		s, err = suites.Resolve(ref, p.Dir, r.Checks)
	}
	if err != nil {
		return nil, err
	}
	parsed[ref] = s
	return s, nil
}

// RunVendor certifies one vendor. Its suites are parsed afresh on each call.
func (r *Runner) RunVendor(ctx context.Context, p *Plan, v VendorPlan, env *check.Env) (*model.Report, error) {
	return r.runVendor(ctx, p, v, env, suiteCache{})
}

// Prepared is a vendor's suites parsed and compiled against a run's
// environment. A check keeps no state between targets (each target gets new
// states), so one Prepared serves any number of runs of the vendor: validate
// --watch compiles once and re-checks each changed file with it.
type Prepared struct {
	env    *check.Env
	suites []*suites.Suite
	checks []compiled
}

// Prepare parses and compiles the suites a vendor is certified against.
func (r *Runner) Prepare(p *Plan, v VendorPlan, env *check.Env) (*Prepared, error) {
	return r.prepare(p, v, env, suiteCache{})
}

func (r *Runner) prepare(p *Plan, v VendorPlan, env *check.Env, parsed suiteCache) (*Prepared, error) {
	ss, cs, err := r.compile(p, v, vendorEnv(env, p, v), parsed)
	if err != nil {
		return nil, err
	}
	return &Prepared{env: env, suites: ss, checks: cs}, nil
}

// RunPrepared certifies v's targets with the suites Prepare compiled for v
// (v's targets may differ from those it was given: a watch names the files
// that changed).
func (r *Runner) RunPrepared(ctx context.Context, p *Plan, v VendorPlan, prep *Prepared) (*model.Report, error) {
	return r.judge(ctx, p, v, prep, r.clock()())
}

func (r *Runner) runVendor(ctx context.Context, p *Plan, v VendorPlan, env *check.Env, parsed suiteCache) (*model.Report, error) {
	started := r.clock()()
	prep, err := r.prepare(p, v, env, parsed)
	if err != nil {
		return nil, err
	}
	return r.judge(ctx, p, v, prep, started)
}

// judge reads v's targets through the prepared checks and decides the verdict.
func (r *Runner) judge(ctx context.Context, p *Plan, v VendorPlan, prep *Prepared, started time.Time) (*model.Report, error) {
	now := r.clock()
	rep := r.newReport(p, v, prep.env, prep.suites)
	rep.StartedAt = started.UTC()
	if rep.AsOf == "" {
		rep.AsOf = rep.StartedAt.Format("2006-01-02")
	}
	for k, m := range v.Targets {
		spec, err := targetSpec(m, p.Dir)
		if err != nil {
			return nil, err
		}
		tr := r.runTarget(ctx, spec, k, prep.checks, p)
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
	// Last of all: no credential a target handled reaches a report.
	r.secrets.ScrubValue(rep)
	if !rep.Complete {
		return rep, ctx.Err()
	}
	return rep, nil
}

// newReport starts vendor v's report: the tool, plan, vendor, evidence,
// guides and suites, before any target is read. A run and a merge of its
// shards start it here alike.
func (r *Runner) newReport(p *Plan, v VendorPlan, env *check.Env, ss []*suites.Suite) *model.Report {
	rep := &model.Report{
		Schema: model.ReportSchemaVersion, Tool: r.Tool, Plan: p.Name, Vendor: v.reportVendor(),
		AsOf: p.Date, Complete: true, Evidence: p.Evidence, Guides: env.Guides(),
	}
	for _, s := range ss {
		rep.Suites = append(rep.Suites, model.SuiteInfo{ID: s.ID, Version: s.Version, Title: s.Title, Source: s.Source})
	}
	return rep
}

// worker holds one goroutine's share of every check's work on a target.
type worker struct {
	input   *model.Tally
	states  []check.State
	tallies []*model.Tally
	// order is the order checks run in on a record: leaders first
	// (check.Leader), then the plan's order.
	order []int
	// defects counts each problem once over all requirements, suiteDefects
	// once per suite (see model.Defects).
	defects      model.Defects
	suiteDefects map[string]*model.Defects
	// allowComments accepts JSON comments (the allow-comments FHIR option):
	// the reader's findings of them are dropped.
	allowComments bool
	// scratch is observe's room, used again for each record: a clean
	// record then costs the runner no allocation.
	scratch observed
}

// observed is what the checks found in one record: per check, whether it
// applied and its findings; the suites whose checks applied; what each
// requirement reported.
type observed struct {
	found    [][]model.Finding
	did      []bool
	applied  []string
	reported []model.Reported
}

func newWorker(cs []compiled, limit int) *worker {
	w := &worker{input: model.NewTally(limit), suiteDefects: map[string]*model.Defects{}}
	w.scratch.found, w.scratch.did = make([][]model.Finding, len(cs)), make([]bool, len(cs))
	for i, c := range cs {
		w.states = append(w.states, c.check.NewState())
		w.tallies = append(w.tallies, model.NewTally(limit))
		w.suiteDefects[c.suite.ID] = &model.Defects{}
		if _, leads := c.check.(check.Leader); leads {
			w.order = append(w.order, i)
		}
	}
	for i, c := range cs {
		if _, leads := c.check.(check.Leader); !leads {
			w.order = append(w.order, i)
		}
	}
	return w
}

// merge adds another worker's (or shard's) unfinished work into w.
func (w *worker) merge(o *worker, cs []compiled) error {
	w.input.Merge(o.input)
	w.defects.Merge(o.defects)
	for id, d := range o.suiteDefects {
		if w.suiteDefects[id] == nil {
			w.suiteDefects[id] = &model.Defects{}
		}
		w.suiteDefects[id].Merge(*d)
	}
	for i := range cs {
		if err := w.states[i].Merge(o.states[i]); err != nil {
			return fmt.Errorf("merging results of %s: %w", cs[i].req.ID, err)
		}
		w.tallies[i].Merge(o.tallies[i])
	}
	return nil
}

// targetWork is a target's collected but unfinished work: every worker merged,
// feed-level checks not yet finished. A shard writes it to its part file.
type targetWork struct {
	run  model.TargetRun
	work *worker
}

func (r *Runner) runTarget(ctx context.Context, spec target.Spec, k int, cs []compiled, p *Plan) model.TargetRun {
	return finishTarget(r.collect(ctx, spec, k, cs, p), cs, p.Evidence == "full")
}

// collect reads the target (or the runner's shard of it) through the worker
// pool and merges the workers.
func (r *Runner) collect(ctx context.Context, spec target.Spec, k int, cs []compiled, p *Plan) *targetWork {
	tw := &targetWork{
		run:  model.TargetRun{Name: spec.Name, Location: spec.Location()},
		work: newWorker(cs, p.SampleLimit),
	}
	start := r.clock()()
	defer func() { tw.run.Seconds = seconds(r.clock()().Sub(start)) }()
	t, typ, err := r.Targets.Open(spec)
	tw.run.Type = typ
	if err != nil {
		tw.run.Error = spec.Scrub(err.Error())
		return tw
	}
	if !r.Shard.Whole() {
		if sh, ok := t.(target.Sharder); ok {
			t = sh.Shard(r.Shard)
		} else if !r.Shard.Owns(k) {
			return tw // another shard reads this target whole
		}
	}
	n := r.Workers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	workers := make([]*worker, n)
	allowComments, _ := strconv.ParseBool(p.FHIROptions["allow-comments"])
	for i := range workers {
		workers[i] = newWorker(cs, p.SampleLimit)
		workers[i].allowComments = allowComments
	}
	if r.Progress != nil {
		r.Progress.Start(spec.Name)
		defer r.Progress.Done()
	}

	count, readErr := share(ctx, t, workers, r.Progress, func(w *worker, rec *model.Record) {
		w.observe(rec, cs, p.Evidence == "full")
	})
	tw.run.Records = count
	if readErr != nil && !errors.Is(readErr, context.Canceled) && !errors.Is(readErr, context.DeadlineExceeded) {
		tw.run.Error = spec.Scrub(readErr.Error())
	}
	for _, w := range workers {
		if err := tw.work.merge(w, cs); err != nil {
			tw.run.Error = err.Error()
		}
	}
	r.learnSecrets(spec, t)
	r.scrubWork(tw)
	return tw
}

// takeRecords is how many records a worker takes from the target at a
// time, at least: enough that the lock is rarely contended, few enough that
// the records in flight stay a handful per worker (twice this at most).
const takeRecords = 8

// errStopped ends a target's reading that no worker needs any more.
var errStopped = errors.New("reading stopped")

// share reads t into the workers, which take its records themselves, a few
// at a time under a lock, and check each with check; it returns how many
// records were read and what stopped the reading. The target is still read
// in order by one goroutine at a time, but by the worker that checks what
// it reads: the record's bytes are checked on the core that just read them,
// and no goroutine is woken or parked for each record. A reader goroutine
// handing each record to the workers over a channel made two workers burn
// 5-20% more CPU per record than one, and gave back little of the second
// core's time (bench/workers.sh).
//
// A worker tops up what it holds once it is down to takeRecords, and only
// if the lock is free; it waits for the lock only when it has nothing left
// to check. Waiting whenever the other worker was reading left a core idle
// while the worker was parked and woken again: two workers on 100,000
// generated records took 1.35 s of wall where they now take 1.12, for the
// same CPU (docs/profiles.md, "Two workers, s27").
func share(ctx context.Context, t target.Target, workers []*worker, progress Progress, check func(*worker, *model.Record)) (int64, error) {
	var readErr error
	next, stop := iter.Pull(func(yield func(*model.Record) bool) {
		readErr = readRecords(ctx, t, func(rec *model.Record) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if !yield(rec) {
				return errStopped
			}
			return nil
		})
	})
	defer stop()
	var mu sync.Mutex
	var count int64
	// take appends records to held until it holds 2*takeRecords or the
	// target ends; the caller holds mu.
	take := func(held []*model.Record) []*model.Record {
		for len(held) < 2*takeRecords {
			rec, ok := next()
			if !ok {
				break
			}
			held = append(held, rec)
			count++
			if progress != nil {
				progress.Add(1)
			}
		}
		return held
	}
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			// held[i:] are the records taken and not yet checked.
			held, i := make([]*model.Record, 0, 2*takeRecords), 0
			for {
				switch {
				case i == len(held):
					mu.Lock()
					held, i = take(held[:0]), 0
					mu.Unlock()
					if len(held) == 0 {
						return
					}
				case len(held)-i <= takeRecords && mu.TryLock():
					n := copy(held, held[i:])
					clear(held[n:])
					held, i = take(held[:n]), 0
					mu.Unlock()
				}
				rec := held[i]
				held[i] = nil
				i++
				check(w, rec)
			}
		})
	}
	wg.Wait()
	if errors.Is(readErr, errStopped) {
		readErr = nil
	}
	return count, readErr
}

// readRecords reads a target, turning a panic in its reader (a parser meeting
// input it never expected) into the target's error: the records read so far
// still count and the next target is read.
func readRecords(ctx context.Context, t target.Target, yield func(*model.Record) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("carecert failed while reading the target (an internal error): %v", p)
		}
	}()
	return t.Records(ctx, yield)
}

// seconds rounds a duration to milliseconds, as reports give times.
func seconds(d time.Duration) float64 { return d.Round(time.Millisecond).Seconds() }

// finishTarget finishes feed-level checks and grades every requirement.
func finishTarget(tw *targetWork, cs []compiled, fullEvidence bool) model.TargetRun {
	tr := tw.run
	w := tw.work
	tr.Results = append(tr.Results, inputResult(w.input, tr.Error))
	defects := w.defects
	tr.Defects = &defects
	tr.SuiteDefects = map[string]model.Defects{}
	for id, d := range w.suiteDefects {
		tr.SuiteDefects[id] = *d
	}
	for i, c := range cs {
		res := model.Result{
			Suite: c.suite.ID, Requirement: c.req.ID, Level: c.req.Level,
			Title: c.req.Title, Description: strings.TrimSpace(c.req.Description), Source: c.req.Source, Check: c.req.Check,
		}
		tally := w.tallies[i]
		// A manual requirement is about the supplier, not the target: an
		// unreadable target does not make it an error.
		if tr.Error != "" && tally.Evaluated == 0 && c.req.Check != check.Manual {
			res.Outcome, res.Message = model.Errored, "target could not be read"
			tr.Results = append(tr.Results, res)
			continue
		}
		before := [3]int64{tally.Information, tally.Warnings, tally.Errors}
		if p := recovered(func() { w.states[i].Finish(tally) }); p != nil {
			res.Outcome, res.Message = model.Errored, fmt.Sprintf("carecert failed while finishing check %s (an internal error): %v", c.req.Check, p)
			tally.Sample()
			res.Tally = *tally
			tr.Results = append(tr.Results, res)
			continue
		}
		// Feed-level findings are a defect each: they are not about one
		// record's elements, so no other requirement reports them.
		after := [3]int64{tally.Information, tally.Warnings, tally.Errors}
		sd := tr.SuiteDefects[c.suite.ID]
		for sev := range after {
			for n := after[sev] - before[sev]; n > 0; n-- {
				tr.Defects.Count(model.Severity(sev))
				sd.Count(model.Severity(sev))
			}
		}
		tr.SuiteDefects[c.suite.ID] = sd
		// Feed-level findings are made here, after the per-record pass: name
		// their requirement and redact them too.
		for j := range tally.Findings {
			f := &tally.Findings[j]
			if f.Requirement == "" {
				f.Requirement = c.req.ID
			}
			if f.Sensitive && !fullEvidence {
				personal.Redact(f)
			}
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
	if !w.prove(rec) {
		if p := recovered(rec.Load); p != nil {
			rec.Problem = panicFinding(rec, "reading the record", p)
		}
	}
	if rec.Problem != nil {
		f := *rec.Problem
		f.Requirement = InputRequirement
		w.input.Observe([]model.Finding{f})
		w.defects.Record([]model.Severity{f.Severity})
		return
	}
	var syntax []model.Finding
	for _, f := range rec.Syntax {
		if w.allowComments && f.Code == fhir.CodeJSONComment {
			continue
		}
		f.Requirement = InputRequirement
		syntax = append(syntax, f)
	}
	w.input.Observe(syntax)
	found, did := w.scratch.found, w.scratch.did
	applied := w.scratch.applied[:0] // suites whose checks looked at the record
	reported := w.scratch.reported[:0]
	defer func() {
		// Kept as the next record's room: emptied, so that no finding stays
		// reachable from it.
		clear(found)
		clear(did)
		clear(reported)
		w.scratch.applied, w.scratch.reported = applied[:0], reported[:0]
	}()
	if len(syntax) > 0 {
		reported = append(reported, model.Reported{Suite: InputSuite, Requirement: InputSuite + "/" + InputRequirement, Findings: syntax})
	}
	for _, i := range w.order {
		c := cs[i]
		fs, ok := w.apply(i, c, rec)
		if !ok {
			continue
		}
		did[i] = true
		for j := range fs {
			fs[j].Requirement = c.req.ID
			if fs[j].Sensitive && !fullEvidence {
				personal.Redact(&fs[j])
			}
		}
		found[i] = fs
	}
	for i, c := range cs {
		if !did[i] {
			continue
		}
		if !slices.Contains(applied, c.suite.ID) {
			applied = append(applied, c.suite.ID)
		}
		if len(found[i]) > 0 {
			reported = append(reported, model.Reported{Suite: c.suite.ID, Requirement: c.suite.ID + "/" + c.req.ID, Findings: found[i]})
		}
	}
	// One defect seen by several requirements is marked before the tallies
	// keep their copies.
	model.MarkAlsoReported(reported)
	for i := range cs {
		if did[i] {
			w.tallies[i].Observe(found[i])
		}
	}
	w.defects.Record(model.GroupDefects(reported, nil))
	for _, id := range applied {
		w.suiteDefects[id].Record(model.GroupDefects(reported, func(r model.Reported) bool { return r.Suite == id }))
	}
}

// prove asks the leading checks that can (check.Prover) to prove a record
// whose decoding was deferred from its bytes alone; the first that does
// spares the record its decoding unless a check asks for its Value. A
// prover that panics has proved nothing: the record is decoded and checked
// as any other, so the check's own walk meets what it met.
func (w *worker) prove(rec *model.Record) bool {
	if !rec.Deferred() || len(rec.Raw) == 0 {
		return false
	}
	for _, i := range w.order {
		p, ok := w.states[i].(check.Prover)
		if !ok {
			continue
		}
		proven := false
		if recovered(func() { proven = p.Prove(rec) }) == nil && proven {
			return true
		}
	}
	return false
}

// apply runs one check on one record. A check that panics on a record (a
// library meeting input it never expected) costs that record an error finding
// under the check's requirement, not the run: every other check and record
// still counts. ok is false when the check does not apply.
func (w *worker) apply(i int, c compiled, rec *model.Record) (fs []model.Finding, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			fs, ok = []model.Finding{*panicFinding(rec, "check "+c.req.Check+" of "+c.suite.ID+"/"+c.req.ID, p)}, true
		}
	}()
	if !c.check.Applies(rec) {
		return nil, false
	}
	return w.states[i].Observe(rec), true
}

// recovered runs f and returns what it panicked with, if anything.
func recovered(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}

// panicFinding is the error finding for work that panicked on a record. The
// panic value is carecert's fault, not the supplier's, and says so; the stack
// is not kept (it could quote the record).
func panicFinding(rec *model.Record, what string, p any) *model.Finding {
	return &model.Finding{
		Severity: model.Error,
		Code:     "carecert.internal-error",
		Message:  fmt.Sprintf("carecert failed while %s on %s (an internal error, reported so the record is not silently passed): %v", what, rec.Name(), p),
		Location: model.Location{File: rec.Source, Line: rec.Line, Record: rec.Name()},
	}
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

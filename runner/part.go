package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/policy"
	"github.com/carecert/carecert/suites"
)

// PartSchemaVersion identifies the shape of a shard's part file.
const PartSchemaVersion = "carecert.part/v1"

// Part is one shard's unfinished work on a whole plan: per vendor and target,
// the record counts, and per requirement the check's mergeable state and tally.
// It carries the plan and the content of its suite files, so that merging
// needs nothing but the parts.
type Part struct {
	Schema string `json:"schema"`
	// Fingerprint identifies the plan, suites, tool and definitions; parts of
	// one run share it.
	Fingerprint string       `json:"fingerprint"`
	Shard       int          `json:"shard"`
	Of          int          `json:"of"`
	Tool        model.Tool   `json:"tool"`
	Plan        *Plan        `json:"plan"`
	StartedAt   time.Time    `json:"started_at"`
	FinishedAt  time.Time    `json:"finished_at"`
	Complete    bool         `json:"complete"`
	Vendors     []VendorPart `json:"vendors"`
}

// VendorPart is one vendor's share of a part.
type VendorPart struct {
	Vendor  model.Vendor `json:"vendor"`
	Targets []TargetPart `json:"targets"`
}

// TargetPart is one target's share of a part.
type TargetPart struct {
	Name     string       `json:"name"`
	Type     string       `json:"type"`
	Location string       `json:"location"`
	Records  int64        `json:"records"`
	Error    string       `json:"error,omitempty"`
	Seconds  float64      `json:"seconds,omitempty"`
	Input    *model.Tally `json:"input"`
	// Defects and SuiteDefects are the shard's problems counted once.
	Defects      *model.Defects           `json:"defects,omitempty"`
	SuiteDefects map[string]model.Defects `json:"suite_defects,omitempty"`
	Checks       []CheckPart              `json:"checks"`
}

// CheckPart is one requirement's state and tally in a part.
type CheckPart struct {
	Suite       string          `json:"suite"`
	Requirement string          `json:"requirement"`
	State       json.RawMessage `json:"state"`
	Tally       *model.Tally    `json:"tally"`
}

// PartName is the file a shard writes: "part-2-of-8.json".
func PartName(shard, of int) string { return fmt.Sprintf("part-%d-of-%d.json", shard, of) }

// RunPart runs the runner's shard of every target of the plan and returns the
// unfinished work. Merge turns the parts of all shards into reports.
func (r *Runner) RunPart(ctx context.Context, p *Plan) (*Part, error) {
	if r.Shard.Count < 1 {
		return nil, errors.New("RunPart needs a shard")
	}
	if err := r.inlineSuites(p); err != nil {
		return nil, err
	}
	parsed := suiteCache{}
	if err := r.preflight(p, parsed); err != nil {
		return nil, err
	}
	now := r.clock()
	part := &Part{
		Schema: PartSchemaVersion, Shard: r.Shard.Index, Of: r.Shard.Count,
		Tool: r.Tool, Plan: p, StartedAt: now().UTC(), Complete: true,
	}
	fp, err := r.fingerprint(p)
	if err != nil {
		return nil, err
	}
	part.Fingerprint = fp
	env := r.env(ctx, p)
	for _, v := range p.Vendors {
		_, cs, err := r.compile(p, v, vendorEnv(env, p, v), parsed)
		if err != nil {
			return nil, err
		}
		vp := VendorPart{Vendor: v.reportVendor()}
		for k, m := range v.Targets {
			spec, err := targetSpec(m, p.Dir)
			if err != nil {
				return nil, err
			}
			tw := r.collect(ctx, spec, k, cs, p)
			tp, err := targetPart(tw, cs)
			if err != nil {
				return nil, err
			}
			vp.Targets = append(vp.Targets, tp)
			if ctx.Err() != nil {
				part.Complete = false
				break
			}
		}
		part.Vendors = append(part.Vendors, vp)
		if !part.Complete {
			break
		}
	}
	part.FinishedAt = now().UTC()
	if !part.Complete {
		return part, ctx.Err()
	}
	return part, nil
}

func targetPart(tw *targetWork, cs []compiled) (TargetPart, error) {
	tp := TargetPart{
		Name: tw.run.Name, Type: tw.run.Type, Location: tw.run.Location,
		Records: tw.run.Records, Error: tw.run.Error, Seconds: tw.run.Seconds, Input: tw.work.input,
		Defects: &tw.work.defects, SuiteDefects: map[string]model.Defects{},
	}
	for id, d := range tw.work.suiteDefects {
		tp.SuiteDefects[id] = *d
	}
	for i, c := range cs {
		state, err := json.Marshal(tw.work.states[i])
		if err != nil {
			return tp, fmt.Errorf("requirement %s: the %s check's state cannot be saved: %w", c.req.ID, c.req.Check, err)
		}
		tp.Checks = append(tp.Checks, CheckPart{Suite: c.suite.ID, Requirement: c.req.ID, State: state, Tally: tw.work.tallies[i]})
	}
	return tp, nil
}

// WritePart writes a part to dir atomically (a temporary file renamed), so a
// failed or interrupted shard never leaves a part that looks finished.
func WritePart(dir string, part *Part) (string, error) {
	data, err := json.MarshalIndent(part, "", " ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, PartName(part.Shard, part.Of))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}

// ReadPart reads a part file.
func ReadPart(path string) (*Part, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("part %s: %w", path, err)
	}
	var p Part
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("part %s: not a carecert part file: %w", path, err)
	}
	if p.Schema != PartSchemaVersion {
		return nil, fmt.Errorf("part %s: schema %q, want %q", path, p.Schema, PartSchemaVersion)
	}
	if p.Plan == nil {
		return nil, fmt.Errorf("part %s: no plan", path)
	}
	if err := p.Plan.decodeTerminologies(); err != nil {
		return nil, fmt.Errorf("part %s: plan %w", path, err)
	}
	return &p, nil
}

// Merge combines the parts of every shard of one run into the reports a single
// run would have written. It refuses parts of different plans, suites, tools or
// definitions, of a different shard count, and a missing or repeated shard.
func (r *Runner) Merge(ctx context.Context, parts []*Part, names []string) ([]*model.Report, error) {
	if len(parts) == 0 {
		return nil, errors.New("merge: no parts")
	}
	first := parts[0]
	seen := map[int]string{}
	for i, p := range parts {
		switch {
		case p.Fingerprint != first.Fingerprint:
			return nil, fmt.Errorf("merge: %s comes from a different run than %s (plan, suites, tool version or definitions differ)", names[i], names[0])
		case p.Of != first.Of:
			return nil, fmt.Errorf("merge: %s is one of %d shards, %s one of %d", names[i], p.Of, names[0], first.Of)
		case seen[p.Shard] != "":
			return nil, fmt.Errorf("merge: shard %d of %d given twice (%s and %s)", p.Shard, p.Of, seen[p.Shard], names[i])
		}
		seen[p.Shard] = names[i]
	}
	var missing []string
	for i := 1; i <= first.Of; i++ {
		if seen[i] == "" {
			missing = append(missing, fmt.Sprint(i))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("merge: missing shard(s) %s of %d: re-run them with --shard i/%d", strings.Join(missing, ", "), first.Of, first.Of)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Shard < parts[j].Shard })

	p := first.Plan
	if got, err := r.fingerprint(p); err != nil {
		return nil, err
	} else if got != first.Fingerprint {
		return nil, fmt.Errorf("merge: the parts were made by %s %s with other definitions or suites than this carecert %s", first.Tool.Name, first.Tool.Version, r.Tool.Version)
	}
	env := r.env(ctx, p)
	pol, err := policy.FromPlan(p.Policy)
	if err != nil {
		return nil, err
	}
	var out []*model.Report
	parsed := suiteCache{}
	for vi, v := range p.Vendors {
		ss, cs, err := r.compile(p, v, vendorEnv(env, p, v), parsed)
		if err != nil {
			return nil, err
		}
		rep := r.newReport(p, v, env, ss)
		rep.StartedAt, rep.FinishedAt = first.StartedAt, first.FinishedAt
		if rep.AsOf == "" {
			rep.AsOf = env.AsOf.Format("2006-01-02")
		}
		for _, part := range parts {
			rep.Complete = rep.Complete && part.Complete && len(part.Vendors) > vi
			if part.StartedAt.Before(rep.StartedAt) {
				rep.StartedAt = part.StartedAt
			}
			if part.FinishedAt.After(rep.FinishedAt) {
				rep.FinishedAt = part.FinishedAt
			}
		}
		for k := range v.Targets {
			tw, err := mergeTarget(parts, vi, k, cs, p.SampleLimit)
			if err != nil {
				return nil, err
			}
			if tw == nil {
				rep.Complete = false
				break
			}
			rep.Targets = append(rep.Targets, finishTarget(tw, cs, p.Evidence == "full"))
		}
		rep.Summarize()
		rep.Verdict = pol.Decide(rep)
		out = append(out, rep)
	}
	return out, nil
}

// mergeTarget rebuilds the unfinished work of target k of vendor vi from every
// part; nil when a part stopped before reaching it.
func mergeTarget(parts []*Part, vi, k int, cs []compiled, limit int) (*targetWork, error) {
	var tw *targetWork
	for _, part := range parts {
		if vi >= len(part.Vendors) || k >= len(part.Vendors[vi].Targets) {
			return nil, nil
		}
		tp := part.Vendors[vi].Targets[k]
		if len(tp.Checks) != len(cs) {
			return nil, fmt.Errorf("merge: shard %d has %d requirement(s) for target %s, the suites have %d", part.Shard, len(tp.Checks), tp.Name, len(cs))
		}
		w := newWorker(cs, limit)
		if tp.Input != nil {
			w.input.Merge(tp.Input)
		}
		if tp.Defects != nil {
			w.defects.Merge(*tp.Defects)
		}
		for id, d := range tp.SuiteDefects {
			if w.suiteDefects[id] == nil {
				w.suiteDefects[id] = &model.Defects{}
			}
			w.suiteDefects[id].Merge(d)
		}
		for i, c := range cs {
			cp := tp.Checks[i]
			if cp.Requirement != c.req.ID || cp.Suite != c.suite.ID {
				return nil, fmt.Errorf("merge: shard %d has requirement %s/%s where the suites have %s/%s", part.Shard, cp.Suite, cp.Requirement, c.suite.ID, c.req.ID)
			}
			if err := json.Unmarshal(cp.State, w.states[i]); err != nil {
				return nil, fmt.Errorf("merge: shard %d, requirement %s: unreadable state: %w", part.Shard, c.req.ID, err)
			}
			if cp.Tally != nil {
				w.tallies[i].Merge(cp.Tally)
			}
		}
		if tw == nil {
			tw = &targetWork{run: model.TargetRun{Name: tp.Name, Type: tp.Type, Location: tp.Location}, work: newWorker(cs, limit)}
		}
		tw.run.Records += tp.Records
		tw.run.Seconds = seconds(time.Duration((tw.run.Seconds + tp.Seconds) * float64(time.Second)))
		if tw.run.Error == "" {
			tw.run.Error = tp.Error
		}
		if err := tw.work.merge(w, cs); err != nil {
			return nil, err
		}
	}
	return tw, nil
}

// inlineSuites stores the content of the plan's suite files in the plan, so a
// part carries them to the merge.
func (r *Runner) inlineSuites(p *Plan) error {
	for _, ref := range p.suiteRefs() {
		if !suites.IsFile(ref) {
			continue
		}
		if _, ok := p.Inline[ref]; ok {
			continue
		}
		data, err := os.ReadFile(suites.FilePath(ref, p.Dir))
		if err != nil {
			return fmt.Errorf("suite %s: %w", ref, err)
		}
		if p.Inline == nil {
			p.Inline = map[string]string{}
		}
		p.Inline[ref] = string(data)
	}
	return nil
}

// fingerprint hashes what must be equal for parts to merge: the tool, the
// definitions, the plan (shard aside) and the suites it names.
func (r *Runner) fingerprint(p *Plan) (string, error) {
	planJSON, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", r.Tool.Name, r.Tool.Version, r.Tool.Definitions)
	h.Write(planJSON)
	// Built-in suites are part of the tool, but a development build keeps the
	// same version while they change: hash their content too.
	for _, ref := range p.suiteRefs() {
		if !suites.IsFile(ref) {
			data, _ := suites.BuiltinSource(ref)
			h.Write(data)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (r *Runner) clock() func() time.Time {
	if r.Now != nil {
		return r.Now
	}
	return time.Now
}

// Env is the environment a run of the plan compiles its checks in. A caller
// that runs the plan again and again (validate --watch) keeps one, so the
// definitions and services its checks load are loaded once.
func (r *Runner) Env(ctx context.Context, p *Plan) *check.Env { return r.env(ctx, p) }

func (r *Runner) env(ctx context.Context, p *Plan) *check.Env {
	asOf := r.clock()().UTC().Truncate(24 * time.Hour)
	if p.Date != "" {
		asOf, _ = time.Parse("2006-01-02", p.Date) // checked when the plan was loaded
	}
	return &check.Env{
		Context: ctx, PlanDir: p.Dir, AsOf: asOf,
		IGs:              append(append([]string{}, p.IGs...), r.IGs...),
		ExtensionDomains: p.ExtensionDomains,
		FHIROptions:      p.FHIROptions,
		Terminology:      p.terminology,
		Services:         check.NewServices(), // one set, shared by every vendor's copy of the env
	}
}

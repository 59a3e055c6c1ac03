package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/carecert/carecert/check"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/fhir/pkgcache"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/runindex"
	"github.com/carecert/carecert/runner"
)

type runFlags struct {
	fhirOptionFlags
	terminologySettings
	// One field a line: every capability adds its own flags here.
	out        string
	vendor     string
	product    string
	release    string
	evidence   string
	targets    []string
	suites     []string
	igs        []string
	extDomains []string
	quiet      bool
	workers    int
	shard      string
	baseline   string
	feed       string
	cert       certFlags
	// index is the output folder's run.json, once the run has started.
	index *runindex.Index
}

func (a *app) runCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [PLAN.yaml]",
		Short: "Certify vendors: run a plan's suites on its targets and write a report per vendor",
		Long: `Run a certification plan. Give a plan file, or build a one-vendor plan from flags:

  carecert run examples/demo-plan.yaml --out out/
  carecert run --vendor Acme --target feed.ndjson --suite fhir-r4-structure --out out/

Writes OUT/<vendor>/report.json and OUT/<vendor>/junit.xml and prints a summary.
Exit 0 when every vendor is certified, 1 when any is not, 2 for a bad plan or
suite, 3 when interrupted (the results so far are written, marked incomplete).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			plan, err := f.plan(args)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			collectorPolicy(a.lookupEnv)
			processorPolicy(a.lookupEnv, f.workers)
			return a.run(cmd.Context(), plan, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "out", "folder for the reports (one subfolder per vendor)")
	fl.StringVar(&f.vendor, "vendor", "", "vendor name (builds a plan without a file)")
	fl.StringVar(&f.product, "product", "", "product name")
	fl.StringVar(&f.release, "release", "", "product release")
	fl.StringArrayVar(&f.targets, "target", nil, "a path or URL to test (repeatable)")
	fl.StringArrayVar(&f.suites, "suite", nil, "a built-in suite id or suite file (repeatable)")
	fl.StringArrayVar(&f.igs, "ig", nil, "an implementation guide to load: folder or package .tgz (repeatable)")
	fl.StringArrayVar(&f.extDomains, "accept-extensions", nil, "a URL prefix of extensions accepted (as warnings) without their definitions loaded (repeatable)")
	f.fhirOptionFlags.register(fl)
	f.terminologySettings.register(fl)
	fl.StringVar(&f.evidence, "evidence", "", "evidence in reports: redacted (default) or full")
	fl.StringVar(&f.baseline, "baseline", "", "a previous report.json, or --out folder, to compare with (drift checks)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress and no summary table")
	fl.IntVar(&f.workers, "workers", 0, "records checked at once (default: every core); fewer than the cores also runs on that many, unless GOMAXPROCS is set")
	fl.StringVar(&f.shard, "shard", "", "run only shard i of n (e.g. 2/8) and write OUT/part-i-of-n.json for 'carecert merge'")
	f.cert.bind(fl)
	fl.StringVar(&f.feed, "feed", "", "HL7 v2 messages to send to mllp:// targets that name no feed of their own")
	return cmd
}

// plan loads the plan file or builds one from the flags.
func (f *runFlags) plan(args []string) (*runner.Plan, error) {
	var p *runner.Plan
	switch {
	case len(args) == 1:
		if f.vendor != "" || len(f.targets) > 0 {
			return nil, errors.New("give a plan file or --vendor/--target flags, not both")
		}
		var err error
		if p, err = runner.LoadPlan(args[0]); err != nil {
			return nil, err
		}
		p.Suites = append(p.Suites, f.suites...)
	case f.vendor == "" || len(f.targets) == 0 || len(f.suites) == 0:
		return nil, errors.New("give a plan file, or --vendor, at least one --target and at least one --suite")
	default:
		p = &runner.Plan{Suites: f.suites}
		v := runner.VendorPlan{Name: f.vendor, Product: f.product, Release: f.release}
		var missing []string
		for _, t := range f.targets {
			key := "path"
			if runnerTargetIsURL(t) {
				key = "url"
			} else if msg := runner.MissingPath(t); msg != "" && !strings.ContainsAny(t, "*?[") {
				// A mistyped path is the user's mistake (exit 2), not a
				// vendor whose feed is empty (Not certified).
				missing = append(missing, fmt.Sprintf("--target %s: %s", t, msg))
			}
			v.Targets = append(v.Targets, map[string]any{"name": t, key: t})
		}
		if len(missing) > 0 {
			return nil, errors.New(strings.Join(missing, "\n"))
		}
		p.Vendors = []runner.VendorPlan{v}
		if err := p.Check(); err != nil {
			return nil, err
		}
	}
	if f.evidence != "" {
		if f.evidence != "redacted" && f.evidence != "full" {
			return nil, fmt.Errorf("--evidence %q: want redacted or full", f.evidence)
		}
		p.Evidence = f.evidence
	}
	igs, profiles := v2ProfilesAsSuites(f.igs)
	for _, ig := range igs {
		if pkgcache.IsReference(ig) {
			if _, err := pkgcache.Resolve(ig); err != nil {
				return nil, fmt.Errorf("--ig %s: %w", ig, err)
			}
		}
	}
	p.IGs = append(p.IGs, igs...)
	p.Suites = append(p.Suites, profiles...)
	p.ExtensionDomains = append(p.ExtensionDomains, f.extDomains...)
	p.FHIROptions = f.fhirOptionFlags.apply(p.FHIROptions)
	if err := f.terminologySettings.apply(p); err != nil {
		return nil, err
	}
	if f.baseline != "" {
		// A flag's path is the user's, relative to where they run carecert.
		abs, err := filepath.Abs(f.baseline)
		if err != nil {
			return nil, fmt.Errorf("--baseline: %w", err)
		}
		p.Baseline = abs
	}
	if f.feed != "" {
		setFeed(p, f.feed)
	}
	return p, nil
}

func runnerTargetIsURL(s string) bool {
	for _, prefix := range []string{"http://", "https://", "mllp://", "mllps://"} {
		if len(s) > len(prefix) && s[:len(prefix)] == prefix {
			return true
		}
	}
	return false
}

func (a *app) run(ctx context.Context, plan *runner.Plan, f runFlags) error {
	r := a.newRunner(f.workers, f.quiet)
	if f.shard != "" {
		return a.runShard(ctx, r, plan, f.shard, f.out, f.quiet)
	}
	// A bad plan writes nothing, not even the index.
	preflighted, err := r.PreflightPlan(plan)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	// Before anything is read: an interrupted or killed run must leave an
	// index that claims none of the earlier runs' files.
	index, err := runindex.Start(f.out, plan.Name, toolVersion())
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	f.index = index
	a.sayGuideGaps(plan)
	reps, runErr := r.RunPreflighted(ctx, preflighted)
	return a.finishRun(reps, runErr, f)
}

// finishRun writes the reports of a run (or a merge) and turns the outcome into
// an exit code.
func (a *app) finishRun(reps []*model.Report, runErr error, f runFlags) error {
	interrupted := runErr != nil && (errors.Is(runErr, context.Canceled) || errors.Is(runErr, context.DeadlineExceeded))
	if runErr != nil && !interrupted {
		// Reports finished before the failure are still written.
		if err := a.writeReports(reps, f, false); err != nil {
			return err
		}
		return &exitError{code: exitUsage, err: runErr}
	}
	if err := a.writeReports(reps, f, !interrupted); err != nil {
		return err
	}
	if interrupted {
		return &exitError{code: exitInterrupted, err: errors.New("interrupted: the results so far were written and marked incomplete")}
	}
	for _, rep := range reps {
		if rep.Verdict.Decision == model.NotCertified {
			return &exitError{code: exitFailed}
		}
	}
	return nil
}

// writeReports writes every vendor's reports, the comparison and the
// history, and indexes them in OUT/run.json as this run's; complete is false
// when the run stopped early.
func (a *app) writeReports(reps []*model.Report, f runFlags, complete bool) error {
	if f.index == nil {
		plan := ""
		if len(reps) > 0 {
			plan = reps[0].Plan
		}
		index, err := runindex.Start(f.out, plan, toolVersion())
		if err != nil {
			return err
		}
		f.index = index
	}
	for _, rep := range reps {
		dir := filepath.Join(f.out, runner.VendorPlan{Name: rep.Vendor.Name}.Slug())
		if err := a.writeCertification(dir, rep, f); err != nil {
			return err
		}
		if err := f.index.AddVendor(vendorDir(rep), rep, model.ReportFile); err != nil {
			return err
		}
		if !f.quiet {
			if err := reports.ConsoleWidth(a.stdout, rep, terminalWidth(a.stdout)); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "  reports: %s\n", dir)
		}
	}
	if err := a.recordRun(reps, f); err != nil {
		return err
	}
	return f.index.Finish(complete)
}

// sayGuideGaps prints once, before a run reads anything, the dependencies of
// its guides that it does not load as asked (check.Env.GuideGaps, the same
// words the report's fhir-profile results give).
func (a *app) sayGuideGaps(p *runner.Plan) {
	env := check.Env{IGs: p.IGs, PlanDir: p.Dir}
	for _, g := range env.GuideGaps() {
		fmt.Fprintln(a.stderr, "carecert:", g)
	}
}

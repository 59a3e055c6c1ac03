package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/formats"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/suites"
)

type validateFlags struct {
	fhirOptionFlags
	terminologySettings
	format      string
	suites, igs []string
	extDomains  []string
	quiet       bool
	maxFindings int
	workers     int
	evidence    string
	shard, out  string
	baseline    string
	watch       bool
}

func (a *app) validateCommand() *cobra.Command {
	var f validateFlags
	cmd := &cobra.Command{
		Use:   "validate PATH...",
		Short: "Check FHIR R4 JSON files, Bundles, NDJSON or folders without a plan",
		Long: `Validate files without a plan: single resources, Bundles (each entry is a
record), NDJSON (plain or .gz) and folders (recursively). By default every
built-in suite marked default for the input's kind runs; --suite picks others.

Exit 0 when there is no error-severity finding, 1 when there is, 2 for a usage
error or a path that cannot be read at all.

Evidence: a supplier at a terminal sees its own files' values in findings.
Without --evidence, evidence is full when the output is an interactive
terminal and $CI is unset, and redacted otherwise: piped, redirected to a
file, in a CI job's log, or written with --out or --shard, values that
identify a person show as [redacted], as in run's reports. --evidence full or
--evidence redacted always decides.

With --watch, validate stays running: it loads definitions and suites once,
validates, then re-checks each file that changes, appears or disappears under
the paths named (polled every 0.3 s), printing each re-check after a line with
the time and the files. Ctrl-C ends it with exit 0. --watch prints text,
markdown or console only, and cannot be combined with --shard, --out or
--baseline.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			collectorPolicy(a.lookupEnv)
			processorPolicy(a.lookupEnv, f.workers)
			return a.validate(cmd.Context(), args, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "text", "what to print: "+strings.Join(formats.Names(), ", "))
	fl.StringArrayVar(&f.suites, "suite", nil, "a built-in suite id or suite file (repeatable; default: the built-in defaults)")
	fl.StringArrayVar(&f.igs, "ig", nil, "an implementation guide to load: folder or package .tgz (repeatable)")
	fl.StringArrayVar(&f.extDomains, "accept-extensions", nil, "a URL prefix of extensions accepted (as warnings) without their definitions loaded (repeatable)")
	f.fhirOptionFlags.register(fl)
	f.terminologySettings.register(fl)
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress")
	fl.IntVar(&f.maxFindings, "max-findings", 1000, "findings kept per requirement and path (counts stay exact)")
	fl.IntVar(&f.workers, "workers", 0, "records checked at once (default: every core); fewer than the cores also runs on that many, unless GOMAXPROCS is set")
	fl.StringVar(&f.evidence, "evidence", "", "evidence in output: full (see your own files' values) or redacted (values that identify a person show as [redacted], as in run's reports); default: full on an interactive terminal outside CI, redacted otherwise")
	fl.StringVar(&f.shard, "shard", "", "check only shard i of n (e.g. 2/8) and write OUT/part-i-of-n.json for 'carecert merge'")
	fl.StringVar(&f.out, "out", "", "write every format into this folder, one subfolder per vendor, as carecert run does (with --shard: the folder for the part file, default out)")
	fl.StringVar(&f.baseline, "baseline", "", "the previous submission of a CSV extract, for submission-to-submission checks")
	fl.BoolVar(&f.watch, "watch", false, "keep running and re-check files as they change (Ctrl-C to stop)")
	return cmd
}

func (a *app) validate(ctx context.Context, paths []string, f validateFlags) error {
	format, err := formats.Lookup(f.format)
	if err != nil {
		return usageError("--%v", err)
	}
	switch f.evidence {
	case "":
		f.evidence = evidenceDefault(a.stdout, f)
		if f.evidence == "full" {
			fmt.Fprintln(a.stderr, "carecert: showing full evidence on this terminal (--evidence redacted hides values that identify a person)")
		}
	case "redacted", "full":
	default:
		return usageError("--evidence %q: want redacted or full", f.evidence)
	}
	if f.watch {
		if err := checkWatch(paths, f); err != nil {
			return err
		}
	}
	igs, profiles := v2ProfilesAsSuites(f.igs)
	for _, p := range profiles {
		fmt.Fprintf(a.stderr, "--ig %s is an HL7 v2 conformance profile: checked as a suite\n", p)
	}
	plan := &runner.Plan{Name: "validate", Suites: append(f.suites, profiles...), IGs: igs, ExtensionDomains: f.extDomains, SampleLimit: f.maxFindings, Evidence: f.evidence,
		FHIROptions: f.fhirOptionFlags.apply(nil)}
	v := runner.VendorPlan{Name: "carecert validate"}
	var kinds []model.Kind
	for _, p := range paths {
		t, key := validateTarget(p)
		ks := a.kindsOf(p, key)
		if f.baseline != "" {
			if len(paths) != 1 || !slices.Contains(ks, model.KindCSV) {
				return usageError("--baseline needs exactly one CSV extract to compare with it")
			}
			t["baseline"] = f.baseline
		}
		v.Targets = append(v.Targets, t)
		for _, k := range ks {
			if !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
	}
	if len(plan.Suites) == 0 {
		defaults, err := suites.Defaults(a.env.checks, kinds...)
		if err != nil {
			return usageError("%v", err)
		}
		for _, s := range defaults {
			plan.Suites = append(plan.Suites, s.ID)
		}
		if len(plan.Suites) == 0 {
			return usageError("no built-in suite applies to these inputs; name one with --suite")
		}
	}
	plan.Vendors = []runner.VendorPlan{v}
	if err := plan.Check(); err != nil {
		return usageError("%v", err)
	}
	if err := f.terminologySettings.apply(plan); err != nil {
		return usageError("%v", err)
	}
	r := a.newRunner(f.workers, f.quiet)
	if f.watch {
		return a.watch(ctx, r, plan, paths, format)
	}
	if f.shard != "" {
		out := f.out
		if out == "" {
			out = "out"
		}
		return a.runShard(ctx, r, plan, f.shard, out, f.quiet)
	}
	a.sayGuideGaps(plan)
	reps, err := r.Run(ctx, plan)
	interrupted := err != nil && errors.Is(err, context.Canceled)
	if err != nil && !interrupted {
		return usageError("%v", err)
	}
	rep := reps[0]
	if f.out != "" {
		if err := writeAll(filepath.Join(f.out, vendorDir(rep)), rep); err != nil {
			return err
		}
	}
	if err := a.printReport(format, rep); err != nil {
		return err
	}
	var unreadable []string
	for _, t := range rep.Targets {
		if t.Error != "" {
			unreadable = append(unreadable, t.Error)
		}
	}
	switch {
	case interrupted:
		return &exitError{code: exitInterrupted, err: errors.New("interrupted: results cover only the records read so far")}
	case len(unreadable) > 0:
		return &exitError{code: exitUsage, err: errors.New(unreadable[0])}
	case rep.Summary.Findings[model.Error] > 0:
		return &exitError{code: exitFailed}
	}
	return nil
}

// validateTarget is the plan target validate (and each --watch re-check)
// makes of a path or URL argument, and the key that locates it: path or url.
func validateTarget(location string) (map[string]any, string) {
	key := "path"
	if runnerTargetIsURL(location) {
		key = "url"
	}
	return map[string]any{"name": location, key: location}, key
}

// printReport prints a report validate made: with the evidence the run kept,
// fitted to the terminal.
func (a *app) printReport(format reports.Format, rep *model.Report) error {
	return format.Render(a.stdout, rep, reports.RenderOptions{FullEvidence: rep.Evidence == "full", Width: terminalWidth(a.stdout)})
}

// evidenceDefault is validate's evidence when --evidence is not given: full
// for a person reading the output at a terminal, redacted wherever it may be
// kept or passed on (a pipe, a file, a CI log, report files). No default
// output that outlives the screen holds a patient identifier.
func evidenceDefault(stdout io.Writer, f validateFlags) string {
	if f.out == "" && f.shard == "" && interactive(stdout) {
		return "full"
	}
	return "redacted"
}

// kindsOf is the record kinds a path or URL yields, which decide the default
// suites: a live FHIR server yields both API exchanges and resources. Opening a
// target does not contact it.
func (a *app) kindsOf(location, key string) []model.Kind {
	spec := target.Spec{Name: location}
	if key == "url" {
		spec.URL = location
	} else {
		spec.Path = location
	}
	if t, _, err := a.env.targets.Open(spec); err == nil {
		if k, ok := t.(target.Kinder); ok {
			return k.Kinds()
		}
	}
	switch target.Infer(spec) {
	case "hl7v2", "mllp":
		return []model.Kind{model.KindHL7v2}
	case "csv":
		return []model.Kind{model.KindCSV}
	}
	return []model.Kind{model.KindFHIR}
}

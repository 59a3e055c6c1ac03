package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/reports/diff"
)

type diffFlags struct {
	baseline, failOn, format string
	all, otherVendor         bool
}

func (a *app) diffCommand() *cobra.Command {
	var f diffFlags
	cmd := &cobra.Command{
		Use:   "diff --baseline OLD.json|DIR NEW.json|DIR",
		Short: "Compare a release's report with a baseline: new failures, fixed, unchanged per requirement",
		Long: `Compare two reports requirement by requirement (matched by suite and id; the
worst outcome over targets counts). A requirement is a new failure when it
passed or warned in the baseline and fails now.

  carecert diff --baseline certified/report.json out/acme/report.json --fail-on new

--fail-on decides the exit code: new (exit 1 only when the release breaks
something the baseline passed), any (exit 1 when anything fails now) or never
(the default). --format text, markdown (for pull-request comments) or json.
Exit 2 when a report cannot be read, or when the two reports are of different
vendors: a baseline of another supplier is almost always a wrong path, and a
gate must not pass on it. --other-vendor compares them anyway, with a warning
(carecert compare puts vendors side by side).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.diff(args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.baseline, "baseline", "", "the baseline report.json (required)")
	fl.StringVar(&f.failOn, "fail-on", "never", "exit 1 on: new, any or never")
	fl.StringVar(&f.format, "format", "text", "output: text, markdown or json")
	fl.BoolVar(&f.all, "all", false, "list unchanged passing requirements too (text output)")
	fl.BoolVar(&f.otherVendor, "other-vendor", false, "compare reports of two different vendors (else exit 2)")
	return cmd
}

func (a *app) diff(current string, f diffFlags) error {
	if f.baseline == "" {
		return usageError("--baseline is required: the report to compare against")
	}
	if f.failOn != "new" && f.failOn != "any" && f.failOn != "never" {
		return usageError("--fail-on %q: want new, any or never", f.failOn)
	}
	if f.format != "text" && f.format != "markdown" && f.format != "json" {
		return usageError("--format %q: want text, markdown or json", f.format)
	}
	old, err := readReport(f.baseline)
	if err != nil {
		return usageError("baseline: %v", err)
	}
	cur, err := readReport(current)
	if err != nil {
		return usageError("%v", err)
	}
	d := diff.Compare(old, cur)
	if d.OtherVendor {
		if !f.otherVendor {
			return usageError("the baseline is of vendor %q and the report of %q: give the same vendor's earlier report as --baseline, or --other-vendor to compare two vendors anyway", d.Baseline.Vendor, d.Current.Vendor)
		}
		fmt.Fprintln(a.stderr, "warning: "+d.VendorWarning())
	}
	switch f.format {
	case "markdown":
		err = d.Markdown(a.stdout)
	case "json":
		err = d.JSON(a.stdout)
	default:
		err = d.Console(a.stdout, f.all)
	}
	if err != nil {
		return err
	}
	switch {
	case f.failOn == "new" && len(d.NewFailures()) > 0:
		return &exitError{code: exitFailed}
	case f.failOn == "any" && d.AnyFailing():
		return &exitError{code: exitFailed}
	}
	return nil
}
